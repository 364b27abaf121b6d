"""Serving roofline against hand derivations, the MoE closed form and brute force, and the leak."""

from __future__ import annotations

import itertools

import pytest

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.adapters.scenarios import load_scenario, resolve_serving
from gptcalc.errors import InfeasibleError, InputError, LayoutError
from gptcalc.serving import estimate_serving, expected_distinct_experts
from gptcalc.serving_load import gpus_for_throughput, implied_by_cost
from gptcalc.specs.serving import ServingSetup

H100_BW = 3.35e12
H100_BF16 = 989.4e12


def llama70_matmul_weights() -> int:
    h, a, g, d, f, L, V = 8192, 64, 8, 128, 28672, 80, 32000
    per_layer = h * (a + 2 * g) * d + a * d * h + 3 * h * f
    return L * per_layer + V * h


def test_expected_experts_closed_form_and_brute_force() -> None:
    # Exact enumeration: each of T tokens picks k of E experts uniformly; average the number of distinct experts.
    for n_experts, k, tokens in [(4, 2, 3), (6, 1, 4), (5, 3, 2)]:
        choices = list(itertools.combinations(range(n_experts), k))
        total = count = 0
        for picks in itertools.product(choices, repeat=tokens):
            total += len(set().union(*picks))
            count += 1
        assert expected_distinct_experts(n_experts, k, tokens) == pytest.approx(total / count)
    assert expected_distinct_experts(8, 2, 1) == pytest.approx(2)  # one token: exactly its top-k
    assert expected_distinct_experts(16, 2, 10_000) == pytest.approx(16)


def test_costs_by_hand_and_gpus_for_target() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    est = estimate_serving(arch, h100, ServingSetup(tp=8, batch=32, price_per_gpu_hour=2.0, utilization=0.5))
    dollars_per_second = 8 * 2.0 / 3600 / 0.5
    # All GPU time over all tokens: dollars/s over (requests/s x (prompt + output)); the two phases' shares add up.
    tokens_per_s = est.requests_per_second * (2048 + 512)
    assert est.cost_per_million_tokens_usd == pytest.approx(dollars_per_second / tokens_per_s * 1e6)
    assert (est.cost_per_million_input_usd * 2048 + est.cost_per_million_output_usd * 512) / 2560 == pytest.approx(
        est.cost_per_million_tokens_usd
    )
    assert gpus_for_throughput(est, 10 * est.tokens_per_second) == 80
    assert gpus_for_throughput(est, 10.5 * est.tokens_per_second) == 88


def test_speculative_decoding_divides_memory_bound_steps() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    base = estimate_serving(arch, h100, ServingSetup(tp=8, batch=1))
    spec = estimate_serving(arch, h100, ServingSetup(tp=8, batch=1, speculative=3))
    assert spec.tpot_s == pytest.approx(base.tpot_s / 3, rel=0.05)


def test_gpt4_versus_davinci() -> None:
    # SemiAnalysis: GPT-4 costs ~3x as much per token as the 175B Davinci model.
    def blended(name: str) -> float:
        arch, hw, setup = resolve_serving(load_scenario(name))  # type: ignore[arg-type]
        return estimate_serving(arch, hw, setup).cost_per_million_tokens_usd

    ratio = blended("gpt-4-serve-a100") / blended("davinci-175b")
    assert 2.0 < ratio < 4.0


def test_leak_prices_imply_high_utilization() -> None:
    arch, hw, setup = resolve_serving(load_scenario("gpt-4-serve-h100"))  # type: ignore[arg-type]
    implied = implied_by_cost(arch, hw, setup, 0.0021)
    assert implied.batch_for_claim is not None and implied.batch_for_claim > setup.batch
    at_claim = estimate_serving(
        arch, hw, setup.model_copy(update={"batch": implied.batch_for_claim, "utilization": 1.0}), allow_overflow=True
    )
    assert at_claim.cost_per_million_tokens_usd / 1000 <= 0.0021


def test_bad_serving_input() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    with pytest.raises(InfeasibleError, match=r"the largest batch that fits is \d+"):
        estimate_serving(arch, h100, ServingSetup(tp=8, batch=100_000))
    with pytest.raises(ValueError, match="greater than 0"):
        ServingSetup(prompt=0)
    with pytest.raises(ValueError, match="less than or equal to 1"):
        ServingSetup(compute_efficiency=1.5)
    with pytest.raises(LayoutError, match="tp: 5"):
        estimate_serving(arch, h100, ServingSetup(tp=5))
    with pytest.raises(InputError, match="dtype"):
        estimate_serving(arch, h100, ServingSetup(tp=8, weights_dtype="int3"))
