"""Architecture specification: what a decoder-only transformer is made of.

One :class:`Architecture` describes dense and Mixture-of-Experts models with MHA/GQA/MQA or DeepSeek's
multi-head latent attention, plain or gated MLPs, LayerNorm/RMSNorm, learned or rotary positions and tied
or untied embeddings, and hybrids whose layers follow a ``layer_pattern`` of attention, Mamba-2
state-space mixers (:class:`Mamba2`), MLPs and MoE blocks (Nemotron-H, pure Mamba-2). Gemma 4's per-layer
variation is three optional parts: ``global_attention`` (the full-attention layers' own shape), ``kv_sharing``
(the last layers reuse earlier layers' keys and values) and ``per_layer_embedding`` (PLE). Derived quantities
(head_dim, kv heads, which layers are MoE, each layer's attention) are properties.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, SerializerFunctionWrapHandler, Tag, model_serializer, model_validator

from gptcalc.errors import InputError
from gptcalc.specs.base import NonNegInt, PosInt, SizedSpec
from gptcalc.specs.defaults import DEFAULT_SEQ_LEN, DEFAULT_SERVING_CONTEXT

NormKind = Literal["layernorm", "layernorm_nobias", "rmsnorm", "nonparametric"]
Activation = Literal["gelu", "relu", "silu", "swiglu", "geglu", "reglu"]
GATED_ACTIVATIONS: frozenset[str] = frozenset({"swiglu", "geglu", "reglu"})


VISION_EXCLUDED = "vision tower and multimodal projector not counted"
"""Marks the description of a text model read out of a multimodal wrapper's text_config."""


