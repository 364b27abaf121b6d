"""Memory and fit-search throughput (pytest-benchmark). Layouts/s = FitResult.evaluated / mean time."""

from __future__ import annotations

from typing import Any

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.fit import fit_serving, fit_training
from gptcalc.memory import serving_memory, training_memory
from gptcalc.specs.layout import TrainLayout

GPT4 = load_model("gpt-4")
A100 = load_hardware("a100-80gb")
H100 = load_hardware("h100")
LEAK_LAYOUT = TrainLayout(tp=8, pp=15, dp=208, zero=1, recompute="full")


def test_training_memory_one_layout(benchmark: Any) -> None:
    benchmark(training_memory, GPT4, A100, LEAK_LAYOUT, 8192)


def test_serving_memory_one_layout(benchmark: Any) -> None:
    benchmark(lambda: serving_memory(GPT4, A100, batch=16, context=8192, tp=8, pp=15))


def test_fit_training_gpt4(benchmark: Any) -> None:
    result = benchmark(lambda: fit_training(GPT4, H100, seq_len=8192, max_gpus=65_536))
    benchmark.extra_info["layouts_evaluated"] = result.evaluated
    benchmark.extra_info["layouts_per_second"] = result.evaluated / benchmark.stats.stats.mean


def test_fit_serving_gpt4(benchmark: Any) -> None:
    result = benchmark(lambda: fit_serving(GPT4, A100, batch=16, context=8192))
    benchmark.extra_info["layouts_evaluated"] = result.evaluated


LLAMA70 = load_model("llama-2-70b")


def test_serving_estimate_dense(benchmark: Any) -> None:
    """One serving evaluation (prefill + decode roofline, memory, knee search); ops/s = evaluations per second."""
    from gptcalc.serving import estimate_serving
    from gptcalc.specs.serving import ServingSetup

    setup = ServingSetup(tp=8, batch=64, prompt=2048, output=512)
    benchmark(estimate_serving, LLAMA70, H100, setup)


def test_serving_estimate_gpt4_pipeline(benchmark: Any) -> None:
    """The leak's 128-GPU GPT-4 deployment (MoE, 16 pipeline stages)."""
    from gptcalc.adapters.scenarios import load_scenario, resolve_serving
    from gptcalc.serving import estimate_serving

    arch, hw, setup = resolve_serving(load_scenario("gpt-4-serve-a100"))  # type: ignore[arg-type]
    benchmark(estimate_serving, arch, hw, setup)
