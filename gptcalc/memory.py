"""Memory per GPU, in training and in serving.

Model states (Rajbhandari et al. 2020, 'ZeRO', Sec. 3.1 and 5): mixed-precision Adam keeps 2 bytes of bf16
weights, 2 of gradients and K = 12 of fp32 master weights, momentum and variance per parameter. ZeRO stage 1
divides the K bytes by the data-parallel degree, stage 2 also the gradients, stage 3 (FSDP) also the weights.
8-bit Adam (Dettmers et al. 2022) stores 1-byte moments (K = 6), SGD with momentum one fp32 moment (K = 8);
fp32 training has no separate master copy. fp8 training keeps bf16 weights plus an fp8 copy for the GEMMs
(Transformer Engine; 3 bytes) and caches matmul inputs in fp8 (1 byte), as DeepSeek-V3 does (Sec. 3.3).

Activations per layer and micro-batch (Korthikanti et al. 2022, 'Reducing Activation Recomputation in
Large Transformer Models', Sec. 4 and Table 2): for GPT (MHA, 4h GELU MLP, dropout, 2-byte values)
``sbh(34 + 5as/h)`` without parallelism, of which tensor parallelism divides ``24sbh + 5as^2b`` by t,
sequence parallelism the remaining ``10sbh``, selective recomputation drops the ``5as^2b`` attention
scores, and full recomputation keeps only the ``2sbh`` layer input. :func:`layer_activation_bytes` builds the
same sum term by term so that it also covers GQA/MQA, MLA, gated MLPs, MoE experts (c x k routed copies of
each token), flash attention (no s^2 scores, Dao et al. 2022) and models without dropout. A 1F1B pipeline
stage j of p holds min(p - j, m) micro-batches in flight (Narayanan et al. 2021, Sec. 2.2): the first stage
holds p; interleaving with v chunks adds a factor 1 + (p-1)/(p v) (Korthikanti et al. Sec. 4.2.3).

Serving: weights at the serving dtype (int4 with one fp16 scale and one fp16 zero point per group of 128,
as GPTQ/AWQ store them), KV cache 2 x L x g x d values per token (MLA: the latent r_kv + rope per layer,
DeepSeek-V2 Sec. 2.1.2), each split over tensor-parallel ranks (kv heads replicated when tp > g, as vLLM
does; the MLA latent is replicated on every rank).

At the peak, full recomputation also holds the whole activations of the one layer being re-run, and ZeRO-3
(FSDP) the gathered weights of two blocks (running and prefetched, Zhao et al. 2023 'PyTorch FSDP' Sec. 3.3) and
one block's unsharded gradients before their reduce-scatter. Megatron keeps fp32 main gradients
(``grad_dtype="fp32"``: 2 + 4 + 12 = 18 bytes a parameter); pure bf16 training drops the master copy.

Every breakdown ends with a stated allowance for the CUDA context, communication buffers and allocator
fragmentation (default 2 GiB plus 5% of the rest); it is a rule of thumb, not a measurement.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from pydantic import Field

from gptcalc.errors import InputError
from gptcalc.inventory import LayerKind, LightningCore, SsmCore, inventory
from gptcalc.parallel import check_layout, split_layers
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result
from gptcalc.specs.defaults import DEFAULT_DTYPE, DEFAULT_OPTIMIZER
from gptcalc.specs.hardware import GIB, Hardware
from gptcalc.specs.layout import TrainLayout

DTYPE_BYTES: dict[str, float] = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1, "int8": 1, "int4": 0.5}
INT4_GROUP = 128
OVERHEAD_GIB = 2.0
OVERHEAD_FRACTION = 0.05
PREFILL_CHUNK = 8192

# Bytes per parameter: (weights, gradients, master weights), by training precision.
PRECISION_BYTES: dict[str, tuple[float, float, float]] = {
    "bf16": (2, 2, 4),
    "fp16": (2, 2, 4),
    "fp8": (3, 2, 4),
    "fp32": (4, 4, 0),
}
# Optimizer moments, bytes per parameter.
OPTIMIZER_BYTES: dict[str, float] = {"adam": 8, "adam8bit": 2, "sgd": 4}
ACTIVATION_BYTES: dict[str, float] = {"bf16": 2, "fp16": 2, "fp8": 1, "fp32": 4}


def weight_bytes_per_param(dtype: str, group: int = INT4_GROUP) -> float:
    """Bytes per weight when serving: int4 adds a 2-byte scale and a 2-byte zero point per group."""
    if dtype not in DTYPE_BYTES:
        raise InputError(f"weights dtype: unknown {dtype!r}; allowed: {', '.join(DTYPE_BYTES)}")
    extra = 4.0 / group if dtype == "int4" else 0.0
    return DTYPE_BYTES[dtype] + extra


def overhead_bytes(allocated: float, fixed_gib: float = OVERHEAD_GIB, fraction: float = OVERHEAD_FRACTION) -> float:
    """Allowance for CUDA context, NCCL buffers and fragmentation: fixed GiB plus a fraction of the rest."""
    return fixed_gib * GIB + fraction * allocated


# ------------------------------------------------------------------------------------------ activations


MIXER_OPS = ("ssm_conv", "ssm_scan_io", "gated_norm", "gate", "qkv_activation")
"""Elementwise ops of a state-space or linear-attention mixer whose outputs are kept for backward."""


def require_attention_context_parallel(arch: Architecture, cp: int) -> None:
    """Refuse context parallelism for recurrent layers: ring attention splits keys, a scan needs its state."""
    if cp > 1 and any(k.ssm is not None for k in inventory(arch).kinds.values()):
        raise InputError(
            f"cp: {arch.name} has state-space/linear-attention layers; context parallelism of a recurrent scan"
            " (passing the state between ranks) is not modelled; use cp 1"
        )


def layer_activation_bytes(arch: Architecture, layout: TrainLayout, seq_len: int, moe_layer: bool) -> float:
    """Bytes one classic layer (attention + MLP, or attention + MoE) keeps for backward: see
    :func:`kind_activation_bytes`."""
    kind = inventory(arch).kinds.get("moe" if moe_layer else "dense")
    if kind is None:
        raise InputError(f"{arch.name} has no {'MoE' if moe_layer else 'dense'} layers")
    return kind_activation_bytes(arch, kind, layout, seq_len)


def kind_activation_bytes(arch: Architecture, kind: LayerKind, layout: TrainLayout, seq_len: int) -> float:
    """Bytes one layer of ``kind`` keeps for the backward pass of one micro-batch on one GPU.

    Terms (p bytes per value, s sequence, b micro-batch, h hidden; see module docstring):
    replicated under tp (divided by t only with sequence parallelism): the norm inputs ``p sbh`` each, each
    sub-block's input ``p sbh`` (QKV or mixer input, MLP input), a dropout mask ``sbh`` per sub-block;
    divided by t: Q and K ``p sb(a d + g d)``, V ``p sb g d``, the attention output ``p sb a d``,
    scores/softmax ``p a s^2 b`` plus dropout mask and output (``a s^2 b (1 + p)``) when eager, the MLP
    internals ``2 p sbf`` (plain) or ``3 p sbf`` (gated). An MoE layer stores c k routed copies of each
    token's expert internals and inputs, the router logits (fp32), the shared experts' internals and one
    all-to-all buffer (Korthikanti et al. 2022 Sec. 4 for attention and MLP).

    A state-space or linear-attention mixer (Mamba, Mamba-2, gated DeltaNet, KDA, lightning attention) keeps
    every tensor it makes between its in- and out-projections: the in-projections' outputs, the short conv's,
    the scan's and the gated norm's (the inventory's mixer matmuls and :data:`MIXER_OPS`), plus the chunked
    kernels' per-chunk states in fp32 (``4 H P N / Q`` per token for Mamba-2's SSD, ``4 H d_k d_v / C`` for the
    delta rule, ``4 H d^2 / B`` for lightning attention's blocks; the
    fused selective scan of Mamba recomputes its states). Derived from the mamba_ssm and flash-linear-attention
    kernels' saved tensors; no published table to check against. Hybrid blocks with one sub-block (mixer
    only, MLP only) have one norm and one input. Selective recompute drops the s^2 terms; full recompute keeps
    only the layer input ``p sbh``.
    """
    p = ACTIVATION_BYTES[layout.precision]
    s, b, h = seq_len, layout.micro_batch, arch.hidden_size
    t = layout.tp
    sbh = s * b * h
    if layout.recompute == "full":
        return p * sbh / (t if layout.sp else 1)
    dropout_mask = sbh if layout.dropout else 0.0
    core = kind.attention
    has_mixer = core is not None or kind.ssm is not None
    has_ffn = bool(kind.mlp_width) or bool(kind.n_experts)
    sub_blocks = int(has_mixer) + int(has_ffn)
    norms = arch.norms_per_layer if kind.block in ("dense", "moe") else sub_blocks
    replicated = norms * p * sbh + sub_blocks * (p * sbh + dropout_mask)
    split = 0.0
    if core is not None:
        split += p * s * b * (core.q_width + core.k_width + core.v_width + core.out_width + core.latent)
        if layout.recompute == "none" and layout.attention == "eager":
            split += core.heads * s * s * b * (p + ((1 + p) if layout.dropout else 0))
        elif layout.recompute == "none":
            split += 4 * core.heads * s * b  # flash attention keeps the fp32 log-sum-exp per row
    ssm = kind.ssm
    if ssm is not None:
        mixer_mms = [mm for mm in kind.matmuls if mm.component == "attention"]
        kept = sum(mm.n for mm in mixer_mms[:-1]) + sum(op.writes for op in kind.ops if op.name in MIXER_OPS)
        split += p * s * b * kept
        if isinstance(ssm, SsmCore):
            if ssm.version == 2:
                split += 4 * s * b * ssm.heads * ssm.head_dim * ssm.state / ssm.chunk
        elif isinstance(ssm, LightningCore):
            split += 4 * s * b * ssm.heads * ssm.d * ssm.d / ssm.block
        else:
            split += 4 * s * b * ssm.heads * ssm.d_k * ssm.d_v / ssm.chunk
    mats_per_token = kind.n_matrices  # plain: fc1 output, activation output; gated: gate, up, product
    if kind.n_experts:
        routed = layout.capacity_factor * kind.require_top_k()
        per_token_expert = p * (h + mats_per_token * kind.mlp_width)
        shared = p * mats_per_token * kind.shared_width
        router = 4 * kind.n_experts  # fp32 router logits
        a2a_buffer = p * routed * h
        # The MLP input p sbh counted above is the router's input; experts keep their own copies.
        split += s * b * (routed * per_token_expert + shared + a2a_buffer)
        replicated += s * b * router
        if kind.block == "dense+moe":  # LongCat-Flash, Gemma 4: the dense MLP beside the MoE, on the same input
            split += p * s * b * mats_per_token * arch.mlp.d_ff
    elif kind.mlp_width:
        split += p * s * b * mats_per_token * kind.mlp_width
    replicated_div = t if layout.sp else 1
    return replicated / replicated_div + split / t


# ------------------------------------------------------------------------------------------- training


class Stage(NamedTuple):
    """One pipeline stage: its layers by kind and whether it holds the embedding or the output head."""

    number: int
    """0-based position in the pipeline."""
    dense_layers: int
    moe_layers: int
    first: bool
    last: bool
    kinds: tuple[tuple[str, int], ...] = ()
    """Hybrid models: (layer kind, count) of the stage's layers (dense_layers and moe_layers are then 0)."""

    @property
    def n_layers(self) -> int:
        return self.dense_layers + self.moe_layers + sum(n for _, n in self.kinds)


