"""The operator inventory: what one architecture is made of, derived once and read by every question.

For each layer kind (``dense``: attention + dense MLP; ``moe``: attention + router + shared and routed
experts; in hybrids also ``mamba2+mlp`` and ``mamba2+moe`` with a Mamba-2 state-space mixer in attention's
place, Jamba's ``mamba+mlp``/``mamba+moe``, the linear-attention ``deltanet+mlp``/``deltanet+moe`` (gated
DeltaNet, KDA or lightning attention), Falcon-H1's parallel ``attention+mamba2+mlp``, LongCat-Flash's
``dense+moe`` (an MLP and a shortcut MoE side by side), and the single-block kinds ``mamba2``, ``attention``,
``mlp`` and ``experts`` of Nemotron-H;
:data:`gptcalc.specs.arch.BlockType`) the inventory lists

* every **weight tensor** as transformers instantiates it (name, shape, role, the component it belongs to,
  and how many copies: ``E`` for a routed expert);
* every **matmul** as ``(m per token, n, k)``: ``y[m, n] = x[m, k] @ W[k, n]`` with m = 1 row per token seen
  (weights ``n*k``, forward FLOPs ``2*n*k`` per token; Kaplan et al. 2020, Sec. 2.1) and which tokens it
  sees: ``all`` of them, or ``routed`` (each token visits ``top_k`` of the ``E`` expert copies);
* the **attention core** (Q.K^T and A.V per query): its widths, the per-layer key-count rule (full, causal,
  sliding window or chunk, DeepSeek Sparse Attention's top-k keys with its indexer; Kaplan et al. 2020 Table 1,
  Dao 2023, DeepSeek-V3.2 Sec. 2.1) and what one token leaves in the KV cache (2 g d values, or the MLA latent
  r_kv + d_rope (+ the indexer's key), DeepSeek-V2 Sec. 2.1.2);
* the **recurrent core** of a state-space or linear-attention layer: Mamba-2's SSD scan or Mamba's selective
  scan (:class:`SsmCore`; Dao & Gu 2024 Sec. 6-7, Gu & Dao 2023 Sec. 3), the gated delta rule
  (:class:`DeltaNetCore`; Yang et al. 2024) or lightning attention (:class:`LightningCore`; MiniMax 2025), with its
  FLOPs per token and the state one sequence keeps (conv
  window + recurrent state, constant in context length; such a layer keeps no KV cache);
* the **memory-bound ops** (norms, activation, rotary, residual adds, router top-k) with the values each
  reads and writes per token;

and, per model, the token embedding, learned positions, output head and final norm, and which kind and
window every layer has. A kind is a block type, or one of its variants where layers of a type differ (Gemma 4:
``dense/global`` for its full-attention shape, ``dense/kv-shared`` for layers that reuse earlier layers' keys
and values; transformers' ``Gemma4TextDecoderLayer``), so every question reads each layer's own attention core.
:func:`collectives` lists the communication a parallel layout implies. Parameter
counts, FLOPs, memory, step time and serving are folds over this one description (modules
:mod:`gptcalc.params`, :mod:`gptcalc.flops`, :mod:`gptcalc.memory`, :mod:`gptcalc.steptime`,
:mod:`gptcalc.serving`). ``inventory(arch)`` is cached per architecture.

Notation (Narayanan et al. 2021): h hidden, a heads, g key/value heads, d head width, f MLP width,
V vocabulary, E routed experts, k experts per token, r_q/r_kv MLA ranks; for recurrent layers (Dao & Gu 2024,
Gu & Dao 2023, Yang et al. 2024): H heads, P head width, N state size, G B/C groups, Q or C chunk length,
K conv width, D Mamba channels, R dt rank, d_k/d_v delta-rule head widths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

from gptcalc.errors import InputError
from gptcalc.specs.arch import (
    ATTENTION_BLOCKS,
    DELTANET_BLOCKS,
    MLP_BLOCKS,
    MOE_BLOCKS,
    SSM_BLOCKS,
    Architecture,
    Attention,
    BlockType,
    GatedDeltaNet,
    KimiDeltaAttention,
    LatentAttention,
    LightningAttention,
    Mamba1,
    Mamba2,
    NormKind,
)
from gptcalc.specs.layout import TrainLayout

Role = Literal["matmul", "bias", "norm", "embedding", "allocated"]
"""``allocated``: a tensor transformers builds that no token ever multiplies (LongCat-Flash's zero experts' gate/up
slices): counted in totals, never active, no FLOPs."""
Component = Literal[
    "attention", "dense_mlp", "routed_experts", "shared_experts", "router", "norms", "embedding", "output_head"
]
COMPONENTS: tuple[Component, ...] = (
    "attention",
    "dense_mlp",
    "routed_experts",
    "shared_experts",
    "router",
    "norms",
    "embedding",
    "output_head",
)
Tokens = Literal["all", "routed"]
LayerKindName = str
"""A layer kind's name: its :data:`BlockType`, with ``/global`` where the layer uses the model's
``global_attention`` and ``/kv-shared`` where it reuses an earlier layer's keys and values (Gemma 4), e.g.
``dense/global/kv-shared``; plain block types for every model without those."""


class Weight(NamedTuple):
    """One parameter tensor (``copies`` identical ones for the routed experts of a layer)."""

    name: str
    shape: tuple[int, ...]
    role: Role
    component: Component
    copies: int = 1

    @property
    def numel(self) -> int:
        return math.prod(self.shape) * self.copies


class Matmul(NamedTuple):
    """``y[m, n] = x[m, k] W[k, n]``, one row per token it sees; a routed expert has ``copies = E``."""

    name: str
    n: int
    k: int
    component: Component
    tokens: Tokens = "all"
    copies: int = 1

    @property
    def weights(self) -> int:
        """Weights of one copy, n * k."""
        return self.n * self.k


class KvCache(NamedTuple):
    """What one token leaves in one layer's cache: ``heads`` x ``per_head`` values split over tensor-parallel
    ranks (replicated when tp > heads), or ``latent`` values every rank keeps (MLA)."""

    heads: int
    per_head: int
    latent: int = 0

    def values(self, tp: int = 1) -> int:
        """Values per token on one GPU of a tp group."""
        if self.latent:
            return self.latent
        return math.ceil(self.heads / tp) * self.per_head


class AttentionCore(NamedTuple):
    """Scores and context of one layer: per key, ``2 q_width`` FLOPs for Q.K^T and ``2 v_width`` for A.V.

    Widths of the tensors it stores for backward (Korthikanti et al. 2022, Sec. 4.1): the query, key and value
    projections' outputs and the context (``out_width``); ``latent`` is MLA's compressed q/kv width.
    """

    heads: int
    q_width: int
    k_width: int
    v_width: int
    out_width: int
    latent: int
    kv: KvCache
    kv_shared: bool = False
    """The layer reads an earlier layer's cached keys and values (Gemma 4's KV sharing): ``kv`` is what it reads;
    it stores nothing of its own."""
    topk: int | None = None
    """DeepSeek Sparse Attention: the keys each query attends to, chosen by the indexer; None: every earlier key."""
    index_flops_per_key: int = 0
    """Forward FLOPs of the indexer's scores of one query against one key (every earlier key, whatever topk):
    ``2 H_I d_I`` for q . k over its heads and ``2 H_I`` for their weighted sum (DeepSeek-AI 2025, DeepSeek-V3.2,
    Sec. 2.1, Eq. 1)."""

    @property
    def flops_per_key(self) -> int:
        """Forward FLOPs of one query against one key (Kaplan et al. 2020 Table 1: 2 a d each for QK^T and AV)."""
        return 2 * (self.q_width + self.out_width)


class SsmCore(NamedTuple):
    """The Mamba-2 SSD core of one layer (Dao & Gu 2024, "Transformers are SSMs", arXiv:2405.21060).

    Notation of the paper: H heads, P channels per head, N state size, G groups sharing B and C, Q chunk
    length, K conv width. ``values_state`` is what one sequence keeps between tokens (no KV cache).
    """

    heads: int
    head_dim: int
    state: int
    groups: int
    chunk: int
    conv_kernel: int
    version: Literal[1, 2] = 2
    """2: Mamba-2 (SSD); 1: Mamba's selective scan, described here as D heads of width 1 with no B/C groups
    (the conv and B, C are per channel) so that the state sizes below hold for both."""

    @property
    def scan_flops_per_token(self) -> int:
        """Forward FLOPs per token of one layer's scan: :meth:`ssd_flops_per_token` (Mamba-2) or
        :meth:`selective_scan_flops_per_token` (Mamba)."""
        if self.version == 1:
            return self.selective_scan_flops_per_token
        return self.ssd_flops_per_token

    @property
    def selective_scan_flops_per_token(self) -> int:
        """Forward FLOPs per token of Mamba's selective scan (Gu & Dao 2023, "Mamba", Sec. 3.3 and Alg. 2; the
        recurrent form, O(B L D N)): ``7 D N``, from, per channel and state, dt*A (1), dt*B*x (2), the update
        h = exp(dt A) h + dt B x (2) and the readout C.h (2). Left out: the exp itself, the D skip (D), the
        z gate (2 D) and the conv1d (K D); the same figure for training, prefill and decode."""
        return 7 * self.heads * self.head_dim * self.state

    @property
    def ssd_flops_per_token(self) -> int:
        """Forward FLOPs per token of the chunked SSD algorithm (training and prefill), one layer:

        ``2 Q N G  +  H (2 Q P + 2 N P + 2 N P)``

        from the four steps of Dao & Gu 2024 Sec. 6 (Listing 1, ``ssd_minimal``) with chunk length Q:
        (1) the diagonal blocks, C B^T within a chunk (2 Q N per token per group) and its masked product with
        X (2 Q P per token per head), counted over whole Q x Q blocks as the kernels compute them (no causal
        halving); (2) each chunk's final state B^T X (2 N P per token per head); (4) the states' contribution
        to the outputs, C h (2 N P per token per head). Left out: (3) the inter-chunk recurrence (N P per
        chunk per head, a 1/Q share), the decay mask exp(segsum(A)), the D skip (P per head), the
        discretisation dt * A, and the conv1d (K FLOPs per channel); the paper's O(T N^2) total with P = N
        = Q. Decoding one token in the recurrent form costs about ``H (4 N P)`` (state update and C h); this
        chunked figure is used for every token.
        """
        q, n, p, h, g = self.chunk, self.state, self.head_dim, self.heads, self.groups
        return 2 * q * n * g + h * (2 * q * p + 4 * n * p)

    def state_values(self, tp: int = 1) -> int:
        """Values one sequence keeps in one layer on one GPU of a tp group: the conv window of the last
        K - 1 inputs of its ``H P + 2 G N`` channels and the ``H P N`` SSM state; heads split over tp ranks
        and the B/C groups too (replicated when tp > G), as vLLM's Mamba-2 layer shards them. transformers'
        own cache keeps K (not K - 1) conv inputs."""
        h = math.ceil(self.heads / tp)
        g = math.ceil(self.groups / tp)
        conv = (h * self.head_dim + 2 * g * self.state) * (self.conv_kernel - 1)
        return conv + h * self.head_dim * self.state


class DeltaNetCore(NamedTuple):
    """The gated DeltaNet core of one layer (Yang, Kautz & Hatamizadeh 2024, arXiv:2412.06464): ``heads``
    value heads, each with a ``d_k x d_v`` state (queries and keys repeated over the value heads of a key
    head), a causal conv over ``conv_dim`` channels of width ``conv_kernel``, chunk length ``chunk``."""

    heads: int
    key_heads: int
    d_k: int
    d_v: int
    chunk: int
    conv_kernel: int

    @property
    def scan_flops_per_token(self) -> int:
        """Forward FLOPs per token of the chunkwise (WY) delta-rule algorithm, one layer (Yang et al. 2024,
        "Parallelizing Linear Transformers with the Delta Rule over Sequence Length", NeurIPS 2024, Sec. 3.3;
        the gated form of Yang, Kautz & Hatamizadeh 2024, Sec. 3.3, adds only elementwise decays):

        ``H (2 C (3 d_k + 2 d_v) + 6 d_k d_v)``

        per value head with chunk length C: within a chunk Q K^T and K K^T (2 C d_k each), W = T K (2 C d_k),
        U = T V and the masked (Q K^T)(U - W S) product (2 C d_v each), over whole C x C blocks; across chunks
        W S, Q S and the state update K^T U (2 d_k d_v each). Left out: the triangular solve for T (about
        C^2 / 3 per token), the decays and beta scaling, the conv1d, the L2 norms of q and k and the gated norm.
        The same figure is used for decode (the recurrent form costs about 6 d_k d_v per head)."""
        c, dk, dv = self.chunk, self.d_k, self.d_v
        return self.heads * (2 * c * (3 * dk + 2 * dv) + 6 * dk * dv)

    def state_values(self, tp: int = 1) -> int:
        """Values one sequence keeps in one layer on one GPU of a tp group: the conv window of the last
        K - 1 inputs of q, k and v and a d_k x d_v state per value head; heads split over tp ranks."""
        vh = math.ceil(self.heads / tp)
        kh = math.ceil(self.key_heads / tp)
        conv = (2 * kh * self.d_k + vh * self.d_v) * (self.conv_kernel - 1)
        return conv + vh * self.d_k * self.d_v


class LightningCore(NamedTuple):
    """MiniMax's lightning attention core of one layer (MiniMax 2025, "MiniMax-01", Sec. 2.2; Qin et al. 2024,
    "Lightning Attention-2", Alg. 1): ``heads`` heads of width ``d``, blocks of ``block`` tokens, a ``d x d``
    state per head and no convolution."""

    heads: int
    d: int
    block: int

    @property
    def scan_flops_per_token(self) -> int:
        """Forward FLOPs per token of the blockwise algorithm, one layer (``MiniMaxLightningAttention.forward``):

        ``H (4 B d + 4 d^2)``

        per head with block length B: within a block Q K^T and its masked product with V (2 B d each, over whole
        B x B blocks), across blocks the query times the carried state, Q (K^T V), and the state update K^T V
        (2 d^2 each). Left out: the decays (elementwise), the output norm and gate. The same figure is used for
        decode (the recurrent form costs about 4 d^2 per head)."""
        return self.heads * (4 * self.block * self.d + 4 * self.d * self.d)

    def state_values(self, tp: int = 1) -> int:
        """Values one sequence keeps in one layer on one GPU of a tp group: a d x d state per head (heads split
        over tp ranks); there is no convolution window."""
        return math.ceil(self.heads / tp) * self.d * self.d


class ElementwiseOp(NamedTuple):
    """A memory-bound op: values read and written per token (times the activation dtype's bytes)."""

    name: str
    reads: int
    writes: int


@dataclass(frozen=True)
class LayerKind:
    """Everything one block of this kind holds and does."""

    name: LayerKindName
    block: BlockType
    """What the layer holds (:data:`gptcalc.specs.arch.BlockType`); ``name`` adds the attention variant."""
    weights: tuple[Weight, ...]
    matmuls: tuple[Matmul, ...]
    attention: AttentionCore | None
    """The attention core; None for a layer without attention (mamba2, mlp, experts)."""
    ops: tuple[ElementwiseOp, ...]
    ssm: SsmCore | DeltaNetCore | LightningCore | None = field(default=None)
    """The recurrent core (Mamba/Mamba-2 scan or gated DeltaNet) of a layer with one; None elsewhere."""
    mlp_width: int = field(default=0)
    """Width of the dense MLP (dense layers) or of one routed expert (MoE layers)."""
    shared_width: int = field(default=0)
    """Fused width of the shared experts (MoE layers)."""
    n_matrices: int = 2
    n_experts: int = 0
    top_k: int | None = None
    by_component: dict[Component, int] = field(default_factory=dict)
    """Parameters of one block per component (every routed copy), summed once when the kind is built."""
    one_expert: int = 0
    """Parameters of one routed expert (weights and biases)."""

    _matmul_sums: dict[tuple[Component | None, bool], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Folded once here: parameter and FLOP questions then read sums instead of walking the tensors each call.
        for mm in self.matmuls:
            for key in ((None, mm.tokens == "routed"), (mm.component, mm.tokens == "routed")):
                self._matmul_sums[key] = self._matmul_sums.get(key, 0) + mm.weights
        for w in self.weights:
            self.by_component[w.component] = self.by_component.get(w.component, 0) + w.numel
        object.__setattr__(
            self,
            "one_expert",
            sum(math.prod(w.shape) for w in self.weights if w.component == "routed_experts" and w.role != "allocated"),
        )

    def params(self, component: Component | None = None, *, experts: int | None = None) -> int:
        """Parameters of one block (or of one component), with ``experts`` routed copies (default: all E)."""
        if component is None:
            whole = sum(self.by_component.values())
            if experts is None:
                return whole
            return whole - self.by_component.get("routed_experts", 0) + self.one_expert * experts
        if component == "routed_experts" and experts is not None:
            return self.one_expert * experts
        return self.by_component.get(component, 0)

    def matmul_weights(self, experts: int | None = None, component: Component | None = None) -> int:
        """Weights one token's matmuls multiply: every ``all`` matmul once and ``experts`` routed copies
        (default: top_k, what a token uses)."""
        dense = self._matmul_sums.get((component, False), 0)
        routed = self._matmul_sums.get((component, True), 0)
        if not routed:
            return dense
        return dense + (self.require_top_k() if experts is None else experts) * routed

    def require_top_k(self) -> int:
        """top_k, or a clear error where a computation needs it and the spec leaves it unknown."""
        if self.top_k is None:
            raise InputError(
                "moe.top_k: unknown for this model (no num_experts_per_tok); set it with --set moe.top_k=N"
            )
        return self.top_k


@dataclass(frozen=True)
class Inventory:
    """The whole model: its layer kinds, every layer's kind and window, and the embedding and head."""

    model: str
    hidden: int
    vocab: int
    kinds: dict[LayerKindName, LayerKind]
    layer_kinds: tuple[LayerKindName, ...]
    windows: tuple[int | None, ...]
    edge_weights: tuple[Weight, ...]
    head: Matmul
    tied: bool
    counts: dict[LayerKindName, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    """Parameters per component over every layer and the edges (all routed copies), folded once."""
    _moe_before: list[int] = field(default_factory=list)
    _windowed_before: list[int] = field(default_factory=list)
    _attention_before: list[int] = field(default_factory=list)
    _group_before: dict[tuple[LayerKindName, bool], list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Prefix counts, so that a pipeline stage's layers are counted in O(1) whatever its size.
        moe = windowed = attention = 0
        for kind, window in zip(self.layer_kinds, self.windows, strict=True):
            self._moe_before.append(moe)
            self._windowed_before.append(windowed)
            self._attention_before.append(attention)
            block = self.kinds[kind].block
            moe += block in MOE_BLOCKS
            windowed += window is not None
            attention += block in ATTENTION_BLOCKS
        self._moe_before.append(moe)
        self._windowed_before.append(windowed)
        self._attention_before.append(attention)
        keys = [
            (kind, window is not None) if self.kinds[kind].attention is not None else None
            for kind, window in zip(self.layer_kinds, self.windows, strict=True)
        ]
        for key in dict.fromkeys(k for k in keys if k is not None):
            prefix = [0]
            for k in keys:
                prefix.append(prefix[-1] + (k == key))
            self._group_before[key] = prefix
        for kind in self.kinds:
            self.counts[kind] = self.layer_kinds.count(kind)
        for c in COMPONENTS:
            self.totals[c] = self.edge_params(c) + sum(
                k.by_component.get(c, 0) * self.counts[name] for name, k in self.kinds.items()
            )

    @property
    def n_layers(self) -> int:
        return len(self.layer_kinds)

    def count(self, kind: LayerKindName) -> int:
        return self.counts.get(kind, 0)

    def edge_params(self, component: Component) -> int:
        """Embedding, learned positions, output head and final norm parameters of one component."""
        return sum(w.numel for w in self.edge_weights if w.component == component)

    @property
    def embedding_params(self) -> int:
        """Token embedding plus learned positions (the input side)."""
        return self.edge_params("embedding")

    @property
    def head_params(self) -> int:
        """Untied output head weights and its bias (0 weights when tied)."""
        return self.edge_params("output_head")

    @property
    def head_matrix(self) -> int:
        """V * h, the output projection's weights, whether or not they are tied to the embedding."""
        return self.head.weights

    @property
    def final_norm_params(self) -> int:
        return self.edge_params("norms")

    def component_params(self, component: Component, *, experts: int | None = None) -> int:
        """One breakdown component summed over every layer and the edges (``experts`` routed copies per MoE
        layer instead of all of them, when given)."""
        if component == "routed_experts" and experts is not None:
            return sum(k.one_expert * experts * self.count(name) for name, k in self.kinds.items() if k.n_experts)
        return self.totals[component]

    @property
    def hybrid(self) -> bool:
        """Whether some kind is not a classic attention + MLP/MoE block (:data:`BlockType`)."""
        return any(name not in ("dense", "moe") for name in self.kinds)

    @property
    def moe_kinds(self) -> dict[LayerKindName, LayerKind]:
        """The kinds that hold routed experts (``moe``, ``experts``)."""
        return {name: k for name, k in self.kinds.items() if k.n_experts}

    @property
    def attention_core(self) -> AttentionCore | None:
        """The attention core of the first attention kind (the one every attention layer shares, except in models
        whose layers differ: Gemma 4); None for a model without attention layers."""
        return next((k.attention for k in self.kinds.values() if k.attention is not None), None)

    def attention_groups(self, layers: range | None = None) -> list[tuple[AttentionCore, bool, int]]:
        """(attention core, windowed, how many layers) for the attention layers among contiguous ``layers`` (default:
        all), one entry per layer kind and window, in order of first appearance; O(kinds) per call."""
        span = layers if layers is not None else range(self.n_layers)
        out = []
        for (name, windowed), before in self._group_before.items():
            n = before[span.stop] - before[span.start]
            core = self.kinds[name].attention
            if n and core is not None:
                out.append((core, windowed, n))
        return out

    def stage_attention(self, layers: range) -> int:
        """Attention layers (the ones with a KV cache) among contiguous ``layers``."""
        return self._attention_before[layers.stop] - self._attention_before[layers.start]

    def stage_counts(self, layers: range) -> tuple[int, int, int]:
        """(non-MoE layers, MoE layers, sliding-window layers) among contiguous ``layers``."""
        moe = self._moe_before[layers.stop] - self._moe_before[layers.start]
        windowed = self._windowed_before[layers.stop] - self._windowed_before[layers.start]
        return len(layers) - moe, moe, windowed

    def kind_of(self, layer: int) -> LayerKind:
        return self.kinds[self.layer_kinds[layer]]


# ------------------------------------------------------------------------------------------------ build


def _norm(kind: NormKind, width: int, name: str, component: Component) -> list[Weight]:
    """RMSNorm and bias-free LayerNorm: a weight of ``width``; LayerNorm: weight and bias; non-parametric:
    nothing (torch.nn.LayerNorm(elementwise_affine, bias), torch.nn.RMSNorm)."""
    if kind == "nonparametric":
        return []
    out = [Weight(f"{name}.weight", (width,), "norm", component)]
    if kind == "layernorm":
        out.append(Weight(f"{name}.bias", (width,), "norm", component))
    return out


def _linear(
    name: str, k: int, n: int, component: Component, *, bias: bool, tokens: Tokens = "all", copies: int = 1
) -> tuple[list[Weight], Matmul]:
    """One nn.Linear(k, n): its weight (and bias) tensors and its matmul."""
    weights = [Weight(f"{name}.weight", (n, k), "matmul", component, copies)]
    if bias:
        weights.append(Weight(f"{name}.bias", (n,), "bias", component, copies))
    return weights, Matmul(name, n, k, component, tokens, copies)


def _attention(
    arch: Architecture, att: Attention, kv_shared: bool = False
) -> tuple[list[Weight], list[Matmul], AttentionCore, list[ElementwiseOp]]:
    """Projections of standard (MHA/GQA/MQA) or latent attention (DeepSeek-V2 Sec. 2.1.2), as transformers
    builds them, with the q/k norms of Qwen3 ('head': d weights each) and OLMo 2 ('full': a d and g d
    weights; Cohere's (a, d) and StableLM's per-head norms count the same), and gpt-oss's learned attention
    sinks (one logit per query head, OpenAI 2025 gpt-oss model card Sec. 2.1; no FLOPs worth counting).
    Fused projections (Falcon's query_key_value, MPT's Wqkv) hold the same weights as separate ones.
    Gemma 4 (transformers' ``Gemma4TextAttention``, modeling_gemma4.py): ``att`` is the layer's own shape (its
    full-attention layers may have a wider head_dim and fewer key/value heads); with ``k_eq_v`` there is no
    v_proj (the keys' projection is reused as values); a ``kv_shared`` layer has neither k_proj nor v_proj nor
    k_norm (its v_norm holds no weight either way) and stores no KV cache."""
    h = arch.hidden_size
    weights: list[Weight] = []
    matmuls: list[Matmul] = []
    ops: list[ElementwiseOp] = []

    def add(name: str, k: int, n: int, bias: bool) -> None:
        w, mm = _linear(name, k, n, "attention", bias=bias)
        weights.extend(w)
        matmuls.append(mm)

    if isinstance(att, LatentAttention):
        a, qk, r_kv, rope = att.n_heads, att.qk_head_dim, att.kv_lora_rank, att.qk_rope_head_dim
        if att.q_lora_rank is None:
            add("self_attn.q_proj", h, a * qk, False)
        else:
            add("self_attn.q_a_proj", h, att.q_lora_rank, att.bias)
            weights.extend(_norm(arch.norm, att.q_lora_rank, "self_attn.q_a_layernorm", "attention"))
            add("self_attn.q_b_proj", att.q_lora_rank, a * qk, False)
        add("self_attn.kv_a_proj_with_mqa", h, r_kv + rope, att.bias)
        weights.extend(_norm(arch.norm, r_kv, "self_attn.kv_a_layernorm", "attention"))
        add("self_attn.kv_b_proj", r_kv, a * (att.qk_nope_head_dim + att.v_head_dim), False)
        add("self_attn.o_proj", a * att.v_head_dim, h, att.bias)
        index_key = index_flops = 0
        if att.index_heads is not None and att.index_head_dim is not None and att.q_lora_rank is not None:
            # DeepSeek-V3.2's lightning indexer (transformers' DeepseekV32Indexer): queries from the query latent,
            # one shared key per token through a LayerNorm with bias, and a per-head weight.
            hi, di = att.index_heads, att.index_head_dim
            add("self_attn.indexer.wq_b", att.q_lora_rank, hi * di, False)
            add("self_attn.indexer.wk", h, di, False)
            weights.extend(_norm("layernorm", di, "self_attn.indexer.k_norm", "attention"))
            add("self_attn.indexer.weights_proj", h, hi, False)
            index_key, index_flops = di, 2 * hi * (di + 1)
        latent_kv = r_kv + rope + index_key  # the indexer's key is cached beside the latent
        core = AttentionCore(
            heads=a,
            q_width=a * qk,
            k_width=a * qk,
            v_width=a * att.v_head_dim,
            out_width=a * att.v_head_dim,
            latent=(att.q_lora_rank or 0) + r_kv + rope,
            kv=KvCache(heads=1, per_head=latent_kv, latent=latent_kv),
            topk=att.index_topk,
            index_flops_per_key=index_flops,
        )
        ops.append(ElementwiseOp("rotary", 2 * (a + 1) * rope, 2 * (a + 1) * rope))
        return weights, matmuls, core, ops
    a, g, d = att.n_heads, att.kv_heads, att.head_dim or h // att.n_heads
    add("self_attn.q_proj", h, a * d * (2 if att.output_gate else 1), att.qkv_bias)  # + Qwen3-Next's output gate
    if not kv_shared:
        add("self_attn.k_proj", h, g * d, att.qkv_bias)
        if not att.k_eq_v:
            add("self_attn.v_proj", h, g * d, att.qkv_bias)
    add("self_attn.o_proj", a * d, h, att.out_bias)
    qk_kind = att.qk_norm_kind or arch.norm
    if att.qk_norm != "none":
        full = att.qk_norm == "full"
        weights += _norm(qk_kind, a * d if full else d, "self_attn.q_norm", "attention")
        if not kv_shared:
            weights += _norm(qk_kind, g * d if full else d, "self_attn.k_norm", "attention")
    if att.sinks:
        weights.append(Weight("self_attn.sinks", (a,), "bias", "attention"))
    core = AttentionCore(
        heads=a,
        q_width=a * d,
        k_width=g * d,
        v_width=g * d,
        out_width=a * d,
        latent=0,
        kv=KvCache(heads=g, per_head=2 * d),
        kv_shared=kv_shared,
    )
    if arch.position_embedding == "rotary":
        roped = (a + (0 if kv_shared else g)) * d
        ops.append(ElementwiseOp("rotary", roped, roped))
    return weights, matmuls, core, ops


def _mlp(
    arch: Architecture,
    prefix: str,
    width: int,
    component: Component,
    *,
    bias: bool,
    tokens: Tokens = "all",
    copies: int = 1,
    model_width: int | None = None,
) -> tuple[list[Weight], list[Matmul]]:
    """One MLP of ``width``: gate, up and down projections (gated) or up and down (plain), from and back to
    ``model_width`` (default h; Nemotron-H's latent MoE runs its experts at the latent width)."""
    h = model_width or arch.hidden_size
    names = ("gate_proj", "up_proj", "down_proj") if arch.mlp.gated else ("up_proj", "down_proj")
    weights: list[Weight] = []
    matmuls: list[Matmul] = []
    for name in names:
        k, n = (width, h) if name == "down_proj" else (h, width)
        w, mm = _linear(f"{prefix}.{name}", k, n, component, bias=bias, tokens=tokens, copies=copies)
        weights += w
        matmuls.append(mm)
    return weights, matmuls


def _mamba2(arch: Architecture, ssm: Mamba2) -> tuple[list[Weight], list[Matmul], SsmCore, list[ElementwiseOp]]:
    """A Mamba-2 mixer as transformers' ``Mamba2Mixer`` builds it (Dao & Gu 2024 Sec. 7.1, Fig. 6):
    ``in_proj`` h -> 2 H P + 2 G N + H ([z, x, B, C, dt]); a depthwise ``conv1d`` over the H P + 2 G N
    channels of [x, B, C] (weight (c, 1, K), bias c); ``dt_bias``, ``A_log`` and ``D`` of H each; the gated
    RMSNorm's H P weights (absent in Falcon-H1 without mamba_rms_norm); ``out_proj`` H P -> h. in_proj and
    out_proj are the only matmuls; the SSD core is :class:`SsmCore`."""
    h, hp, conv = arch.hidden_size, ssm.d_inner, ssm.conv_dim
    weights: list[Weight] = []
    matmuls: list[Matmul] = []
    w, mm = _linear("mixer.in_proj", h, hp + conv + ssm.n_heads, "attention", bias=ssm.bias)
    weights += w
    matmuls.append(mm)
    weights.append(Weight("mixer.conv1d.weight", (conv, 1, ssm.conv_kernel), "matmul", "attention"))
    if ssm.conv_bias:
        weights.append(Weight("mixer.conv1d.bias", (conv,), "bias", "attention"))
    for name in ("dt_bias", "A_log", "D"):
        weights.append(Weight(f"mixer.{name}", (ssm.n_heads,), "bias", "attention"))
    if ssm.gated_norm:
        weights.append(Weight("mixer.norm.weight", (hp,), "norm", "attention"))
    out_bias = ssm.bias if ssm.out_bias is None else ssm.out_bias
    w, mm = _linear("mixer.out_proj", hp, h, "attention", bias=out_bias)
    weights += w
    matmuls.append(mm)
    core = SsmCore(
        heads=ssm.n_heads,
        head_dim=ssm.head_dim,
        state=ssm.state_size,
        groups=ssm.n_groups,
        chunk=ssm.chunk_size,
        conv_kernel=ssm.conv_kernel,
    )
    ops = [
        ElementwiseOp("ssm_conv", conv, conv),  # depthwise conv1d + SiLU over [x, B, C]
        ElementwiseOp("ssm_scan_io", conv + ssm.n_heads, hp),  # the scan reads x, B, C, dt and writes y
        ElementwiseOp("gated_norm", 2 * hp, hp),  # y * silu(z), then RMSNorm
    ]
    return weights, matmuls, core, ops


def _mamba1(arch: Architecture, ssm: Mamba1) -> tuple[list[Weight], list[Matmul], SsmCore, list[ElementwiseOp]]:
    """A Mamba mixer as transformers' ``JambaMambaMixer`` builds it (Gu & Dao 2023 Sec. 3.4, Fig. 3):
    ``in_proj`` h -> 2 D; a depthwise ``conv1d`` over D channels (weight (D, 1, K), bias D); ``x_proj``
    D -> R + 2 N (no bias); ``dt_proj`` R -> D with bias; ``A_log`` (D, N) and ``D`` (D); Jamba's RMSNorms on
    dt (R), B and C (N each); ``out_proj`` D -> h. Matmuls: in_proj, x_proj, dt_proj, out_proj."""
    h, d, n, r = arch.hidden_size, ssm.d_inner, ssm.state_size, ssm.dt_rank
    weights: list[Weight] = []
    matmuls: list[Matmul] = []

    def add(name: str, k: int, out: int, bias: bool) -> None:
        w, mm = _linear(f"mixer.{name}", k, out, "attention", bias=bias)
        weights.extend(w)
        matmuls.append(mm)

    add("in_proj", h, 2 * d, ssm.bias)
    weights.append(Weight("mixer.conv1d.weight", (d, 1, ssm.conv_kernel), "matmul", "attention"))
    if ssm.conv_bias:
        weights.append(Weight("mixer.conv1d.bias", (d,), "bias", "attention"))
    add("x_proj", d, r + 2 * n, False)
    add("dt_proj", r, d, True)
    weights.append(Weight("mixer.A_log", (d, n), "bias", "attention"))
    weights.append(Weight("mixer.D", (d,), "bias", "attention"))
    add("out_proj", d, h, ssm.bias)
    if ssm.inner_norms:
        for name, width in (("dt_layernorm", r), ("b_layernorm", n), ("c_layernorm", n)):
            weights.append(Weight(f"mixer.{name}.weight", (width,), "norm", "attention"))
    core = SsmCore(heads=d, head_dim=1, state=n, groups=0, chunk=1, conv_kernel=ssm.conv_kernel, version=1)
    ops = [
        ElementwiseOp("ssm_conv", d, d),  # depthwise conv1d + SiLU over x
        ElementwiseOp("ssm_scan_io", d + d + 2 * n, d),  # the scan reads x, dt, B, C and writes y
        ElementwiseOp("gate", 2 * d, d),  # y * silu(z)
    ]
    return weights, matmuls, core, ops


def _deltanet(
    arch: Architecture, la: GatedDeltaNet
) -> tuple[list[Weight], list[Matmul], DeltaNetCore, list[ElementwiseOp]]:
    """A gated DeltaNet mixer as transformers' ``Qwen3NextGatedDeltaNet`` builds it: ``in_proj_qkvz``
    h -> 2 k + 2 v (k = key heads x d_k, v = value heads x d_v), ``in_proj_ba`` h -> 2 x value heads, a
    bias-free depthwise ``conv1d`` over 2 k + v channels (weight (c, 1, K)), ``dt_bias`` and ``A_log`` per value
    head, a gated RMSNorm of d_v, ``out_proj`` v -> h (no biases). Matmuls: the two in-projections and out_proj;
    the delta-rule core is :class:`DeltaNetCore`."""
    h, k, v = arch.hidden_size, la.key_dim, la.value_dim
    conv = 2 * k + v
    weights: list[Weight] = []
    matmuls: list[Matmul] = []
    for name, n_in, n_out in (("in_proj_qkvz", h, 2 * k + 2 * v), ("in_proj_ba", h, 2 * la.value_heads)):
        w, mm = _linear(f"linear_attn.{name}", n_in, n_out, "attention", bias=False)
        weights += w
        matmuls.append(mm)
    weights.append(Weight("linear_attn.conv1d.weight", (conv, 1, la.conv_kernel), "matmul", "attention"))
    weights.append(Weight("linear_attn.dt_bias", (la.value_heads,), "bias", "attention"))
    weights.append(Weight("linear_attn.A_log", (la.value_heads,), "bias", "attention"))
    weights.append(Weight("linear_attn.norm.weight", (la.value_head_dim,), "norm", "attention"))
    w, mm = _linear("linear_attn.out_proj", v, h, "attention", bias=False)
    weights += w
    matmuls.append(mm)
    core = DeltaNetCore(
        heads=la.value_heads,
        key_heads=la.key_heads,
        d_k=la.key_head_dim,
        d_v=la.value_head_dim,
        chunk=la.chunk_size,
        conv_kernel=la.conv_kernel,
    )
    ops = [
        ElementwiseOp("ssm_conv", conv, conv),  # depthwise conv1d + SiLU over q, k, v
        ElementwiseOp("ssm_scan_io", conv + 2 * la.value_heads, v),  # the kernel reads q, k, v, beta, g; writes o
        ElementwiseOp("gated_norm", 2 * v, v),  # RMSNorm(o) * silu(z)
    ]
    return weights, matmuls, core, ops


def _kda(
    arch: Architecture, la: KimiDeltaAttention
) -> tuple[list[Weight], list[Matmul], DeltaNetCore, list[ElementwiseOp]]:
    """Kimi Delta Attention as transformers' ``KimiLinearDeltaAttention`` builds it (Kimi Team 2025 Sec. 3):
    ``q_proj``, ``k_proj``, ``v_proj`` h -> H d; a bias-free depthwise ``conv1d`` over 3 H d channels; the
    forget gate's ``f_a_proj`` h -> d and ``f_b_proj`` d -> H d, its ``dt_bias`` (H d) and ``A_log`` (H);
    ``b_proj`` h -> H; the output gate's ``g_a_proj`` h -> d and ``g_b_proj`` d -> H d; ``o_norm`` (d);
    ``o_proj`` H d -> h; no biases. The chunkwise core is costed as the delta rule's (:class:`DeltaNetCore`,
    d_k = d_v = d); KDA's per-channel decay adds elementwise work only."""
    h, d, hd = arch.hidden_size, la.head_dim, la.heads * la.head_dim
    weights: list[Weight] = []
    matmuls: list[Matmul] = []
    projections = (
        ("q_proj", h, hd),
        ("k_proj", h, hd),
        ("v_proj", h, hd),
        ("forget_gate.f_a_proj", h, d),
        ("forget_gate.f_b_proj", d, hd),
        ("b_proj", h, la.heads),
        ("g_a_proj", h, d),
        ("g_b_proj", d, hd),
        ("o_proj", hd, h),
    )
    for name, n_in, n_out in projections:
        w, mm = _linear(f"self_attn.{name}", n_in, n_out, "attention", bias=False)
        weights += w
        matmuls.append(mm)
    weights.append(Weight("self_attn.conv1d.weight", (3 * hd, 1, la.conv_kernel), "matmul", "attention"))
    weights.append(Weight("self_attn.forget_gate.dt_bias", (hd,), "bias", "attention"))
    weights.append(Weight("self_attn.forget_gate.A_log", (1, 1, la.heads, 1), "bias", "attention"))
    weights.append(Weight("self_attn.o_norm.weight", (d,), "norm", "attention"))
    core = DeltaNetCore(
        heads=la.heads, key_heads=la.heads, d_k=d, d_v=d, chunk=la.chunk_size, conv_kernel=la.conv_kernel
    )
    ops = [
        ElementwiseOp("ssm_conv", 3 * hd, 3 * hd),  # short conv + SiLU over q, k, v
        ElementwiseOp("ssm_scan_io", 4 * hd + la.heads, hd),  # the kernel reads q, k, v, the gate, beta; writes o
        ElementwiseOp("gated_norm", 2 * hd, hd),  # RMSNorm(o) * sigmoid(g)
    ]
    return weights, matmuls, core, ops


def _lightning(
    arch: Architecture, la: LightningAttention
) -> tuple[list[Weight], list[Matmul], LightningCore, list[ElementwiseOp]]:
    """MiniMax's lightning attention as transformers' ``MiniMaxLightningAttention`` builds it: ``qkv_proj``
    h -> 3 H d, ``output_gate`` h -> H d, ``norm`` (an RMSNorm of H d), ``out_proj`` H d -> h, no biases; the
    decay slopes are buffers. The blockwise core is :class:`LightningCore`."""
    h, hd = arch.hidden_size, la.heads * la.head_dim
    weights: list[Weight] = []
    matmuls: list[Matmul] = []
    for name, n_in, n_out in (("qkv_proj", h, 3 * hd), ("output_gate", h, hd), ("out_proj", hd, h)):
        w, mm = _linear(f"self_attn.{name}", n_in, n_out, "attention", bias=False)
        weights += w
        matmuls.append(mm)
    weights.append(Weight("self_attn.norm.weight", (hd,), "norm", "attention"))
    core = LightningCore(heads=la.heads, d=la.head_dim, block=la.block_size)
    ops = [
        ElementwiseOp("qkv_activation", 3 * hd, 3 * hd),  # SiLU on q, k, v
        ElementwiseOp("ssm_scan_io", 3 * hd, hd),  # the kernel reads q, k, v and writes o
        ElementwiseOp("gated_norm", 2 * hd, hd),  # RMSNorm(o) * sigmoid(gate)
    ]
    return weights, matmuls, core, ops


def _layer(
    arch: Architecture,
    kind: BlockType,
    name: LayerKindName | None = None,
    att: Attention | None = None,
    kv_shared: bool = False,
) -> LayerKind:
    """One block of ``kind`` (:data:`gptcalc.specs.arch.BlockType`): its mixer (attention, Mamba-2 or none),
    its feed-forward (dense MLP, MoE or none), ``norms_per_layer`` norms of h and the residual adds; ``att``
    (default ``arch.attention``) and ``kv_shared`` are the layer's attention variant (Gemma 4, named ``name``),
    whose KV-sharing layers use the ``kv_sharing.d_ff`` MLP width. With per-layer input embeddings, the block also
    holds its ``per_layer_input_gate`` (h -> p), ``per_layer_projection`` (p -> h), ``post_per_layer_input_norm``
    (h) and its p rows of the model's packed ``per_layer_model_projection`` (h -> L p, which transformers runs once
    before the layers: the same weights and FLOPs, each slice counted with the layer that reads it), all under
    the ``embedding`` component (transformers' ``Gemma4TextDecoderLayer`` and ``Gemma4TextModel``)."""
    h = arch.hidden_size
    weights: list[Weight] = []
    matmuls: list[Matmul] = []
    ops: list[ElementwiseOp] = []
    core: AttentionCore | None = None
    ssm_core: SsmCore | DeltaNetCore | LightningCore | None = None
    if kind in ATTENTION_BLOCKS:
        weights, matmuls, core, ops = _attention(arch, att or arch.attention, kv_shared)
    if kind in SSM_BLOCKS:  # after attention, beside it in Falcon-H1's parallel blocks
        assert arch.ssm is not None  # Architecture's validator requires it
        if isinstance(arch.ssm, Mamba1):
            sw, smm, ssm_core, sops = _mamba1(arch, arch.ssm)
        else:
            sw, smm, ssm_core, sops = _mamba2(arch, arch.ssm)
        weights, matmuls, ops = weights + sw, matmuls + smm, ops + sops
    if kind in DELTANET_BLOCKS:
        assert arch.linear_attention is not None  # Architecture's validator requires it
        la = arch.linear_attention
        dcore: DeltaNetCore | LightningCore
        if isinstance(la, KimiDeltaAttention):
            dw, dmm, dcore, dops = _kda(arch, la)
        elif isinstance(la, LightningAttention):
            dw, dmm, dcore, dops = _lightning(arch, la)
        else:
            dw, dmm, dcore, dops = _deltanet(arch, la)
        weights, matmuls, ops, ssm_core = weights + dw, matmuls + dmm, ops + dops, dcore
    for j in range(arch.norms_per_layer):
        weights += _norm(arch.norm, h, f"norm{j}", "norms")
    moe = arch.moe
    gated = arch.mlp.gated
    width, shared_width, n_experts, top_k = 0, 0, 0, None
    w: list[Weight] = []
    mms: list[Matmul] = []
    if kind in MLP_BLOCKS or (kind == "moe" and moe is None):
        d_ff = arch.mlp.d_ff
        if kv_shared and arch.kv_sharing is not None and arch.kv_sharing.d_ff is not None:
            d_ff = arch.kv_sharing.d_ff  # Gemma 4's double-wide MLP on its KV-sharing layers
        w, mms = _mlp(arch, "mlp", d_ff, "dense_mlp", bias=arch.mlp.bias)
        width = d_ff
        act_in = (2 if gated else 1) * width
        ops.append(ElementwiseOp("activation", act_in, width))
    if kind in MOE_BLOCKS and moe is not None:
        expert_bias = arch.mlp.bias if moe.expert_bias is None else moe.expert_bias
        ew, emms = _mlp(
            arch,
            "mlp.experts",
            moe.expert_d_ff,
            "routed_experts",
            bias=expert_bias,
            tokens="routed",
            copies=moe.n_experts,
            model_width=moe.latent_size,
        )
        w, mms = w + ew, mms + emms
        if moe.zero_experts:
            # LongcatFlashExperts allocates gate_up_proj for the identity experts too (E + Z rows), never used.
            rows = (2 if gated else 1) * moe.expert_d_ff
            shape = (rows, moe.latent_size or h)
            w.append(Weight("mlp.experts.gate_up_proj[zero]", shape, "allocated", "routed_experts", moe.zero_experts))
        if moe.latent_size is not None:
            # Nemotron-H's latent MoE: every token is projected h -> latent before the experts and back after;
            # always-on weights of the MoE block, counted with the shared experts.
            for name, k_in, n_out in (("fc1_latent_proj", h, moe.latent_size), ("fc2_latent_proj", moe.latent_size, h)):
                lw, lmm = _linear(f"mlp.{name}", k_in, n_out, "shared_experts", bias=arch.mlp.bias)
                w += lw
                mms.append(lmm)
        gw, gate = _linear("mlp.gate", h, moe.n_experts + moe.zero_experts, "router", bias=moe.router_bias)
        w += gw
        mms.append(gate)
        if moe.router_score_bias:
            w.append(Weight("mlp.gate.e_score_correction_bias", (moe.n_experts,), "bias", "router"))
        if moe.router_scales:  # Gemma4TextRouter: scale (h) on its normed input, per_expert_scale (E) on the weights
            w.append(Weight("router.scale", (h,), "norm", "router"))
            w.append(Weight("router.per_expert_scale", (moe.n_experts,), "bias", "router"))
        shared_width = moe.n_shared_experts * moe.shared_width
        if moe.n_shared_experts:
            sw, smm = _mlp(arch, "mlp.shared_experts", shared_width, "shared_experts", bias=arch.mlp.bias)
            w += sw
            mms += smm
            if moe.shared_expert_gate:
                gw, sgate = _linear("mlp.shared_expert_gate", h, 1, "router", bias=False)
                w += gw
                mms.append(sgate)
        width, n_experts, top_k = moe.expert_d_ff, moe.n_experts, moe.top_k
        ops.append(ElementwiseOp("router_topk", moe.n_experts, 2 * (top_k or 1)))
        ops.append(ElementwiseOp("activation", ((2 if gated else 1) * width) * (top_k or 1), width * (top_k or 1)))
        # Token permutation around the grouped expert GEMMs (Megatron-Core's permute/unpermute, vLLM's and
        # TensorRT-LLM's MoE kernels alike): each token's hidden state copied into its k experts' rows, and the k
        # expert outputs gathered back and summed with their router weights.
        k_top = top_k or 1
        ops.append(ElementwiseOp("moe_permute", h, k_top * h))
        ops.append(ElementwiseOp("moe_unpermute", k_top * h + k_top, h))
    weights += w
    matmuls += mms
    ops.append(ElementwiseOp("norms", arch.norms_per_layer * h, arch.norms_per_layer * h))
    adds = 2 if (core or ssm_core) and (w or mms) else 1  # one residual add per sub-block
    ple = arch.per_layer_embedding
    if ple is not None:
        p = ple.width
        for lname, k_in, n_out in (
            ("per_layer_model_projection[layer]", h, p),
            ("per_layer_input_gate", h, p),
            ("per_layer_projection", p, h),
        ):
            pw, pmm = _linear(lname, k_in, n_out, "embedding", bias=False)
            weights += pw
            matmuls.append(pmm)
        weights += _norm(arch.norm, h, "post_per_layer_input_norm", "embedding")
        ops.append(ElementwiseOp("per_layer_input", 3 * p, p))  # act(gate) * the layer's input
        ops.append(ElementwiseOp("norms", h, h))
        adds += 1
    ops.append(ElementwiseOp("residual_adds", 2 * adds * h, adds * h))
    return LayerKind(
        name=name or kind,
        block=kind,
        weights=tuple(weights),
        matmuls=tuple(matmuls),
        attention=core,
        ops=tuple(ops),
        ssm=ssm_core,
        mlp_width=width,
        shared_width=shared_width,
        n_matrices=arch.mlp.n_matrices,
        n_experts=n_experts,
        top_k=top_k,
    )


StageKinds = tuple[tuple[tuple[LayerKindName, bool], int], ...]
"""One pipeline stage's layers as ((layer kind, on a sliding window), count) pairs."""


@lru_cache(maxsize=256)
def stage_kind_counts(arch: Architecture, split: tuple[range, ...]) -> tuple[StageKinds, ...]:
    """Each stage of ``split`` (the layers of each pipeline stage) as its (layer kind, windowed) counts: layers of
    one kind and window do the same work, so the training step and the serving engine time a stage per group
    rather than per layer."""
    inv = inventory(arch)
    out = []
    for layers in split:
        counts: dict[tuple[LayerKindName, bool], int] = {}
        for i in layers:
            key = (inv.layer_kinds[i], inv.windows[i] is not None)
            counts[key] = counts.get(key, 0) + 1
        out.append(tuple(counts.items()))
    return tuple(out)


@lru_cache(maxsize=256)
def inventory(arch: Architecture) -> Inventory:
    """The operator inventory of ``arch`` (module docstring), built once per architecture."""
    h, v = arch.hidden_size, arch.vocab_size
    blocks = arch.block_types
    names: list[LayerKindName] = []
    kinds: dict[LayerKindName, LayerKind] = {}
    for i, block in enumerate(blocks):
        is_attention = block in ATTENTION_BLOCKS
        own = is_attention and arch.global_attention is not None and not arch.is_sliding_layer(i)
        shared = is_attention and arch.is_kv_shared_layer(i)
        name = block + ("/global" if own else "") + ("/kv-shared" if shared else "")
        if name not in kinds:
            kinds[name] = _layer(arch, block, name, arch.attention_of(i), shared)
        names.append(name)
    layer_kinds = tuple(names)
    att = arch.attention
    windows: tuple[int | None, ...] = (None,) * arch.n_layers
    if att.sliding_window is not None:
        windows = tuple(
            att.sliding_window if arch.is_sliding_layer(i) and blocks[i] in ATTENTION_BLOCKS else None
            for i in range(arch.n_layers)
        )
    e = arch.embedding_dim or h
    edges = [Weight("embed_tokens.weight", (v, e), "embedding", "embedding")]
    if e != h:  # OPT-350m: the embedding is narrower than the blocks (project_in / project_out, no bias)
        edges.append(Weight("project_in.weight", (h, e), "matmul", "embedding"))
        edges.append(Weight("project_out.weight", (e, h), "matmul", "output_head"))
    if arch.position_embedding == "learned":
        assert arch.max_position_embeddings is not None  # Architecture's validator requires it
        edges.append(Weight("embed_positions.weight", (arch.max_position_embeddings, h), "embedding", "embedding"))
    ple = arch.per_layer_embedding
    if ple is not None:  # Gemma 4's packed per-layer table and the norm of its projected inputs
        edges.append(
            Weight(
                "embed_tokens_per_layer.weight", (ple.vocab_size, arch.n_layers * ple.width), "embedding", "embedding"
            )
        )
        edges += _norm(arch.norm, ple.width, "per_layer_projection_norm", "embedding")
    if arch.embedding_norm:
        edges += _norm(arch.norm, h, "embed_norm", "norms")
    if arch.final_norm:
        edges += _norm(arch.norm, h, "norm", "norms")
    if not arch.tie_embeddings:
        edges.append(Weight("lm_head.weight", (v, e), "matmul", "output_head"))
    if arch.output_bias:
        edges.append(Weight("lm_head.bias", (v,), "bias", "output_head"))
    return Inventory(
        model=arch.name,
        hidden=h,
        vocab=v,
        kinds=kinds,
        layer_kinds=layer_kinds,
        windows=windows,
        edge_weights=tuple(edges),
        head=Matmul("lm_head", v, e, "output_head"),
        tied=arch.tie_embeddings,
    )


# ------------------------------------------------------------------------------------------ collectives

CollectiveKind = Literal["all-reduce", "all-gather", "reduce-scatter", "all-to-all", "send-recv"]
Group = Literal["tp", "cp", "ep", "pp", "dp"]


class Collective(NamedTuple):
    """``calls`` collectives of one kind over the ``size`` ranks of a parallel ``group``, ``bytes`` per GPU each."""

    kind: CollectiveKind
    group: Group
    size: int
    bytes: float
    calls: float

    @property
    def volume(self) -> float:
        """Bytes one GPU sends over all calls: a ring all-reduce moves 2(n-1)/n of its payload, all-gather,
        reduce-scatter and all-to-all (n-1)/n, a point-to-point send all of it."""
        n = self.size
        factor = {"all-reduce": 2 * (n - 1) / n, "send-recv": 1.0}.get(self.kind, (n - 1) / n)
        return factor * self.bytes * self.calls


class CommPlan(NamedTuple):
    """The communication of one training step: per layer of each kind and per micro-batch (each repeated by the
    schedule), and once per step."""

    per_layer: dict[LayerKindName, tuple[Collective, ...]]
    per_microbatch: tuple[Collective, ...]
    per_step: tuple[Collective, ...]


def collectives(
    inv: Inventory,
    layout: TrainLayout,
    *,
    seq_len: int,
    activation_bytes: float,
    gradient_bytes: float,
    weight_bytes: float,
    params_per_gpu: float,
) -> CommPlan:
    """The communication a training layout implies, on one GPU, with T = b s / cp tokens per micro-batch
    (Narayanan et al. 2021 Sec. 3.2; Korthikanti et al. 2022 Sec. 4.2.2; Rajbhandari et al. 2020 Sec. 7;
    Lepikhin et al. 2020 for the expert all-to-all; Liu et al. 2023 for ring attention):

    * tp, per layer: 4 all-reduces (2 forward, 2 backward; 6 with full recomputation) of the ``T h``
      activations (sequence parallelism's reduce-scatter + all-gather pairs move the same bytes); half as many
      for a hybrid block with one sub-block (mixer only or MLP only);
    * cp, per layer with attention: 3 (cp - 1) sends of the local K and V (forward once, backward twice);
    * ep, per MoE layer: 4 all-to-alls (dispatch and combine, forward and backward; 6 with full
      recomputation) of the ``c k T h / expert_tp`` routed activations;
    * pp, per micro-batch: the stage output sent forward and its gradient back, ``T h / t`` per GPU (without
      sequence parallelism each rank sends a 1/t slice and the receiving stage all-gathers it over tp: Narayanan
      et al. 2021 Sec. 4.1, the scatter/gather optimisation);
    * dp with ZeRO-3 (FSDP), per micro-batch: the weights all-gathered for forward and again for backward and
      the gradients reduce-scattered, one collective per block (PyTorch FSDP) or per tensor (DeepSpeed);
    * dp otherwise, per step: the gradients all-reduced (ZeRO-0), or reduce-scattered and the updated weights
      all-gathered (ZeRO-1/2, the same volume).

    Leaves out the small ones: the loss's and the gradient norm's scalar all-reduces, and a tied embedding's
    extra all-reduce between the first and last pipeline stage.
    """
    t, cp = layout.tp, layout.cp
    tokens = layout.micro_batch * seq_len / cp
    hidden = tokens * inv.hidden * activation_bytes
    extra = 2 if layout.recompute == "full" else 0
    per_layer: dict[LayerKindName, tuple[Collective, ...]] = {}
    for name, kind in inv.kinds.items():
        comms: list[Collective] = []
        if t > 1:
            has_mixer = kind.attention is not None or kind.ssm is not None
            sub_blocks = int(has_mixer) + int(bool(kind.mlp_width) or bool(kind.n_experts))
            comms.append(Collective("all-reduce", "tp", t, hidden, (4 + extra) * sub_blocks // 2))
        if cp > 1 and kind.attention is not None:
            kv = (kind.attention.k_width + kind.attention.v_width) / t * tokens * activation_bytes
            comms.append(Collective("send-recv", "cp", cp, kv, 3 * (cp - 1)))
        if kind.n_experts and layout.ep > 1:
            routed = tokens * (kind.top_k or 0) * layout.capacity_factor * inv.hidden * activation_bytes
            comms.append(Collective("all-to-all", "ep", layout.ep, routed / layout.etp, 4 + extra))
        per_layer[name] = tuple(comms)
    per_micro: list[Collective] = []
    if layout.pp > 1:
        # Each tensor-parallel rank sends its 1/t of the stage output. Without sequence parallelism the output is
        # replicated over the tp ranks: each sends a 1/t slice and the next stage all-gathers it (Megatron-LM's
        # scatter-gather optimisation, default since 2021; DeepSpeed's pipeline engine partitions it the same way).
        per_micro.append(Collective("send-recv", "pp", layout.pp, hidden / t, 2))
        if t > 1 and not layout.sp:
            per_micro.append(Collective("all-gather", "tp", t, hidden, 2))
    per_step: list[Collective] = []
    d = layout.dp
    if d > 1:
        weights, grads = params_per_gpu * weight_bytes, params_per_gpu * gradient_bytes
        if layout.zero >= 3:
            blocks = max(layout.pp_layers) if layout.pp_layers else math.ceil(inv.n_layers / layout.pp)
            if layout.zero3_unit == "tensor":
                blocks *= max(len(kind.weights) for kind in inv.kinds.values())
            per_micro += [
                Collective("all-gather", "dp", d, weights / blocks, blocks),
                Collective("all-gather", "dp", d, weights / blocks, blocks),
                Collective("reduce-scatter", "dp", d, grads / blocks, blocks),
            ]
        elif layout.zero == 0:
            per_step.append(Collective("all-reduce", "dp", d, grads, 1))
        else:
            per_step += [Collective("reduce-scatter", "dp", d, grads, 1), Collective("all-gather", "dp", d, weights, 1)]
    return CommPlan(per_layer, tuple(per_micro), tuple(per_step))
