"""Budget planning: limits (money, GPUs, days) -> FLOP budget -> compute-optimal model, tokens and run.

FLOP budget (the run identity of :mod:`gptcalc.training`): dollars buy ``budget / price`` GPU-hours, and
``gpus x days`` give GPU-days; either becomes FLOPs at ``peak x MFU``. The smallest budget among the limits
given binds. The compute-optimal N and D follow :func:`gptcalc.scaling.compute_optimal` (C = 6ND), a
Llama-style architecture of about N parameters is proposed (:func:`gptcalc.shapes.llama_style`, shaped with
d_model / n_layers near 128 as in GPT-3 175B and Llama 3.1 405B) and counted exactly, and the tokens are
set so that 6 x N_exact x D = C.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from gptcalc.errors import InputError
from gptcalc.flops import flops_per_token
from gptcalc.params import count_params
from gptcalc.scaling import DEFAULT_FIT, LossFit, compute_optimal, get_fit, loss
from gptcalc.shapes import llama_style
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result
from gptcalc.specs.dataset import Dataset
from gptcalc.specs.defaults import DEFAULT_DTYPE
from gptcalc.specs.hardware import Hardware
from gptcalc.training import HOURS_PER_DAY, delivered_flops

ASPECT = 128  # d_model / n_layers
MIN_PLAN_FLOPS = 1e15  # ~1 GPU-second: below it no model worth shaping trains
MAX_PLAN_FLOPS = 1e32  # ~1e19 parameters at the optimum: far past any model the width search can shape


class Plan(Result):
    """The compute-optimal model a set of limits buys."""

    hardware: str
    dtype: str
    mfu: float
    price_per_gpu_hour: float
    limits: dict[str, float] = Field(description="FLOP budget each given limit allows.")
    binding: str = Field(description="The limit that sets the budget.")
    flops: float
    fit: str
    optimal_params: float
    optimal_tokens: float
    architecture: Architecture
    params: int = Field(description="Exact parameters of the suggested architecture.")
    tokens: float = Field(description="Tokens that spend the budget on that architecture (C = 6ND).")
    tokens_per_param: float
    loss: float = Field(description="Predicted loss (nats/token, MassiveText-calibrated).")
    gpu_hours: float
    cost_usd: float
    gpus: int | None = Field(description="Whole GPUs needed to finish in `days` (when days is given).")
    days: float | None = Field(description="Days it takes on `gpus` (when gpus is given).")

    def to_records(self) -> list[dict[str, Any]]:
        """One flat row for tables and DataFrames."""
        row = self.model_dump(exclude={"architecture", "limits"})
        row.update(
            layers=self.architecture.n_layers,
            hidden=self.architecture.hidden_size,
            heads=self.architecture.attention.n_heads,
        )
        return [row]

    def to_dataframe(self) -> Any:
        """A pandas DataFrame (needs the optional ``pandas`` extra)."""
        return _dataframe(self.to_records())


def _dataframe(records: list[dict[str, Any]]) -> Any:
    try:
        import pandas as pd  # type: ignore[import-untyped]
    except ImportError:
        raise InputError("to_dataframe needs pandas: pip install 'gptcalc[pandas]'") from None
    return pd.DataFrame.from_records(records)


def suggest_architecture(params: float, *, vocab: int = 128_256, aspect: int = ASPECT) -> Architecture:
    """A Llama-style model whose exact parameter count is within ~2% of ``params``, d_model/n_layers near
    ``aspect``: scan layer counts, size the width (a multiple of 128) to the target, keep the best shape."""
    if not 1e6 <= params <= 1e16:
        raise InputError(f"params: {params:.3g} is outside what the planner shapes (1M to 1e16 parameters)")
    best: tuple[float, Architecture] | None = None
    # non-embedding ~ 12.5 h^2 L and h ~ aspect L  =>  L ~ (N / (12.5 aspect^2))^(1/3)
    guess = max(round((params / (12.5 * aspect * aspect)) ** (1 / 3)), 2)
    for layers in range(max(2, guess // 2), guess * 2 + 3):
        hidden = _width_for(params, layers, vocab)
        if hidden is None:
            continue
        arch = llama_style(layers, hidden, vocab=vocab)
        miss = abs(math.log(count_params(arch).total / params))
        shape = abs(math.log(hidden / layers / aspect))
        score = miss * 10 + shape
        if best is None or score < best[0]:
            best = (score, arch)
    if best is None:
        raise InputError(f"params: no Llama-style shape reaches {params:.3g} parameters")
    return best[1]


def _width_for(params: float, layers: int, vocab: int) -> int | None:
    """The width closest to ``params`` for ``layers`` layers: a multiple of 1024 (8 heads of 128, so 8-way
    tensor parallelism divides the heads) from 1B parameters up, of 128 below."""
    unit = 1024 if params >= 1e9 else 128

    def total(units: int) -> int:
        return count_params(llama_style(layers, units * unit, vocab=vocab)).total

    top = 131_072 // unit
    if total(top) < params:
        return None
    # The count is close to quadratic in the width (12 h^2 L dominates), so two square-root steps from the
    # widest candidate land within a unit or two; then walk to the smallest width whose count reaches params.
    lo = top
    for _ in range(2):
        lo = min(max(round(lo * math.sqrt(params / total(lo))), 1), top)
    while lo > 1 and total(lo - 1) >= params:
        lo -= 1
    while total(lo) < params:
        lo += 1
    return unit * min((c for c in (lo - 1, lo) if c >= 1), key=lambda c: abs(total(c) - params))


def plan(
    hardware: Hardware,
    *,
    mfu: float,
    price_per_gpu_hour: float | None = None,
    budget_usd: float | None = None,
    gpus: float | None = None,
    days: float | None = None,
    flops: float | None = None,
    dtype: str = DEFAULT_DTYPE,
    fit: LossFit | str | None = None,
) -> Plan:
    """The compute-optimal dense model and run that the given limits buy (module docstring)."""
    if not 0 < mfu <= 1:
        raise InputError(f"mfu: must be in (0, 1], got {mfu}")
    for name, value in (
        ("budget", budget_usd),
        ("gpus", gpus),
        ("days", days),
        ("price", price_per_gpu_hour),
        ("flops", flops),
    ):
        if value is not None and not value > 0:
            raise InputError(f"{name}: must be > 0, got {value}")
    if gpus is not None and gpus != int(gpus):
        raise InputError(f"gpus: whole GPUs only, got {gpus:g}")
    fit = get_fit(fit or DEFAULT_FIT) if not isinstance(fit, LossFit) else fit
    price = price_per_gpu_hour or hardware.price_per_hour
    peak = hardware.peak_flops(dtype)
    per_gpu_hour = delivered_flops(1.0, peak, mfu)
    limits: dict[str, float] = {}
    if budget_usd is not None:
        if budget_usd / price < 1:
            raise InputError(
                f"budget: ${budget_usd:g} buys {budget_usd / price:.2g} GPU-hours at ${price:g}/GPU-hour; at least one"
            )
        limits["budget"] = budget_usd / price * per_gpu_hour
    if gpus is not None and days is not None:
        limits["gpus x days"] = delivered_flops(gpus * days * HOURS_PER_DAY, peak, mfu)
    if flops is not None:
        limits["flops"] = flops
    if not limits:
        raise InputError(
            "plan: give --budget, both --gpus and --days, or --flops (any of them may be the binding limit)"
        )
    binding = min(limits, key=lambda k: limits[k])
    budget_flops = limits[binding]
    if not math.isfinite(budget_flops) or budget_flops > MAX_PLAN_FLOPS:
        raise InputError(
            f"plan: the limits allow {budget_flops:.3g} FLOPs, beyond the {MAX_PLAN_FLOPS:.0e} this planner"
            " shapes models for"
        )
    if budget_flops < MIN_PLAN_FLOPS:
        raise InputError(
            f"plan: the limits allow {budget_flops:.3g} FLOPs, below the {MIN_PLAN_FLOPS:.0e} (a few GPU-seconds)"
            " this planner shapes models for"
        )
    optimal = compute_optimal(budget_flops, fit)
    arch = suggest_architecture(optimal.params)
    n = count_params(arch).total
    tokens = budget_flops / (6.0 * n)
    gpu_hours = budget_flops / per_gpu_hour
    need = gpu_hours / (days * 24.0) if days is not None else None
    if need is not None and not need <= 2**53:
        raise InputError(f"days: finishing in {days:g} days takes {need:.3g} GPUs, beyond any cluster")
    need_gpus = math.ceil(need - 1e-9) if need is not None else None  # whole GPUs
    need_days = gpu_hours / (gpus * 24.0) if gpus is not None else None
    return Plan(
        hardware=hardware.name,
        dtype=dtype,
        mfu=mfu,
        price_per_gpu_hour=price,
        limits=limits,
        binding=binding,
        flops=budget_flops,
        fit=fit.name,
        optimal_params=optimal.params,
        optimal_tokens=optimal.tokens,
        architecture=arch,
        params=n,
        tokens=tokens,
        tokens_per_param=tokens / n,
        loss=loss(n, tokens, fit),
        gpu_hours=gpu_hours,
        cost_usd=gpu_hours * price,
        gpus=need_gpus,
        days=need_days,
    )


def reference_row(arch: Architecture, dataset: Dataset, fit: LossFit | str | None = None) -> dict[str, Any]:
    """Tokens per active parameter of a trained model beside the compute-optimal ratio at its compute.

    Compute = the 6n training FLOPs of ``arch`` on ``dataset`` (as ``gptcalc flops`` prints them); the optimum
    comes from :func:`gptcalc.scaling.compute_optimal` under ``fit``.
    """
    active = count_params(arch).active or 0
    tokens = dataset.total_tokens
    flops = flops_per_token(arch, dataset.seq_len).training_per_token * tokens
    optimum = compute_optimal(flops, fit)
    return {
        "model": arch.name,
        "tokens": tokens,
        "active": active,
        "tokens_per_active_param": tokens / active if active else None,
        "flops": flops,
        "optimal_tokens_per_param": optimum.tokens_per_param,
    }