@lru_cache(maxsize=1024)
def stages(arch: Architecture, pp: int, pp_layers: tuple[int, ...] | None = None) -> tuple[Stage, ...]:
    """The pp pipeline stages of a training layout: the uneven split ``pp_layers`` when given, else
    :func:`gptcalc.parallel.split_layers`."""
    inv = inventory(arch)
    out = []
    split = split_layers(arch.n_layers, pp)
    if pp_layers is not None:
        starts = [sum(pp_layers[:j]) for j in range(len(pp_layers))]
        split = tuple(range(a, a + n) for a, n in zip(starts, pp_layers, strict=True))
    for j, layers in enumerate(split):
        if inv.hybrid:
            counts: dict[str, int] = {}
            for i in layers:
                counts[inv.layer_kinds[i]] = counts.get(inv.layer_kinds[i], 0) + 1
            kinds = tuple(sorted(counts.items()))
            out.append(Stage(number=j, dense_layers=0, moe_layers=0, first=j == 0, last=j == pp - 1, kinds=kinds))
            continue
        dense, moe, _ = inv.stage_counts(layers)
        out.append(Stage(number=j, dense_layers=dense, moe_layers=moe, first=j == 0, last=j == pp - 1))
    return tuple(out)


class TrainingMemory(Result):
    """Bytes on the most loaded GPU of a training layout, by component."""

    stage: int = Field(description="Pipeline stage of the most loaded GPU (0-based).")
    params_per_gpu: float = Field(description="Parameters resident on that GPU before ZeRO-3 sharding.")
    breakdown: dict[str, float] = Field(description="Bytes per component; sums to per_gpu_bytes.")
    per_gpu_bytes: float
    capacity_bytes: float
    fits: bool
    headroom_bytes: float = Field(description="capacity - per_gpu_bytes (negative when it does not fit).")
    in_flight_microbatches: int
    notes: list[str]


