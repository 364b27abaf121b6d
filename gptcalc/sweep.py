"""Sweeps: evaluate a training scenario over a grid of its fields.

An axis is ``field=low..high:step`` (inclusive) or ``field=a,b,c``. Fields are the run's tokens, gpus, days,
mfu, the cost inputs (price, gpu_price, pue, grid, energy_price, hardware_overhead, depreciation) and any
model field as ``model.<dotted.path>`` (e.g. ``model.moe.n_experts=8,16,32``). Varying one of gpus, days
or mfu fixes it; the scenario lets go of another as ``gptcalc scenario`` does (mfu, then days, then gpus),
so that three of tokens, gpus, days, mfu stay fixed. Inputs the scenario gives as ranges and the sweep
does not vary are held at their central value.

Each point runs :func:`gptcalc.training.run_numbers` on plain floats (FLOPs per token are computed once per
model variant), which keeps a million points to a few seconds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

from gptcalc.errors import InputError
from gptcalc.scenario import fields_to_release, scenario_run_context
from gptcalc.specs.base import Result, with_changes
from gptcalc.specs.quantities import mid, parse_number
from gptcalc.specs.scenario import ResolvedScenario
from gptcalc.training import TrainingRun, run_numbers

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
        values = [lo + i * step for i in range(count)]
    else:
        values = [parse_number(v, name=f"--vary {name}") for v in spec.split(",") if v.strip()]
        if not values:
            raise InputError(f"--vary {name}: no values in {spec!r}")
    _check_values(name, values)
    return Axis(field=name, values=[round(v, 12) for v in values])


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
    except InputError:
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

    columns: dict[str, list[float]] = {a.field: [] for a in axes}
    columns.update({m: [] for m in metrics})
    model_index = [i for i, a in enumerate(axes) if a.field.startswith("model.")]
    # One kwargs dict, updated in place per point: the hot loop allocates only run_numbers' result.
    keys = [a.field if a.field in RUN_AXES else COST_AXES.get(a.field) for a in axes]
    kwargs: dict[str, Any] = {}
    current_model: tuple[float, ...] | None = None
    axis_columns = [columns[a.field] for a in axes]
    metric_columns = [(m, columns[m]) for m in metrics]
    for count, point in enumerate(itertools.product(*(a.values for a in axes))):
        model_values = tuple(point[i] for i in model_index)
        if model_values != current_model:
            fixed, costs = context(model_values)
            kwargs = {**fixed, **costs, **base_run}
            current_model = model_values
        for key, value, column in zip(keys, point, axis_columns, strict=True):
            if key is not None:
                kwargs[key] = value
            column.append(value)
        out = run_numbers(**kwargs)
        for m, column in metric_columns:
            column.append(out[m])
        if progress is not None and count % 50_000 == 0:
            progress(count)
    solved = next((k for k, v in base_run.items() if v is None and k not in keys), "")
    notes = [
        f"solved for {solved}; fixed: {', '.join(k for k, v in base_run.items() if v is not None)}"
        + (f" (released {', '.join(released)} to keep three fixed)" if released else ""),
        f"convention {s.convention}; ranged inputs not swept are held at their central value",
    ]
    return SweepResult(
        scenario=s.name,
        axes=list(axes),
        metrics=list(metrics),
        solved_for=solved,
        columns=columns,
        points=n,
        notes=notes,
    )


def series(result: SweepResult, metric: str) -> tuple[list[float], dict[str, list[float]]]:
    """The first axis as x and one series per value of the second axis (the rest at their first value)."""
    first = result.axes[0]
    rest = result.axes[1:]
    groups: dict[str, list[float]] = {}
    keep_values = {a.field: a.values[0] for a in rest[1:]}
    for i in range(result.points):
        if any(result.columns[f][i] != v for f, v in keep_values.items()):
            continue
        label = f"{rest[0].field}={result.columns[rest[0].field][i]:g}" if rest else metric
        groups.setdefault(label, []).append(result.columns[metric][i])
    return list(first.values), dict(itertools.islice(groups.items(), 6))
