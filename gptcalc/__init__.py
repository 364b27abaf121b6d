"""gptcalc: an analytical cost-and-capacity calculator for transformer language models.

The public names below load lazily (PEP 562), so ``import gptcalc`` and the CLI start fast; each name
lives in the module that owns it (``gptcalc.params.count_params`` and so on).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # specs
    "Architecture": "gptcalc.specs.arch",
    "Hardware": "gptcalc.specs.hardware",
    "Dataset": "gptcalc.specs.dataset",
    "TrainingScenario": "gptcalc.specs.scenario",
    "ServingScenario": "gptcalc.specs.serving_scenario",
    "TrainLayout": "gptcalc.specs.layout",
    "ServingSetup": "gptcalc.specs.serving",
    "Speculation": "gptcalc.specs.serving",
    "CostAssumptions": "gptcalc.specs.costs",
    "FlopsConvention": "gptcalc.specs.conventions",
    "Range": "gptcalc.specs.quantities",
    "Run": "gptcalc.specs.run",
    "RunForModels": "gptcalc.specs.run",
    # loading
    "load_model": "gptcalc.adapters.load",
    "load_hardware": "gptcalc.adapters.load",
    "load_dataset": "gptcalc.adapters.load",
    "load_scenario": "gptcalc.adapters.scenarios",
    "load_comparands": "gptcalc.adapters.scenarios",
    "resolve": "gptcalc.adapters.scenarios",
    "resolve_serving": "gptcalc.adapters.scenarios",
    "architecture_from_hf": "gptcalc.adapters.hf_config",
    "apply_overrides": "gptcalc.adapters.overrides",
    "list_presets": "gptcalc.adapters.catalog",
    # math
    "inventory": "gptcalc.inventory",
    "count_params": "gptcalc.params",
    "flops_per_token": "gptcalc.flops",
    "get_convention": "gptcalc.specs.conventions",
    "estimate_training": "gptcalc.training",
    "training_run": "gptcalc.training",
    "evaluate": "gptcalc.scenario",
    "audit": "gptcalc.audit",
    "compare": "gptcalc.compare",
    "training_memory": "gptcalc.memory",
    "serving_memory": "gptcalc.memory",
    "kv_bytes_per_token": "gptcalc.memory",
    "gpus_to_hold_states": "gptcalc.memory",
    "step_time": "gptcalc.steptime",
    "fit_training": "gptcalc.fit",
    "fit_serving": "gptcalc.fit",
    "estimate_serving": "gptcalc.serving",
    "implied_by_cost": "gptcalc.serving_load",
    "compute_optimal": "gptcalc.scaling",
    "loss": "gptcalc.scaling",
    "plan": "gptcalc.plan",
    "suggest_architecture": "gptcalc.plan",
    "solve": "gptcalc.solve",
    "SolveTargets": "gptcalc.specs.solve",
    "SolveShape": "gptcalc.specs.solve",
    "sweep": "gptcalc.sweep",
    "parse_axis": "gptcalc.sweep",
    "sensitivity": "gptcalc.sensitivity",
    "propagate": "gptcalc.uncertainty",
    # errors
    "GptcalcError": "gptcalc.errors",
    "InputError": "gptcalc.errors",
    "SpecError": "gptcalc.errors",
    "PresetError": "gptcalc.errors",
    "ConfigImportError": "gptcalc.errors",
    "LayoutError": "gptcalc.errors",
    "InfeasibleError": "gptcalc.errors",
    "UnsupportedDtypeError": "gptcalc.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gptcalc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