class ModelSizes(NamedTuple):
    """Per-layer parameter counts reused across many layouts (fit search)."""

    attention: int
    norms: int
    dense_mlp: int
    expert: int
    shared: int
    router: int
    embedding: int
    head: int
    final_norm: int

    @classmethod
    @lru_cache(maxsize=256)
    def of(cls, arch: Architecture) -> ModelSizes:
        """Read from the operator inventory (:mod:`gptcalc.inventory`). Hybrid models keep their per-kind sizes
        in :func:`kind_sizes`; here only the edges (embedding, head, final norm) apply to them."""
        inv = inventory(arch)
        any_kind = next(iter(inv.kinds.values()))
        dense = inv.kinds.get("dense")
        moe = inv.kinds.get("moe")
        return cls(
            attention=0 if inv.hybrid else any_kind.params("attention"),
            norms=0 if inv.hybrid else any_kind.params("norms"),
            dense_mlp=dense.params("dense_mlp") if dense else 0,
            expert=moe.one_expert if moe else 0,
            shared=moe.params("shared_experts") if moe else 0,
            router=moe.params("router") if moe else 0,
            embedding=inv.embedding_params,
            head=inv.head_params + (inv.head_matrix if inv.tied else 0),
            final_norm=inv.final_norm_params,
        )


