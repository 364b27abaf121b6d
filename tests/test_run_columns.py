"""run_columns (whole-column sweeps) agrees with run_numbers (one point) at every point, and fails the same way."""

from __future__ import annotations

from typing import Any

import pytest

from gptcalc.errors import InputError
from gptcalc.training import TrainingRun, run_columns, run_numbers

FIXED: dict[str, Any] = {
    "flops_per_token": 6 * 1.8e12 / 8,
    "hardware_flops_per_token": 8 * 1.8e12 / 8,
    "peak_flops": 312e12,
    "tdp_w": 400.0,
    "price_per_gpu_hour": 1.0,
    "gpu_price_usd": 15_000.0,
    "hardware_overhead": 1.45,
    "depreciation_oom_per_year": 0.14,
    "energy_usd_per_kwh": 0.08,
    "pue": 1.2,
    "grid_kg_per_kwh": 0.37,
}
OUTPUTS = tuple(TrainingRun.model_fields)  # every output of the run identity and its costs


@pytest.mark.parametrize("owned", [False, True])
@pytest.mark.parametrize(
    "given",
    [
        {"tokens": 13e12, "gpus": 25_000.0, "mfu": [0.2, 0.3, 0.45]},  # solve days
        {"tokens": [1e12, 13e12], "days": [90.0, 100.0], "mfu": 0.34},  # solve gpus, two lists
        {"gpus": 1024.0, "days": 30.0, "mfu": [0.3, 0.4]},  # solve tokens
        {"tokens": 1e9, "gpus": [8.0, 16.0], "days": 10.0},  # solve mfu (0.63 and 0.31)
    ],
)
def test_columns_match_points(given: dict[str, Any], owned: bool) -> None:
    n = max(len(v) for v in given.values() if isinstance(v, list))  # the lists of a case have one length
    inputs = dict(given)
    cols = run_columns(OUTPUTS, **FIXED, **inputs, owned=owned)
    for i in range(n):
        point = {k: (v[i] if isinstance(v, list) else v) for k, v in inputs.items()}
        expected = run_numbers(**FIXED, **point, owned=owned)
        for name in OUTPUTS:
            got = cols[name][i] if isinstance(cols[name], list) else cols[name]  # type: ignore[index]
            assert got == pytest.approx(expected[name], rel=1e-12), name


def test_same_errors_as_points() -> None:
    # days of 1e-300 make the solved MFU ~1e303 and the hardware-FLOPs product overflow: no silent answer.
    with pytest.raises(InputError, match="floating-point range"):
        run_columns(("cost_usd",), **FIXED, tokens=13e12, gpus=25_000.0, days=[1e-300, 1.0])


@pytest.mark.parametrize(
    "given",
    [
        {"tokens": 13e12, "gpus": 25_000.0, "mfu": "grid"},  # solve days
        {"tokens": "grid", "days": "grid", "mfu": 0.34},  # solve gpus: two columns, powers -1 and 1
        {"tokens": 1e9, "gpus": "grid", "days": 1e4},  # solve mfu
    ],
)
def test_numpy_columns_equal_python_columns(given: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Big columns go through numpy when installed (gptcalc.accel): the same operations, the same floats.
    np = pytest.importorskip("numpy")
    grid = (0.2 + np.arange(200_000) * 1.5e-6).tolist()
    inputs = {
        k: ([v * 1e12 for v in grid] if k != "mfu" and v == "grid" else grid) if v == "grid" else v
        for k, v in given.items()
    }
    fast = run_columns(OUTPUTS, **FIXED, **inputs, owned=True)
    monkeypatch.setattr("gptcalc.training.numpy_or_none", lambda points: None)
    slow = run_columns(OUTPUTS, **FIXED, **inputs, owned=True)
    assert fast == slow
