"""Ranges for rumored inputs, lifted through scalar math by evaluating corners.

The math modules never see a :class:`Range`. :func:`propagate` calls a scalar function once with every
input at its central value and once at each corner of the box spanned by the ranged inputs, then takes
the minimum and maximum of each numeric output over the corners.

Why corners give exact bounds: every formula lifted this way (training FLOPs, days, GPU-hours, cost,
energy, implied MFU, serving cost) is a product or quotient of positive inputs, or a sum of such terms with
a common sign, so each output is monotonic in each input separately. A function monotonic in each
coordinate of a box attains its extremes at vertices of the box, so the corner minimum and maximum are
the exact infimum and supremum, not an approximation. ``tests/test_uncertainty.py`` checks this
against dense grids. For a function that is not coordinate-wise monotonic the corners would only be a
lower estimate of the spread; such functions are not lifted.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from gptcalc.specs.quantities import Range, Value, mid

MAX_RANGED_INPUTS = 12  # 4,096 corners; beyond that the CLI would stop feeling instant


def corners(inputs: Mapping[str, Value]) -> list[dict[str, float]]:
    """All combinations of low/high for the ranged inputs (exact inputs stay at their value)."""
    ranged = [k for k, v in inputs.items() if isinstance(v, Range) and not v.is_exact]
    if len(ranged) > MAX_RANGED_INPUTS:
        from gptcalc.errors import InputError

        raise InputError(f"too many ranged inputs ({len(ranged)}: {', '.join(ranged)}); at most {MAX_RANGED_INPUTS}")
    base = {k: mid(v) for k, v in inputs.items()}
    out = []
    for choice in itertools.product((0, 1), repeat=len(ranged)):
        point = dict(base)
        for key, pick in zip(ranged, choice, strict=True):
            rng = inputs[key]
            assert isinstance(rng, Range)
            point[key] = rng.high if pick else rng.low
        out.append(point)
    return out


def _numeric_fields(result: Any) -> dict[str, Any]:
    if isinstance(result, BaseModel):
        return dict(result)
    if isinstance(result, Mapping):
        return dict(result)
    raise TypeError(f"propagate needs a function returning a model or mapping, got {type(result).__name__}")


def propagate(fn: Callable[..., Any], inputs: Mapping[str, Value]) -> dict[str, Any]:
    """Evaluate ``fn(**inputs)`` over ranges; return each output field as a :class:`Range` or as-is.

    Numeric (int/float) output fields become ``Range(low=min over corners, mid=value at the central
    inputs, high=max over corners)``; other fields (strings, flags, nested models) are taken from the
    central evaluation. Outputs that are NaN or infinite at some corner are reported from the centre.
    """
    central = _numeric_fields(fn(**{k: mid(v) for k, v in inputs.items()}))
    if not any(isinstance(v, Range) and not v.is_exact for v in inputs.values()):
        # Nothing ranged (the common case): one evaluation, each number an exact range (no validation needed).
        return {
            k: Range.exact(float(v))
            if not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)
            else v
            for k, v in central.items()
        }
    points = corners(inputs)
    if len(points) == 1 and points[0] == {k: mid(v) for k, v in inputs.items()}:
        evaluations = [central]
    else:
        evaluations = [_numeric_fields(fn(**p)) for p in points]
    out: dict[str, Any] = {}
    for key, value in central.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out[key] = value
            continue
        samples = [float(e[key]) for e in evaluations if isinstance(e.get(key), (int, float))]
        samples = [s for s in samples if math.isfinite(s)]
        if not samples or not math.isfinite(float(value)):
            out[key] = value
            continue
        low = min([*samples, float(value)])
        high = max([*samples, float(value)])
        out[key] = Range(low=low, mid=float(value), high=high)
    return out