@lru_cache(maxsize=256)
def kind_sizes(arch: Architecture) -> dict[str, tuple[int, int, int]]:
    """Per layer kind: (parameters split over tp, norm parameters replicated on every tp rank, all routed
    experts' parameters), from the operator inventory."""
    out: dict[str, tuple[int, int, int]] = {}
    for name, kind in inventory(arch).kinds.items():
        experts = kind.params("routed_experts")
        norms = kind.params("norms")
        out[name] = (kind.params() - experts - norms, norms, experts)
    return out


class StageBytes(NamedTuple):
    """Bytes of one pipeline stage's GPU, before the overhead allowance."""

    stage: int
    params: float
    weights: float
    gradients: float
    optimizer: float
    activations: float
    edges: float
    in_flight: int

    @property
    def allocated(self) -> float:
        return self.weights + self.gradients + self.optimizer + self.activations + self.edges


def stage_bytes(
    arch: Architecture,
    sizes: ModelSizes,
    st: Stage,
    layout: TrainLayout,
    seq_len: int,
    m: int,
    dense_act: float,
    moe_act: float,
    rerun_act: tuple[float, float] | None = None,
) -> StageBytes:
    """Model states and activations on one GPU of stage ``st`` (no validation: callers check the layout).

    Non-expert weights split by tp (norms replicated), experts by ep and tp, embedding and head
    vocabulary-parallel; ZeRO shards dense states over dp and expert states over dp/ep.
    """
    tp, pp, dp, ep = layout.tp, layout.pp, layout.dp * layout.cp, layout.ep
    w_b, g_b, master_b = PRECISION_BYTES[layout.precision]
    if layout.grad_dtype is not None:
        g_b = ACTIVATION_BYTES[layout.grad_dtype]
    if not layout.master_weights:
        master_b = 0
    k_b = master_b + OPTIMIZER_BYTES[layout.optimizer]
    n_experts = arch.moe.n_experts if arch.moe else 0
    dense_like = (
        st.dense_layers * (sizes.attention + sizes.dense_mlp)
        + st.moe_layers * (sizes.attention + sizes.shared + sizes.router)
    ) / tp + (st.dense_layers + st.moe_layers) * sizes.norms
    hybrid_experts = 0.0
    if st.kinds:
        per_kind = kind_sizes(arch)
        dense_like = sum(n * (per_kind[k][0] / tp + per_kind[k][1]) for k, n in st.kinds)
        hybrid_experts = sum(n * per_kind[k][2] for k, n in st.kinds)
    tied_single_copy = arch.tie_embeddings and pp == 1
    head = sizes.head - (arch.vocab_size * arch.hidden_size if tied_single_copy else 0)
    edge = (sizes.embedding if st.first else 0) + (head if st.last else 0)
    dense_like += edge / tp + (sizes.final_norm if st.last else 0)
    experts = (st.moe_layers * n_experts * sizes.expert + hybrid_experts) / (ep * layout.etp)
    dp_e = layout.expert_dp
    zero = layout.zero
    weights = w_b * (dense_like / (dp if zero >= 3 else 1) + experts / (dp_e if zero >= 3 else 1))
    grads = g_b * (dense_like / (dp if zero >= 2 else 1) + experts / (dp_e if zero >= 2 else 1))
    optim = k_b * (dense_like / (dp if zero >= 1 else 1) + experts / (dp_e if zero >= 1 else 1))
    in_flight = min(pp - st.number, m)
    factor = float(in_flight)
    if layout.virtual_stages > 1 and pp > 1:
        factor *= 1 + (pp - 1) / (pp * layout.virtual_stages)
    acts = (st.dense_layers * dense_act + st.moe_layers * moe_act) * factor
    if st.kinds:
        per_act = hybrid_activation_bytes(arch, layout, seq_len)
        acts = sum(n * per_act[k] for k, n in st.kinds) * factor
    if layout.recompute == "full" and st.kinds:
        rerun = hybrid_activation_bytes(arch, layout.model_copy(update={"recompute": "none"}), seq_len)
        acts += max(rerun[k] for k, _ in st.kinds)
    elif layout.recompute == "full" and (st.dense_layers or st.moe_layers):
        # Backward reruns one layer's forward at a time: that layer's full activations live beside the stored
        # layer inputs (Korthikanti et al. 2022 Sec. 5 count only the inputs; the peak also holds this one).
        dense_rerun, moe_rerun = rerun_act or rerun_activation_bytes(arch, layout, seq_len)
        acts += moe_rerun if st.moe_layers else dense_rerun
    if zero >= 3:
        # FSDP/ZeRO-3 buffers: the gathered weights of the running and the prefetched block, and one block's
        # unsharded gradients before their reduce-scatter.
        layers = st.n_layers
        block = (dense_like + experts) / max(layers, 1)
        acts += 2 * w_b * block + g_b * block
    p = ACTIVATION_BYTES[layout.precision]
    s_b = seq_len * layout.micro_batch
    hidden = p * s_b * arch.hidden_size / (tp if layout.sp else 1)
    edges = 0.0
    if st.first:
        edges += hidden * factor
    if st.last:
        # Logits in the compute dtype plus an fp32 copy for the loss, vocabulary-parallel.
        edges += s_b * arch.vocab_size * (p + 4) / tp + hidden
    return StageBytes(st.number, dense_like + experts, weights, grads, optim, acts, edges, in_flight)


