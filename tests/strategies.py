"""Hypothesis strategies for random valid architectures."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from gptcalc.specs.arch import Architecture


@st.composite
def architectures(draw: st.DrawFn, moe: bool | None = None) -> Architecture:
    kv = draw(st.sampled_from([1, 2, 4]))
    heads = kv * draw(st.integers(1, 4))
    head_dim = draw(st.sampled_from([8, 16, 32]))
    n_layers = draw(st.integers(1, 8))
    hidden = heads * head_dim * draw(st.integers(1, 2))
    mla = draw(st.booleans()) and draw(st.booleans())
    attention: dict[str, Any]
    if mla:
        attention = {
            "kind": "mla",
            "n_heads": heads,
            "q_lora_rank": draw(st.one_of(st.none(), st.integers(4, 64))),
            "kv_lora_rank": draw(st.integers(4, 64)),
            "qk_rope_head_dim": draw(st.sampled_from([4, 8])),
            "qk_nope_head_dim": draw(st.sampled_from([8, 16])),
            "v_head_dim": draw(st.sampled_from([8, 16])),
            "bias": draw(st.booleans()),
        }
    else:
        attention = {
            "n_heads": heads,
            "n_kv_heads": kv,
            "head_dim": head_dim,
            "qkv_bias": draw(st.booleans()),
            "out_bias": draw(st.booleans()),
            "qk_norm": draw(st.sampled_from(["none", "head", "full"])),
        }
    spec: dict[str, Any] = {
        "n_layers": n_layers,
        "hidden_size": hidden,
        "vocab_size": draw(st.integers(10, 5000)),
        "attention": attention,
        "mlp": {
            "activation": draw(st.sampled_from(["gelu", "swiglu", "geglu", "relu"])),
            "d_ff": draw(st.integers(8, 512)),
            "bias": draw(st.booleans()),
        },
        "norm": draw(st.sampled_from(["layernorm", "rmsnorm", "nonparametric"])),
        "norms_per_layer": draw(st.integers(0, 4)),
        "tie_embeddings": draw(st.booleans()),
        "final_norm": draw(st.booleans()),
        "output_bias": draw(st.booleans()),
    }
    if draw(st.booleans()):
        spec["position_embedding"] = "learned"
        spec["max_position_embeddings"] = draw(st.integers(16, 4096))
    use_moe = draw(st.booleans()) if moe is None else moe
    if use_moe:
        n_experts = draw(st.integers(1, 16))
        spec["moe"] = {
            "n_experts": n_experts,
            "top_k": draw(st.integers(1, n_experts)),
            "expert_d_ff": draw(st.integers(8, 256)),
            "n_shared_experts": draw(st.integers(0, 2)),
            "first_dense_layers": draw(st.integers(0, n_layers - 1)),
            "router_bias": draw(st.booleans()),
            "shared_expert_gate": draw(st.booleans()),
            "expert_bias": draw(st.one_of(st.none(), st.booleans())),
        }
    return Architecture.model_validate(spec)
