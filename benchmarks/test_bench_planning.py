"""Sweep and planning throughput (pytest-benchmark). Points/s = points / mean time."""

from __future__ import annotations

from typing import Any

from gptcalc.adapters.load import load_hardware
from gptcalc.adapters.scenarios import load_scenario, resolve
from gptcalc.plan import plan
from gptcalc.solve import solve
from gptcalc.specs.solve import SolveShape, SolveTargets
from gptcalc.sweep import parse_axis, sweep

RESOLVED = resolve(load_scenario("gpt-4-a100"))  # type: ignore[arg-type]


def test_sweep_100k_points(benchmark: Any) -> None:
    axes = [parse_axis("mfu=0.2..0.5:0.001"), parse_axis("price=0.5..2.5:0.006")]  # 301 x 334 points
    result = benchmark.pedantic(sweep, args=(RESOLVED, axes), rounds=3, iterations=1)
    benchmark.extra_info["points"] = result.points
    benchmark.extra_info["points_per_second"] = result.points / benchmark.stats.stats.mean


def test_sweep_1m_points(benchmark: Any) -> None:
    axes = [parse_axis("mfu=0.2..0.5:0.0003"), parse_axis("price=0.5..1.5:0.001")]  # 1,001 x 1,001 points
    result = benchmark.pedantic(sweep, args=(RESOLVED, axes, ["cost_usd"]), rounds=1, iterations=1)
    benchmark.extra_info["points"] = result.points
    benchmark.extra_info["points_per_second"] = result.points / benchmark.stats.stats.mean


def test_plan(benchmark: Any) -> None:
    h100 = load_hardware("h100")
    benchmark(lambda: plan(h100, mfu=0.4, price_per_gpu_hour=2.0, budget_usd=10e6, days=90))


def test_solve_gpt4(benchmark: Any) -> None:
    targets = SolveTargets(total=1.8e12, expert=111e9, attention=55e9)
    shape = SolveShape(layers=120, experts=16, top_k=2)
    benchmark(solve, targets, shape)