def hybrid_activation_bytes(arch: Architecture, layout: TrainLayout, seq_len: int) -> dict[str, float]:
    """:func:`kind_activation_bytes` of every layer kind of ``arch``."""
    return {name: kind_activation_bytes(arch, kind, layout, seq_len) for name, kind in inventory(arch).kinds.items()}


Activations = tuple[float, float, "tuple[float, float] | None"]


def layer_activations(arch: Architecture, layout: TrainLayout, seq_len: int) -> Activations:
    """(dense layer, MoE layer, rerun under full recomputation or None): the activation terms of
    :func:`worst_stage`. They depend on the layout only through :data:`ACTIVATION_FIELDS`."""
    kinds = inventory(arch).kinds
    dense_act = layer_activation_bytes(arch, layout, seq_len, moe_layer=False) if "dense" in kinds else 0.0
    moe_act = layer_activation_bytes(arch, layout, seq_len, moe_layer=True) if "moe" in kinds else 0.0
    full = layout.recompute == "full" and ("dense" in kinds or "moe" in kinds)
    rerun = rerun_activation_bytes(arch, layout, seq_len) if full else None
    return dense_act, moe_act, rerun


# The layout fields kind_activation_bytes reads (a search may reuse layer_activations across the others).
ACTIVATION_FIELDS = (
    "precision",
    "micro_batch",
    "tp",
    "sequence_parallel",
    "recompute",
    "attention",
    "dropout",
    "capacity_factor",
)


def worst_stage(
    arch: Architecture,
    sizes: ModelSizes,
    layout: TrainLayout,
    seq_len: int,
    m: int,
    stage_list: Sequence[Stage],
    activations: Activations | None = None,
) -> StageBytes:
    """The stage whose GPU needs the most memory (``activations``: :func:`layer_activations`, when known)."""
    dense_act, moe_act, rerun = activations or layer_activations(arch, layout, seq_len)
    return max(
        (
            stage_bytes(arch, sizes, st, layout, seq_len, m, dense_act, moe_act, rerun)
            for st in distinct_stages(stage_list)
        ),
        key=lambda b: b.allocated,
    )


def rerun_activation_bytes(arch: Architecture, layout: TrainLayout, seq_len: int) -> tuple[float, float]:
    """(dense, MoE) activations of one layer without recomputation: what full recomputation re-creates for the
    layer it is running backward through."""
    kinds = inventory(arch).kinds
    plain = layout.model_copy(update={"recompute": "none"})
    return (
        layer_activation_bytes(arch, plain, seq_len, moe_layer=False) if "dense" in kinds else 0.0,
        layer_activation_bytes(arch, plain, seq_len, moe_layer=True) if "moe" in kinds else 0.0,
    )


def distinct_stages(stage_list: Sequence[Stage]) -> list[Stage]:
    """Stages that can be the most loaded: the earliest of each (layers, first, last) kind.

    Stages with the same layers hold the same states, and an earlier stage holds at least as many
    micro-batches in flight, so only the first of each kind needs evaluating.
    """
    seen: set[tuple[int, int, bool, bool, tuple[tuple[str, int], ...]]] = set()
    out = []
    for st in stage_list:
        key = (st.dense_layers, st.moe_layers, st.first, st.last, st.kinds)
        if key not in seen:
            seen.add(key)
            out.append(st)
    return out


