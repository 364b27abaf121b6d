"""Training step time, predicted per operator from the layout and the hardware, and the MFU it implies.

The shape follows Calculon (Isaev et al. 2023) and Vidur (Agrawal et al. 2024): the model is decomposed into
operators (the :mod:`gptcalc.inventory`), each timed from its shape on the hardware, then composed with the
parallel schedule. Per micro-batch on one GPU of a pipeline stage, with T = b s / cp tokens:

* **GEMMs** (every matmul of the inventory; backward = dgrad + wgrad, each as long as the forward): a roofline
  per GEMM, ``max(2 m n k / (peak x eff x waves), bytes / (HBM x bw_eff)) + kernel overhead`` where ``waves`` is
  the tile-quantization efficiency of 128 x 128 output tiles over the device's compute units. Column-parallel
  projections split n by tp, row-parallel ones (o_proj, down_proj) k; routed experts run E/ep GEMMs of
  m = T k c ep / E tokens split by expert_tp (Megatron-Core's grouped GEMM); FP8 runs the GEMMs (only) at the
  FP8 peak and adds the casts of their inputs (Micikevicius et al. 2022; Transformer Engine).
* **attention core**: flash (Dao 2023: forward ``4 a d K T``, backward 2.5x forward, at ``flash_efficiency``;
  causal masks skip half) or eager (Megatron 2021-22: two batched GEMMs over all s x s scores plus the fused
  softmax and dropout passes over a s^2 b elements).
* **memory-bound ops** (norms, activation, rotary, residual adds, router top-k, the loss): values read and
  written per token at ``bandwidth_efficiency`` of HBM; backward moves twice the forward bytes.
* **recomputation**: full reruns every layer's forward, selective the attention core's (Korthikanti et al.
  2022, Sec. 5); with flash attention selective recomputation has nothing left to rerun.
* **gradient accumulation**: nothing when fused into the weight-gradient GEMM (Megatron-LM since 2022); else a
  memory-bound pass over the stage's parameters after every micro-batch (:func:`grad_accumulation_bytes`).
* **collectives** by topology (:func:`link`): tensor parallelism 4 all-reduces (or reduce-scatter + all-gather
  pairs under sequence parallelism) of T h per layer, exposed (Narayanan et al. 2021 Sec. 3.2); expert
  all-to-all 4 per MoE layer; context parallelism's ring exchange of K and V, hidden behind the attention
  compute it overlaps; pipeline sends of 1/tp of the stage output (all-gathered by the next stage without
  sequence parallelism: Narayanan et al. 2021 Sec. 4.1), exposed.

Then the schedule: 1F1B over m micro-batches with v interleaved chunks takes ``m max_j t_j + (p-1)/v mean_j t_j``
(Narayanan et al. 2021 Sec. 2.2; uneven stages: the slowest sets the pace), the data-parallel gradient
reduce-scatter and parameter all-gather (ZeRO 1/2, the same volume as an all-reduce) overlap the last
micro-batch (``comm_overlap`` of it), ZeRO-3/FSDP all-gathers the weights for forward and backward and
reduce-scatters the gradients every micro-batch behind its compute, the optimizer reads and writes ~30 bytes per
local parameter, and a fixed ``step_overhead_s`` closes the step. Every constant is a field of
:class:`gptcalc.specs.timemodel.TimeModel` with its meaning and the rows it was fitted on.

Left out: stragglers and jitter, NCCL channel contention between overlapping collectives, host-device copies,
allocator stalls; whole runs lose more (restarts, checkpoints), which :attr:`TimeModel.goodput` carries.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from pydantic import Field

from gptcalc.errors import InputError
from gptcalc.flops import core_flops_per_query, flops_per_token
from gptcalc.inventory import Collective, LayerKind, Matmul, collectives, inventory, stage_kind_counts
from gptcalc.memory import ACTIVATION_BYTES, PRECISION_BYTES, require_attention_context_parallel
from gptcalc.parallel import check_layout, stage_layers
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result, trusted
from gptcalc.specs.conventions import FlopsConvention
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.layout import TrainLayout
from gptcalc.specs.timemodel import TimeModel

TILE = 128  # output tile edge of tensor-core GEMM kernels (cuBLAS/CUTLASS 128 x 128 and up)
OPTIMIZER_BYTES_PER_PARAM = 30.0  # Adam: read and write fp32 master, m, v (24), read the gradient (4), write bf16 (2)
LOSS_BYTES_PER_LOGIT = (
    28.0  # cross-entropy in fp32: upcast (2 + 4), softmax (4 + 4), backward (4 + 4), downcast (4 + 2)
)
ROW_PARALLEL = ("o_proj", "down_proj")  # Megatron's row-parallel projections split k; the others split n


class StepTime(Result):
    """One optimizer step of a layout, its breakdown, and the run it implies."""

    global_batch: int = Field(description="Sequences per step.")
    microbatches: int = Field(description="Micro-batches per pipeline per step (m).")
    step_time_s: float = Field(description="Wall time of one step.")
    tokens_per_second_per_gpu: float
    model_tflops_per_gpu: float = Field(description="Model FLOPs (the convention's) per GPU per second / 1e12.")
    mfu: float = Field(description="Model FLOPs per second / (GPUs x dense peak of the training dtype).")
    hfu: float = Field(description="Hardware FLOPs (with recomputation) per second / (GPUs x peak).")
    breakdown: dict[str, float] = Field(
        description="Seconds per step: compute_s, tp_comm_s, cp_comm_s, ep_comm_s, pp_comm_s (exposed), bubble_s,"
        " dp_exposed_s, optimizer_s, overhead_s; they sum to step_time_s."
    )
    dp_comm_s: float = Field(description="Data-parallel (or FSDP) communication per step before overlap.")
    days: float | None = Field(description="Days to train `tokens` (steps only; goodput applies to whole runs).")
    assumptions: list[str]


class Link(NamedTuple):
    """Per-GPU bandwidth (bytes/s, after collective efficiency) of a group, and the latency of one step inside a
    node and across nodes (s); ``nodes``: how many nodes the group spans."""

    bandwidth: float
    intra_latency: float
    inter_latency: float
    nodes: int

    @property
    def crosses_nodes(self) -> bool:
        return self.nodes > 1

    @property
    def latency(self) -> float:
        """One step of a tree or pairwise exchange: the slowest link it crosses."""
        return self.inter_latency if self.crosses_nodes else self.intra_latency

    def ring_latency(self, n: int) -> float:
        """The n-1 steps of a ring over n ranks: one per node boundary across the network, the rest inside."""
        if not self.crosses_nodes:
            return (n - 1) * self.intra_latency
        return (n - self.nodes) * self.intra_latency + self.nodes * self.inter_latency


def link(hardware: Hardware, group: int, stride: int, model: TimeModel) -> Link:
    """The link a collective over ``group`` ranks spaced ``stride`` apart crosses (Megatron-Core rank order:
    tp innermost, then cp, dp, pp outermost).

    Inside one scale-up domain (NVLink node, NVL72 rack): its per-GPU bandwidth. Across nodes NCCL runs one ring
    per NIC, so the group's GPUs in one node share their NICs: per-GPU bandwidth min(intra, inter x members per
    node) (nccl-tests bus bandwidth across DGX nodes ~ 8 NICs' worth when all 8 GPUs take part).
    """
    node = hardware.devices_per_node
    eff = model.collective_efficiency
    intra, inter = hardware.intra_node_latency_us * 1e-6, hardware.inter_node_latency_us * 1e-6
    if group * stride <= node:
        return Link(hardware.intra_node_bandwidth * eff, intra, inter, 1)
    per_node = max(1, min(group, node // stride)) if stride < node else 1
    bw = min(hardware.intra_node_bandwidth, hardware.inter_node_bandwidth * per_node)
    return Link(bw * eff, intra, inter, math.ceil(group / per_node))


def all_reduce_time(nbytes: float, n: int, ln: Link) -> float:
    """Ring all-reduce: 2 (n-1)/n x bytes over the link, latency over 2 log2(n) tree steps (NCCL's choice for
    latency-bound sizes; Thakur et al. 2005)."""
    if n <= 1:
        return 0.0
    return 2 * (n - 1) / n * nbytes / ln.bandwidth + 2 * math.ceil(math.log2(n)) * ln.latency


def gather_time(nbytes: float, n: int, ln: Link, calls: int = 1) -> float:
    """All-gather, reduce-scatter or all-to-all of ``nbytes`` per GPU in ``calls`` collectives: (n-1)/n of the
    bytes cross the link; each call pays n-1 ring steps of latency (NCCL runs these as rings; only all-reduce
    has a tree)."""
    if n <= 1:
        return 0.0
    return (n - 1) / n * nbytes / ln.bandwidth + calls * ln.ring_latency(n)


def collective_time(c: Collective, ln: Link) -> float:
    """Seconds for ``c`` over ``ln``: all-reduces as rings with tree latency, all-gathers and reduce-scatters as
    rings (their ``calls`` each paying the ring's latency), all-to-alls, and point-to-point sends."""
    if c.kind == "all-reduce":
        return c.calls * all_reduce_time(c.bytes, c.size, ln)
    if c.kind in ("all-gather", "reduce-scatter"):
        return gather_time(c.bytes * c.calls, c.size, ln, int(c.calls))
    if c.kind == "all-to-all":
        return c.calls * all_to_all_time(c.bytes, c.size, ln)
    return c.calls * (c.bytes / ln.bandwidth + ln.latency)


def all_to_all_time(nbytes: float, n: int, ln: Link) -> float:
    """All-to-all of ``nbytes`` per GPU: (n-1)/n leaves the GPU; the n-1 pairwise sends run concurrently, so the
    latency is that of a log2(n)-deep exchange."""
    if n <= 1:
        return 0.0
    return (n - 1) / n * nbytes / ln.bandwidth + math.ceil(math.log2(n)) * ln.latency


class KernelContext(NamedTuple):
    """Everything the per-operator timing needs, resolved once per call."""

    hw: Hardware
    model: TimeModel
    layout: TrainLayout
    act_bytes: float
    gemm_peak: float
    gemm_eff: float
    gemm_in_bytes: float
    bf16_peak: float
    bf16_eff: float
    flash_eff: float
    hbm: float
    overhead: float
    fp8: bool


def gemm_time(ctx: KernelContext, m: float, n: float, k: float, *, bf16: bool = False) -> float:
    """One GEMM y[m, n] = x[m, k] W[k, n] on one GPU: roofline of compute (with wave quantization) and memory
    traffic, plus the fixed kernel overhead."""
    if m <= 0 or n <= 0 or k <= 0:
        return 0.0
    peak, eff, in_bytes = (
        (ctx.bf16_peak, ctx.bf16_eff, 2.0) if bf16 else (ctx.gemm_peak, ctx.gemm_eff, ctx.gemm_in_bytes)
    )
    waves = 1.0
    units = ctx.hw.compute_units
    if units:
        tiles = math.ceil(m / TILE) * math.ceil(n / TILE)
        waves = tiles / (math.ceil(tiles / units) * units)
    compute = 2.0 * m * n * k / (peak * eff * waves)
    memory = (in_bytes * (m * k + k * n) + 2.0 * m * n) / ctx.hbm
    return max(compute, memory) + ctx.overhead


def matmul_shape(
    mm: Matmul, tokens: float, tp: int, etp: int, ep: int, kind: LayerKind, c: float
) -> tuple[int, float, float, float]:
    """(number of GEMMs, m, n, k) of one inventory matmul on one GPU."""
    if mm.component == "router" or mm.n == 1:
        return 1, tokens, mm.n, mm.k  # replicated on every tensor-parallel rank
    if mm.tokens == "routed":
        local = max(mm.copies // ep, 1)
        m = tokens * (kind.top_k or 0) * c * ep / max(mm.copies, 1)
        split = etp
        count = local
    else:
        m, split, count = tokens, tp, 1
    if mm.name.endswith(ROW_PARALLEL):
        return count, m, mm.n, mm.k / split
    return count, m, mm.n / split, mm.k


def layer_times(
    ctx: KernelContext, kind: LayerKind, seq_len: int, window: int | None, chunked: bool = False
) -> tuple[float, float, float]:
    """(forward, backward, recompute) seconds of one layer of ``kind`` for one micro-batch on one GPU (``window``:
    its sliding window, or its attention chunk when ``chunked``)."""
    lay, model = ctx.layout, ctx.model
    tp, cp = lay.tp, lay.cp
    tokens = lay.micro_batch * seq_len / cp
    fwd = 0.0
    for mm in kind.matmuls:
        count, m, n, k = matmul_shape(mm, tokens, tp, lay.etp, lay.ep, kind, lay.capacity_factor)
        fwd += count * gemm_time(ctx, m, n, k, bf16=mm.component == "router")
        if ctx.fp8 and mm.component != "router":
            fwd += count * model.fp8_cast_bytes * m * k / ctx.hbm
    # Attention core: heads split over tp; keys per query over the whole sequence (cp ranks hold 1/cp of queries).
    core = kind.attention
    attn_fwd = attn_bwd = attn_recompute = 0.0
    if kind.ssm is not None:
        # A state-space or linear-attention scan (Mamba-2's chunked SSD, the chunked delta rule) runs its chunk
        # matmuls on the tensor cores like a fused attention kernel, at the flash rate; its inputs and outputs
        # are the mixer ops' (counted below). Backward ~2x forward (the chunked kernels' backward recomputes the
        # states and runs two products per forward one), an assumption; Mamba's selective scan is costed the same.
        flops = kind.ssm.scan_flops_per_token / tp * tokens
        attn_fwd = flops / (ctx.bf16_peak * ctx.flash_eff) + ctx.overhead
        attn_bwd = 2.0 * flops / (ctx.bf16_peak * ctx.flash_eff) + 2 * ctx.overhead
    if core is None:
        pass
    elif lay.attention == "flash":
        flops = core_flops_per_query(core, seq_len, window, True, chunked) / tp * tokens
        attn_fwd = flops / (ctx.bf16_peak * ctx.flash_eff) + ctx.overhead
        attn_bwd = 2.5 * flops / (ctx.bf16_peak * ctx.flash_eff) + 2 * ctx.overhead
    else:
        heads_local = core.heads / tp
        b, s = lay.micro_batch, seq_len / cp
        d_qk, d_v = core.q_width / core.heads, core.out_width / core.heads
        batch = heads_local * b
        bmm = (
            batch
            * (
                gemm_time(ctx, s, seq_len, d_qk, bf16=True)
                + gemm_time(ctx, s, seq_len, d_v, bf16=True)
                - 2 * ctx.overhead
            )
            + 2 * ctx.overhead
        )
        elements = batch * s * seq_len
        softmax = (4.0 + (5.0 if lay.dropout else 0.0)) * elements / ctx.hbm + ctx.overhead
        attn_fwd = bmm + softmax
        attn_bwd = 2 * bmm + 1.5 * softmax
        attn_recompute = attn_fwd
    # Memory-bound ops: tensor-parallel-split ones (activation, rotary, router) and the rest (norms, residual adds),
    # which only sequence parallelism splits.
    bytes_fwd = 0.0
    for op in kind.ops:
        split = tp if op.name in ("activation", "rotary") or lay.sp else 1
        bytes_fwd += (op.reads + op.writes) * tokens * ctx.act_bytes / split
    # Attention's layout changes: q, k, v into heads-first tensors and the context back (one read and one write
    # each; Megatron and PyTorch implementations alike make these copies around the attention kernel).
    copies = 0
    if core is not None:
        bytes_fwd += 2 * (core.q_width + core.k_width + core.v_width + core.out_width) * tokens * ctx.act_bytes / tp
        copies = 2
    mem_fwd = bytes_fwd / ctx.hbm + (len(kind.ops) + copies) * ctx.overhead
    forward = fwd + attn_fwd + mem_fwd
    backward = 2 * fwd + attn_bwd + 2 * mem_fwd
    if lay.recompute == "full":
        recompute = forward
    elif lay.recompute == "selective":
        recompute = attn_recompute
    else:
        recompute = 0.0
    return forward, backward, recompute


class _Stage:
    """Per-micro-batch times of one pipeline stage on one GPU."""

    def __init__(self, compute: float, tp: float, cp: float, ep: float, pp: float, backward: float) -> None:
        self.compute, self.tp, self.cp, self.ep, self.pp, self.backward = compute, tp, cp, ep, pp, backward

    @property
    def total(self) -> float:
        return self.compute + self.tp + self.cp + self.ep + self.pp


def step_time(
    arch: Architecture,
    hardware: Hardware,
    layout: TrainLayout,
    *,
    seq_len: int,
    global_batch: int,
    dtype: str | None = None,
    tokens: float | None = None,
    model: TimeModel | None = None,
    convention: FlopsConvention | None = None,
) -> StepTime:
    """Predict one step of ``global_batch`` sequences of ``seq_len`` under ``layout`` (module docstring).

    ``dtype`` names the peak MFU is quoted against (default: the layout's precision; FP8 runs quote their
    bf16 peak, as NeMo and llm-foundry do).
    """
    model = model or TimeModel.defaults()
    if global_batch <= 0:
        raise InputError(f"global batch: must be >= 1 sequence, got {global_batch}")
    if seq_len <= 0:
        raise InputError(f"seq_len: must be a positive number of tokens, got {seq_len}")
    check_layout(arch, layout, seq_len=seq_len)
    require_attention_context_parallel(arch, layout.cp)
    per_replica = global_batch / layout.dp
    m_float = per_replica / layout.micro_batch
    if m_float < 1 or not m_float.is_integer():
        raise InputError(
            f"global batch: {global_batch} sequences do not split into micro-batches of {layout.micro_batch}"
            f" over dp={layout.dp}; use a multiple of {layout.dp * layout.micro_batch}"
        )
    m = int(m_float)
    fp8 = layout.precision == "fp8"
    bf16_peak = hardware.peak_flops("fp16" if layout.precision == "fp16" else "bf16")
    gemm_eff = model.matmul_fraction or (hardware.matmul_efficiency or model.best_case_gemm) * model.gemm_efficiency
    ctx = KernelContext(
        hw=hardware,
        model=model,
        layout=layout,
        act_bytes=ACTIVATION_BYTES["bf16" if fp8 else layout.precision],
        gemm_peak=hardware.peak_flops("fp8") if fp8 else bf16_peak,
        gemm_eff=model.fp8_gemm_efficiency if fp8 else gemm_eff,  # an FP8 rate of its own
        gemm_in_bytes=1.0 if fp8 else ACTIVATION_BYTES[layout.precision],
        bf16_peak=bf16_peak,
        bf16_eff=gemm_eff,
        flash_eff=(hardware.attention_efficiency or model.best_case_attention) * model.flash_efficiency,
        hbm=hardware.memory_bandwidth * model.bandwidth_efficiency,
        overhead=model.kernel_overhead_us * 1e-6,
        fp8=fp8,
    )
    inv = inventory(arch)
    tp, cp, pp, dp = layout.tp, layout.cp, layout.pp, layout.dp
    micro_tokens = layout.micro_batch * seq_len / cp
    links = {
        "tp": link(hardware, tp, 1, model),
        "cp": link(hardware, cp, tp, model),
        "ep": link(hardware, layout.ep, layout.etp, model),
        "pp": link(hardware, 2, tp * cp * dp, model),
        "dp": link(hardware, dp, tp * cp, model),
    }
    params = params_per_gpu(arch, layout)
    plan = collectives(
        inv,
        layout,
        seq_len=seq_len,
        activation_bytes=ctx.act_bytes,
        gradient_bytes=PRECISION_BYTES[layout.precision][1],
        weight_bytes=2.0,
        params_per_gpu=params,
    )

    def comm(group: str, items: tuple[Collective, ...]) -> float:
        return sum(collective_time(c, links[c.group]) for c in items if c.group == group)

    times = {name: layer_times(ctx, kind, seq_len, None) for name, kind in inv.kinds.items()}
    windowed = {}
    window = arch.attention.sliding_window
    if window is not None:
        chunked = arch.attention.chunked
        windowed = {name: layer_times(ctx, kind, seq_len, window, chunked) for name, kind in inv.kinds.items()}
    accumulate = grad_accumulation_bytes(layout) * params / ctx.hbm
    stages: list[_Stage] = []
    split = stage_layers(arch, layout)
    # Each kind's collectives, timed once (every layer of a kind sends the same).
    kind_comms = {
        name: (comm("ep", items), comm("tp", items), comm("cp", items) if cp > 1 else 0.0)
        for name, items in plan.per_layer.items()
    }
    # Sends to the next stage and their all-gathers: the same for every stage.
    pp_comm = comm("pp", plan.per_microbatch) + comm("tp", plan.per_microbatch)
    for j, groups in enumerate(stage_kind_counts(arch, split)):
        compute = backward = ep_comm = cp_comm = tp_comm = 0.0
        for (name, is_windowed), n in groups:
            f, b, r = (windowed if is_windowed else times)[name]
            compute += n * (f + b + r)
            backward += n * b
            ep_c, tp_c, cp_c = kind_comms[name]
            ep_comm += n * ep_c
            tp_comm += n * tp_c
            if cp > 1:
                # The K/V ring hides behind the attention-heavy half of the layer's compute.
                cp_comm += n * max(0.0, cp_c - (f + b) * 0.5)
        if j == 0:
            compute += 3 * ctx.overhead  # embedding lookup forward, gradient scatter
        if j == len(split) - 1:
            head = gemm_time(ctx, micro_tokens, inv.vocab / tp, inv.hidden)
            loss = LOSS_BYTES_PER_LOGIT * micro_tokens * inv.vocab / tp / ctx.hbm
            compute += 3 * head + loss
            backward += 2 * head
        # Overlapped collectives run beside the compute they interleave with; only what exceeds it is exposed.
        if layout.overlap_tp:
            tp_comm = max(0.0, tp_comm - model.comm_overlap * compute)
        if layout.overlap_ep:
            ep_comm = max(0.0, ep_comm - model.comm_overlap * compute)
        compute += accumulate
        backward += accumulate
        stages.append(_Stage(compute, tp_comm, cp_comm, ep_comm, pp_comm, backward))
    slowest = max(stages, key=lambda st: st.total)
    mean = sum(st.total for st in stages) / len(stages)
    v = layout.virtual_stages if pp > 1 else 1
    bubble = (pp - 1) / v * mean

    # Data parallelism: FSDP's per-micro-batch gathers hide behind that micro-batch's compute (prefetch; the
    # first block's gather cannot); a per-step reduction behind the last micro-batch's backward.
    if layout.zero >= 3:
        per_micro = comm("dp", plan.per_microbatch)
        dp_comm = m * per_micro
        hidden = model.comm_overlap * slowest.compute if layout.overlap_dp else 0.0
        dp_exposed = m * max(0.0, per_micro - hidden) + gather_time(
            params * 2.0 / max(len(split[0]), 1), dp, links["dp"]
        )
    else:
        dp_comm = comm("dp", plan.per_step)
        hidden = model.comm_overlap * slowest.backward if layout.overlap_dp else 0.0
        dp_exposed = max(0.0, dp_comm - hidden)
    local = params / (dp if layout.zero >= 1 else 1)
    optimizer = OPTIMIZER_BYTES_PER_PARAM * local / ctx.hbm
    compute_s = m * slowest.compute
    tp_s, cp_s, ep_s, pp_s = m * slowest.tp, m * slowest.cp, m * slowest.ep, m * slowest.pp
    step = compute_s + tp_s + cp_s + ep_s + pp_s + bubble + dp_exposed + optimizer + model.step_overhead_s

    step_tokens = global_batch * seq_len
    fpt = flops_per_token(arch, seq_len, convention, layout.recompute)
    peak = hardware.peak_flops(dtype) if dtype is not None else bf16_peak
    gpus = layout.gpus
    model_flops = step_tokens * fpt.training_per_token
    notes = [
        f"per-operator roofline: GEMMs at {ctx.gemm_eff:.2f} of the {'fp8' if fp8 else 'bf16'} peak for large"
        f" shapes (waves of {TILE}x{TILE} tiles over {hardware.compute_units or 'unmodelled'} compute units),"
        f" {layout.attention} attention, memory-bound ops at {model.bandwidth_efficiency:.0%} of"
        f" {hardware.memory_bandwidth_gb_s:g} GB/s, {model.kernel_overhead_us:g} us per kernel",
        f"collectives: tp over {'the network' if links['tp'].crosses_nodes else 'the node'} links, dp over"
        f" {'the network' if links['dp'].crosses_nodes else 'the node'} ({links['dp'].bandwidth / 1e9:.0f} GB/s per GPU"
        f" after {model.collective_efficiency:.0%} efficiency); {model.comm_overlap:.0%} of the overlap window"
        " hides data-parallel traffic",
        f"1F1B over {m} micro-batches, {v} chunk(s) per stage: bubble (p-1)/v x mean stage time;"
        f" step overhead {model.step_overhead_s:g} s",
        f"MFU against the dense {dtype or ('fp16' if layout.precision == 'fp16' else 'bf16')} peak;"
        f" FLOPs: {fpt.convention.name}",
    ]
    # Built unchecked (specs.base.trusted): every value is a number this function just computed; fit times
    # dozens of layouts per call.
    return trusted(
        StepTime,
        dict(
            global_batch=global_batch,
            microbatches=m,
            step_time_s=step,
            tokens_per_second_per_gpu=step_tokens / step / gpus,
            model_tflops_per_gpu=model_flops / step / gpus / 1e12,
            mfu=model_flops / (gpus * peak * step),
            hfu=step_tokens * fpt.hardware_training_per_token / (gpus * peak * step),
            breakdown={
                "compute_s": compute_s,
                "tp_comm_s": tp_s,
                "cp_comm_s": cp_s,
                "ep_comm_s": ep_s,
                "pp_comm_s": pp_s,
                "bubble_s": bubble,
                "dp_exposed_s": dp_exposed,
                "optimizer_s": optimizer,
                "overhead_s": model.step_overhead_s,
            },
            dp_comm_s=dp_comm,
            days=None if tokens is None else tokens / step_tokens * step / 86_400.0,
            assumptions=notes,
        ),
    )


def grad_accumulation_bytes(layout: TrainLayout) -> float:
    """Bytes per local parameter moved after each micro-batch's backward to add its weight gradients to the
    accumulated ones (:attr:`TrainLayout.grad_accumulation`): none when fused into the weight-gradient GEMM
    (Megatron-LM's gradient_accumulation_fusion); an in-place add reads the new gradient (2 bytes) and the
    buffer and writes the buffer (2 + 2 x buffer bytes: 6 in fp16, 10 into fp32 main gradients); DeepSpeed's
    BF16_Optimizer first casts the bf16 gradient to an fp32 temporary (2 + 4) and then adds it into the fp32
    accumulator (4 + 4 + 4): 18 (DeepSpeed runtime/bf16_optimizer.py update_hp_grads, called by
    runtime/pipe/engine.py after every micro-batch's backward, 2022). Leaves out the per-tensor kernel launches."""
    if layout.grad_accumulation == "fused":
        return 0.0
    if layout.grad_accumulation == "cast-add":
        return 2.0 + 4.0 + 3 * 4.0
    buffer = ACTIVATION_BYTES[layout.grad_dtype] if layout.grad_dtype else PRECISION_BYTES[layout.precision][1]
    return 2.0 + 2 * buffer


def params_per_gpu(arch: Architecture, layout: TrainLayout) -> float:
    """Average parameters per GPU whose gradients one data-parallel rank reduces: the non-expert weights over
    tp x pp, the routed experts over expert_tp x pp x ep (the embedding and an untied head both count; a tied
    matrix counts once unless pp > 1 puts a copy on the first and the last stage, as Megatron does)."""
    inv = inventory(arch)
    experts = inv.component_params("routed_experts")
    total = sum(inv.totals.values())
    if inv.tied and layout.pp > 1:
        total += inv.head_matrix
    dense = total - experts
    return dense / (layout.tp * layout.pp) + experts / (layout.etp * layout.pp * layout.ep)
