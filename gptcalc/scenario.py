"""Scenarios: a named combination of model, dataset, hardware and run settings, plus what a source claims.

A training scenario names presets (``model``, ``dataset``, ``hardware``), fixes three of tokens / gpus /
days / mfu (tokens usually from the dataset) and may override fields of the presets it names
(``model_overrides = {"moe.n_experts" = 32}``). ``claims`` hold the figures a source states, for
:mod:`gptcalc.audit`. Any numeric field may be a range (``"0.32..0.36"`` or ``[0.32, 0.36]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field

from gptcalc.arch import Architecture
from gptcalc.dataset import Dataset
from gptcalc.errors import InputError
from gptcalc.flops import DEFAULT_CONVENTION, RecomputeMode, get_convention
from gptcalc.hardware import Dtype, Hardware
from gptcalc.load import load_dataset, load_hardware, load_model
from gptcalc.overrides import apply_overrides, coerce, parse_assignment
from gptcalc.presets import find_preset, read_file
from gptcalc.serving import ServingSetup
from gptcalc.specbase import PosInt, Spec, validate_spec
from gptcalc.training import CostAssumptions, TrainingEstimate, estimate_training, run_context
from gptcalc.uncertainty import Value
from gptcalc.units import FractionValue, PosValue


class Claims(Spec):
    """Figures a source states about a training run; every one is optional and may be a range."""

    tokens: PosValue | None = Field(default=None, description="Training tokens claimed.")
    flops: PosValue | None = Field(default=None, description="Training FLOPs claimed.")
    flops_convention: str = Field(
        default=DEFAULT_CONVENTION, description="Convention the claimed FLOPs follow (the leak's 2.15e25 is 6N)."
    )
    gpus: PosValue | None = Field(default=None, description="Accelerators claimed.")
    days: PosValue | None = Field(default=None, description="Wall-clock days claimed.")
    mfu: FractionValue | None = Field(default=None, description="Model FLOPs utilization claimed.")
    gpu_hours: PosValue | None = Field(default=None, description="Accelerator-hours claimed.")
    cost_usd: PosValue | None = Field(default=None, description="Cost claimed, USD.")
    price_per_gpu_hour: PosValue | None = Field(default=None, description="Price the claim assumes, USD/GPU-hour.")
    source: str = Field(default="", description="Where the claims come from.")


class TrainingScenario(Spec):
    """A named training run."""

    kind: Literal["training"] = Field(default="training", description="Scenario kind.")
    name: str = Field(default="custom", description="Short name.")
    description: str = Field(default="", description="What this is.")
    source: str = Field(default="", description="Where its numbers come from.")
    model: str = Field(description="Model preset name or file.")
    dataset: str | None = Field(default=None, description="Dataset preset giving tokens and sequence length.")
    hardware: str = Field(description="Hardware preset name or alias.")
    dtype: Dtype = Field(default="bf16", description="Number format whose peak rate MFU refers to.")
    tokens: PosValue | None = Field(default=None, description="Training tokens; None: the dataset's.")
    seq_len: PosInt | None = Field(default=None, description="Sequence length; None: the dataset's.")
    gpus: PosValue | None = Field(default=None, description="Accelerators.")
    days: PosValue | None = Field(default=None, description="Wall-clock days.")
    mfu: FractionValue | None = Field(default=None, description="Model FLOPs utilization.")
    convention: str = Field(default=DEFAULT_CONVENTION, description="FLOP counting convention for the run.")
    recompute: RecomputeMode = Field(default="none", description="Activation recomputation (hardware FLOPs).")
    costs: CostAssumptions = Field(default_factory=CostAssumptions, description="Prices, energy, cost model.")
    model_overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted model fields to change.")
    hardware_overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted hardware fields to change.")
    claims: Claims = Field(default_factory=Claims, description="What the source claims, for the audit.")


class ServingClaims(Spec):
    """Figures a source states about serving."""

    cost_per_1k_tokens: PosValue | None = Field(default=None, description="USD per 1,000 tokens claimed.")
    basis: Literal["blended", "output", "input"] = Field(
        default="blended", description="Which tokens the claimed price covers."
    )
    source: str = Field(default="", description="Where the claims come from.")


class ServingScenario(Spec):
    """A named serving deployment."""

    kind: Literal["serving"] = Field(default="serving", description="Scenario kind.")
    name: str = Field(default="custom", description="Short name.")
    description: str = Field(default="", description="What this is.")
    source: str = Field(default="", description="Where its numbers come from.")
    model: str = Field(description="Model preset name or file.")
    hardware: str = Field(description="Hardware preset name or alias.")
    serving: ServingSetup = Field(default_factory=ServingSetup, description="Layout, traffic, prices.")
    model_overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted model fields to change.")
    hardware_overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted hardware fields to change.")
    claims: ServingClaims = Field(default_factory=ServingClaims, description="What the source claims.")


def _scenario_kind(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("kind", "training"))
    return str(getattr(value, "kind", "training"))


class ResolvedScenario(Spec):
    """A scenario with its presets loaded and its tokens and sequence length settled."""

    scenario: TrainingScenario
    arch: Architecture
    hardware: Hardware
    dataset: Dataset | None
    tokens: PosValue | None
    seq_len: PosInt


def load_scenario(ref: str, preset_dirs: Sequence[str | Path] = ()) -> TrainingScenario | ServingScenario:
    """A scenario preset by name or file (``kind = "serving"`` for serving, training otherwise)."""
    path = find_preset("scenarios", ref, preset_dirs)
    data = read_file(path)
    data.setdefault("name", path.stem)
    if _scenario_kind(data) == "serving":
        return validate_spec(ServingScenario, data, origin=str(path))
    return validate_spec(TrainingScenario, data, origin=str(path))


S = TypeVar("S", TrainingScenario, ServingScenario)


def override_scenario(scenario: S, assignments: Iterable[str]) -> S:
    """Apply ``--set`` to a scenario: ``model.X`` and ``hardware.X`` change the presets it names."""
    model_over = dict(scenario.model_overrides)
    hw_over = dict(scenario.hardware_overrides)
    own: dict[str, Any] = {}
    for item in assignments:
        key, text = parse_assignment(item)
        head, _, rest = key.partition(".")
        if head == "model" and rest:
            model_over[rest] = coerce(rest, text)
        elif head == "hardware" and rest:
            hw_over[rest] = coerce(rest, text)
        else:
            own[key] = coerce(key, text)
    updated = apply_overrides(scenario, own) if own else scenario
    return updated.model_copy(update={"model_overrides": model_over, "hardware_overrides": hw_over})


RUN_FIELDS = ("gpus", "days", "mfu")
DROP_ORDER = ("mfu", "days", "gpus")  # which of a scenario's settings gives way first (GPUs are most physical)


def fields_to_release(scenario: TrainingScenario, forced: set[str]) -> list[str]:
    """Run settings of ``scenario`` to unset so that, with ``forced`` fields fixed by the user, exactly
    three of tokens, gpus, days, mfu stay fixed (tokens always are)."""
    fixed = {k for k in RUN_FIELDS if getattr(scenario, k) is not None} | (forced & set(RUN_FIELDS))
    excess = len(fixed) - 2
    droppable = [k for k in DROP_ORDER if k in fixed - forced]
    return droppable[: max(excess, 0)]


def resolve_serving(
    scenario: ServingScenario, preset_dirs: Sequence[str | Path] = ()
) -> tuple[Architecture, Hardware, ServingSetup]:
    """The model, hardware and setup of a serving scenario, overrides applied."""
    arch = apply_overrides(load_model(scenario.model, preset_dirs), scenario.model_overrides, "model_overrides")
    hw = apply_overrides(
        load_hardware(scenario.hardware, preset_dirs), scenario.hardware_overrides, "hardware_overrides"
    )
    return arch, hw, scenario.serving


def resolve(scenario: TrainingScenario, preset_dirs: Sequence[str | Path] = ()) -> ResolvedScenario:
    """Load the presets a scenario names, apply its overrides, settle tokens and sequence length."""
    arch = apply_overrides(load_model(scenario.model, preset_dirs), scenario.model_overrides, "model_overrides")
    hw = apply_overrides(
        load_hardware(scenario.hardware, preset_dirs), scenario.hardware_overrides, "hardware_overrides"
    )
    dataset = load_dataset(scenario.dataset, preset_dirs) if scenario.dataset else None
    tokens: Value | None = scenario.tokens
    if (
        tokens is None
        and dataset is not None
        and scenario.days is not None
        and scenario.gpus is not None
        and (scenario.mfu is not None)
    ):
        tokens = None  # gpus, days and mfu fixed: the tokens are what the run can train on
    elif tokens is None and dataset is not None:
        tokens = dataset.total_tokens
    seq_len = scenario.seq_len or (dataset.seq_len if dataset else None) or arch.context_length
    if seq_len is None:
        raise InputError(f"scenario {scenario.name}: no seq_len and neither its dataset nor its model gives one")
    return ResolvedScenario(scenario=scenario, arch=arch, hardware=hw, dataset=dataset, tokens=tokens, seq_len=seq_len)


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
    return estimate_training(
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
    )
