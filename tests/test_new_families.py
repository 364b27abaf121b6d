"""The families of issue 13 beyond their golden totals: what their configs may not say, and the attention rules
they bring (Llama 4's chunked attention, DeepSeek-V3.2's sparse attention with its indexer). Expected values are
derivations written out here from the configs' numbers."""

from __future__ import annotations

from typing import Any

import pytest

from gptcalc.adapters.hf_config import architecture_from_hf
from gptcalc.errors import ConfigImportError
from gptcalc.flops import flops_per_token, mean_keys
from gptcalc.memory import kv_bytes_per_token
from gptcalc.specs.conventions import CONVENTIONS
from tests.conftest import golden_cases


def _case(name: str) -> dict[str, Any]:
    return next(c for c in golden_cases() if c["case"] == name)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "hunyuan_v1_moe", "num_experts": [8, 8]}, "num_experts must be one number"),
        ({"model_type": "hunyuan_v1_moe", "num_experts": 8, "moe_topk": [2, 1]}, "moe_topk as a list must hold one"),
        ({"model_type": "deepseek_v32", "num_hidden_layers": 4, "q_lora_rank": None}, "needs q_lora_rank"),
        (
            {"model_type": "deepseek_v32", "num_hidden_layers": 2, "layer_types": ["full_attention"] * 2},
            "must all be indexed_attention",
        ),
        ({"model_type": "deepseek_v32", "num_hidden_layers": 2, "mlp_layer_types": ["dense"]}, "mlp_layer_types"),
        ({"model_type": "qwen3_5_moe_text", "decoder_sparse_step": 2}, "experts in every layer"),
        ({"model_type": "qwen3_5_text", "num_hidden_layers": 2, "layer_types": ["x", "y"]}, "layer_types must list"),
        ({"model_type": "llama4_text", "num_hidden_layers": 2, "moe_layers": "all"}, "moe_layers must list"),
        ({"model_type": "llama4_text", "num_hidden_layers": 2, "layer_types": ["sliding_attention"] * 2}, "chunked"),
        ({"model_type": "longcat_flash", "num_layers": 2, "num_hidden_layers": 2}, "2 x num_layers"),
        ({"model_type": "longcat_flash", "num_layers": 2, "qk_head_dim": 100}, "qk_head_dim 100 differs"),
    ],
)
def test_unsupported_fields_are_refused_with_the_key(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigImportError, match=message):
        architecture_from_hf(config)


def test_chunked_keys() -> None:
    # Causal, with the usual halving (s/2 keys without a window): a whole chunk of w averages w/2, and s = n w + r
    # gives (n w^2/2 + r^2/2) / s. Unmasked (palm), every query is charged its whole chunk, min(s, w).
    assert mean_keys(8192 * 4, 8192, causal=True, chunked=True) == 4096
    assert mean_keys(10, 4, causal=True, chunked=True) == (2 * 16 / 2 + 4 / 2) / 10
    assert mean_keys(10, 4, causal=False, chunked=True) == 4
    assert mean_keys(3, 4, causal=True, chunked=True) == mean_keys(3, None, causal=True) == 1.5


def test_llama4_scout_chunks_three_of_four_layers() -> None:
    arch = architecture_from_hf(_case("llama-4-scout-17b-16e")["config"])
    att = arch.attention
    assert (att.sliding_window, att.global_every, att.chunked) == (8192, 4, True)
    # At 32k tokens under `causal`: 12 NoPE layers see s/2 keys, 36 chunked layers 8192/2; 4 a d FLOPs per key
    # (a = 40 heads, d = 128).
    s = 32768
    f = flops_per_token(arch, s, CONVENTIONS["causal"])
    assert f.attention_forward == 4 * 40 * 128 * (12 * s / 2 + 36 * 8192 / 2)
    # The KV cache of a chunked layer holds at most one chunk.
    per_layer = 2 * 8 * 128 * 2  # K and V of 8 kv heads x 128, bf16
    assert kv_bytes_per_token(arch, context=s) == per_layer * (12 + 36 * 8192 / s)


