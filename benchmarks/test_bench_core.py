"""Library throughput: parameter counts, FLOPs, training scenarios (pytest-benchmark)."""

from __future__ import annotations

from typing import Any

from gptcalc.adapters.load import load_model
from gptcalc.adapters.scenarios import load_scenario, resolve
from gptcalc.flops import flops_per_token
from gptcalc.params import count_params
from gptcalc.scenario import evaluate

GPT4 = load_model("gpt-4")
DSV3 = load_model("deepseek-v3")


def test_count_params_gpt4(benchmark: Any) -> None:
    benchmark(count_params, GPT4)


def test_count_params_deepseek_v3(benchmark: Any) -> None:
    benchmark(count_params, DSV3)


def test_flops_per_token_gpt4(benchmark: Any) -> None:
    benchmark(flops_per_token, GPT4, 8192)


def test_load_model_preset(benchmark: Any) -> None:
    benchmark(load_model, "gpt-4")


RESOLVED_A100 = resolve(load_scenario("gpt-4-a100"))  # ranged: 2 corners
RESOLVED_H100 = resolve(load_scenario("gpt-4-h100"))  # exact


def test_training_scenario_ranged(benchmark: Any) -> None:
    """One evaluation of gpt-4-a100 (MFU range: centre + 2 corners); ops/s = scenarios per second."""
    benchmark(evaluate, RESOLVED_A100)


def test_training_scenario_exact(benchmark: Any) -> None:
    benchmark(evaluate, RESOLVED_H100)
