"""Sweeps: evaluate a training scenario over a grid of its fields.

An axis is ``field=low..high:step`` (inclusive) or ``field=a,b,c``. Fields are the run's tokens, gpus, days,
mfu, the cost inputs (price, gpu_price, pue, grid, energy_price, hardware_overhead, depreciation) and any
model field as ``model.<dotted.path>`` (e.g. ``model.moe.n_experts=8,16,32``). Varying one of gpus, days
or mfu fixes it; the scenario lets go of another as ``gptcalc scenario`` does (mfu, then days, then gpus),
so that three of tokens, gpus, days, mfu stay fixed. Inputs the scenario gives as ranges and the sweep
does not vary are held at their central value.

The grid is evaluated as whole columns by :func:`gptcalc.training.run_columns` (the run identity of
:func:`gptcalc.training.run_numbers`, one list comprehension per operation that a varied field reaches; FLOPs
per token are computed once per model variant): millions of points per second in pure Python.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import PrivateAttr

from gptcalc.accel import numpy_or_none
from gptcalc.errors import InputError
from gptcalc.scenario import fields_to_release, scenario_run_context
from gptcalc.specs.base import Result, with_changes
from gptcalc.specs.quantities import mid, parse_number
from gptcalc.specs.scenario import ResolvedScenario
from gptcalc.training import TrainingRun, run_columns

MAX_POINTS = 10_000_000
RUN_AXES = ("tokens", "gpus", "days", "mfu")
COST_AXES = {
    "price": "price_per_gpu_hour",
    "gpu_price": "gpu_price_usd",
    "pue": "pue",
    "grid": "grid_kg_per_kwh",
    "energy_price": "energy_usd_per_kwh",
    "hardware_overhead": "hardware_overhead",
    "depreciation": "depreciation_oom_per_year",
}
METRICS = tuple(TrainingRun.model_fields)


class Axis(Result):
    """One swept field and its values."""

    field: str
    values: list[float]


def parse_axis(text: str) -> Axis:
    """``mfu=0.2..0.5:0.05`` or ``price=1,2,3`` (values accept 13T, 25k, 34%)."""
    name, sep, spec = text.partition("=")
    name = name.strip()
    if not sep or not name or not spec.strip():
        raise InputError(f"--vary: expected field=low..high:step or field=a,b,c, got {text!r}")
    _check_field(name)
    if ".." in spec:
        span, colon, step_text = spec.partition(":")
        if not colon:
            raise InputError(f"--vary {name}: a range needs a step, e.g. {name}={span}:{_example_step(span)}")
        lo_text, _, hi_text = span.partition("..")
        lo, hi = parse_number(lo_text, name=f"--vary {name}"), parse_number(hi_text, name=f"--vary {name}")
        step = parse_number(step_text, name=f"--vary {name} step")
        if lo > hi:
            raise InputError(f"--vary {name}: range {lo:g}..{hi:g} runs backwards; write low..high")
        if step <= 0:
            raise InputError(f"--vary {name}: the step must be > 0, got {step_text!r}")
        count = math.floor((hi - lo) / step + 1e-9) + 1
        if count > MAX_POINTS:
            raise InputError(f"--vary {name}: {count:,} values; more than {MAX_POINTS:,}")
        _check_values(name, [lo, lo + (count - 1) * step])  # the ends bound every value
        return Axis.model_construct(field=name, values=_grid(lo, step, count))
    values = [parse_number(v, name=f"--vary {name}") for v in spec.split(",") if v.strip()]
    if not values:
        raise InputError(f"--vary {name}: no values in {spec!r}")
    _check_values(name, values)
    return Axis(field=name, values=[float(f"{v:.12g}") for v in values])


def _grid(lo: float, step: float, count: int) -> list[float]:
    """``lo + i * step`` for i < count without binary noise (0.30000000000000004): when lo and step are
    decimals of at most 12 places, (A + i B) / 10^p with whole A, B is the correctly rounded decimal."""
    np = numpy_or_none(count)
    for places in range(13):
        scale = 10.0**places
        a, b = lo * scale, step * scale
        if not (math.isfinite(a) and math.isfinite(b)):
            break  # beyond float range at this many places: no decimal grid
        whole_a, whole_b = round(a), round(b)
        if (
            abs(a - whole_a) <= 1e-14 * abs(a)
            and abs(b - whole_b) <= 1e-14 * abs(b)
            and abs(whole_a) + abs(whole_b) * count < 2**52
        ):
            fa, fb = float(whole_a), float(whole_b)
            if np is not None:  # the same operations over a whole array (gptcalc.accel)
                return ((fa + np.arange(count, dtype=np.float64) * fb) / scale).tolist()  # type: ignore[no-any-return]
            return [(fa + i * fb) / scale for i in range(count)]
    if np is not None:
        return (lo + np.arange(count, dtype=np.float64) * step).tolist()  # type: ignore[no-any-return]
    return [lo + i * step for i in range(count)]


def _check_values(name: str, values: list[float]) -> None:
    """Run and cost inputs have the same bounds as in a scenario: positive, MFU at most 1."""
    if name.startswith("model."):
        return  # checked when the model is rebuilt with each value
    zero_ok = name in ("grid", "energy_price", "gpu_price")
    bad = [v for v in values if (v < 0 if zero_ok else v <= 0) or (name == "mfu" and v > 1)]
    if bad:
        allowed = "(0, 1]" if name == "mfu" else (">= 0" if name in ("grid", "energy_price", "gpu_price") else "> 0")
        raise InputError(f"--vary {name}: {bad[0]:g} is out of range; allowed {allowed}")


def _example_step(span: str) -> str:
    try:
        lo, hi = (parse_number(p) for p in span.split(".."))
        return f"{(hi - lo) / 10:g}"
    except (InputError, ValueError):  # not a number, or not exactly low..high
        return "0.1"


def _check_field(name: str) -> None:
    if name in RUN_AXES or name in COST_AXES or name.startswith("model."):
        return
    allowed = ", ".join([*RUN_AXES, *COST_AXES, "model.<field>"])
    raise InputError(f"--vary: unknown field {name!r}; allowed: {allowed}")


class SweepResult(Result):
    """Columns of a sweep: one list per axis and per metric, all the same length."""

    scenario: str
    axes: list[Axis]
    metrics: list[str]
    solved_for: str
    columns: dict[str, list[float]]
    points: int
    notes: list[str]
    _arrays: dict[str, Any] | None = PrivateAttr(default=None)

    def to_records(self) -> list[dict[str, float]]:
        """One dict per point."""
        keys = list(self.columns)
        return [dict(zip(keys, row, strict=True)) for row in zip(*self.columns.values(), strict=True)]

    def to_dataframe(self) -> Any:
        """A pandas DataFrame (needs the optional ``pandas`` extra)."""
        try:
            import pandas as pd  # type: ignore[import-untyped]
        except ImportError:
            raise InputError("to_dataframe needs pandas: pip install 'gptcalc[pandas]'") from None
        return pd.DataFrame(self.columns)


def grid_size(axes: Sequence[Axis]) -> int:
    return math.prod(len(a.values) for a in axes)


def sweep(
    resolved: ResolvedScenario,
    axes: Sequence[Axis],
    metrics: Sequence[str] = ("cost_usd", "days", "gpu_hours", "mfu", "energy_mwh"),
    *,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> SweepResult:
    """Evaluate ``resolved`` at every point of the grid spanned by ``axes`` (module docstring)."""
    if not axes:
        raise InputError("sweep: give at least one --vary field=...")
    names = [a.field for a in axes]
    if len(set(names)) != len(names):
        raise InputError(f"--vary: a field is given twice ({', '.join(names)})")
    bad = [m for m in metrics if m not in METRICS]
    if bad:
        raise InputError(f"--metric: unknown {bad[0]!r}; allowed: {', '.join(METRICS)}")
    metrics = [m for m in metrics if m not in names]  # a swept field is its own column already
    n = grid_size(axes)
    if n > MAX_POINTS and not force:
        raise InputError(f"sweep: {n:,} points is more than {MAX_POINTS:,}; narrow the axes or pass --force")
    s = resolved.scenario
    released = fields_to_release(s, {a.field for a in axes} & set(RUN_AXES))
    base_run: dict[str, float | None] = {
        "tokens": None if resolved.tokens is None else mid(resolved.tokens),
        **{k: None if getattr(s, k) is None or k in released else mid(getattr(s, k)) for k in ("gpus", "days", "mfu")},
    }
    model_axes = [a for a in axes if a.field.startswith("model.")]
    contexts: dict[tuple[float, ...], tuple[dict[str, Any], dict[str, float]]] = {}

    def context(model_values: tuple[float, ...]) -> tuple[dict[str, Any], dict[str, float]]:
        if model_values not in contexts:
            arch = resolved.arch
            if model_axes:
                changes = {
                    a.field[len("model.") :]: int(v) if float(v).is_integer() else v
                    for a, v in zip(model_axes, model_values, strict=True)
                }
                arch = with_changes(arch, changes, "--vary")
            fixed, cost_inputs = scenario_run_context(resolved, arch)
            contexts[model_values] = (fixed, {k: mid(v) for k, v in cost_inputs.items()})
        return contexts[model_values]

    # The grid as whole columns (itertools.product order: the last axis varies fastest), then the run identity
    # once over the columns (run_columns): no per-point Python call.
    keys = [a.field if a.field in RUN_AXES else COST_AXES.get(a.field) for a in axes]
    sizes = [len(a.values) for a in axes]
    columns: dict[str, list[float]] = {}
    for i, a in enumerate(axes):
        inner = math.prod(sizes[i + 1 :])
        outer = math.prod(sizes[:i])
        block = [v for v in a.values for _ in range(inner)] if inner > 1 else list(a.values)
        columns[a.field] = block * outer
    if progress is not None:
        progress(0)
    variants = list(itertools.product(*(a.values for a in model_axes)))
    base_fixed, base_costs = context(variants[0])
    inputs: dict[str, Any] = {**base_fixed, **base_costs, **base_run}
    if len(variants) > 1:
        # Inputs that depend on the model (FLOPs per token) become columns too, read per point from its variant.
        per_variant = {v: context(v)[0] for v in variants}
        index = list(zip(*(columns[a.field] for a in model_axes), strict=True))
        for name, value in base_fixed.items():
            if isinstance(value, float) and any(per_variant[v][name] != value for v in variants):
                inputs[name] = [per_variant[v][name] for v in index]
    for key, axis in zip(keys, axes, strict=True):
        if key is not None:
            inputs[key] = columns[axis.field]
    np = numpy_or_none(n)
    arrays: dict[str, Any] | None = {} if np is not None else None
    out = run_columns(metrics, **inputs, arrays=arrays)
    for m in metrics:
        value = out[m]
        columns[m] = value if isinstance(value, list) else [value] * n
    solved = next((k for k, v in base_run.items() if v is None and k not in keys), "")
    notes = [
        f"solved for {solved}; fixed: {', '.join(k for k, v in base_run.items() if v is not None)}"
        + (f" (released {', '.join(released)} to keep three fixed)" if released else ""),
        f"convention {s.convention}; ranged inputs not swept are held at their central value",
    ]
    # Built without validation: a million-point column of floats the code just computed needs none.
    result = SweepResult.model_construct(
        scenario=s.name,
        axes=list(axes),
        metrics=list(metrics),
        solved_for=solved,
        columns=columns,
        points=n,
        notes=notes,
    )
    if np is not None and arrays is not None:
        # The numpy arrays the columns came from, for a writer that wants them (gptcalc.cli.output's CSV): no
        # second conversion of a million floats.
        result._arrays = {k: arrays[k] if k in arrays else np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    return result


def series(result: SweepResult, metric: str) -> tuple[list[float], dict[str, list[float]]]:
    """The first axis as x and one series per value of the second axis (the rest at their first value)."""
    first = result.axes[0]
    rest = result.axes[1:]
    column = result.columns[metric]
    # Points are in itertools.product order: the slice of one value j of the second axis, the others at their
    # first value, starts at j x (points per value of the second axis) and steps by the points per first value.
    sizes = [len(a.values) for a in result.axes]
    step = math.prod(sizes[1:])
    groups: dict[str, list[float]] = {}
    if not rest:
        groups[metric] = list(column)
    else:
        inner = math.prod(sizes[2:])
        for j, value in enumerate(rest[0].values[:6]):
            groups[f"{rest[0].field}={value:g}"] = column[j * inner :: step]
    return list(first.values), dict(itertools.islice(groups.items(), 6))
