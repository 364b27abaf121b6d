"""Architecture from rumoured totals: the hidden size whose exact parameter counts match the claims.

With the layer count, experts, FFN ratio, vocabulary and attention kind fixed, every count the leak quotes
(total, one routed expert over all layers, attention, active) is a quadratic in the hidden size h. The
solver evaluates the exact accounting of :mod:`gptcalc.params` (through :func:`gptcalc.shapes.moe_style`),
finds the real h minimising the sum of squared log-ratios between the counts and the claims given (with only
``total`` given: the h whose total equals it), then checks the valid widths around it (multiples of
``multiple``) exactly and keeps the best. Claims that disagree with each other are reported, not hidden.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from pydantic import Field

from gptcalc.errors import InfeasibleError, InputError
from gptcalc.params import ParamCount, count_params
from gptcalc.shapes import moe_style
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result
from gptcalc.specs.solve import SolveShape, SolveTargets

MAX_RELATIVE_MISS = 0.25


class SolveRow(Result):
    """One quantity: the claim, the continuous solution, the valid one."""

    quantity: str
    claimed: float | None
    at_continuous: float
    at_valid: float
    valid_error: float | None = Field(description="at_valid / claimed - 1.")


class SolveResult(Result):
    hidden_continuous: float = Field(description="Real hidden size minimising the objective.")
    hidden: int = Field(description="Best valid hidden size (a multiple of `multiple`).")
    architecture: Architecture
    counts: ParamCount
    rows: list[SolveRow]
    objective: str


def _counts(shape: SolveShape, hidden: int) -> ParamCount:
    return count_params(_arch(shape, hidden))


def _arch(shape: SolveShape, hidden: int) -> Architecture:
    return moe_style(
        shape.layers,
        hidden,
        experts=shape.experts,
        top_k=shape.top_k,
        ffn_ratio=shape.ffn_ratio,
        vocab=shape.vocab,
        activation=shape.activation,
        attention=shape.attention,
        kv_heads=shape.kv_heads,
        bias=shape.bias,
        norm=shape.norm,
        positions=shape.positions,
        context=shape.context,
        tie=shape.tie,
    )


_GETTERS: dict[str, Callable[[ParamCount], float]] = {
    "total": lambda c: c.total,
    "expert": lambda c: c.one_routed_expert,
    "attention": lambda c: c.breakdown.attention,
    "active": lambda c: float(c.active or 0),
}


def solve(targets: SolveTargets, shape: SolveShape) -> SolveResult:
    """Find the hidden size matching ``targets`` under ``shape`` (module docstring)."""
    claims = {k: v for k, v in targets.model_dump().items() if v is not None}
    if not claims:
        raise InputError("solve: give at least one target (--total, --expert-params, --attention-params, --active)")
    if "expert" in claims and not shape.experts:
        raise InputError("--expert-params needs --experts")
    if shape.experts and shape.top_k is None:
        raise InputError(f"--experts {shape.experts} needs --top-k (experts each token is routed to)")
    if shape.top_k is not None and not shape.experts:
        raise InputError("--top-k needs --experts (the routed experts it picks from)")
    if shape.attention == "gqa" and shape.kv_heads is None:
        raise InputError("--attention gqa needs --kv-heads (key/value heads shared by the query heads)")
    if shape.attention != "gqa" and shape.kv_heads is not None:
        raise InputError(f"--kv-heads applies to --attention gqa, not {shape.attention}")
    total = claims.get("total")
    for part in ("active", "attention", "expert"):
        if total is not None and part in claims and claims[part] > total:
            raise InputError(
                f"--{part if part == 'active' else part + '-params'}: {claims[part]:.3g} exceeds --total {total:.3g};"
                " it is a part of the total"
            )
    if shape.experts and shape.top_k and shape.top_k > shape.experts:
        raise InputError(f"--top-k: {shape.top_k} exceeds --experts {shape.experts}")
    # Each count is a quadratic in h (widths, heads and d_ff all scale with h): fit it from three exact
    # evaluations at widths where every dimension is a whole number.
    base = 3 * 1024
    points = [base, 2 * base, 4 * base]
    samples = {k: [float(_GETTERS[k](_counts(shape, h))) for h in points] for k in claims}
    quads = {k: _quadratic(points, v) for k, v in samples.items()}

    def objective(h: float) -> float:
        total = 0.0
        for k, target in claims.items():
            value = _eval(quads[k], h)
            if value <= 0:
                return math.inf
            total += math.log(value / target) ** 2
        return total

    h_star = _golden(objective, math.log(64), math.log(1 << 20))
    m = shape.multiple
    lower = max(m, math.floor(h_star / m) * m)
    # The nearest valid widths either side: a head-count rule (e.g. GQA's multiple of the kv heads) can rule out
    # several multiples in a row, so look further out until two valid widths on each side are found.
    scored = []
    reason = ""
    for side in (-1, 1):
        found = 0
        for i in range(64):
            h = lower - i * m if side < 0 else lower + (i + 1) * m
            if h < m or found == 2:
                break
            try:
                counts = _counts(shape, h)
            except InfeasibleError as err:
                reason = str(err)
                continue
            found += 1
            err_sq = sum(math.log(_GETTERS[k](counts) / t) ** 2 for k, t in claims.items())
            scored.append((err_sq, h, counts))
    if not scored:
        raise InfeasibleError(f"solve: no valid hidden size near {h_star:.0f} for this shape ({reason})")
    _, best_h, best = min(scored)
    worst = max(abs(_GETTERS[k](best) / t - 1) for k, t in claims.items())
    if worst > MAX_RELATIVE_MISS:
        nearest = ", ".join(f"{k} {_GETTERS[k](best):.3g} vs {t:.3g}" for k, t in claims.items())
        raise InfeasibleError(
            f"solve: no hidden size reaches the targets with {shape.layers} layers and this shape ({nearest});"
            " change layers, experts, ffn ratio or vocabulary"
        )
    rows = []
    for k in ("total", "expert", "attention", "active"):
        if k == "expert" and not shape.experts:
            continue
        claimed = claims.get(k)
        valid = float(_GETTERS[k](best))
        cont = (
            _eval(quads[k], h_star)
            if k in quads
            else _eval(_quadratic(points, [float(_GETTERS[k](_counts(shape, h))) for h in points]), h_star)
        )
        rows.append(
            SolveRow(
                quantity=k,
                claimed=claimed,
                at_continuous=cont,
                at_valid=valid,
                valid_error=None if claimed is None else valid / claimed - 1,
            )
        )
    return SolveResult(
        hidden_continuous=h_star,
        hidden=best_h,
        architecture=_arch(shape, best_h),
        counts=best,
        rows=rows,
        objective="sum of squared log-ratios over the claims given: " + ", ".join(claims),
    )


def _quadratic(xs: list[int], ys: list[float]) -> tuple[float, float, float]:
    """Coefficients (a, b, c) of the parabola through three points (Lagrange)."""
    (x0, x1, x2), (y0, y1, y2) = xs, ys
    d0 = (x0 - x1) * (x0 - x2)
    d1 = (x1 - x0) * (x1 - x2)
    d2 = (x2 - x0) * (x2 - x1)
    a = y0 / d0 + y1 / d1 + y2 / d2
    b = -(y0 * (x1 + x2) / d0 + y1 * (x0 + x2) / d1 + y2 * (x0 + x1) / d2)
    c = y0 * x1 * x2 / d0 + y1 * x0 * x2 / d1 + y2 * x0 * x1 / d2
    return a, b, c


def _eval(q: tuple[float, float, float], h: float) -> float:
    return q[0] * h * h + q[1] * h + q[2]


def _golden(f: Callable[[float], float], lo: float, hi: float, iters: int = 200) -> float:
    """Minimise f(exp(u)) over u in [lo, hi] by golden-section search; returns h = exp(u)."""
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(math.exp(c)), f(math.exp(d))
    for _ in range(iters):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(math.exp(d))
    return math.exp((a + b) / 2)
