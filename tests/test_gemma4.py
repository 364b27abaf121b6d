"""Gemma 4 (gemma4_text, and the gemma4 wrapper): what the golden totals and FLOP counts do not pin down.

Totals and forward FLOPs equal transformers 5.24's in the golden fixtures (tools/golden_configs/gemma4_text.json,
gemma4.json; tests/test_params_golden.py, tests/test_flops_golden.py). Here: the refusals, and active parameters,
KV-cache bytes and attention FLOPs derived by hand from modeling_gemma4.py (Gemma4TextAttention,
Gemma4TextConfig.kv_sharing_modes).
"""

from __future__ import annotations

from typing import Any

import pytest

from gptcalc.adapters.hf_config import VISION_EXCLUDED, architecture_from_hf
from gptcalc.errors import ConfigImportError
from gptcalc.flops import attention_core_forward
from gptcalc.inventory import inventory
from gptcalc.memory import kv_bytes_per_token
from gptcalc.params import count_params
from gptcalc.serving import engine_architecture
from gptcalc.specs.serving import ServingSetup
from tests.conftest import golden_cases

CASES = {c["case"]: c for c in golden_cases() if c["model_type"] in ("gemma4_text", "gemma4")}
SMALL = {"model_type": "gemma4_text", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2}
SMALL |= {"head_dim": 16, "intermediate_size": 96, "vocab_size": 500, "hidden_size_per_layer_input": 0}


def _config(name: str) -> dict[str, Any]:
    return dict(CASES[name]["config"])


def _total(name: str) -> int:
    return int(CASES[name]["totals"]["5.24.0"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"use_bidirectional_attention": "all"}, r"use_bidirectional_attention 'all'.*causal decoders"),
        ({"num_hidden_layers": 4, "num_kv_shared_layers": 4}, r"num_kv_shared_layers 4 leaves no earlier layer"),
        # Layers 0-2 slide, 3 is full and shares: no earlier full layer computes K/V (transformers raises too).
        ({"num_hidden_layers": 4, "num_kv_shared_layers": 1}, r"num_kv_shared_layers 1 leaves no earlier layer"),
        ({"num_hidden_layers": 2, "enable_moe_block": True, "num_experts": 4}, r"needs top_k_experts, moe_int"),
        ({"num_hidden_layers": 2, "layer_types": ["full_attention"]}, r"layer_types must list 2 entries"),
        (
            {"num_hidden_layers": 2, "per_layer_config": {"0": {"head_dim": 32}}},
            r"per_layer_config may only override the full-attention layers \[1\]",
        ),
        (
            {"num_hidden_layers": 2, "per_layer_config": {"1": {"intermediate_size": 32}}},
            r"per_layer_config must give every full-attention layer the same head_dim",
        ),
    ],
)
def test_unsupported_combinations_are_one_clear_line(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigImportError, match=message) as err:
        architecture_from_hf({**SMALL, **changes})
    assert "\n" not in str(err.value)


def test_kv_shared_layers_have_no_kv_projections_and_double_wide_mlps() -> None:
    # Gemma4TextAttention on a "reuse" layer builds q_proj, q_norm and o_proj only; Gemma4TextMLP doubles its width.
    inv = inventory(architecture_from_hf(_config("gemma-4-e2b-text")))
    names = [w.name for w in inv.kinds["dense/kv-shared"].weights]
    assert "self_attn.q_proj.weight" in names and "self_attn.q_norm.weight" in names
    assert not any(n.startswith(("self_attn.k_", "self_attn.v_")) for n in names)
    assert inv.kinds["dense/kv-shared"].mlp_width == 2 * 6144 and inv.kinds["dense"].mlp_width == 6144
    # 35 layers, 4 sliding : 1 full; the last 20 share: 12 sliding and 3 full layers compute their own K/V.
    kinds = ("dense", "dense/global", "dense/kv-shared", "dense/global/kv-shared")
    assert [inv.count(k) for k in kinds] == [12, 3, 16, 4]


def test_k_eq_v_layers_have_no_v_proj() -> None:
    inv = inventory(architecture_from_hf(_config("gemma-4-31b-text")))
    full = [w.name for w in inv.kinds["dense/global"].weights]
    assert "self_attn.k_proj.weight" in full and "self_attn.v_proj.weight" not in full
    assert "self_attn.v_proj.weight" in [w.name for w in inv.kinds["dense"].weights]


def test_kv_cache_holds_only_the_producing_layers() -> None:
    # E2B: 12 sliding layers of 1 kv head x 256 and 3 full layers of 1 kv head x 512 keep K and V (bf16);
    # the 20 sharing layers keep nothing. At 8,192 tokens of context a sliding layer holds 512 of them.
    arch = architecture_from_hf(_config("gemma-4-e2b-text"))
    sliding, full = 12 * 2 * 1 * 256 * 2, 3 * 2 * 1 * 512 * 2
    assert kv_bytes_per_token(arch, "bf16") == sliding + full
    assert kv_bytes_per_token(arch, "bf16", context=8192) == sliding * 512 / 8192 + full
    # 31B: 50 sliding layers of 16 x 256, 10 full ones of 4 x 512 (keys and values both cached under k = v).
    big = architecture_from_hf(_config("gemma-4-31b-text"))
    assert kv_bytes_per_token(big, "bf16") == 50 * 2 * 16 * 256 * 2 + 10 * 2 * 4 * 512 * 2


def test_attention_flops_use_each_layer_kinds_width() -> None:
    # 31B at s = 4,096, causal: 50 sliding layers of a d = 32 x 256 over w - w^2/(2s) keys (w = 1,024),
    # 10 full layers of 32 x 512 over s/2 keys; 4 a d FLOPs per key (Kaplan et al. 2020, Table 1).
    arch = architecture_from_hf(_config("gemma-4-31b-text"))
    s, w = 4096, 1024
    expected = 50 * 4 * 32 * 256 * (w - w * w / (2 * s)) + 10 * 4 * 32 * 512 * (s / 2)
    assert attention_core_forward(arch, s) == expected


def test_active_parameters_count_top_k_experts() -> None:
    # 6 layers of 16 experts of 3 x 128 x 32 (gate, up, down), top-4: 12 experts per layer are not active.
    counts = count_params(architecture_from_hf(_config("gemma4_text-small-moe")))
    assert counts.total == _total("gemma4_text-small-moe")
    assert counts.active == counts.total - 6 * 12 * 3 * 128 * 32


def test_wrapper_counts_the_text_model_and_says_what_is_left_out() -> None:
    arch = architecture_from_hf(_config("gemma-4-e2b-it"))
    assert VISION_EXCLUDED in arch.description and "audio tower" in arch.description
    assert count_params(arch).total == _total("gemma-4-e2b-text")


def test_serving_full_kv_window_keeps_the_full_attention_layers() -> None:
    arch = architecture_from_hf(_config("gemma-4-31b-text"))
    wide = engine_architecture(arch, ServingSetup(kv_window="full", prompt=6000, output=2000))
    assert inventory(wide).layer_kinds == inventory(arch).layer_kinds
    assert wide.attention.sliding_window == 8000
    # Every layer now keeps the whole context: 50 x 16 x 256 and 10 x 4 x 512 keys and values per token.
    assert kv_bytes_per_token(wide, "bf16", context=8000) == 50 * 2 * 16 * 256 * 2 + 10 * 2 * 4 * 512 * 2
