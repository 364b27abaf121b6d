"""Turning option strings into typed values, with errors that name the flag."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gptcalc.errors import InputError
from gptcalc.specs.quantities import Range, parse_length, parse_range

if TYPE_CHECKING:  # the CLI imports the math modules only when a command runs
    from gptcalc.specs.conventions import FlopsConvention
    from gptcalc.specs.costs import CostAssumptions
    from gptcalc.specs.quantities import Value


def value(text: str | None, flag: str, *, zero_ok: bool = False) -> Value | None:
    """A number or a low..high range, or None when the option was not given. Every quantity a flag takes is
    positive (``zero_ok``: or zero, e.g. a grid intensity); a negative one is refused here, naming the flag."""
    if text is None:
        return None
    parsed = parse_range(text, name=flag)
    low = parsed.low if isinstance(parsed, Range) else parsed
    if low < 0 or (low == 0 and not zero_ok):
        raise InputError(f"{flag}: must be {'>= 0' if zero_ok else '> 0'}, got {text!r}")
    return parsed


def scalar(text: str | None, flag: str) -> float | None:
    """One positive number (no range), or None when the option was not given."""
    parsed = value(text, flag)
    if isinstance(parsed, Range):
        if not parsed.is_exact:
            raise InputError(f"{flag}: a single number here, not a range, got {text!r}")
        return parsed.mid
    return parsed


def length(text: str | None, flag: str) -> int | None:
    return None if text is None else parse_length(text, name=flag)


def convention(
    name: str | None, attention: str | None = None, head_backward: bool | None = None
) -> FlopsConvention | None:
    """A named convention (default 6n), with its attention mode or head-backward choice overridden."""
    from gptcalc.specs.conventions import get_convention
    from gptcalc.specs.defaults import DEFAULT_CONVENTION

    if name is None and attention is None and head_backward is None:
        return None
    base = get_convention(name or DEFAULT_CONVENTION)
    changes: dict[str, Any] = {}
    if attention is not None:
        if attention not in ("excluded", "causal", "full"):
            raise InputError(f"--attention-flops: unknown {attention!r}; allowed: excluded, causal, full")
        changes["attention"] = attention
    if head_backward is not None:
        changes["logits_backward"] = head_backward
    if not changes:
        return base
    return base.model_copy(update={**changes, "name": f"{base.name}+custom"})


def costs(
    *,
    price: str | None = None,
    cost_model: str | None = None,
    gpu_price: str | None = None,
    pue: str | None = None,
    grid: str | None = None,
    energy_price: str | None = None,
    base: CostAssumptions | None = None,
) -> CostAssumptions:
    """Cost assumptions from flags, over ``base`` (a scenario's) or the defaults."""
    from gptcalc.specs.base import validate_spec
    from gptcalc.specs.costs import CostAssumptions

    data: dict[str, Any] = (base or CostAssumptions()).model_dump()
    given = {
        "price_per_gpu_hour": value(price, "--price"),
        "gpu_price_usd": value(gpu_price, "--gpu-price", zero_ok=True),
        "pue": value(pue, "--pue"),
        "grid_kg_per_kwh": value(grid, "--grid", zero_ok=True),
        "energy_usd_per_kwh": value(energy_price, "--energy-price", zero_ok=True),
    }
    data.update({k: v for k, v in given.items() if v is not None})
    if cost_model is not None:
        if cost_model not in ("rental", "owned"):
            raise InputError(f"--cost-model: unknown {cost_model!r}; allowed: rental, owned")
        data["cost_model"] = cost_model
    return validate_spec(CostAssumptions, data, "cost options")
