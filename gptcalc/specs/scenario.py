"""Scenarios: a named combination of model, dataset, hardware and run settings, plus what a source claims.

A training scenario names presets (``model``, ``dataset``, ``hardware``), fixes three of tokens / gpus /
days / mfu (tokens usually from the dataset) and may override fields of the presets it names
(``model_overrides = {"moe.n_experts" = 32}``). ``claims`` hold the figures a source states, for
:mod:`gptcalc.audit`. Any numeric field may be a range (``"0.32..0.36"`` or ``[0.32, 0.36]``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Fraction, PosInt, Spec
from gptcalc.specs.conventions import ConventionName, RecomputeMode
from gptcalc.specs.costs import CostAssumptions
from gptcalc.specs.dataset import Dataset
from gptcalc.specs.defaults import DEFAULT_CONVENTION, DEFAULT_DTYPE, DEFAULT_RECOMPUTE
from gptcalc.specs.hardware import Dtype, Hardware
from gptcalc.specs.layout import TrainLayout
from gptcalc.specs.quantities import FractionValue, PosValue


class Claims(Spec):
    """Figures a source states about a training run; every one is optional and may be a range."""

    tokens: PosValue | None = Field(default=None, description="Training tokens claimed.")
    flops: PosValue | None = Field(default=None, description="Training FLOPs claimed.")
    flops_convention: ConventionName = Field(
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
    dtype: Dtype = Field(default=DEFAULT_DTYPE, description="Number format whose peak rate MFU refers to.")
    tokens: PosValue | None = Field(default=None, description="Training tokens; None: the dataset's.")
    seq_len: PosInt | None = Field(default=None, description="Sequence length; None: the dataset's.")
    gpus: PosValue | None = Field(default=None, description="Accelerators.")
    days: PosValue | None = Field(default=None, description="Wall-clock days.")
    mfu: FractionValue | None = Field(default=None, description="Model FLOPs utilization.")
    convention: ConventionName = Field(default=DEFAULT_CONVENTION, description="FLOP counting convention for the run.")
    recompute: RecomputeMode = Field(
        default=DEFAULT_RECOMPUTE, description="Activation recomputation (hardware FLOPs)."
    )
    costs: CostAssumptions = Field(default_factory=CostAssumptions, description="Prices, energy, cost model.")
    layout: TrainLayout | None = Field(
        default=None,
        description="Parallel layout; with neither mfu nor days the run's MFU is predicted from it (gptcalc step).",
    )
    global_batch: PosInt | None = Field(default=None, description="Sequences per step, for the predicted MFU.")
    goodput: Fraction | None = Field(
        default=None, description="Share of wall time on useful steps; None: 1 for a given MFU, the model's else."
    )
    model_overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted model fields to change.")
    hardware_overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted hardware fields to change.")
    claims: Claims = Field(default_factory=Claims, description="What the source claims, for the audit.")


def scenario_kind(value: Any) -> str:
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
