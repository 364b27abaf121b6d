"""Invariants of parameter accounting over random valid architectures (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings

from gptcalc.params import count_params
from gptcalc.specs.arch import Architecture
from tests.strategies import architectures


@settings(max_examples=150, deadline=None)
@given(architectures())
def test_active_at_most_total_and_breakdown_sums(arch: Architecture) -> None:
    c = count_params(arch)
    assert 0 < c.active <= c.total
    assert c.breakdown.total() == c.total
    assert c.active_breakdown.total() == c.active
    assert c.embedding + c.non_embedding == c.total
    # The final norm: h weights (RMSNorm), 2h (LayerNorm: weight and bias), none (non-parametric).
    final_norm = {"rmsnorm": 1, "layernorm": 2, "nonparametric": 0}[arch.norm] * arch.hidden_size * arch.final_norm
    per_layers = sum(k.count * k.params_each for k in c.layers)
    assert per_layers + final_norm + c.breakdown.embedding + c.breakdown.output_head == c.total
    assert sum(k.count for k in c.layers) == arch.n_layers


@settings(max_examples=100, deadline=None)
@given(architectures(moe=True))
def test_topk_equal_to_experts_activates_everything(arch: Architecture) -> None:
    assert arch.moe is not None
    full = arch.model_copy(update={"moe": arch.moe.model_copy(update={"top_k": arch.moe.n_experts})})
    c = count_params(full)
    assert c.active == c.total


@settings(max_examples=100, deadline=None)
@given(architectures())
def test_adding_a_layer_never_lowers_a_count(arch: Architecture) -> None:
    bigger = Architecture.model_validate({**arch.model_dump(), "n_layers": arch.n_layers + 1})
    a, b = count_params(arch), count_params(bigger)
    assert b.total >= a.total
    assert b.active >= a.active
    assert b.non_embedding >= a.non_embedding
    for key, value in a.breakdown.model_dump().items():
        assert getattr(b.breakdown, key) >= value