def training_memory(
    arch: Architecture,
    hardware: Hardware,
    layout: TrainLayout,
    seq_len: int,
    global_batch: int | None = None,
    overhead_gib: float = OVERHEAD_GIB,
    overhead_fraction: float = OVERHEAD_FRACTION,
) -> TrainingMemory:
    """Per-GPU training memory of ``arch`` under ``layout`` (formulas and sources in the module docstring).

    Every stage is evaluated and the most loaded one reported. ``global_batch`` (sequences) sets the
    micro-batches per step m = global_batch / (dp x micro_batch); without it m >= pp is assumed.
    """
    if seq_len <= 0:
        raise InputError(f"seq_len: must be a positive number of tokens, got {seq_len}")
    check_layout(arch, layout, seq_len=seq_len)
    require_attention_context_parallel(arch, layout.cp)
    m = _microbatches(layout, global_batch)
    # Context parallelism splits each sequence over cp ranks: a GPU holds seq_len / cp tokens of activations.
    local_seq = seq_len // layout.cp
    worst = worst_stage(arch, ModelSizes.of(arch), layout, local_seq, m, stages(arch, layout.pp, layout.pp_layers))
    over = overhead_bytes(worst.allocated, overhead_gib, overhead_fraction)
    total = worst.allocated + over
    capacity = float(hardware.memory_bytes)
    return TrainingMemory(
        stage=worst.stage,
        params_per_gpu=worst.params,
        breakdown={
            "weights": worst.weights,
            "gradients": worst.gradients,
            "optimizer": worst.optimizer,
            "activations": worst.activations,
            "embedding_and_logits": worst.edges,
            "overhead": over,
        },
        per_gpu_bytes=total,
        capacity_bytes=capacity,
        fits=total <= capacity,
        headroom_bytes=capacity - total,
        in_flight_microbatches=worst.in_flight,
        notes=[
            f"most loaded GPU: pipeline stage {worst.stage} of {layout.pp}, {worst.in_flight} micro-batches in flight",
            f"overhead allowance: {overhead_gib:g} GiB + {overhead_fraction:.0%} of the rest",
        ],
    )


def _microbatches(layout: TrainLayout, global_batch: int | None) -> int:
    if global_batch is None:
        return max(layout.pp, 1)
    per_replica = global_batch / layout.dp
    m = per_replica / layout.micro_batch
    if m < 1 or not float(m).is_integer():
        raise InputError(
            f"global batch: {global_batch} sequences do not split into whole micro-batches of {layout.micro_batch}"
            f" over dp={layout.dp}; use a multiple of {layout.dp * layout.micro_batch}"
        )
    return int(m)


def state_bytes_per_param(precision: str = DEFAULT_DTYPE, optimizer: str = DEFAULT_OPTIMIZER) -> float:
    """Weights + gradients + optimizer bytes per parameter without sharding (mixed-precision Adam: 16)."""
    w, g, master = PRECISION_BYTES[precision]
    return w + g + master + OPTIMIZER_BYTES[optimizer]


def gpus_to_hold_states(
    total_params: int, hardware: Hardware, precision: str = DEFAULT_DTYPE, optimizer: str = DEFAULT_OPTIMIZER
) -> int:
    """The fewest GPUs whose memory holds weights, gradients and optimizer states (ZeRO-3, nothing else)."""
    return math.ceil(total_params * state_bytes_per_param(precision, optimizer) / hardware.memory_bytes)


# -------------------------------------------------------------------------------------------- serving


def kv_bytes_per_layer(arch: Architecture, dtype: str = DEFAULT_DTYPE, tp: int = 1) -> float:
    """KV-cache bytes one token holds in one attention layer on one GPU: 2 g d values split over tp
    (replicated when tp > g), or the MLA latent r_kv + rope, replicated on every tensor-parallel rank
    (0 for a model without attention layers). Where layers differ (Gemma 4), the first attention layer's;
    :func:`kv_bytes_per_token` sums each layer's own."""
    if dtype not in DTYPE_BYTES:
        raise InputError(f"kv dtype: unknown {dtype!r}; allowed: {', '.join(DTYPE_BYTES)}")
    core = inventory(arch).attention_core
    return core.kv.values(tp) * DTYPE_BYTES[dtype] if core is not None else 0.0


