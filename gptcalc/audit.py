"""Claim audit: each claimed figure beside the value the scenario's other claims and the model imply.

Every derivation is the run identity (see :mod:`gptcalc.training`), through its three solved forms
:func:`~gptcalc.training.delivered_flops`, :func:`~gptcalc.training.gpu_hours_for` and
:func:`~gptcalc.training.mfu_for`::

    tokens * FLOPs/token = gpus * peak * MFU * days * 86,400,   cost = GPU-hours * price

evaluated with ranges (corners). A claim *agrees* when its range and the derived range overlap once each
is widened by ``tolerance`` (default 5%, for the rounding of figures quoted as "~").
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field

from gptcalc.errors import InputError
from gptcalc.flops import flops_per_token
from gptcalc.specs.base import Result
from gptcalc.specs.conventions import get_convention
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.quantities import Range, Value, as_range
from gptcalc.specs.scenario import ResolvedScenario
from gptcalc.training import HOURS_PER_DAY, delivered_flops, gpu_hours_for, mfu_for
from gptcalc.uncertainty import propagate


class AuditRow(Result):
    """One claimed (or merely implied) quantity against its derivation."""

    quantity: str = Field(description="What is compared.")
    claimed: Range | None = Field(description="The source's figure, if it states one.")
    derived: Range = Field(description="What the other figures imply.")
    derived_from: str = Field(description="The figures the derivation uses.")
    agrees: bool | None = Field(description="Ranges overlap within tolerance; None when nothing is claimed.")
    ratio: float | None = Field(description="derived mid / claimed mid.")


class Audit(Result):
    scenario: str
    tolerance: float
    convention: str
    rows: list[AuditRow]

    @property
    def disagreements(self) -> list[AuditRow]:
        return [r for r in self.rows if r.agrees is False]


def overlaps(a: Range, b: Range, tolerance: float) -> bool:
    """Whether two ranges overlap after each bound is widened by ``tolerance`` (relative)."""
    return a.low * (1 - tolerance) <= b.high * (1 + tolerance) and b.low * (1 - tolerance) <= a.high * (1 + tolerance)


def audit(resolved: ResolvedScenario, tolerance: float = 0.05) -> Audit:
    """Compare every claim of a scenario with what the model, hardware and the other claims imply."""
    s = resolved.scenario
    c = s.claims
    arch, hw = resolved.arch, resolved.hardware
    conv = get_convention(s.convention)
    fpt = flops_per_token(arch, resolved.seq_len, conv).training_per_token
    claim_fpt = flops_per_token(arch, resolved.seq_len, get_convention(c.flops_convention)).training_per_token
    peak = hw.peak_flops(s.dtype)
    tokens = c.tokens if c.tokens is not None else resolved.tokens
    price = c.price_per_gpu_hour if c.price_per_gpu_hour is not None else s.costs.price_per_gpu_hour
    rows: list[AuditRow] = []

    def add(
        quantity: str, claimed: Value | None, derived_from: str, fn: Callable[..., float], **inputs: Value | None
    ) -> None:
        if any(v is None for v in inputs.values()):
            return
        derived = propagate(lambda **kw: {"v": fn(**kw)}, {k: v for k, v in inputs.items() if v is not None})["v"]
        if not isinstance(derived, Range):  # propagate leaves a non-finite value as it is
            raise InputError(
                f"claims: {quantity} derived from {derived_from} comes out as {derived}; check the claims and inputs"
                " for extreme values"
            )
        claimed_r = as_range(claimed) if claimed is not None else None
        rows.append(
            AuditRow(
                quantity=quantity,
                claimed=claimed_r,
                derived=derived,
                derived_from=derived_from,
                agrees=None if claimed_r is None else overlaps(claimed_r, derived, tolerance),
                ratio=None if claimed_r is None else derived.mid / claimed_r.mid,
            )
        )

    add(
        f"flops ({c.flops_convention})",
        c.flops,
        f"architecture x tokens, {c.flops_convention} convention",
        lambda tokens: tokens * claim_fpt,
        tokens=tokens,
    )
    add(
        "flops",
        c.flops,
        "gpus x days x mfu x peak",
        lambda gpus, days, mfu: delivered_flops(gpus * days * HOURS_PER_DAY, peak, mfu),
        gpus=c.gpus,
        days=c.days,
        mfu=c.mfu,
    )
    add(
        "days",
        c.days,
        f"model FLOPs ({conv.name}) / (gpus x mfu x peak)",
        lambda tokens, gpus, mfu: gpu_hours_for(tokens * fpt, peak, mfu) / (gpus * HOURS_PER_DAY),
        tokens=tokens,
        gpus=c.gpus,
        mfu=c.mfu,
    )
    add(
        "gpus",
        c.gpus,
        f"model FLOPs ({conv.name}) / (days x mfu x peak)",
        lambda tokens, days, mfu: gpu_hours_for(tokens * fpt, peak, mfu) / (days * HOURS_PER_DAY),
        tokens=tokens,
        days=c.days,
        mfu=c.mfu,
    )
    for dtype in _dtypes(hw, s.dtype):
        dpeak = hw.peak_flops(dtype)
        add(
            f"mfu ({dtype} peak)",
            c.mfu if dtype == s.dtype else None,
            f"model FLOPs ({conv.name}) / (gpus x days x {dtype} peak)",
            lambda tokens, gpus, days, p=dpeak: mfu_for(tokens * fpt, gpus * days * HOURS_PER_DAY, p),
            tokens=tokens,
            gpus=c.gpus,
            days=c.days,
        )
        add(
            f"mfu implied by the GPU-hours ({dtype} peak)",
            c.mfu if dtype == s.dtype else None,
            f"model FLOPs ({conv.name}) / (gpu_hours x 3600 x {dtype} peak)",
            lambda tokens, gpu_hours, p=dpeak: mfu_for(tokens * fpt, gpu_hours, p),
            tokens=tokens,
            gpu_hours=c.gpu_hours,
        )
        add(
            f"mfu implied by the cost ({dtype} peak)",
            c.mfu if dtype == s.dtype else None,
            f"model FLOPs ({conv.name}) / (cost / price x 3600 x {dtype} peak)",
            lambda tokens, cost, price, p=dpeak: mfu_for(tokens * fpt, cost / price, p),
            tokens=tokens,
            cost=c.cost_usd,
            price=price,
        )
    if c.days is None:
        add(
            "days",
            None,
            "gpu_hours / gpus / 24",
            lambda gpu_hours, gpus: gpu_hours / gpus / HOURS_PER_DAY,
            gpu_hours=c.gpu_hours,
            gpus=c.gpus,
        )
    add(
        "gpu_hours",
        c.gpu_hours,
        "gpus x days x 24",
        lambda gpus, days: gpus * days * HOURS_PER_DAY,
        gpus=c.gpus,
        days=c.days,
    )
    add(
        "gpu_hours",
        c.gpu_hours,
        f"model FLOPs ({conv.name}) / (mfu x peak x 3600)",
        lambda tokens, mfu: gpu_hours_for(tokens * fpt, peak, mfu),
        tokens=tokens,
        mfu=c.mfu,
    )
    add(
        "cost_usd",
        c.cost_usd,
        "gpus x days x 24 x price",
        lambda gpus, days, price: gpus * days * HOURS_PER_DAY * price,
        gpus=c.gpus,
        days=c.days,
        price=price,
    )
    add(
        "cost_usd",
        c.cost_usd,
        f"model FLOPs ({conv.name}) / (mfu x peak x 3600) x price",
        lambda tokens, mfu, price: gpu_hours_for(tokens * fpt, peak, mfu) * price,
        tokens=tokens,
        mfu=c.mfu,
        price=price,
    )
    add(
        "cost_usd",
        c.cost_usd,
        "gpu_hours x price",
        lambda gpu_hours, price: gpu_hours * price,
        gpu_hours=c.gpu_hours,
        price=price,
    )
    return Audit(scenario=s.name, tolerance=tolerance, convention=conv.name, rows=rows)


def _dtypes(hw: Hardware, main: str) -> list[str]:
    """The scenario's dtype first, then bf16 and fp8 where the hardware has them (the H100 question)."""
    out = [main]
    for extra in ("bf16", "fp8"):
        if extra in hw.peak_tflops and extra not in out:
            out.append(extra)
    return out
