"""A training run's unknowns: three of tokens, GPUs, days and MFU give the fourth."""

from __future__ import annotations

from pydantic import Field

from gptcalc.specs.base import Spec
from gptcalc.specs.costs import CostAssumptions
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.quantities import FractionValue, PosValue


class RunForModels(Spec):
    """One training run applied to every model of a comparison (three of tokens, gpus, days, mfu)."""

    hardware: Hardware
    tokens: PosValue | None = None
    gpus: PosValue | None = None
    days: PosValue | None = None
    mfu: FractionValue | None = None
    dtype: str = "bf16"
    costs: CostAssumptions = Field(default_factory=CostAssumptions)
