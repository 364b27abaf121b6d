"""Matmul FLOPs are 2 x the active parameters that are matmul weights (Kaplan et al. 2020, Sec. 2.1).

Forward FLOPs per token of every matmul is 2 x its weights (one multiply, one add per weight). Of the active
parameters a token touches, these are not matmul weights:

* norms (breakdown.norms, and q/k or MLA latent norms inside attention): elementwise scales and shifts;
* the token and position embeddings (breakdown.embedding): table lookups;
* every bias (attention, MLP, the k routed experts, shared experts, router): additions;
* the output head's bias.

And one matmul is not an active parameter of its own: a tied output head multiplies by the V x h embedding
matrix, which the parameter count holds once, in breakdown.embedding. So, whether tied or not,

    matmul_forward = 2 x (active - norms - embedding - (output_head - V h) - biases - attention-internal norms)
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from gptcalc.adapters.load import load_model
from gptcalc.flops import flops_per_token
from gptcalc.params import count_params
from gptcalc.specs.arch import Architecture
from tests.strategies import architectures

NORM_WEIGHTS = {"rmsnorm": 1, "layernorm": 2, "nonparametric": 0}  # per feature: RMSNorm w, LayerNorm w + b


def norm(arch: Architecture, width: int) -> int:
    return NORM_WEIGHTS[arch.norm] * width


def mlp_biases(arch: Architecture, width: int, bias: bool) -> int:
    """Biases of one MLP of hidden width f: gate and up (f each, gated) or up (f), and down (h)."""
    if not bias:
        return 0
    return (2 * width if arch.mlp.gated else width) + arch.hidden_size


def attention_non_matmul(arch: Architecture) -> int:
    """One attention block's biases and internal norms (not its pre-norm, which breakdown.norms holds)."""
    att, h = arch.attention, arch.hidden_size
    if att.kind == "mla":  # DeepSeek-V2 Sec. 2.1.2: RMSNorms on the query and key/value latents
        b = int(att.bias)
        q = 0 if att.q_lora_rank is None else b * att.q_lora_rank + norm(arch, att.q_lora_rank)
        kv = b * (att.kv_lora_rank + att.qk_rope_head_dim) + norm(arch, att.kv_lora_rank)
        return q + kv + b * h
    a, g, d = att.n_heads, att.kv_heads, arch.head_dim
    biases = (a + 2 * g) * d * int(att.qkv_bias) + h * int(att.out_bias)
    qk = {"none": 0, "head": 2 * norm(arch, d), "full": norm(arch, a * d) + norm(arch, g * d)}[att.qk_norm]
    return biases + qk


def ffn_biases(arch: Architecture, n_dense: int, n_moe: int) -> int:
    """Dense-layer MLP biases; per MoE layer k routed experts', the fused shared experts' and the router's."""
    total = n_dense * mlp_biases(arch, arch.mlp.d_ff, arch.mlp.bias)
    moe = arch.moe
    if moe is not None:
        expert_bias = arch.mlp.bias if moe.expert_bias is None else moe.expert_bias
        per_layer = moe.k * mlp_biases(arch, moe.expert_d_ff, expert_bias)
        if moe.n_shared_experts:
            per_layer += mlp_biases(arch, moe.n_shared_experts * moe.shared_width, arch.mlp.bias)
        per_layer += moe.n_experts * int(moe.router_bias)
        total += n_moe * per_layer
    return total


def matmul_weights_from_params(arch: Architecture) -> int:
    c = count_params(arch)
    assert c.active is not None and c.active_breakdown is not None
    b = c.active_breakdown
    counts = {k.kind: k.count for k in c.layers}
    n_dense, n_moe = counts.get("dense", 0), counts.get("moe", 0)
    head_matmul = arch.vocab_size * arch.hidden_size  # V h, tied or not
    return (
        c.active
        - b.norms
        - b.embedding
        - (b.output_head - head_matmul)
        - arch.n_layers * attention_non_matmul(arch)
        - ffn_biases(arch, n_dense, n_moe)
    )


@pytest.mark.parametrize(
    ("preset", "non_matmul"),
    [
        # Llama-2-7B: no biases; 2 RMSNorms a layer + the final one; the 32,000 x 4,096 embedding (head untied).
        ("llama-2-7b", 32 * 2 * 4096 + 4096 + 32000 * 4096),
        # Mixtral 8x7B: the same kinds, 32 layers, h 4,096, V 32,000; routers have no bias.
        ("mixtral-8x7b", 32 * 2 * 4096 + 4096 + 32000 * 4096),
        # DeepSeek-V3: 61 layers, h 7,168, V 129,280, no biases; each MLA block adds RMSNorms over the
        # 1,536-wide query latent and the 512-wide key/value latent.
        ("deepseek-v3", 61 * 2 * 7168 + 7168 + 129280 * 7168 + 61 * (1536 + 512)),
        # GPT-4 preset: LayerNorm (w + b) twice a layer and at the end, token + 8,192 learned positions; biases on
        # q, k, v, o (4h) and on each of the 2 active experts' up (4h) and down (h) matrices.
        (
            "gpt-4",
            120 * 2 * 2 * 10752 + 2 * 10752 + (100277 + 8192) * 10752 + 120 * (4 * 10752 + 2 * (4 * 10752 + 10752)),
        ),
    ],
)
def test_known_models_matmul_flops_are_twice_active_matmul_weights(preset: str, non_matmul: int) -> None:
    arch = load_model(preset)
    c = count_params(arch)
    assert c.active is not None
    assert matmul_weights_from_params(arch) == c.active - non_matmul  # the generic rule, checked by hand
    f = flops_per_token(arch, 4096)
    assert f.matmul_forward == 2 * (c.active - non_matmul)
    assert f.training_per_token == 3 * f.matmul_forward  # 6n: backward = 2 x forward, attention left out


@settings(max_examples=120, deadline=None)
@given(architectures())
def test_matmul_flops_are_twice_active_matmul_weights(arch: Architecture) -> None:
    f = flops_per_token(arch, 256)
    assert f.matmul_forward == 2 * matmul_weights_from_params(arch)
    assert f.layers_matmul_forward + f.router_forward + f.head_forward == f.matmul_forward
    assert f.head_forward == 2 * arch.vocab_size * arch.hidden_size  # tied or not, the head is a matmul