def test_deepseek_v32_sparse_attention_flops_and_cache() -> None:
    config = _case("deepseek-v3.2-scaled")["config"]
    arch = architecture_from_hf(config)
    a, nope, rope, v = 16, 128, 64, 128
    hi, di, topk = 8, 64, 256
    s = 1024
    # palm: each query scores its top-k keys in the MLA core, 2 a (d_nope + d_rope) + 2 a d_v FLOPs each, and
    # the indexer scores every key, 2 H_I d_I for q.k plus 2 H_I for the weighted sum over its heads.
    per_layer = 2 * a * (nope + rope + v) * topk + 2 * hi * (di + 1) * s
    f = flops_per_token(arch, s, CONVENTIONS["palm"])
    assert f.attention_forward == 6 * per_layer
    # Under `causal` query i selects min(i, k) keys: k - k^2/(2s) on average; the indexer s/2.
    causal = flops_per_token(arch, s, CONVENTIONS["causal"]).attention_forward
    assert causal == 6 * (2 * a * (nope + rope + v) * (topk - topk**2 / (2 * s)) + 2 * hi * (di + 1) * s / 2)
    # The cache keeps the latent, the rotary key and the indexer's key for every token.
    assert kv_bytes_per_token(arch) == 6 * (128 + rope + di) * 2  # kv_lora_rank 128, bf16


def test_minimax_lightning_layers_keep_a_state_not_a_cache() -> None:
    from gptcalc.memory import state_bytes_per_sequence

    arch = architecture_from_hf(_case("minimax-text-01-hf")["config"])
    # 80 layers, softmax attention on every 8th: 10 attention layers with a KV cache, 70 lightning layers.
    assert arch.n_attention_layers == 10
    h, d, b = 64, 128, 256
    s = 4096
    # Blockwise lightning attention per head and token: Q K^T and its product with V within a 256-token block
    # (2 B d each), the query against the carried state and the state update (2 d^2 each).
    scan = 70 * h * (4 * b * d + 4 * d * d)
    softmax = 10 * 4 * h * d * s  # palm: every key, 2 a d for Q.K^T and 2 a d for A.V
    assert flops_per_token(arch, s, CONVENTIONS["palm"]).attention_forward == scan + softmax
    assert state_bytes_per_sequence(arch) == 70 * h * d * d * 2  # a d x d state per head, bf16
    assert kv_bytes_per_token(arch) == 10 * 2 * 8 * 128 * 2  # K and V of 8 kv heads x 128 on 10 layers, bf16


def test_minimax_remote_code_pattern_is_refused() -> None:
    with pytest.raises(ConfigImportError, match="attn_type_list"):
        architecture_from_hf({"model_type": "minimax", "num_hidden_layers": 2, "attn_type_list": [0, 1]})


def test_longcat_sublayers_and_zero_experts() -> None:
    arch = architecture_from_hf(_case("longcat-flash-chat")["config"])
    # 28 layers of two sublayers each: the first carries the shortcut MoE beside its MLP.
    assert arch.n_layers == 56 and arch.block_types[:2] == ("dense+moe", "dense") and arch.n_moe_layers == 28
    # The identity experts cost FLOPs only through the router's 256 extra scores per MoE layer (2 h each); the
    # top-12 picks are counted as real experts either way.
    h = 6144
    moe = architecture_from_hf({**_case("longcat-flash-chat")["config"], "zero_expert_num": 0})
    palm = CONVENTIONS["palm"]
    diff = flops_per_token(arch, 1024, palm).matmul_forward - flops_per_token(moe, 1024, palm).matmul_forward
    assert diff == 28 * 2 * 256 * h


def test_lightning_training_memory_keeps_per_block_states() -> None:
    from gptcalc.inventory import inventory
    from gptcalc.memory import kind_activation_bytes
    from gptcalc.specs.layout import TrainLayout

    # Blockwise lightning attention keeps each block's d x d state per head in fp32 for backward: 4 H d^2 / B
    # bytes per token, so halving B from 64 to 32 adds 4 s b H d^2 / 64.
    base = {"model_type": "minimax", "num_hidden_layers": 2, "hidden_size": 128, "num_attention_heads": 4}
    layout = TrainLayout(micro_batch=1)
    s = 256
    sizes = []
    for block in (64, 32):
        arch = architecture_from_hf({**base, "block_size": block, "num_key_value_heads": 2})
        sizes.append(kind_activation_bytes(arch, inventory(arch).kinds["deltanet+moe"], layout, s))
    assert sizes[1] - sizes[0] == 4 * s * 4 * 32 * 32 / 64
