"""Ranges: the corner mechanism gives exact bounds for the monotonic training formulas."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gptcalc.specs.quantities import Range
from gptcalc.training import TrainingRun, training_run
from gptcalc.uncertainty import corners, propagate

FIXED = dict(
    flops_per_token=1.7e12,
    hardware_flops_per_token=1.7e12,
    peak_flops=312e12,
    tdp_w=400.0,
    gpu_price_usd=10_000.0,
    hardware_overhead=1.45,
    depreciation_oom_per_year=0.14,
    energy_usd_per_kwh=0.08,
    pue=1.2,
    grid_kg_per_kwh=0.37,
)


def run(**kw: float) -> TrainingRun:
    return training_run(**FIXED, **kw)  # type: ignore[arg-type]


def test_corners() -> None:
    pts = corners({"a": Range(low=1, mid=2, high=3), "b": 5.0, "c": Range(low=0, mid=0.5, high=1)})
    assert len(pts) == 4 and {(p["a"], p["c"]) for p in pts} == {(1, 0), (1, 1), (3, 0), (3, 1)}
    assert all(p["b"] == 5.0 for p in pts)


def test_corner_bounds_equal_dense_grid_bounds() -> None:
    inputs = {
        "tokens": 13e12,
        "gpus": Range(low=20_000, mid=25_000, high=30_000),
        "mfu": Range(low=0.32, mid=0.34, high=0.36),
        "price_per_gpu_hour": Range(low=0.8, mid=1.0, high=1.2),
    }
    out = propagate(run, inputs)
    grid = [
        run(tokens=13e12, gpus=g, mfu=m, price_per_gpu_hour=p)
        for g, m, p in itertools.product(
            [20_000 + 1_000 * i for i in range(11)],
            [0.32 + 0.004 * i for i in range(11)],
            [0.8 + 0.04 * i for i in range(11)],
        )
    ]
    for key in ("days", "cost_usd", "gpu_hours", "energy_mwh", "owned_cost_usd"):
        values = [getattr(r, key) for r in grid]
        assert out[key].low == pytest.approx(min(values))
        assert out[key].high == pytest.approx(max(values))
        assert out[key].low <= out[key].mid <= out[key].high


@settings(max_examples=60, deadline=None)
@given(
    st.floats(1e3, 1e5),
    st.floats(0.01, 0.5),
    st.floats(0.05, 0.49),
    st.floats(0.1, 5),
    st.floats(0.05, 3),
)
def test_random_points_stay_inside(gpus: float, spread: float, mfu: float, price: float, t: float) -> None:
    inputs = {
        "tokens": t * 1e12,
        "gpus": Range(low=gpus, mid=gpus * (1 + spread / 2), high=gpus * (1 + spread)),
        "mfu": Range(low=mfu, mid=mfu * 1.5, high=mfu * 2),
        "price_per_gpu_hour": price,
    }
    out = propagate(run, inputs)
    for g in (gpus, gpus * (1 + spread / 3), gpus * (1 + spread)):
        for m in (mfu, mfu * 1.7, mfu * 2):
            r = run(tokens=t * 1e12, gpus=g, mfu=m, price_per_gpu_hour=price)
            for key in ("days", "cost_usd", "emissions_t"):
                rng = out[key]
                assert rng.low * (1 - 1e-9) <= getattr(r, key) <= rng.high * (1 + 1e-9)


def test_exact_inputs_give_exact_outputs() -> None:
    out = propagate(run, {"tokens": 1e12, "gpus": 100.0, "mfu": 0.4, "price_per_gpu_hour": 2.0})
    assert all(v.is_exact for v in out.values() if isinstance(v, Range))