@lru_cache(maxsize=1024)  # pure in hashable specs: fit and serving searches ask the same ones
def kv_bytes_per_token(
    arch: Architecture, dtype: str = DEFAULT_DTYPE, tp: int = 1, pp: int = 1, context: int | None = None
) -> float:
    """KV-cache bytes per token on one GPU of the fullest stage: 2 g d per layer (keys and values), or
    r_kv + rope for MLA.

    With ``context`` the sliding-window layers hold only min(context, window) tokens, so the value is
    averaged over the context. Key/value heads split over tp ranks (replicated when tp > g); the MLA
    latent is replicated on every tensor-parallel rank. Only attention layers hold a KV cache: Mamba-2
    layers add 0 bytes per token (their constant state is :func:`state_bytes_per_sequence`), and so do
    Gemma 4's KV-sharing layers, which read an earlier layer's cache (transformers' ``Gemma4TextAttention``
    with ``kv_sharing_mode == "reuse"`` skips ``cache.update``); each other layer holds its own 2 g d (Gemma 4's
    full-attention layers their own g and d).
    """
    if dtype not in DTYPE_BYTES:
        raise InputError(f"kv dtype: unknown {dtype!r}; allowed: {', '.join(DTYPE_BYTES)}")
    inv = inventory(arch)
    window = arch.attention.sliding_window
    size = DTYPE_BYTES[dtype]

    def stage_bytes(layers: range) -> float:
        full = sliding = 0.0
        for core, windowed, n in inv.attention_groups(layers):
            if core.kv_shared:
                continue
            per_layer = core.kv.values(tp) * size
            if windowed:
                sliding += n * (
                    per_layer * min(context, window) / context if context is not None and window else per_layer
                )
            else:
                full += n * per_layer
        return full + sliding

    return max(stage_bytes(layers) for layers in split_layers(arch.n_layers, pp))


@lru_cache(maxsize=1024)  # pure in hashable specs: fit and serving searches ask the same ones
def state_bytes_per_sequence(arch: Architecture, dtype: str = DEFAULT_DTYPE, tp: int = 1, pp: int = 1) -> float:
    """Recurrent-state bytes one sequence keeps on one GPU of the fullest stage, whatever its length:
    per Mamba-2 layer the conv window ``(H P + 2 G N)(K - 1)`` and the SSM state ``H P N`` values
    (:meth:`gptcalc.inventory.SsmCore.state_values`; Dao & Gu 2024 Sec. 7), per Mamba layer ``D (K - 1) + D N``,
    per gated DeltaNet layer ``(2 k + v)(K - 1) + H d_k d_v`` (:meth:`gptcalc.inventory.DeltaNetCore.state_values`),
    per lightning-attention layer ``H d^2`` (:meth:`gptcalc.inventory.LightningCore.state_values`), held at
    ``dtype`` (the KV-cache dtype; some servers keep the state in fp32, which doubles it). 0 for a model
    without such layers."""
    if dtype not in DTYPE_BYTES:
        raise InputError(f"kv dtype: unknown {dtype!r}; allowed: {', '.join(DTYPE_BYTES)}")
    inv = inventory(arch)
    per_layer = [
        k.ssm.state_values(tp) * DTYPE_BYTES[dtype] if k.ssm is not None else 0.0
        for k in map(inv.kind_of, range(inv.n_layers))
    ]
    if not any(per_layer):
        return 0.0
    return max(sum(per_layer[i] for i in layers) for layers in split_layers(arch.n_layers, pp))


class ServingMemory(Result):
    """Bytes on one serving GPU and the room left for the KV cache."""

    weights_bytes: float
    kv_bytes_per_token: float = Field(description="KV cache per token of context on one GPU.")
    kv_cache_bytes: float = Field(description="KV cache of batch x context tokens on one GPU.")
    activation_bytes: float = Field(description="Prefill workspace: two hidden-state buffers of one chunk.")
    overhead_bytes: float
    breakdown: dict[str, float] = Field(
        description="Bytes by part (weights, kv_cache, activations, overhead, and recurrent_state: the Mamba-2 "
        "layers' conv + SSM state of the batch, for models that have them); sums to per_gpu_bytes."
    )
    per_gpu_bytes: float
    capacity_bytes: float
    fits: bool
    headroom_bytes: float
    max_batch: int = Field(description="Largest batch of sequences of `context` tokens that fits beside the weights.")
    max_tokens: int = Field(description="Largest number of cached tokens that fits.")


