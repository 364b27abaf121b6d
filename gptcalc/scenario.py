"""Scenarios: a named combination of model, dataset, hardware and run settings, plus what a source claims.

A training scenario names presets (``model``, ``dataset``, ``hardware``), fixes three of tokens / gpus /
days / mfu (tokens usually from the dataset) and may override fields of the presets it names
(``model_overrides = {"moe.n_experts" = 32}``). ``claims`` hold the figures a source states, for
:mod:`gptcalc.audit`. Any numeric field may be a range (``"0.32..0.36"`` or ``[0.32, 0.36]``).
"""

from __future__ import annotations

from typing import Any

from gptcalc.specs.arch import Architecture
from gptcalc.specs.conventions import get_convention
from gptcalc.specs.quantities import Range, Value
from gptcalc.specs.scenario import ResolvedScenario, TrainingScenario
from gptcalc.training import TrainingEstimate, estimate_training, run_context

RUN_FIELDS = ("gpus", "days", "mfu")
DROP_ORDER = ("mfu", "days", "gpus")  # which of a scenario's settings gives way first (GPUs are most physical)


def fields_to_release(scenario: TrainingScenario, forced: set[str]) -> list[str]:
    """Run settings of ``scenario`` to unset so that, with ``forced`` fields fixed by the user, exactly
    three of tokens, gpus, days, mfu stay fixed (tokens always are)."""
    fixed = {k for k in RUN_FIELDS if getattr(scenario, k) is not None} | (forced & set(RUN_FIELDS))
    excess = len(fixed) - 2
    droppable = [k for k in DROP_ORDER if k in fixed - forced]
    return droppable[: max(excess, 0)]


def scenario_run_context(
    resolved: ResolvedScenario, arch: Architecture | None = None
) -> tuple[dict[str, Any], dict[str, Value]]:
    """The fixed and cost inputs of :func:`gptcalc.training.run_numbers` for a scenario (optionally with
    another architecture), as sweeps and sensitivity need them."""
    s = resolved.scenario
    _, fixed, cost_inputs = run_context(
        arch or resolved.arch,
        resolved.hardware,
        seq_len=resolved.seq_len,
        dtype=s.dtype,
        convention=get_convention(s.convention),
        recompute=s.recompute,
        costs=s.costs,
    )
    return fixed, cost_inputs


def evaluate(resolved: ResolvedScenario) -> TrainingEstimate:
    """The training estimate of a resolved scenario (see :func:`gptcalc.training.estimate_training`)."""
    s = resolved.scenario
    est = estimate_training(
        resolved.arch,
        resolved.hardware,
        seq_len=resolved.seq_len,
        tokens=resolved.tokens,
        gpus=s.gpus,
        days=s.days,
        mfu=s.mfu,
        dtype=s.dtype,
        convention=get_convention(s.convention),
        recompute=s.recompute,
        costs=s.costs,
        layout=s.layout,
        global_batch=s.global_batch,
        goodput=s.goodput,
    )
    claimed = s.claims.mfu
    if s.mfu is None and s.days is None and claimed is not None:
        low, high = (claimed.low, claimed.high) if isinstance(claimed, Range) else (claimed, claimed)
        note = f"the source claims MFU {low:.0%}-{high:.0%}; predicted run MFU {est.mfu.mid:.1%}"
        est = est.model_copy(update={"assumptions": [*est.assumptions, note]})
    return est
