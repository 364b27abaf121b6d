"""Architecture templates: turn a few sizes (layers, hidden size) into a full, valid Architecture.

Used by planning (a compute-optimal dense model) and by solving for dimensions from rumoured totals. The
head count of multi-head attention keeps a x d = h and picks the multiple of 8 (so 8-way tensor parallelism
divides it) whose head width is closest to 128; GQA/MQA keep d = 128 and derive the heads from h.
"""

from __future__ import annotations

from typing import Any, Literal

from gptcalc.errors import InfeasibleError
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import validate_spec

HEAD_DIM = 128


def mha_heads(hidden: int, head_dim: int = HEAD_DIM) -> int:
    """Heads for MHA with a x d = h: a multiple of 8 dividing h, head width closest to ``head_dim``."""
    options = [a for a in range(8, hidden + 1, 8) if hidden % a == 0]
    if not options:
        options = [a for a in range(1, hidden + 1) if hidden % a == 0]
    return min(options, key=lambda a: (abs(hidden / a - head_dim), -a))


def round_up(value: float, multiple: int) -> int:
    return int(-(-value // multiple) * multiple)


def llama_style(
    layers: int, hidden: int, *, vocab: int = 128_256, kv_heads: int = 8, name: str = "planned", context: int = 8192
) -> Architecture:
    """A Llama-3-style dense decoder: SwiGLU with d_ff = 8h/3 rounded up to 256, GQA with head width 128,
    RMSNorm, rotary positions, untied embeddings (Touvron et al. 2023; Llama Team 2024)."""
    heads = max(hidden // HEAD_DIM, 1)
    kv = next(g for g in (kv_heads, 8, 4, 2, 1) if heads % g == 0)
    return validate_spec(
        Architecture,
        {
            "name": name,
            "description": "Llama-style dense model suggested by gptcalc plan",
            "n_layers": layers,
            "hidden_size": hidden,
            "vocab_size": vocab,
            "context_length": context,
            "attention": {"n_heads": heads, "n_kv_heads": kv, "head_dim": HEAD_DIM},
            "mlp": {"activation": "swiglu", "d_ff": round_up(8 * hidden / 3, 256)},
        },
        "planned architecture",
    )


Attn = Literal["mha", "gqa", "mqa"]


def moe_style(
    layers: int,
    hidden: int,
    *,
    experts: int | None,
    top_k: int | None,
    ffn_ratio: float,
    vocab: int,
    activation: str,
    attention: Attn,
    kv_heads: int | None,
    bias: bool,
    norm: str,
    positions: str,
    context: int,
    tie: bool,
    name: str = "solved",
) -> Architecture:
    """A GPT-style decoder (dense, or MoE with every layer's MLP split into experts) from its width."""
    d_ff = max(round(ffn_ratio * hidden), 1)
    att: dict[str, Any] = {"qkv_bias": bias, "out_bias": bias}
    if attention == "mha":
        heads = mha_heads(hidden)
        att.update(n_heads=heads, head_dim=hidden // heads)
    else:
        heads = max(hidden // HEAD_DIM, 1)
        kv = 1 if attention == "mqa" else (kv_heads or 8)
        if heads % kv:
            raise InfeasibleError(f"kv heads: {kv} does not divide the {heads} heads of hidden size {hidden}")
        att.update(n_heads=heads, n_kv_heads=kv, head_dim=HEAD_DIM)
    spec: dict[str, Any] = {
        "name": name,
        "n_layers": layers,
        "hidden_size": hidden,
        "vocab_size": vocab,
        "attention": att,
        "mlp": {"activation": activation, "d_ff": d_ff, "bias": bias},
        "norm": norm,
        "position_embedding": positions,
        "context_length": context,
        "tie_embeddings": tie,
    }
    if positions == "learned":
        spec["max_position_embeddings"] = context
    if experts:
        spec["moe"] = {"n_experts": experts, "top_k": top_k or 1, "expert_d_ff": d_ff}
    return validate_spec(Architecture, spec, "solved architecture")
