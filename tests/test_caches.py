"""The caches behind the speed goals change no answer: a warm call equals a cold one, and a cache keyed by a
setup never answers for another."""

from __future__ import annotations

import pytest

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.flops import flops_per_token
from gptcalc.serving import PhaseTime, clear_caches, estimate_serving
from gptcalc.specs.base import trusted
from gptcalc.specs.quantities import Range
from gptcalc.specs.serving import ServingSetup, Speculation

SETUPS = [
    ("gpt-4", "a100-80gb", ServingSetup(tp=8, pp=16, batch=256)),
    ("mixtral-8x7b", "h100", ServingSetup(tp=1, ep=8, batch=64, batching="static")),
    ("llama-2-70b", "h100", ServingSetup(tp=8, batch=32, speculation=Speculation(method="ngram", tokens=3))),
    ("llama-2-70b", "h100", ServingSetup(tp=4, batch=16, prefill_gpus=4, decode_gpus=8)),
]


@pytest.mark.parametrize(("model", "hardware", "setup"), SETUPS)
def test_warm_estimate_equals_cold(model: str, hardware: str, setup: ServingSetup) -> None:
    arch, hw = load_model(model), load_hardware(hardware)
    clear_caches()
    cold = estimate_serving(arch, hw, setup).model_dump()
    warm = estimate_serving(arch, hw, setup).model_dump()
    assert warm == cold


def test_engine_shared_across_batches_and_prices_answers_each_alone() -> None:
    arch, hw = load_model("gpt-4"), load_hardware("a100-80gb")
    variants = [
        ServingSetup(tp=8, pp=16, batch=b, price_per_gpu_hour=p, utilization=u)
        for b, p, u in ((16, 1.0, 1.0), (64, 2.5, 0.5), (256, 1.0, 0.7), (64, 2.5, 0.5))
    ]
    fresh = []
    for s in variants:
        clear_caches()
        fresh.append(estimate_serving(arch, hw, s).model_dump())
    clear_caches()
    shared = [estimate_serving(arch, hw, s).model_dump() for s in variants]  # one engine, its iterations reused
    assert shared == fresh
    # Another layout of the same model is another engine.
    other = estimate_serving(arch, hw, ServingSetup(tp=8, pp=8, batch=64, price_per_gpu_hour=2.5, utilization=0.5))
    assert other.tpot_s != pytest.approx(shared[1]["tpot_s"])


def test_equal_hardware_objects_are_not_confused() -> None:
    # Hardware is keyed by identity: two loads with different overrides give two engines.
    arch = load_model("llama-2-70b")
    slow, fast = load_hardware("h100"), load_hardware("h100", overrides=["memory_bandwidth_gb_s=6700"])
    setup = ServingSetup(tp=8, batch=8)
    assert estimate_serving(arch, fast, setup).tpot_s < estimate_serving(arch, slow, setup).tpot_s


def test_spec_hash_is_remembered_and_consistent() -> None:
    a, b = load_model("llama-2-70b"), load_model("llama-2-70b")
    assert a == b and a is not b and hash(a) == hash(b) == hash(a)
    changed = a.model_copy(update={"n_layers": 79})
    assert changed != a and hash(changed) != hash(a)


def test_trusted_construction_equals_validated() -> None:
    assert Range.exact(2.5) == Range(low=2.5, mid=2.5, high=2.5)
    assert Range.exact(2.5).model_dump() == {"low": 2.5, "mid": 2.5, "high": 2.5}
    values = {
        "step_s": 1.0,
        "gemm_s": 0.5,
        "attention_s": 0.2,
        "memory_ops_s": 0.1,
        "comm_s": 0.1,
        "overhead_s": 0.1,
        "draft_s": 0.0,
        "compute_s": 0.4,
        "memory_s": 0.6,
        "bound": "memory",
        "flops": 1e12,
        "bytes": 1e9,
    }
    assert trusted(PhaseTime, dict(values)) == PhaseTime(**values)
    with pytest.raises(Exception, match="finite"):
        Range.exact(float("nan"))


def test_flops_per_token_cache_keys_on_every_argument() -> None:
    arch = load_model("llama-2-7b")
    short, long = flops_per_token(arch, 2048), flops_per_token(arch, 4096)
    assert long.attention_forward == pytest.approx(2 * short.attention_forward)
    assert flops_per_token(arch, 2048, recompute="full").hardware_training_per_token > short.training_per_token
    assert flops_per_token(arch, 2048) is short  # remembered


def test_unvalidated_results_pass_their_own_validation() -> None:
    # Estimates are built from computed values without validation: the same values validate as the schema says.
    from gptcalc.serving import ServingEstimate
    from gptcalc.training import TrainingEstimate, estimate_training

    arch, hw = load_model("llama-2-70b"), load_hardware("h100")
    est = estimate_training(arch, hw, seq_len=4096, tokens=2e12, gpus=2048, mfu=Range(low=0.3, mid=0.35, high=0.4))
    assert TrainingEstimate.model_validate(est.model_dump()).model_dump() == est.model_dump()
    serve = estimate_serving(arch, hw, ServingSetup(tp=8, batch=16))
    assert ServingEstimate.model_validate(serve.model_dump()).model_dump() == serve.model_dump()
