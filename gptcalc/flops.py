"""FLOPs per token: forward, backward, training, dense-equivalent, with switchable conventions.

Sources:

* 2 FLOPs per weight per token for a matmul (one multiply, one add), backward = 2 x forward, so
  training = 3 x forward ~ 6N (Kaplan et al. 2020, Sec. 2.1; Hoffmann et al. 2022, C = 6ND).
* Attention score and context: ``2*a*d*K`` for Q.K^T and ``2*a*d*K`` for A.V per token per layer,
  K the number of keys each query sees (Kaplan et al. 2020 Table 1, ``2 n_layer n_ctx d_attn`` per
  token; PaLM, Chowdhery et al. 2022, App. B: training adds ``12 L H Q T`` = 3 x 4 L H Q T).
* Causal masking halves the keys on average (Dao 2023, FlashAttention-2, Sec. 4.1, counts causal
  attention as half of full). With a sliding window w < s, the mean key count is ``w - w^2/(2s)``; with
  Llama 4's chunked attention about w/2; DeepSeek Sparse Attention attends to its top-k keys as a window of k
  would, and its indexer scores every key (DeepSeek-AI 2025, DeepSeek-V3.2, Sec. 2.1).
* State-space (Mamba-2) layers: in_proj and out_proj are matmuls like any other; the SSD scan's FLOPs per
  token in its chunked form, ``2 Q N G + H (2 Q P + 4 N P)`` (Dao & Gu 2024, "Transformers are SSMs",
  Sec. 6; :meth:`gptcalc.inventory.SsmCore.scan_flops_per_token`), are counted with the attention core (the
  token-mixing core) and, like it, left out under a convention that excludes attention. They grow with the
  chunk length Q, not with the sequence length. Mamba layers (Jamba) add ``7 D N`` (selective scan, Gu & Dao
  2023 Sec. 3.3) and gated DeltaNet layers (Qwen3-Next) ``H (2 C (3 d_k + 2 d_v) + 6 d_k d_v)`` (chunkwise
  delta rule, Yang et al. 2024, NeurIPS, Sec. 3.3) and lightning-attention layers (MiniMax-01)
  ``H (4 B d + 4 d^2)`` (blockwise, MiniMax 2025 Sec. 2.2) the same way.
* Recomputation: full recompute reruns each block's forward; selective recompute reruns only the
  attention score/softmax/context (Korthikanti et al. 2022, Sec. 4-5). These are hardware FLOPs (HFU),
  not model FLOPs (MFU), as PaLM App. B defines them.

Left out everywhere: biases, norms, softmax, activation functions, rotary embeddings and the
embedding lookup (none is a matmul; together well under 1% at these widths).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from gptcalc.errors import InputError
from gptcalc.inventory import AttentionCore, inventory
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import PosInt, Result
from gptcalc.specs.conventions import CONVENTIONS, FlopsConvention, RecomputeMode
from gptcalc.specs.defaults import DEFAULT_CONVENTION

# ------------------------------------------------------------------------------------ attention core


def mean_keys(seq_len: int, window: int | None, causal: bool, chunked: bool = False) -> float:
    """Mean number of keys a query attends to in a sequence of ``seq_len`` tokens.

    Full (unmasked): ``min(s, w)``. Causal: ``s/2`` without a window (the usual halving), and
    ``w - w^2/(2s)`` with a window ``w < s`` (the first w queries see a growing prefix, the rest w keys).
    Chunked attention (Llama 4: a query sees the earlier keys of its aligned chunk of w tokens), causal:
    ``(n w^2/2 + r^2/2) / s`` for s = n w + r, i.e. about w/2; full: ``min(s, w)``, whole chunks.
    The same rule with w = top-k gives DeepSeek Sparse Attention's selected keys (min(i, k) for query i).
    """
    s = seq_len
    if window is None or window >= s:
        return s / 2 if causal else float(s)
    if chunked and causal:
        n, r = divmod(s, window)
        return (n * window * window / 2 + r * r / 2) / s
    return window - window * window / (2 * s) if causal else float(window)


def core_flops_per_query(core: AttentionCore, seq_len: int, window: int | None, causal: bool, chunked: bool) -> float:
    """Forward FLOPs of one query in one attention layer: ``flops_per_key x K`` with K from :func:`mean_keys`
    (the layer's window or chunk), and for DeepSeek Sparse Attention K over the indexer's top-k keys plus the
    indexer's own scores over every earlier key, ``2 H_I (d_I + 1)`` each (DeepSeek-V3.2 Sec. 2.1)."""
    if core.topk is not None:
        return core.flops_per_key * mean_keys(seq_len, core.topk, causal) + core.index_flops_per_key * mean_keys(
            seq_len, None, causal
        )
    return core.flops_per_key * mean_keys(seq_len, window, causal, chunked)


def attention_core_forward(arch: Architecture, seq_len: int, causal: bool = True) -> float:
    """Forward FLOPs per token of the token-mixing cores (attention scores and context, and the SSD scan of
    Mamba-2 layers), summed over layers.

    ``4 * a * d * K`` per attention layer (2*a*d*K for Q.K^T and as much for A.V; Kaplan et al. 2020
    Table 1), with ``d`` the query/key width and K from :func:`mean_keys` (sliding layers use their window,
    chunked layers their chunk, DeepSeek Sparse Attention its top-k keys plus the indexer's scores).
    Latent attention: ``2*a*(d_nope+d_rope)*K + 2*a*d_v*K`` (keys and values expanded per head, as trained).
    A Mamba-2 layer adds ``2 Q N G + H (2 Q P + 4 N P)`` (chunked SSD, Dao & Gu 2024 Sec. 6; whole diagonal
    blocks, so not halved by ``causal``); Mamba and gated DeltaNet layers their own recurrent cores'
    (:class:`gptcalc.inventory.SsmCore`, :class:`gptcalc.inventory.DeltaNetCore`). The per-key and per-token
    costs and each layer's window come from the operator inventory, per layer kind: Gemma 4's full-attention
    layers have their own a d (global_head_dim), and its KV-sharing layers attend like any other.
    """
    inv = inventory(arch)
    scan = float(sum(k.ssm.scan_flops_per_token * inv.count(name) for name, k in inv.kinds.items() if k.ssm))
    groups = inv.attention_groups()  # one core per layer kind: the same in every attention layer but in Gemma 4
    if not groups:
        return scan
    att = arch.attention
    full = sum(n * core_flops_per_query(core, seq_len, None, causal, False) for core, w, n in groups if not w)
    local = sum(
        n * core_flops_per_query(core, seq_len, att.sliding_window, causal, att.chunked) for core, w, n in groups if w
    )
    return scan + full + local


# ------------------------------------------------------------------------------------------ results


class FlopsPerToken(Result):
    """FLOPs per token of one model at one sequence length, under one convention."""

    model: str
    seq_len: int
    convention: FlopsConvention
    recompute: RecomputeMode
    layers_matmul_forward: float = Field(description="2 x active block weights (attention, MLP/experts).")
    router_forward: float = Field(description="2 x router weights over MoE layers.")
    head_forward: float = Field(description="Output head, 2*V*h (also when tied).")
    matmul_forward: float = Field(description="Sum of the three matmul terms: 2 x active matmul weights.")
    attention_forward: float = Field(
        description="Attention score/context forward (and the SSD scan of Mamba-2 layers); causal-halved when"
        " the convention says so."
    )
    attention_included: bool = Field(description="Whether attention_forward is part of the totals.")
    forward_per_token: float = Field(description="Forward FLOPs per token under the convention.")
    backward_per_token: float = Field(description="Backward FLOPs per token (2 x forward, less the head's if off).")
    training_per_token: float = Field(description="Model FLOPs per trained token (MFU numerator).")
    hardware_training_per_token: float = Field(description="Training FLOPs including recomputation (HFU).")
    dense_forward_per_token: float = Field(description="Forward FLOPs if every expert were active.")
    dense_training_per_token: float = Field(description="Training FLOPs if every expert were active.")


def flops_per_token(
    arch: Architecture,
    seq_len: PosInt,
    convention: FlopsConvention | None = None,
    recompute: RecomputeMode = "none",
) -> FlopsPerToken:
    """FLOPs per token for ``arch`` at ``seq_len`` (module docstring has the formulas and sources).

    forward  = 2*(active block weights + router + V*h) [+ attention core]
    training = 3 * forward  [- 2*2*V*h when the head's backward is not counted]
    hardware = training + recomputed forward (full: blocks and attention core; selective: attention core),
               the attention core counted whether or not the convention includes it in model FLOPs
    """
    if seq_len <= 0:
        raise InputError(f"seq_len: must be a positive number of tokens, got {seq_len}")
    return _flops_per_token(arch, seq_len, convention or CONVENTIONS[DEFAULT_CONVENTION], recompute)


@lru_cache(maxsize=512)
def _flops_per_token(
    arch: Architecture, seq_len: int, conv: FlopsConvention, recompute: RecomputeMode
) -> FlopsPerToken:
    """:func:`flops_per_token`, remembered per architecture, sequence length, convention and recomputation (the
    result is frozen; every estimate, fit and sweep of one model asks it again)."""
    inv = inventory(arch)
    # Integer weight sums over the inventory's matmuls: blocks (with top_k and with every routed expert),
    # routers, and the output head.
    blocks = blocks_all = router = 0
    for name, kind in inv.kinds.items():
        n = inv.count(name)
        kind_router = kind.matmul_weights(component="router")
        blocks += n * (kind.matmul_weights() - kind_router)
        blocks_all += n * (kind.matmul_weights(experts=kind.n_experts) - kind_router)
        router += n * kind_router
    head = inv.head_matrix

    layers_fwd = 2.0 * blocks
    router_fwd = 2.0 * router
    head_fwd = 2.0 * head
    matmul = layers_fwd + router_fwd + head_fwd
    attn_core = attention_core_forward(arch, seq_len, causal=conv.attention != "full")
    included = conv.attention != "excluded"
    forward = matmul + (attn_core if included else 0.0)
    backward = 2.0 * forward - (0.0 if conv.logits_backward else 2.0 * head_fwd)
    training = forward + backward
    # Recomputation is hardware work, so the recomputed attention core counts even under a convention that
    # leaves attention out of model FLOPs; full recompute always costs at least selective.
    if recompute == "full":
        extra = layers_fwd + router_fwd + attn_core
    elif recompute == "selective":
        extra = attn_core
    else:
        extra = 0.0
    dense_matmul = 2.0 * blocks_all + router_fwd + head_fwd
    dense_forward = dense_matmul + (attn_core if included else 0.0)
    dense_training = 3.0 * dense_forward - (0.0 if conv.logits_backward else 2.0 * head_fwd)
    return FlopsPerToken(
        model=arch.name,
        seq_len=seq_len,
        convention=conv,
        recompute=recompute,
        layers_matmul_forward=layers_fwd,
        router_forward=router_fwd,
        head_forward=head_fwd,
        matmul_forward=matmul,
        attention_forward=attn_core,
        attention_included=included,
        forward_per_token=forward,
        backward_per_token=backward,
        training_per_token=training,
        hardware_training_per_token=training + extra,
        dense_forward_per_token=dense_forward,
        dense_training_per_token=dense_training,
    )


class ConventionRow(Result):
    """One convention's totals next to the default's."""

    convention: str
    forward_per_token: float
    training_per_token: float
    change_vs_default: float = Field(description="training_per_token / default's - 1.")


def compare_conventions(arch: Architecture, seq_len: int) -> list[ConventionRow]:
    """Training FLOPs per token under every named convention, relative to the default (6n)."""
    base = flops_per_token(arch, seq_len, CONVENTIONS[DEFAULT_CONVENTION]).training_per_token
    rows = []
    for conv in CONVENTIONS.values():
        f = flops_per_token(arch, seq_len, conv)
        rows.append(
            ConventionRow(
                convention=conv.name,
                forward_per_token=f.forward_per_token,
                training_per_token=f.training_per_token,
                change_vs_default=f.training_per_token / base - 1.0,
            )
        )
    return rows