class StandardAttention(SizedSpec):
    """Multi-head attention with ``n_kv_heads`` key/value heads: MHA (= n_heads), GQA, or MQA (= 1)."""

    kind: Literal["standard"] = Field(default="standard", description="Attention family tag.")
    n_heads: PosInt = Field(le=1 << 20, description="Query heads (a).")
    n_kv_heads: PosInt | None = Field(
        default=None, description="Key/value heads; None means n_heads (MHA), 1 is MQA, in between GQA."
    )
    head_dim: PosInt | None = Field(
        default=None, description="Per-head width; None means hidden_size / n_heads. May differ from it."
    )
    qkv_bias: bool = Field(default=False, description="Bias on the query, key and value projections.")
    out_bias: bool = Field(default=False, description="Bias on the output projection.")
    qk_norm: Literal["none", "head", "full"] = Field(
        default="none",
        description="Norm on queries and keys: 'head' normalises each head (Qwen3, head_dim weights), "
        "'full' the whole projection (OLMo 2).",
    )
    qk_norm_kind: NormKind | None = Field(
        default=None,
        description="Kind of the q/k norms when it differs from the block norm (StableLM: layernorm_nobias "
        "per head inside layernorm blocks); None: the block norm.",
    )
    sinks: bool = Field(
        default=False, description="A learned attention-sink logit per query head (gpt-oss): n_heads parameters."
    )
    output_gate: bool = Field(
        default=False,
        description="q_proj also emits a sigmoid gate on the attention output (Qwen3-Next's gated attention): "
        "2 a d outputs instead of a d.",
    )
    sliding_window: PosInt | None = Field(
        default=None, description="Sliding-window size in tokens for local layers; None: all layers global."
    )
    global_every: PosInt | None = Field(
        default=None,
        description="With sliding_window: every n-th layer (1-based) attends globally (Gemma 2: 2). "
        "None: every layer uses the window.",
    )
    sliding_layers: tuple[NonNegInt, ...] | None = Field(
        default=None,
        description="With sliding_window: the 0-based layers that slide, for patterns global_every cannot say "
        "(a config's layer_types, Qwen's max_window_layers); None: global_every decides.",
    )
    chunked: bool = Field(
        default=False,
        description="With sliding_window: the local layers attend within aligned chunks of sliding_window tokens "
        "(Llama 4's chunked attention, attention_chunk_size) instead of a sliding window: a query sees the earlier "
        "keys of its own chunk.",
    )
    k_eq_v: bool = Field(
        default=False,
        description="The key projection's output also serves as the values (Gemma 4's attention_k_eq_v on its "
        "full-attention layers): no v_proj; keys and values are still both cached.",
    )

    @property
    def kv_heads(self) -> int:
        return self.n_kv_heads or self.n_heads

    @model_serializer(mode="wrap")
    def _drop_default_gate(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Serialises as before the gate and chunked attention existed unless they are on.
        out: dict[str, Any] = handler(self)
        for key in ("output_gate", "chunked", "k_eq_v"):
            if not out.get(key):
                out.pop(key, None)
        return out

    @property
    def variant(self) -> str:
        """MHA, GQA or MQA, as the key/value head count makes it."""
        if self.kv_heads == self.n_heads:
            return "MHA"
        return "MQA" if self.kv_heads == 1 else "GQA"

    @model_validator(mode="after")
    def _heads_divide(self) -> StandardAttention:
        if self.n_heads % self.kv_heads:
            raise ValueError(
                f"n_heads ({self.n_heads}) must be a multiple of n_kv_heads ({self.kv_heads});"
                f" allowed kv heads: {[d for d in range(1, self.n_heads + 1) if self.n_heads % d == 0]}"
            )
        if (self.global_every is not None or self.sliding_layers is not None) and self.sliding_window is None:
            raise ValueError("global_every and sliding_layers need sliding_window to be set")
        if self.chunked and self.sliding_window is None:
            raise ValueError("chunked needs sliding_window (the chunk size) to be set")
        return self


class LatentAttention(SizedSpec):
    """DeepSeek-V2/V3 multi-head latent attention (DeepSeek-AI 2024, arXiv:2405.04434, Sec. 2.1).

    Queries go through an optional low-rank bottleneck (``q_lora_rank``); keys and values share one
    compressed latent of width ``kv_lora_rank`` plus a decoupled rotary key of ``qk_rope_head_dim``.
    """

    kind: Literal["mla"] = Field(default="mla", description="Attention family tag.")
    n_heads: PosInt = Field(le=1 << 20, description="Attention heads.")
    q_lora_rank: PosInt | None = Field(
        default=None, description="Query compression rank d_c'; None: a direct query projection (V2-Lite)."
    )
    kv_lora_rank: PosInt = Field(description="Key/value latent width d_c (what the KV cache stores).")
    qk_rope_head_dim: PosInt = Field(description="Rotary part of each query/key head.")
    qk_nope_head_dim: PosInt = Field(description="Non-rotary part of each query/key head.")
    v_head_dim: PosInt = Field(description="Per-head value width.")
    bias: bool = Field(default=False, description="Bias on q_a/kv_a/output projections (attention_bias).")
    index_heads: PosInt | None = Field(
        default=None,
        description="Heads of DeepSeek Sparse Attention's lightning indexer (DeepSeek-V3.2, index_n_heads); None: "
        "no indexer, every query attends to every earlier key.",
    )
    index_head_dim: PosInt | None = Field(
        default=None, description="Width of an indexer head and of its one shared key (index_head_dim)."
    )
    index_topk: PosInt | None = Field(
        default=None, description="Keys each query attends to, as the indexer selects them (index_topk)."
    )

    @property
    def qk_head_dim(self) -> int:
        return self.qk_nope_head_dim + self.qk_rope_head_dim

    @model_serializer(mode="wrap")
    def _drop_unused_indexer(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Serialises as before the indexer existed unless it is used.
        out: dict[str, Any] = handler(self)
        for key in ("index_heads", "index_head_dim", "index_topk"):
            if out.get(key) is None:
                out.pop(key, None)
        if not out.get("chunked"):
            out.pop("chunked", None)
        return out

    @model_validator(mode="after")
    def _indexer_complete(self) -> LatentAttention:
        given = [self.index_heads, self.index_head_dim, self.index_topk]
        if any(v is not None for v in given):
            if any(v is None for v in given):
                raise ValueError("index_heads, index_head_dim and index_topk go together (DeepSeek Sparse Attention)")
            if self.q_lora_rank is None:
                raise ValueError("the sparse-attention indexer reads the query latent: it needs q_lora_rank")
        return self

    @property
    def variant(self) -> str:
        return "MLA"

    # Uniform with StandardAttention for code that asks about windows.
    sliding_window: None = Field(default=None, description="MLA layers always attend globally.")
    global_every: None = Field(default=None, description="Not used by MLA.")
    sliding_layers: None = Field(default=None, description="Not used by MLA.")
    chunked: Literal[False] = Field(default=False, description="Not used by MLA.")


def _attention_tag(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("kind", "standard"))
    return str(getattr(value, "kind", "standard"))


Attention = Annotated[
    Annotated[StandardAttention, Tag("standard")] | Annotated[LatentAttention, Tag("mla")],
    Discriminator(_attention_tag),
]


class MLP(SizedSpec):
    """Feed-forward block: plain 2-matrix (up, down) or gated 3-matrix (gate, up, down)."""

    activation: Activation = Field(
        description="gelu/relu/silu: 2 matrices (GPT-2/3); swiglu/geglu/reglu: gated, 3 matrices (LLaMA, Gemma)."
    )
    d_ff: PosInt = Field(
        le=1 << 24, description="Hidden width of the dense MLP (per matrix, not gate+up concatenated)."
    )
    bias: bool = Field(default=False, description="Biases on the MLP (and expert) matrices.")

    @property
    def gated(self) -> bool:
        return self.activation in GATED_ACTIVATIONS

    @property
    def n_matrices(self) -> int:
        return 3 if self.gated else 2


class MoE(SizedSpec):
    """Mixture-of-Experts feed-forward (Shazeer et al. 2017; fine-grained + shared: DeepSeekMoE 2024).

    A layer ``i`` (0-based) is an MoE layer when ``i >= first_dense_layers``,
    ``(i - first_dense_layers) % layer_freq == 0`` and ``i`` is not listed in ``dense_layers``.
    Every expert uses the model's MLP activation and bias setting.
    """

    n_experts: PosInt = Field(le=1 << 16, description="Routed experts per MoE layer (E).")
    top_k: PosInt | None = Field(
        description="Routed experts each token uses (k). None: unknown (a config without num_experts_per_tok):"
        " totals stay exact; active counts, FLOPs, memory and serving need it."
    )
    expert_d_ff: PosInt = Field(le=1 << 24, description="Hidden width of one routed expert.")
    n_shared_experts: NonNegInt = Field(default=0, description="Always-on shared experts per MoE layer.")
    shared_d_ff: PosInt | None = Field(
        default=None, description="Hidden width of each shared expert; None: expert_d_ff."
    )
    first_dense_layers: NonNegInt = Field(default=0, description="Leading layers that use the dense MLP.")
    layer_freq: PosInt = Field(default=1, description="After the dense lead, every layer_freq-th layer is MoE.")
    dense_layers: tuple[NonNegInt, ...] = Field(
        default=(), description="Further layer indices (0-based) that use the dense MLP."
    )
    router_bias: bool = Field(default=False, description="Bias on the router (gate) projection.")
    shared_expert_gate: bool = Field(
        default=False, description="A learned scalar gate on the shared experts (Qwen-MoE)."
    )
    expert_bias: bool | None = Field(
        default=None,
        description="Biases on routed experts; None: as mlp.bias (transformers 5.x DeepSeek: none).",
    )
    latent_size: PosInt | None = Field(
        default=None,
        description="Width the routed experts work at when the block projects h down to it and back (Nemotron-H's "
        "moe_latent_size: bias-free-unless-mlp.bias fc1/fc2 latent projections); None: h.",
    )
    zero_experts: NonNegInt = Field(
        default=0,
        description="Identity (zero-computation) experts the router may pick beside the n_experts (LongCat-Flash's "
        "zero_expert_num): no compute; transformers 5.24 still allocates their gate/up matrices, which are counted "
        "in the totals and never active.",
    )
    router_score_bias: bool = Field(
        default=False,
        description="A learned per-expert score-correction bias held as a parameter (ERNIE 4.5: E per layer; "
        "DeepSeek-V3 keeps it as a buffer, not counted).",
    )

    router_scales: bool = Field(
        default=False,
        description="The router scales its (weightless-RMSNormed) input by a learned h-vector and each chosen "
        "expert's weight by a learned per-expert scalar (Gemma 4's router.scale and per_expert_scale): h + E "
        "parameters.",
    )

    @property
    def shared_width(self) -> int:
        return self.shared_d_ff or self.expert_d_ff

    @model_serializer(mode="wrap")
    def _drop_unused_latent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Serialises as before latent MoE existed unless it is used.
        out: dict[str, Any] = handler(self)
        if out.get("latent_size") is None:
            out.pop("latent_size", None)
        for key in ("zero_experts", "router_scales"):
            if not out.get(key):
                out.pop(key, None)
        return out

    @model_validator(mode="after")
    def _k_le_e(self) -> MoE:
        if self.top_k is not None and self.top_k > self.n_experts:
            raise ValueError(f"top_k ({self.top_k}) must be <= n_experts ({self.n_experts})")
        return self

    @property
    def k(self) -> int:
        """top_k, or a clear error where a computation needs it and the spec leaves it unknown."""
        if self.top_k is None:
            raise InputError(
                "moe.top_k: unknown for this model (no num_experts_per_tok); set it with --set moe.top_k=N"
            )
        return self.top_k


class Mamba2(SizedSpec):
    """A Mamba-2 state-space mixer (Dao & Gu 2024, "Transformers are SSMs", arXiv:2405.21060, Sec. 7.1 and
    Fig. 6; transformers' ``Mamba2Mixer`` / ``NemotronHMamba2Mixer``).

    in_proj maps h to [z, x, B, C, dt] = ``2 H P + 2 G N + H`` values; a depthwise causal conv1d of width
    ``conv_kernel`` runs over [x, B, C] (``H P + 2 G N`` channels); per head a dt bias, A_log and D; a gated
    RMSNorm of ``H P`` weights; out_proj maps ``H P`` back to h. Its inference state per sequence is the conv
    window and the ``H P N`` SSM state, whatever the context length.
    """

    kind: Literal["mamba2"] = Field(default="mamba2", description="State-space family tag.")
    n_heads: PosInt = Field(le=1 << 20, description="SSM heads (H; num_heads / mamba_num_heads).")
    head_dim: PosInt = Field(description="Channels per SSM head (P; head_dim / mamba_head_dim).")
    state_size: PosInt = Field(description="State dimension per channel (N; state_size / ssm_state_size).")
    n_groups: PosInt = Field(default=1, description="Groups sharing B and C (G; n_groups), like GQA's kv heads.")
    conv_kernel: PosInt = Field(default=4, description="Width of the depthwise causal convolution (d_conv).")
    chunk_size: PosInt = Field(
        default=256, description="Chunk length Q of the SSD algorithm (training/prefill FLOPs of the scan)."
    )
    bias: bool = Field(default=False, description="Biases on in_proj and out_proj (use_bias).")
    out_bias: bool | None = Field(
        default=None, description="Bias on out_proj when it differs from in_proj's (Falcon-H1's projectors_bias)."
    )
    conv_bias: bool = Field(default=True, description="Bias on the conv1d (use_conv_bias).")
    gated_norm: bool = Field(
        default=True,
        description="The gated RMSNorm before out_proj (H P weights); Falcon-H1 without mamba_rms_norm: none.",
    )

    @property
    def d_inner(self) -> int:
        """H P, the width of x, z and the gated norm."""
        return self.n_heads * self.head_dim

    @property
    def conv_dim(self) -> int:
        """Channels through the convolution: x, B and C (H P + 2 G N)."""
        return self.d_inner + 2 * self.n_groups * self.state_size

    @model_validator(mode="after")
    def _groups_divide(self) -> Mamba2:
        if self.n_heads % self.n_groups:
            raise ValueError(f"ssm.n_heads ({self.n_heads}) must be a multiple of ssm.n_groups ({self.n_groups})")
        return self


class Mamba1(SizedSpec):
    """A Mamba (selective SSM) mixer as Jamba uses it (Gu & Dao 2023, "Mamba", arXiv:2312.00752, Sec. 3.4 and
    Fig. 3; Lieber et al. 2024, Jamba; transformers' ``JambaMambaMixer``).

    in_proj maps h to [x, z] = ``2 D`` values (D = expand * h); a depthwise causal conv1d over x; x_proj maps D
    to [dt, B, C] = ``R + 2 N`` (R the dt rank), dt_proj maps R back to D (with bias); A_log of (D, N) and D of
    D; Jamba's RMSNorms on dt (R), B and C (N each); out_proj maps D back to h. Its inference state per
    sequence is the conv window and the ``D N`` SSM state.
    """

    kind: Literal["mamba1"] = Field(default="mamba1", description="State-space family tag.")
    d_inner: PosInt = Field(description="Channels D (mamba_expand * hidden_size).")
    state_size: PosInt = Field(description="State dimension N per channel (mamba_d_state).")
    dt_rank: PosInt = Field(description="Rank R of the dt projection (mamba_dt_rank; auto: ceil(h / 16)).")
    conv_kernel: PosInt = Field(default=4, description="Width of the depthwise causal convolution (mamba_d_conv).")
    bias: bool = Field(default=False, description="Biases on in_proj and out_proj (mamba_proj_bias).")
    conv_bias: bool = Field(default=True, description="Bias on the conv1d (mamba_conv_bias).")
    inner_norms: bool = Field(default=True, description="RMSNorms on dt, B and C (Jamba).")


class GatedDeltaNet(SizedSpec):
    """A gated DeltaNet linear-attention mixer (Yang, Kautz & Hatamizadeh 2024, "Gated Delta Networks",
    arXiv:2412.06464; Qwen3-Next's ``Qwen3NextGatedDeltaNet``).

    in_proj_qkvz maps h to q, k (``key_heads x d_k`` each), v and the output gate z (``value_heads x d_v``
    each); in_proj_ba to the per-value-head beta and decay inputs; a bias-free depthwise causal conv1d over
    q, k, v; per value head a dt bias and A_log; a gated RMSNorm of d_v weights shared by the heads; out_proj
    maps ``value_heads x d_v`` back to h. Its inference state per sequence is the conv window and a
    ``d_k x d_v`` matrix per value head, whatever the context length.
    """

    kind: Literal["gated_deltanet"] = Field(default="gated_deltanet", description="Linear-attention family tag.")
    key_heads: PosInt = Field(le=1 << 20, description="Query/key heads (linear_num_key_heads).")
    value_heads: PosInt = Field(
        le=1 << 20, description="Value heads (linear_num_value_heads); a multiple of key_heads."
    )
    key_head_dim: PosInt = Field(description="Width d_k of a query/key head (linear_key_head_dim).")
    value_head_dim: PosInt = Field(description="Width d_v of a value head (linear_value_head_dim).")
    conv_kernel: PosInt = Field(default=4, description="Width of the causal convolution (linear_conv_kernel_dim).")
    chunk_size: PosInt = Field(default=64, description="Chunk length C of the chunkwise training/prefill kernel.")

    @property
    def key_dim(self) -> int:
        return self.key_heads * self.key_head_dim

    @property
    def value_dim(self) -> int:
        return self.value_heads * self.value_head_dim

    @model_validator(mode="after")
    def _heads_divide(self) -> GatedDeltaNet:
        if self.value_heads % self.key_heads:
            raise ValueError(
                f"linear_attention.value_heads ({self.value_heads}) must be a multiple of key_heads ({self.key_heads})"
            )
        return self


class KimiDeltaAttention(SizedSpec):
    """Kimi Delta Attention, KDA (Kimi Team 2025, "Kimi Linear", arXiv:2510.26692, Sec. 3; transformers'
    ``KimiLinearDeltaAttention``): a gated delta rule with a per-channel forget gate. q, k and v projections of
    ``heads x head_dim`` each, a bias-free depthwise conv over all three, the forget gate's low-rank f_a/f_b
    projections (h -> d -> H d) with a per-channel dt bias and per-head A_log, a per-head beta projection, the
    output gate's low-rank g_a/g_b projections, a gated RMSNorm of head_dim, and o_proj back to h. Its state
    per sequence is the conv window and a ``d x d`` matrix per head."""

    kind: Literal["kda"] = Field(default="kda", description="Linear-attention family tag.")
    heads: PosInt = Field(le=1 << 20, description="Heads H (linear_num_heads / linear_attn_config.num_heads).")
    head_dim: PosInt = Field(description="Head width d (linear_head_dim / linear_attn_config.head_dim).")
    conv_kernel: PosInt = Field(default=4, description="Width of the short convolution (short_conv_kernel_size).")
    chunk_size: PosInt = Field(default=64, description="Chunk length C of the chunkwise training/prefill kernel.")


class LightningAttention(SizedSpec):
    """Lightning attention, MiniMax's linear attention (MiniMax 2025, "MiniMax-01", arXiv:2501.08313, Sec. 2.2;
    Qin et al. 2024, "Lightning Attention-2"; transformers' ``MiniMaxLightningAttention``): a SiLU-activated
    fused qkv projection of 3 x heads x head_dim, per-head exponential decay (fixed slopes, buffers), the
    output RMSNorm over heads x head_dim, a sigmoid output gate projected from h, and out_proj back to h; no
    biases, no convolution. Causal linear attention computed in blocks: within a block as masked Q K^T V, across
    blocks through a ``head_dim x head_dim`` state per head, which is all a sequence keeps."""

    kind: Literal["lightning"] = Field(default="lightning", description="Linear-attention family tag.")
    heads: PosInt = Field(le=1 << 20, description="Heads H (num_attention_heads).")
    head_dim: PosInt = Field(description="Head width d (head_dim, or hidden_size / num_attention_heads).")
    block_size: PosInt = Field(default=256, description="Block length B of the blockwise kernel (block_size).")


def _linear_attention_tag(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("kind", "gated_deltanet"))
    return str(getattr(value, "kind", "gated_deltanet"))


LinearAttention = Annotated[
    Annotated[GatedDeltaNet, Tag("gated_deltanet")]
    | Annotated[KimiDeltaAttention, Tag("kda")]
    | Annotated[LightningAttention, Tag("lightning")],
    Discriminator(_linear_attention_tag),
]


def _ssm_tag(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("kind", "mamba2"))
    return str(getattr(value, "kind", "mamba2"))


StateSpace = Annotated[
    Annotated[Mamba2, Tag("mamba2")] | Annotated[Mamba1, Tag("mamba1")],
    Discriminator(_ssm_tag),
]


class KvSharing(SizedSpec):
    """The last ``layers`` layers reuse keys and values instead of computing their own (Gemma 4's
    num_kv_shared_layers; transformers' ``Gemma4TextAttention`` with ``kv_sharing_mode == "reuse"``): each reads
    the K/V of the last earlier layer of its own attention type (sliding or full), so it has no k/v projections
    and no k norm, and keeps no KV cache of its own; its queries, output projection and MLP are its own."""

    layers: PosInt = Field(description="How many of the last layers share K/V (num_kv_shared_layers).")
    d_ff: PosInt | None = Field(
        default=None,
        description="MLP width of the sharing layers when it differs from mlp.d_ff (Gemma 4's use_double_wide_mlp: "
        "2 x intermediate_size); None: mlp.d_ff.",
    )


class PerLayerEmbedding(SizedSpec):
    """Per-layer input embeddings, PLE (Gemma 3n/Gemma 4; transformers' ``Gemma4TextModel.embed_tokens_per_layer``,
    ``per_layer_model_projection``, ``per_layer_projection_norm`` and each ``Gemma4TextDecoderLayer``'s
    ``per_layer_input_gate``, ``per_layer_projection`` and ``post_per_layer_input_norm``): a second token table of
    ``vocab_size x (L width)`` packs one ``width``-wide input per layer; it is added to a projection of the
    token embedding (h -> L width, then an RMSNorm of width), and each layer gates a projection of its
    hidden state (h -> width) by its input and projects back (width -> h) through an RMSNorm of h."""

    vocab_size: PosInt = Field(le=1 << 28, description="Rows of the per-layer table (vocab_size_per_layer_input).")
    width: PosInt = Field(le=1 << 16, description="Per-layer input width (hidden_size_per_layer_input).")


BlockType = Literal[
    "dense",
    "moe",
    "mamba2",
    "mamba2+mlp",
    "mamba2+moe",
    "attention+mamba2+mlp",
    "mamba+mlp",
    "mamba+moe",
    "deltanet+mlp",
    "deltanet+moe",
    "dense+moe",
    "attention",
    "mlp",
    "experts",
]
"""What one layer holds: ``dense`` attention + MLP, ``moe`` attention + MoE (the classic blocks, two norms
each by default); ``mamba2+mlp`` and ``mamba2+moe`` the same with a Mamba-2 mixer in attention's place
(Granite 4.0 hybrids); ``dense+moe`` attention, then a dense MLP and an MoE side by side on the same normed
input (LongCat-Flash's shortcut-connected MoE, its output added after the next attention and MLP);
``attention+mamba2+mlp`` attention and a Mamba-2 mixer side by side on the same input, then an MLP (Falcon-H1);
``mamba+mlp`` and ``mamba+moe`` the same with a Mamba(-1) mixer (Jamba); ``deltanet+mlp`` and ``deltanet+moe``
with a linear-attention mixer (Qwen3-Next's gated DeltaNet, Kimi Linear's KDA, MiniMax's lightning attention:
``linear_attention`` says which); ``mamba2`` a Mamba-2 mixer alone, ``attention`` attention alone, ``mlp`` an
MLP alone, ``experts`` an MoE block alone (Nemotron-H's M, *, - and E blocks; pure Mamba-2 models are all
``mamba2``)."""
ATTENTION_BLOCKS: frozenset[str] = frozenset({"dense", "moe", "attention", "attention+mamba2+mlp", "dense+moe"})
MOE_BLOCKS: frozenset[str] = frozenset({"moe", "experts", "mamba2+moe", "mamba+moe", "deltanet+moe", "dense+moe"})
MLP_BLOCKS: frozenset[str] = frozenset(
    {"dense", "mlp", "mamba2+mlp", "attention+mamba2+mlp", "mamba+mlp", "deltanet+mlp", "dense+moe"}
)
DELTANET_BLOCKS: frozenset[str] = frozenset({"deltanet+mlp", "deltanet+moe"})
MAMBA1_BLOCKS: frozenset[str] = frozenset({"mamba+mlp", "mamba+moe"})
SSM_BLOCKS: frozenset[str] = frozenset(
    {"mamba2", "mamba2+mlp", "mamba2+moe", "attention+mamba2+mlp", "mamba+mlp", "mamba+moe"}
)


class Architecture(SizedSpec):
    """A decoder-only transformer, enough to count its parameters and FLOPs exactly."""

    name: str = Field(default="custom", description="Short name.")
    description: str = Field(default="", description="What this is.")
    source: str = Field(default="", description="Public source of the numbers (paper, card, config).")
    n_layers: PosInt = Field(le=100_000, description="Transformer blocks (L), at most 100,000.")
    hidden_size: PosInt = Field(le=1 << 20, description="Model width d_model (h), at most 1,048,576.")
    vocab_size: PosInt = Field(le=1 << 28, description="Vocabulary size (V) as instantiated (padded if padded).")
    attention: Attention = Field(description="Attention block.")
    mlp: MLP = Field(description="Dense feed-forward block (and the style of every expert).")
    moe: MoE | None = Field(default=None, description="Mixture-of-Experts settings; None for dense models.")
    norm: NormKind = Field(
        default="rmsnorm",
        description="layernorm (weight+bias), layernorm_nobias (weight; MPT, DBRX, Cohere), rmsnorm (weight) "
        "or nonparametric (no weights, OLMo).",
    )
    norms_per_layer: NonNegInt = Field(default=2, le=16, description="Norms in each block (2 usual; Gemma 2: 4).")
    final_norm: bool = Field(default=True, description="A norm after the last block.")
    position_embedding: Literal["rotary", "learned", "alibi", "none"] = Field(
        default="rotary", description="learned adds a (max_position_embeddings x h) table."
    )
    max_position_embeddings: PosInt | None = Field(
        default=None, description="Positions in the learned table; required when position_embedding=learned."
    )
    context_length: PosInt | None = Field(default=None, description="Native training context in tokens.")
    tie_embeddings: bool = Field(default=False, description="Output head shares the input embedding matrix.")
    output_bias: bool = Field(default=False, description="Bias on the output head.")
    embedding_norm: bool = Field(
        default=False, description="A norm right after the token embedding (BLOOM's word_embeddings_layernorm)."
    )
    approximate: str | None = Field(
        default=None,
        description="Why the counts are approximate (a config of a model_type gptcalc does not count exactly, "
        "read as a Llama-style decoder from its common keys); None: exact.",
    )
    embedding_dim: PosInt | None = Field(
        default=None,
        description="Width of the token embedding when it differs from hidden_size (OPT-350m's "
        "word_embed_proj_dim): bias-free project_in (h x e) and project_out (e x h) matrices are added.",
    )
    ssm: StateSpace | None = Field(
        default=None,
        description="The state-space mixer of the mamba2 layers (Mamba2) or of the mamba layers (Mamba1); None: none.",
    )
    linear_attention: LinearAttention | None = Field(
        default=None,
        description="The linear-attention mixer of the deltanet layers (gated DeltaNet, Kimi Delta Attention or "
        "lightning attention); None: none.",
    )
    global_attention: StandardAttention | None = Field(
        default=None,
        description="Attention of the full-attention (non-sliding) layers where it differs from `attention` (Gemma 4: "
        "global_head_dim, num_global_key_value_heads, attention_k_eq_v); None: every layer uses `attention`. "
        "Its own window fields stay unset.",
    )
    kv_sharing: KvSharing | None = Field(
        default=None,
        description="The last layers reuse earlier layers' keys and values (Gemma 4's num_kv_shared_layers); None: "
        "every attention layer computes and caches its own.",
    )
    per_layer_embedding: PerLayerEmbedding | None = Field(
        default=None,
        description="Per-layer input embeddings (Gemma 4's PLE: hidden_size_per_layer_input); None: none.",
    )
    layer_pattern: tuple[BlockType, ...] | None = Field(
        default=None,
        description="Each layer's block type (dense, moe, mamba2, attention, mlp, experts; see BlockType), "
        "as a config's layers_block_type / hybrid_override_pattern gives it. None: dense and moe layers as the "
        "moe settings place them.",
    )

    @model_serializer(mode="wrap")
    def _drop_unused_hybrid_fields(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A model without state-space layers or a layer pattern serialises as it did before those fields existed.
        out: dict[str, Any] = handler(self)
        for key in (
            "ssm",
            "linear_attention",
            "layer_pattern",
            "global_attention",
            "kv_sharing",
            "per_layer_embedding",
        ):
            if out.get(key) is None:
                out.pop(key, None)
        return out

    @model_validator(mode="after")
    def _consistent(self) -> Architecture:
        if self.position_embedding == "learned" and self.max_position_embeddings is None:
            raise ValueError("max_position_embeddings is required when position_embedding is 'learned'")
        if self.global_attention is not None:
            if not isinstance(self.attention, StandardAttention):
                raise ValueError("global_attention needs standard attention (not MLA)")
            g = self.global_attention
            if g.sliding_window is not None or g.global_every is not None or g.sliding_layers is not None:
                raise ValueError("global_attention is the full-attention layers' shape: leave its window fields unset")
        if self.kv_sharing is not None:
            first = self.n_layers - self.kv_sharing.layers
            if first < 1:
                raise ValueError(
                    f"kv_sharing.layers ({self.kv_sharing.layers}) must leave at least one of the {self.n_layers}"
                    " layers computing its own keys and values"
                )
            for i in range(first, self.n_layers):
                if not any(self.is_sliding_layer(j) == self.is_sliding_layer(i) for j in range(first)):
                    kind = "sliding" if self.is_sliding_layer(i) else "full-attention"
                    raise ValueError(
                        f"kv_sharing: layer {i} is {kind} but no earlier layer of that type computes keys and values"
                    )
        pattern = self.layer_pattern
        if pattern is not None:
            if len(pattern) != self.n_layers:
                raise ValueError(f"layer_pattern has {len(pattern)} entries for {self.n_layers} layers")
            if self.ssm is None and any(b in SSM_BLOCKS for b in pattern):
                raise ValueError("layer_pattern has mamba2 layers but ssm is not set")
            if self.linear_attention is None and any(b in DELTANET_BLOCKS for b in pattern):
                raise ValueError("layer_pattern has deltanet layers but linear_attention is not set")
            wanted = "mamba1" if any(b in MAMBA1_BLOCKS for b in pattern) else "mamba2"
            if self.ssm is not None and any(b in SSM_BLOCKS for b in pattern) and self.ssm.kind != wanted:
                raise ValueError(f"layer_pattern's state-space layers need ssm.kind {wanted!r}, got {self.ssm.kind!r}")
            if self.moe is None and any(b in MOE_BLOCKS for b in pattern):
                raise ValueError("layer_pattern has moe/experts layers but moe is not set")
            if self.moe is not None and not any(b in MOE_BLOCKS for b in pattern):
                raise ValueError("layer_pattern has no moe/experts layer; drop moe for a model without experts")
        elif self.moe is not None:
            if not any(self._is_moe_layer(i) for i in range(self.n_layers)):
                raise ValueError(
                    f"moe settings leave no MoE layer among {self.n_layers} layers"
                    " (first_dense_layers/layer_freq/dense_layers); drop moe for a dense model"
                )
            bad = [i for i in self.moe.dense_layers if i >= self.n_layers]
            if bad:
                raise ValueError(f"moe.dense_layers {bad} are not layers of a {self.n_layers}-layer model")
        return self

    # ---- derived quantities ------------------------------------------------------------------------

    @property
    def head_dim(self) -> int:
        """Per-head width of standard attention (explicit, or hidden_size / n_heads)."""
        att = self.attention
        if isinstance(att, LatentAttention):
            return att.qk_head_dim
        return att.head_dim or self.hidden_size // att.n_heads

    def seq_len(self, given: int | None = None, dataset_seq_len: int | None = None) -> int:
        """The training sequence length: ``given``, else the dataset's, else the model's context, else 2,048."""
        return given or dataset_seq_len or self.context_length or DEFAULT_SEQ_LEN

    def serving_context(self, given: int | None = None) -> int:
        """The serving context: ``given``, else the model's native context, else 4,096."""
        return given or self.context_length or DEFAULT_SERVING_CONTEXT

    @property
    def is_moe(self) -> bool:
        return self.moe is not None

    def _is_moe_layer(self, i: int) -> bool:
        if self.layer_pattern is not None:
            return self.layer_pattern[i] in MOE_BLOCKS
        moe = self.moe
        if moe is None or i < moe.first_dense_layers or i in moe.dense_layers:
            return False
        return (i - moe.first_dense_layers) % moe.layer_freq == 0

    @cached_property
    def moe_layer_mask(self) -> tuple[bool, ...]:
        """For each layer, whether its feed-forward is an MoE block."""
        return tuple(self._is_moe_layer(i) for i in range(self.n_layers))

    @cached_property
    def block_types(self) -> tuple[BlockType, ...]:
        """Every layer's block type: ``layer_pattern``, or dense/moe from the moe settings."""
        if self.layer_pattern is not None:
            return self.layer_pattern
        return tuple("moe" if m else "dense" for m in self.moe_layer_mask)

    @cached_property
    def is_hybrid(self) -> bool:
        """Whether some layer is not a classic attention + MLP/MoE block (state-space, mixer-only, MLP-only)."""
        return any(b not in ("dense", "moe") for b in self.block_types)

    @property
    def n_attention_layers(self) -> int:
        return sum(b in ATTENTION_BLOCKS for b in self.block_types)

    @property
    def n_moe_layers(self) -> int:
        return sum(self.moe_layer_mask)

    @property
    def n_dense_layers(self) -> int:
        return self.n_layers - self.n_moe_layers

    def is_kv_shared_layer(self, i: int) -> bool:
        """Whether layer ``i`` (0-based) reuses an earlier layer's keys and values (:class:`KvSharing`)."""
        return self.kv_sharing is not None and i >= self.n_layers - self.kv_sharing.layers

    def attention_of(self, i: int) -> Attention:
        """The attention spec of layer ``i``: ``global_attention`` on a full-attention layer where it is set, else
        ``attention``."""
        if self.global_attention is not None and not self.is_sliding_layer(i):
            return self.global_attention
        return self.attention

    def is_sliding_layer(self, i: int) -> bool:
        """Whether layer ``i`` (0-based) uses the sliding window (Gemma 2: even layers slide)."""
        att = self.attention
        if att.sliding_window is None:
            return False
        if att.sliding_layers is not None:
            return i in att.sliding_layers
        if att.global_every is None:
            return True
        return (i + 1) % att.global_every != 0
