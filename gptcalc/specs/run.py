"""A training run's unknowns: three of tokens, GPUs, days and MFU give the fourth."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, model_validator

from gptcalc.specs.base import Spec
from gptcalc.specs.costs import CostAssumptions
from gptcalc.specs.defaults import DEFAULT_DTYPE
from gptcalc.specs.hardware import Dtype, Hardware
from gptcalc.specs.quantities import FractionValue, PosValue

RUN_UNKNOWNS = ("tokens", "gpus", "days", "mfu")


def unknowns_message(missing: list[str]) -> str:
    """Why a run is not three-of-four: which of its unknowns are missing (or that none is)."""
    flags = ", ".join(f"--{k}" for k in RUN_UNKNOWNS)
    if not missing:
        return (
            f"tokens, gpus, days and mfu are all fixed, which over-determines the run; leave one of {flags} "
            "out (with the model's FLOPs, any three give the fourth)"
        )
    return f"{' and '.join(missing)} are all unknown; give three of {flags} (any three give the fourth)"


def unknown_of(given: Mapping[str, object]) -> str:
    """The one of tokens, gpus, days, mfu left None in ``given``; raises ValueError unless exactly one is."""
    missing = [k for k in RUN_UNKNOWNS if given.get(k) is None]
    if len(missing) != 1:
        raise ValueError(unknowns_message(missing))
    return missing[0]


class Run(Spec):
    """One training run: three of tokens, GPUs, days and MFU fixed, the fourth solved for (the run identity
    tokens x FLOPs/token = GPUs x peak x MFU x days x 86,400; Kaplan et al. 2020, PaLM App. B)."""

    DEFAULTS_VALID = False

    tokens: PosValue | None = Field(default=None, description="Training tokens.")
    gpus: PosValue | None = Field(default=None, description="Accelerators.")
    days: PosValue | None = Field(default=None, description="Wall-clock days.")
    mfu: FractionValue | None = Field(default=None, description="Model FLOPs utilization, (0, 1].")

    @model_validator(mode="after")
    def _three_of_four(self) -> Run:
        unknown_of({k: getattr(self, k) for k in RUN_UNKNOWNS})
        return self

    @property
    def solve_for(self) -> str:
        """The one unknown left open."""
        return unknown_of({k: getattr(self, k) for k in RUN_UNKNOWNS})


class RunForModels(Spec):
    """One training run applied to every model of a comparison (three of tokens, gpus, days, mfu)."""

    hardware: Hardware
    tokens: PosValue | None = None
    gpus: PosValue | None = None
    days: PosValue | None = None
    mfu: FractionValue | None = None
    dtype: Dtype = DEFAULT_DTYPE
    costs: CostAssumptions = Field(default_factory=CostAssumptions)