@lru_cache(maxsize=1024)  # pure in hashable specs: fit and serving searches ask the same ones
def serving_weight_bytes(arch: Architecture, dtype: str, tp: int = 1, pp: int = 1, ep: int = 1) -> float:
    """Weights on one GPU of the fullest serving stage: matmul weights (and an untied head) at ``dtype``;
    embeddings, norms and biases in bf16; layers split as :func:`gptcalc.parallel.split_layers`, everything over tp;
    with ``ep`` > 1 the routed experts spread whole over ep GPUs instead (expert parallelism) while the rest of the
    stage is split over tp (and replicated over ep/tp attention data-parallel groups).
    """
    per_param = weight_bytes_per_param(dtype)
    inv = inventory(arch)
    split = {}  # per layer kind: (bytes split over tp, routed-expert bytes)
    for name, kind in inv.kinds.items():
        matmul = kind.matmul_weights(experts=kind.n_experts)  # every expert is resident
        routed = (matmul - kind.matmul_weights(experts=0)) * per_param if ep > 1 else 0.0
        split[name] = (matmul * per_param + (kind.params() - matmul) * 2.0 - routed, routed)
    head_matrix = inv.head_matrix
    embedding = inv.embedding_params * 2.0
    head_bias = inv.head_params - (0 if inv.tied else head_matrix)
    if inv.tied:
        head = 2.0 * head_bias + (2.0 * head_matrix if pp > 1 else 0.0)
    else:
        head = head_matrix * per_param + 2.0 * head_bias
    head += inv.final_norm_params * 2.0
    stage_list = split_layers(arch.n_layers, pp)
    best = 0.0
    for j, layers in enumerate(stage_list):
        if inv.hybrid:
            counts: dict[str, int] = {}
            for i in layers:
                counts[inv.layer_kinds[i]] = counts.get(inv.layer_kinds[i], 0) + 1
        else:
            dense, moe, _ = inv.stage_counts(layers)
            counts = {"dense": dense, "moe": moe}
        by_tp = sum(n * split[k][0] for k, n in counts.items() if k in split)
        routed = sum(n * split[k][1] for k, n in counts.items() if k in split)
        by_tp += (embedding if j == 0 else 0.0) + (head if j == len(stage_list) - 1 else 0.0)
        best = max(best, by_tp / tp + routed / ep)
    return best


def serving_memory(
    arch: Architecture,
    hardware: Hardware,
    *,
    batch: int,
    context: int,
    weights_dtype: str = DEFAULT_DTYPE,
    kv_dtype: str = DEFAULT_DTYPE,
    tp: int = 1,
    pp: int = 1,
    ep: int = 1,
    extra_weight_bytes: float = 0.0,
    extra_kv_bytes_per_token: float = 0.0,
    overhead_gib: float = OVERHEAD_GIB,
    overhead_fraction: float = OVERHEAD_FRACTION,
) -> ServingMemory:
    """Memory of serving ``batch`` sequences of ``context`` tokens on one GPU of a tp x pp group.

    With ``ep`` > tp (expert parallelism with attention data parallelism) each GPU holds the KV cache of its
    attention group's ceil(batch / (ep/tp)) sequences and ``max_batch`` counts all groups. ``extra_*``: what
    sits beside the model on the same GPU (a speculative draft model's weights and KV cache per token).
    """
    if batch <= 0:
        raise InputError(f"batch: must be >= 1, got {batch}")
    if context <= 0:
        raise InputError(f"context: must be >= 1 token, got {context}")
    check_layout(arch, tp=tp)
    groups = ep // tp if ep > tp else 1
    local = math.ceil(batch / groups)
    weights = serving_weight_bytes(arch, weights_dtype, tp, pp, ep) + extra_weight_bytes
    kv_tok = kv_bytes_per_token(arch, kv_dtype, tp, pp, context) + extra_kv_bytes_per_token
    kv = kv_tok * local * context
    state_seq = state_bytes_per_sequence(arch, kv_dtype, tp, pp)
    state = state_seq * local
    # Workspace: two bf16 hidden-state buffers of a prefill chunk of up to 8,192 tokens, split over tp.
    act = 2 * 2 * min(context, PREFILL_CHUNK) * arch.hidden_size / tp
    allocated = weights + kv + state + act
    over = overhead_bytes(allocated, overhead_gib, overhead_fraction)
    total = allocated + over
    capacity = float(hardware.memory_bytes)
    # Room for KV: capacity = (weights + act + kv) (1 + f) + fixed  =>  kv <= (capacity - fixed)/(1+f) - weights - act
    room = (capacity - overhead_gib * GIB) / (1 + overhead_fraction) - weights - act
    max_tokens = max(int(room // kv_tok), 0) if kv_tok > 0 else 0
    breakdown = {"weights": weights, "kv_cache": kv, "activations": act, "overhead": over}
    max_batch = max_tokens // context
    if state_seq > 0:
        # Each sequence holds its recurrent state beside its KV cache (hybrids); the state is counted once per
        # sequence, not per token.
        breakdown = {"weights": weights, "kv_cache": kv, "recurrent_state": state, "activations": act, "overhead": over}
        max_batch = max(int(room // (kv_tok * context + state_seq)), 0)
        max_tokens = max_batch * context
    max_batch *= groups
    max_tokens *= groups
    return ServingMemory(
        weights_bytes=weights,
        kv_bytes_per_token=kv_tok,
        kv_cache_bytes=kv,
        activation_bytes=act,
        overhead_bytes=over,
        breakdown=breakdown,
        per_gpu_bytes=total,
        capacity_bytes=capacity,
        fits=total <= capacity,
        headroom_bytes=capacity - total,
        max_batch=max_batch,
        max_tokens=max_tokens,
    )
