"""Hand derivations shared by several tests, written out from the presets' dimensions and the papers.

Nothing here imports gptcalc: each figure is arithmetic on published dimensions, so a test that compares the
library with these numbers compares it with something outside the code.
"""

from __future__ import annotations

# GPT-4 as presets/models/gpt-4.toml describes the July 2023 SemiAnalysis leak: 120 layers, h = 10,752
# (96 heads of 112), GELU experts of d_ff = 4h with biases, 16 experts, 2 routed per token, MHA with biases,
# LayerNorm (weight + bias), learned positions over the 8k context, untied cl100k_base head (100,277 ids).
GPT4_H, GPT4_L, GPT4_V, GPT4_P, GPT4_E, GPT4_K = 10752, 120, 100277, 8192, 16, 2
GPT4_F = 4 * GPT4_H


def gpt4_counts() -> dict[str, int]:
    """GPT-4 parameters by hand (Kaplan et al. 2020 Sec. 2.1 notation; biases and LayerNorms added)."""
    h, L, V, P, E, k, f = GPT4_H, GPT4_L, GPT4_V, GPT4_P, GPT4_E, GPT4_K, GPT4_F
    expert = 2 * h * f + f + h  # up and down weights, their biases
    attention = 4 * h * h + 4 * h  # q, k, v, o weights (a d = h), their biases
    router = E * h
    norms = L * 2 * 2 * h + 2 * h  # two LayerNorms per block + the final one, weight + bias each
    edges = V * h + P * h + V * h  # token embedding, learned positions, untied head
    return {
        "total": L * (E * expert + attention + router) + norms + edges,
        "active": L * (k * expert + attention + router) + norms + edges,
        "one_routed_expert": L * expert,
        "attention": L * attention,
    }


def gpt4_palm_training_flops_per_token(seq_len: int = 8192) -> float:
    """PaLM App. B convention (Chowdhery et al. 2022): 3 x (2 x active matmul weights + 4 L a d s).

    Active matmul weights per layer: 4h^2 attention, k = 2 experts of 2 h f, router E h; plus the V h head.
    Attention at full sequence length (no causal halving): 2 a d s for Q.K^T and 2 a d s for A.V per layer.
    """
    h, L, V, E, k, f = GPT4_H, GPT4_L, GPT4_V, GPT4_E, GPT4_K, GPT4_F
    matmul = 2 * (L * (4 * h * h + k * 2 * h * f + E * h) + V * h)
    attention = L * 4 * h * seq_len  # a d = h
    return 3.0 * (matmul + attention)


def gpt4_a100_scenario_cost_mid() -> float:
    """presets/scenarios/gpt-4-a100.toml by hand: 13T tokens, palm FLOPs, A100 bf16 peak 312 TFLOP/s
    (datasheet), MFU mid (0.32 + 0.36) / 2 = 0.34, $1 per GPU-hour: cost = FLOPs / (peak x MFU x 3600) x $1."""
    flops = 13e12 * gpt4_palm_training_flops_per_token()
    return flops / (312e12 * 0.34 * 3600) * 1.0


def three_figures(value: float, unit: str = "") -> str:
    """How the README's tables print a count: 3 significant figures and an SI suffix (1.83T, 280B, 55.5B)."""
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"{unit}{value / scale:.3g}{suffix}"
    return f"{unit}{value:.3g}"


def llama2_70b_params() -> int:
    """Llama-2-70B (Touvron et al. 2023; HF config): h 8,192, 80 layers, 64 query and 8 key/value heads of 128,
    SwiGLU d_ff 28,672, vocabulary 32,000, RMSNorm, untied head. Per layer h(a + 2g)d + a d h + 3 h f + 2h;
    = 68,976,653,312 (released safetensors) - 80 x 64 rotary inv_freq buffers (tests/test_params_published.py)."""
    h, L, a, g, d, f, V = 8192, 80, 64, 8, 128, 28672, 32000
    return L * (h * (a + 2 * g) * d + a * d * h + 3 * h * f + 2 * h) + h + 2 * V * h
