"""Queueing under Poisson load and the SLO search, against the M/D/1 formulas worked by hand."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.errors import InfeasibleError
from gptcalc.serving import estimate_serving
from gptcalc.serving_load import max_rate_for_ttft, queue_wait, slo_search, under_load
from gptcalc.specs.serving import ServingSetup
from tests.conftest import run


def test_md1_wait_by_hand() -> None:
    # S = 1 s, rate 0.5/s: rho = 0.5, Pollaczek-Khinchine with zero variance: W = 0.5 x 1 / (2 x 0.5) = 0.5 s.
    assert queue_wait(0.5, 1.0) == pytest.approx(0.5)
    # rho = 0.9: W = 0.9 / (2 x 0.1) = 4.5 s.
    assert queue_wait(0.9, 1.0) == pytest.approx(4.5)
    # p90 at rho 0.5: P(wait > 0) = 0.5; conditional mean W/rho = 1 s; w = 1 x ln(0.5 / 0.1) = ln 5.
    assert queue_wait(0.5, 1.0, 0.9) == pytest.approx(math.log(5))
    # p50 at rho 0.5: q = 0.5 <= 1 - rho: no wait.
    assert queue_wait(0.5, 1.0, 0.5) == 0.0


def test_wait_grows_without_bound_near_capacity() -> None:
    waits = [queue_wait(r, 1.0) for r in (0.9, 0.99, 0.999, 0.9999)]
    # W = rho / (2 (1 - rho)): 4.5, 49.5, 499.5, 4999.5 s
    assert waits == pytest.approx([4.5, 49.5, 499.5, 4999.5])
    assert queue_wait(1.0, 1.0) == math.inf


def test_under_load_adds_the_wait_and_refuses_overload() -> None:
    arch, hw = load_model("llama-2-7b"), load_hardware("a100-80gb")
    est = estimate_serving(arch, hw, ServingSetup(batch=8, prompt=512, output=128), knee=False)
    cap = est.requests_per_second
    load = under_load(est, 0.5 * cap)
    service = 1 / cap
    assert load.ttft_s == pytest.approx(est.ttft_s + 0.5 * service / (2 * 0.5))
    assert load.ttft_p90_s == pytest.approx(est.ttft_s + service * math.log(5))
    assert load.e2e_p90_s == pytest.approx(est.e2e_s + service * math.log(5))
    with pytest.raises(InfeasibleError, match="capacity"):
        under_load(est, 1.01 * cap)


def test_slo_rate_is_below_capacity_and_meets_the_slo() -> None:
    arch, hw = load_model("llama-2-7b"), load_hardware("a100-80gb")
    est = estimate_serving(arch, hw, ServingSetup(batch=8, prompt=512, output=128), knee=False)
    slo = est.ttft_s + 0.5 / est.requests_per_second
    rate = max_rate_for_ttft(est, slo)
    assert 0 < rate < est.requests_per_second
    # At that rate the p90 wait is exactly the slack: (W/rho) ln(rho / 0.1) = 0.5 S.
    s = 1 / est.requests_per_second
    assert queue_wait(rate, s, 0.9) == pytest.approx(0.5 * s, rel=1e-6)
    res = slo_search(arch, hw, ServingSetup(prompt=512, output=128), ttft_slo=1.0, tpot_slo=0.05, target_rps=100)
    assert res.reachable and res.ttft_p90_s is not None and res.ttft_p90_s <= 1.0 + 1e-9
    assert res.tpot_s is not None and res.tpot_s <= 0.05
    assert res.gpus_for_target == math.ceil(100 / res.rate_rps)
    none = slo_search(arch, hw, ServingSetup(prompt=512, output=128), ttft_slo=None, tpot_slo=1e-4)
    assert not none.reachable and "TPOT" in none.reason


def test_cli_rate_slo_and_bad_input(runner: CliRunner) -> None:
    import json

    r = run(runner, "serve", "llama-2-7b", "--hardware", "a100-80gb", "--batch", "8", "--rate", "0.1", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["ttft_p90_s"] >= data["ttft_s"] and data["e2e_p90_s"] >= data["e2e_s"]
    r = run(runner, "serve", "llama-2-7b", "--hardware", "a100-80gb", "--batch", "8", "--rate", "1e6")
    assert r.exit_code == 2 and "capacity" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run(runner, "serve", "llama-2-7b", "--hardware", "a100-80gb", "--tpot-slo", "1e-5")
    assert r.exit_code == 2 and "not reachable" in r.stderr and "Traceback" not in r.stderr
    # --json fails the same way (exit 2, one line): a script reads the failure from the exit code.
    r = run(runner, "serve", "llama-2-7b", "--hardware", "a100-80gb", "--tpot-slo", "1e-5", "--json")
    assert r.exit_code == 2 and "not reachable" in r.stderr and r.stdout == ""
    r = run(runner, "serve", "llama-2-7b", "--batching", "dynamic")
    assert r.exit_code == 2 and "static, continuous" in r.stderr
    r = run(runner, "serve", "llama-2-7b", "--hardware", "a100-80gb", "--max-load", "--json")
    data = json.loads(r.stdout)
    assert r.exit_code == 0 and data["batch"] == data["max_batch"] and data["fits"]
