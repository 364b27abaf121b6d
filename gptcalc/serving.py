"""Serving time per iteration over the operator inventory; static and continuous batching (latency under load,
SLOs and targets: :mod:`gptcalc.serving_load`).

The shape follows Vidur (Agrawal et al. 2024, 'Vidur: A Large-Scale Simulation Framework for LLM Inference',
Sec. 4): one engine iteration is timed per operator from its shape, and the batching policy composes
iterations into request latencies and throughput. Per iteration, on one GPU of a tp group of one pipeline stage:

* **GEMMs**: every matmul of the inventory at its shape ``m = tokens of the iteration``, split over tp as
  Megatron does (:func:`gptcalc.steptime.matmul_shape`) and timed by :func:`gptcalc.steptime.gemm_time`: the
  roofline ``max(2 m n k / (peak x eff x waves), bytes / HBM) + kernel overhead``. Small-batch decode GEMMs
  are bound by reading their weights; prefill GEMMs by the tensor cores. Shapes with fewer 128 x 128 output
  tiles than compute units are split along k (split-K), as cuBLAS does for short prompts. Weights are read at
  their stored format; weight-only int8/int4 GEMMs run at the bf16 rate and pay a dequantization cost counted as extra
  bytes per weight (:class:`~gptcalc.specs.serving.ServingModel`); FP8 weights run W8A8 at the FP8 peak
  (Micikevicius et al. 2022). MoE decode reads only the experts its tokens touch: ``E (1 - (1 - k/E)^T)``
  distinct experts for T tokens choosing k of E uniformly (real routers are skewed and touch fewer).
* **attention core**: decode reads every sequence's KV cache at its dtype (``2 g d`` values per token and
  layer, ``g`` split over tp), prefill computes ``4 a d K`` FLOPs per token over K causal keys (Kaplan et al.
  2020 Table 1; Dao 2023) at the hardware's measured fused-attention rate; roofline of the two. A Mamba-2
  layer has no KV cache: each sequence reads and writes its constant conv + SSM state once per iteration and
  every token costs the chunked SSD scan's FLOPs (Dao & Gu 2024 Sec. 6-7), timed by the same roofline.
* **memory-bound ops**: norms, activation, rotary, residual adds, router top-k: values read and written per
  token in bf16, at the HBM rate, one kernel each.
* **tensor parallelism**: 2 all-reduces per layer (after attention and after the MLP; Shoeybi et al. 2019)
  of ``tokens x h`` bf16 values: ``2 (t-1)/t x bytes / link bandwidth + steps x link latency`` over the link
  :func:`gptcalc.steptime.link` finds (NVLink inside a node, PCIe on parts without it); a small all-reduce
  is one-shot, so its latency does not grow with t (``allreduce_latency_steps``). Without NVLink there is no
  one-shot kernel: TensorRT-LLM's AUTO strategy runs NCCL whenever the GPUs are not NVLink-connected
  (NVIDIA/TensorRT-LLM cpp/tensorrt_llm/plugins/ncclPlugin/allreducePlugin.cpp, ``selectImplementation``), and
  vLLM disables its custom all-reduce on more than two PCIe-only GPUs; on PCIe-only parts
  (``Hardware.pcie_only``) the all-reduce pays NCCL's tree latency, 2 log2(t) steps, as
  :func:`gptcalc.steptime.all_reduce_time` does (8-byte nccl-tests all-reduces on 8 PCIe GPUs take 42-54 us:
  NVIDIA/nccl issues #1530 and #1439; 6 steps x the default 8 us = 48 us).
* **edges**: the embedding gather on the first stage; the LM head on the last, only for the rows that
  sample (prefill: one per sequence, as TensorRT-LLM computes context logits only for the last token); a
  fixed per-iteration overhead (sampling, scheduling, host sync) and a fixed per-request cost before the
  first token.

Batching (:data:`~gptcalc.specs.serving.Batching`):

* **static** (TensorRT-LLM 0.9 static batching): the batch's b prompts prefill in one iteration, then the
  batch decodes ``output - 1`` iterations at the mean context ``prompt + output/2`` (attention cost is linear
  in the context, so the mean is exact for it). TTFT = request cost + batch prefill; throughput =
  ``b x output / (TTFT + (output - 1) x TPOT)``.
* **continuous** (Orca, Yu et al. 2022, with chunked prefill, Sarathi-Serve, Agrawal et al. 2024): b
  sequences in flight; each iteration decodes b tokens and takes in ``b x prompt / output`` prompt tokens
  (the prompts of the b/output requests that replace those finishing), so output rate = b / iteration.

* **disaggregated** (DistServe, Zhong et al. 2024; Splitwise, Patel et al. 2024): prefill and decode on separate
  pools of replicas; the system completes min(prefill pool, decode pool) requests/s, decode iterations carry no
  prompt chunks, and each request's KV cache crosses from one pool to the other on its TTFT.

Pipeline parallelism runs ``pp`` micro-batches through the stages: a prefill fills and drains the pipeline;
decode keeps it full, the micro-batches cycling through the stages (a sequence advances once the slowest stage
served all pp micro-batches, or after one round trip if that is longer). Expert parallelism (``ep``) spreads
the routed experts whole over ep GPUs per stage, reached by an all-to-all dispatch and combine; with ep > tp
the rest of the layer runs data-parallel over ep/tp attention groups (DeepSeek-AI 2024, DeepSeek-V3 Sec. 3.4).
Speculative decoding (Leviathan et al. 2023) pays for its proposals (a draft model's decode iterations, MTP
blocks, or nothing for n-gram lookup) and verifies ``tokens + 1`` positions per sequence in one iteration,
gaining ``(1 - a^(tokens+1)) / (1 - a)`` tokens per step. Left out: KV-cache paging and preemption, CPU-side
tokenization, stragglers, prefix caching, the NCCL/custom-kernel choice per message size, expert load
imbalance under EP (routing is taken as uniform), overlapping the all-to-all or the KV transfer with compute,
and acceptance that varies along the sequence (``speculative`` alone multiplies tokens per step without cost).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Generic, NamedTuple, TypeVar

from pydantic import Field

from gptcalc.errors import InfeasibleError, InputError
from gptcalc.flops import mean_keys
from gptcalc.inventory import Inventory, LayerKind, LayerKindName, StageKinds, inventory, stage_kind_counts
from gptcalc.memory import (
    DTYPE_BYTES,
    ServingMemory,
    kv_bytes_per_token,
    serving_memory,
    serving_weight_bytes,
    state_bytes_per_sequence,
    weight_bytes_per_param,
)
from gptcalc.parallel import check_layout, split_layers
from gptcalc.params import count_params
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result, trusted
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.layout import TrainLayout
from gptcalc.specs.quantities import mid
from gptcalc.specs.serving import ServingModel, ServingSetup
from gptcalc.specs.timemodel import TimeModel
from gptcalc.steptime import TILE, KernelContext, Link, link, matmul_shape

V = TypeVar("V")
DEFAULT_SERVING_MODEL = ServingModel.defaults()  # frozen: one instance serves every call that gives none
ACT_BYTES = 2.0  # activations, logits inputs and all-reduce payloads in bf16/fp16
LOGIT_BYTES = 8.0  # per vocabulary entry when sampling: write fp32 logits, read them back for softmax/top-k


def expected_distinct_experts(n_experts: int, top_k: int, tokens: float) -> float:
    """E (1 - (1 - k/E)^T): distinct experts T tokens touch when each picks k of E uniformly."""
    if tokens <= 0:
        return 0.0
    return float(n_experts * (1.0 - (1.0 - top_k / n_experts) ** tokens))


class PhaseTime(Result):
    """One iteration of one phase through all pipeline stages, on one GPU, and its breakdown."""

    step_s: float = Field(description="Wall time of the iteration (all stages, overheads included).")
    gemm_s: float
    attention_s: float
    memory_ops_s: float = Field(description="Norms, activations, rotary, residual adds, embedding, sampling.")
    comm_s: float = Field(description="Tensor-parallel all-reduces and pipeline sends.")
    overhead_s: float = Field(description="Fixed per-iteration (and per-request, for prefill) cost.")
    draft_s: float = Field(default=0.0, description="Speculative proposals (draft model or MTP passes) per step.")
    compute_s: float = Field(description="FLOPs / (peak x efficiency): the iteration's time if compute-bound.")
    memory_s: float = Field(description="Bytes / (bandwidth x efficiency): its time if memory-bound.")
    bound: str = Field(description="'compute' or 'memory': which of the two is larger.")
    flops: float = Field(description="FLOPs of the iteration on one GPU (all stages).")
    bytes: float = Field(description="Bytes read and written by the iteration on one GPU (all stages).")


class Work(NamedTuple):
    """What one iteration does, summed over the sequences in it: ``tokens`` new tokens, ``logits`` rows that
    sample, ``kv_read`` cached tokens read (sum over sequences of their context), ``key_products`` sum over new
    tokens of the keys each attends to; the ``_w`` variants on sliding-window layers."""

    tokens: float
    logits: float
    kv_read: float
    key_products: float
    kv_read_w: float
    key_products_w: float

    def plus(self, other: Work) -> Work:
        return Work(
            self.tokens + other.tokens,
            self.logits + other.logits,
            self.kv_read + other.kv_read,
            self.key_products + other.key_products,
            self.kv_read_w + other.kv_read_w,
            self.key_products_w + other.key_products_w,
        )

    def scaled(self, f: float) -> Work:
        return Work(
            *(
                f * x
                for x in (
                    self.tokens,
                    self.logits,
                    self.kv_read,
                    self.key_products,
                    self.kv_read_w,
                    self.key_products_w,
                )
            )
        )


def prefill_work(sequences: float, prompt: float, window: int | None, chunked: bool = False) -> Work:
    """``sequences`` prompts of ``prompt`` tokens: causal keys (:func:`gptcalc.flops.mean_keys`; ``window`` a
    sliding window, or an attention chunk when ``chunked``), one sampled row per sequence, nothing cached read."""
    p = max(round(prompt), 1)
    tokens = sequences * prompt
    local = tokens * mean_keys(p, window, True, chunked)
    return Work(tokens, sequences, 0.0, tokens * mean_keys(p, None, causal=True), 0.0, local)


def decode_work(sequences: float, context: float, window: int | None, per_step: float = 1.0) -> Work:
    """One decode iteration of ``sequences`` sequences holding ``context`` cached tokens, ``per_step`` new
    tokens each (speculative verification)."""
    w_ctx = min(context, window) if window else context
    tokens = sequences * per_step
    return Work(tokens, tokens, sequences * context, tokens * context, sequences * w_ctx, tokens * w_ctx)


class _Tally:
    """Seconds by part, FLOPs and bytes of one iteration, summed kind by kind. Mutable; a plain class because
    creating a dataclass costs about a millisecond of the CLI's start-up."""

    __slots__ = ("attention", "bytes", "comm", "flops", "gemm", "memory_ops")

    def __init__(
        self,
        gemm: float = 0.0,
        attention: float = 0.0,
        memory_ops: float = 0.0,
        comm: float = 0.0,
        flops: float = 0.0,
        bytes: float = 0.0,
    ) -> None:
        self.gemm, self.attention, self.memory_ops, self.comm, self.flops, self.bytes = (
            gemm,
            attention,
            memory_ops,
            comm,
            flops,
            bytes,
        )

    def add(self, o: _Tally, f: float = 1.0) -> None:
        self.gemm += f * o.gemm
        self.attention += f * o.attention
        self.memory_ops += f * o.memory_ops
        self.comm += f * o.comm
        self.flops += f * o.flops
        self.bytes += f * o.bytes

    @property
    def total(self) -> float:
        return self.gemm + self.attention + self.memory_ops + self.comm


class _KindPlan(NamedTuple):
    """One layer kind's per-GPU constants, resolved once per engine: what :meth:`Engine.layer` multiplies by an
    iteration's work."""

    dense: tuple[tuple[float, float, bool], ...]
    """(n, k, router) of each matmul every token runs, split over tp as Megatron does (:func:`matmul_shape`)."""
    routed: tuple[tuple[int, float, float], ...]
    """(copies, n, k) of each routed-expert matmul on one GPU: split over tp, or whole under ep."""
    top_k: int
    attention: bool
    kv_token: float
    """KV-cache bytes one token adds on one GPU."""
    flops_per_key: float
    """Attention FLOPs of one query-key product on one GPU."""
    scan_flops: float
    """Recurrent-scan FLOPs per token on one GPU."""
    state_bytes: float
    """Conv + recurrent state of one sequence on one GPU, bytes."""
    op_bytes: float
    """Memory-bound ops' bytes read and written per token on one GPU."""
    kernels: int
    all_reduces: int
    """Tensor-parallel all-reduces: one after each sub-block (under ep the MoE block's only for shared experts)."""
    all_to_all: bool


def _kind_plan(kind: LayerKind, setup: ServingSetup, kv_bytes: float) -> _KindPlan:
    tp, ep = setup.tp, setup.ep
    dense: list[tuple[float, float, bool]] = []
    routed: list[tuple[int, float, float]] = []
    for mm in kind.matmuls:
        if mm.tokens == "routed":
            split_k = mm.name.endswith("down_proj")
            n, k = (mm.n, mm.k) if ep > 1 else ((mm.n, mm.k / tp) if split_k else (mm.n / tp, mm.k))
            routed.append((mm.copies, n, k))
        else:
            _, _, n, k = matmul_shape(mm, 1.0, tp, tp, 1, kind, 1.0)
            dense.append((n, k, mm.component == "router"))
    core, ssm = kind.attention, kind.ssm
    moe_a2a = ep > 1 and bool(kind.n_experts)
    ffn = int(bool(kind.shared_width)) if moe_a2a else int(bool(kind.mlp_width))
    return _KindPlan(
        dense=tuple(dense),
        routed=tuple(routed),
        top_k=kind.top_k or 1,
        attention=core is not None,
        kv_token=core.kv.values(tp) * kv_bytes if core is not None else 0.0,
        flops_per_key=core.flops_per_key / tp if core is not None else 0.0,
        scan_flops=ssm.scan_flops_per_token / tp if ssm is not None else 0.0,
        state_bytes=ssm.state_values(tp) * kv_bytes if ssm is not None else 0.0,
        op_bytes=sum(
            (op.reads + op.writes) * ACT_BYTES / (tp if op.name in ("activation", "rotary") else 1) for op in kind.ops
        ),
        kernels=len(kind.ops),
        all_reduces=int(core is not None or ssm is not None) + ffn,
        all_to_all=moe_a2a,
    )


@dataclass(frozen=True)
class Engine:
    """Everything the per-operator serving time needs, resolved once per setup."""

    arch: Architecture
    hw: Hardware
    setup: ServingSetup
    sm: ServingModel
    inv: Inventory
    ctx: KernelContext
    tp_link: Link
    hbm: float
    kv_hbm: float
    overhead: float
    kv_bytes: float
    dequant: float
    attention_rate: float
    window: int | None
    dp: int = 1
    ep_link: Link | None = None
    pp_link: Link | None = None
    draft: Engine | None = None
    chunked: bool = False
    stage_keys: tuple[StageKinds, ...] = ()
    """Per stage: (layer kind, windowed) and how many such layers it holds (what a stage's time depends on)."""
    stage_groups: tuple[tuple[int, int], ...] = ()
    """Distinct stages (same layers, same edges): a representative index and how many stages are like it."""
    plans: dict[LayerKindName, _KindPlan] = field(default_factory=dict)
    units: int = 0
    """Compute units (SMs, CUs) the GEMM tiles are spread over; 0 when unknown (no wave quantization)."""
    gemm_rate: float = 0.0
    """FLOP/s of the GEMMs at the weights' compute dtype (peak x efficiency)."""
    bf16_rate: float = 0.0
    """FLOP/s of bf16 GEMMs (routers)."""
    runs: dict[tuple[Work, int, float, bool], tuple[float, tuple[float, ...], float]] = field(default_factory=dict)
    """Iterations already timed (:meth:`_run`), shared by the engines of one setup whatever their batch or price:
    a price, utilization or SLO what-if asks the same iterations again."""
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, arch: Architecture, hw: Hardware, setup: ServingSetup, sm: ServingModel | None = None) -> Engine:
        """The engine of ``setup``: resolved once per architecture, hardware, serving model and setup less its
        batch and prices (a batch sweep, a knee or SLO search asks again), then given this setup."""
        model = sm or DEFAULT_SERVING_MODEL

        def given_setup() -> Engine:
            neutral = setup.model_copy(update={"batch": 1, "price_per_gpu_hour": None, "utilization": 1.0})
            base = _ENGINES.get(arch, hw, neutral, model, lambda: cls._resolve(arch, hw, neutral, model))
            return replace(base, setup=setup)

        return _ENGINES.get(arch, hw, setup, model, given_setup)

    @classmethod
    def _resolve(cls, arch: Architecture, hw: Hardware, setup: ServingSetup, sm: ServingModel) -> Engine:
        w = setup.weights_dtype
        fp8 = setup.compute_dtype == "fp8" or (setup.compute_dtype is None and w == "fp8" and "fp8" in hw.peak_tflops)
        bf16_peak = hw.peak_flops("fp16" if w == "fp16" else "bf16")
        bf16_eff = (hw.matmul_efficiency or TimeModel.defaults().best_case_gemm) * sm.gemm_efficiency
        if setup.compute_efficiency is not None:
            bf16_eff = setup.compute_efficiency
        fp8_eff = setup.compute_efficiency or sm.fp8_gemm_efficiency
        hbm = hw.memory_bandwidth * (setup.bandwidth_efficiency or sm.bandwidth_efficiency)
        overhead = sm.kernel_overhead_us * 1e-6
        ctx = KernelContext(
            hw=hw,
            model=TimeModel.defaults(),
            layout=TrainLayout.defaults(),
            act_bytes=ACT_BYTES,
            gemm_peak=hw.peak_flops("fp8") if fp8 else bf16_peak,
            gemm_eff=fp8_eff if fp8 else bf16_eff,
            gemm_in_bytes=weight_bytes_per_param(w) if not fp8 else 1.0,
            bf16_peak=bf16_peak,
            bf16_eff=bf16_eff,
            flash_eff=1.0,
            hbm=hbm,
            overhead=overhead,
            fp8=fp8,
        )
        attn = (hw.attention_efficiency or TimeModel.defaults().best_case_attention) * bf16_peak
        tm = TimeModel(collective_efficiency=sm.collective_efficiency)
        tp_link = link(hw, setup.tp, 1, tm)
        spec = setup.speculation
        draft = None
        if spec is not None and spec.draft is not None:
            draft = cls.of(spec.draft, hw, draft_setup(spec.draft, setup), sm)
        inv, keys, kv_bytes = (
            inventory(arch),
            stage_kind_counts(arch, split_layers(arch.n_layers, setup.pp)),
            DTYPE_BYTES[setup.kv_dtype],
        )
        return cls(
            arch=arch,
            hw=hw,
            setup=setup,
            sm=sm,
            inv=inv,
            ctx=ctx,
            tp_link=tp_link,
            hbm=hbm,
            kv_hbm=hw.memory_bandwidth * (setup.bandwidth_efficiency or sm.kv_bandwidth_efficiency),
            overhead=overhead,
            kv_bytes=kv_bytes,
            dequant=0.0 if fp8 else sm.dequant_bytes(w),
            attention_rate=attn,
            window=arch.attention.sliding_window,
            dp=setup.attention_dp,
            ep_link=link(hw, setup.ep, 1, tm) if setup.ep > 1 else None,
            pp_link=link(hw, 2, setup.stage_gpus, tm) if setup.pp > 1 else None,
            draft=draft,
            stage_keys=keys,
            stage_groups=_stage_groups(keys),
            plans={name: _kind_plan(kind, setup, kv_bytes) for name, kind in inv.kinds.items()},
            units=hw.compute_units or 0,
            gemm_rate=ctx.gemm_peak * ctx.gemm_eff,
            bf16_rate=ctx.bf16_peak * ctx.bf16_eff,
            chunked=arch.attention.chunked,
        )

    @property
    def fp8(self) -> bool:
        return self.ctx.fp8

    def allreduce(self, nbytes: float) -> float:
        """One tensor-parallel all-reduce of ``nbytes`` (module docstring)."""
        t = self.setup.tp
        if t <= 1:
            return 0.0
        ln = self.tp_link
        steps = 2 * math.ceil(math.log2(t)) if self.hw.pcie_only else self.sm.allreduce_latency_steps
        return 2 * (t - 1) / t * nbytes / ln.bandwidth + steps * ln.latency

    def all_to_all(self, tokens: float, top_k: int) -> float:
        """Expert-parallel dispatch and combine of one MoE layer: each GPU sends the hidden states of its
        ``tokens / ep`` tokens to their ``top_k`` experts and receives the results back, (ep-1)/ep of them
        crossing the link (DeepSeek-AI 2024 Sec. 3.4; :func:`gptcalc.steptime.gather_time`'s ring cost, whose
        latency is paid once per direction as one-shot all-to-all kernels do)."""
        ep, ln = self.setup.ep, self.ep_link
        if ep <= 1 or ln is None:
            return 0.0
        nbytes = tokens / ep * top_k * self.inv.hidden * ACT_BYTES
        return 2 * ((ep - 1) / ep * nbytes / ln.bandwidth + self.sm.allreduce_latency_steps * ln.latency)

    def _gemm(self, count: float, m: float, n: float, k: float, *, bf16: bool = False) -> _Tally:
        """``count`` GEMMs of [m, k] x [k, n] on one GPU (:meth:`_gemm_parts`) as a tally."""
        seconds, flops, nbytes = self._gemm_parts(count, m, n, k, bf16)
        return _Tally(gemm=seconds, flops=flops, bytes=nbytes)

    def _gemm_parts(self, count: float, m: float, n: float, k: float, bf16: bool) -> tuple[float, float, float]:
        """(seconds, FLOPs, bytes) of ``count`` GEMMs: :func:`gptcalc.steptime.gemm_time`'s roofline, inlined
        (the engine's innermost call), after split-K, plus weight-only dequantization."""
        if count <= 0 or m <= 0:
            return 0.0, 0.0, 0.0
        units = self.units
        ns, ks, waves = n, k, 1.0
        if units:
            # Split-K for shapes with fewer output tiles than compute units (cuBLAS/CUTLASS split-K, stream-K:
            # Osama et al. 2023): s slices of k run as s times the tiles, each writing a partial sum (n s x k / s).
            row_tiles = math.ceil(m / TILE)
            tiles = row_tiles * math.ceil(n / TILE)
            if tiles < units:
                split = min(units // tiles, int(k // TILE))
                if split > 1:
                    ns, ks = n * split, k / split
                    tiles = row_tiles * math.ceil(ns / TILE)
            waves = tiles / (math.ceil(tiles / units) * units)
        in_bytes, rate = (2.0, self.bf16_rate) if bf16 else (self.ctx.gemm_in_bytes, self.gemm_rate)
        seconds = 0.0
        if ns > 0 and ks > 0:
            compute = 2.0 * m * ns * ks / (rate * waves)
            memory = (in_bytes * (m * ks + ks * ns) + 2.0 * m * ns) / self.hbm
            seconds = count * ((compute if compute > memory else memory) + self.overhead)
        if not bf16 and self.dequant:
            seconds += count * n * k * self.dequant / self.hbm
        return seconds, count * 2.0 * m * n * k, count * (in_bytes * (m * k + k * n) + 2.0 * m * n)

    def layer(self, kind: LayerKind, work: Work, windowed: bool) -> _Tally:
        """One layer of ``kind`` on one GPU for one iteration's ``work`` (the whole stage's).

        With expert parallelism (ep > 1) the routed experts see every token of the stage, spread over ep GPUs
        whole, and are reached by an all-to-all instead of an all-reduce; the rest of the layer runs on its
        attention group's share (work / dp) split over tp."""
        return _Tally(*self._layer(self.plans[kind.name], work, windowed))

    def _layer(self, plan: _KindPlan, work: Work, windowed: bool) -> list[float]:
        """:meth:`layer` as [gemm, attention, memory_ops, comm, flops, bytes] over the kind's resolved plan."""
        ep = self.setup.ep
        local = work.scaled(1.0 / self.dp) if self.dp > 1 else work
        T = local.tokens
        gemm = flops = nbytes = 0.0
        gemm_parts = self._gemm_parts
        for n, k, bf16 in plan.dense:
            s, f, b = gemm_parts(1, T, n, k, bf16)
            gemm += s
            flops += f
            nbytes += b
        if plan.routed:
            top_k = plan.top_k
            tokens = work.tokens if ep > 1 else T  # under ep the experts see the whole stage's tokens
            for copies, n, k in plan.routed:
                touched = expected_distinct_experts(copies, top_k, tokens)
                m = tokens * top_k / touched if touched else 0.0
                s, f, b = gemm_parts(touched / ep if ep > 1 else touched, m, n, k, False)
                gemm += s
                flops += f
                nbytes += b
        a_flops = kv_bytes = state_bytes = 0.0
        if plan.attention:
            kv_read = local.kv_read_w if windowed else local.kv_read
            keys = local.key_products_w if windowed else local.key_products
            kv_bytes = (kv_read + T) * plan.kv_token
            a_flops = plan.flops_per_key * keys
        if plan.scan_flops or plan.state_bytes:
            # Mamba-2: the SSD scan's FLOPs per token (chunked form, Dao & Gu 2024 Sec. 6) and each sequence's
            # conv + SSM state read and written once per iteration (one sampled row per sequence).
            a_flops += plan.scan_flops * T
            state_bytes = 2 * local.logits * plan.state_bytes
        attention = 0.0
        if a_flops or kv_bytes or state_bytes:
            # The KV cache is gathered page by page (paged attention) at its own rate; states stream like weights.
            memory = kv_bytes / self.kv_hbm + state_bytes / self.hbm
            attention = max(a_flops / self.attention_rate, memory) + self.overhead
        op_bytes = plan.op_bytes * T
        # One all-reduce after each sub-block (mixer, feed-forward); under expert parallelism the MoE block
        # exchanges tokens with an all-to-all and all-reduces only its shared experts' partial sums.
        comm = self.all_to_all(work.tokens, plan.top_k) if plan.all_to_all else 0.0
        if plan.all_reduces:
            comm += plan.all_reduces * self.allreduce(T * self.inv.hidden * ACT_BYTES)
        return [
            gemm,
            attention,
            op_bytes / self.hbm + plan.kernels * self.overhead,
            comm,
            flops + a_flops,
            nbytes + (kv_bytes + state_bytes) + op_bytes,
        ]

    def stage(self, j: int, work: Work, cache: dict[tuple[LayerKindName, bool], list[float]] | None = None) -> _Tally:
        """Stage ``j`` of the pipeline for one iteration's ``work`` (embedding on the first, head on the last).

        Layers of one kind and window are timed once (``cache``, shared by the stages of one iteration) and
        counted as often as the stage holds them."""
        return _Tally(*self._stage(j, work, {} if cache is None else cache))

    def _stage(self, j: int, work: Work, cache: dict[tuple[LayerKindName, bool], list[float]]) -> list[float]:
        """:meth:`stage` as [gemm, attention, memory_ops, comm, flops, bytes]."""
        inv, plans = self.inv, self.plans
        out = [0.0] * 6
        for key, n in self.stage_keys[j]:
            layer = cache.get(key)
            if layer is None:
                layer = cache[key] = self._layer(plans[key[0]], work, key[1])
            out = [x + n * y for x, y in zip(out, layer, strict=True)]
        local = work.scaled(1.0 / self.dp) if self.dp > 1 else work  # edges run per attention group
        if j == 0:
            emb = local.tokens * inv.hidden * ACT_BYTES * 2
            out[2] += emb / self.hbm + self.overhead
            out[5] += emb
        last = len(self.stage_keys) - 1
        if j == last:
            tp = self.setup.tp
            s, f, b = self._gemm_parts(1, local.logits, inv.vocab / tp, inv.head.k, False)
            out[0] += s
            out[4] += f
            out[5] += b
            sample = local.logits * inv.vocab / tp * LOGIT_BYTES
            out[2] += sample / self.hbm + 2 * self.overhead
            out[5] += sample
            if tp > 1:  # gather the vocabulary shards' logits (or their top-k) to sample
                out[3] += self.allreduce(local.logits * inv.vocab / tp * 4)
        if self.pp_link is not None and j < last:
            out[3] += local.tokens * inv.hidden * ACT_BYTES / self.pp_link.bandwidth + self.pp_link.latency
        return out

    def _run(self, work: Work, micro: int, fixed: float, cyclic: bool) -> tuple[float, tuple[float, ...], float]:
        """:meth:`iteration` as (step seconds, [gemm, attention, memory_ops, comm, flops, bytes] summed over the
        stages for one micro-batch, the factor that spreads the wall time over the parts)."""
        key = (work, micro, fixed, cyclic)
        done = self.runs.get(key)
        if done is not None:
            return done
        part = work.scaled(1.0 / micro)
        cache: dict[tuple[LayerKindName, bool], list[float]] = {}
        # Stages with the same layers and edges take the same time: each distinct one is timed once.
        g = a = o = c = f = b = slowest = 0.0
        for j, n in self.stage_groups:
            sg, sa, so, sc, sf, sb = self._stage(j, part, cache)
            g += n * sg
            a += n * sa
            o += n * so
            c += n * sc
            f += n * sf
            b += n * sb
            slowest = max(slowest, sg + sa + so + sc)
        total = g + a + o + c
        wall = max(micro * slowest, total) if cyclic else total + (micro - 1) * slowest
        out = (wall + fixed, (g, a, o, c, f, b), wall / total if total > 0 else 1.0)
        if len(self.runs) >= 4096:
            self.runs.clear()
        self.runs[key] = out
        return out

    def iteration(self, work: Work, *, micro: int = 1, fixed: float = 0.0, cyclic: bool = False) -> PhaseTime:
        """``work`` split into ``micro`` pipeline micro-batches through every stage, plus ``fixed`` seconds.

        One-shot (a batch's prefill): the sum of the stages plus (micro - 1) times the slowest, the pipeline's
        fill and drain. Cyclic (decode): the same micro-batches go round the pipeline step after step, so a
        micro-batch re-enters the first stage as soon as it left the last one and the stages stay busy (Orca,
        Yu et al. 2022 Sec. 4.3): a step takes max(micro x slowest stage, one round trip = the sum of the
        stages)."""
        step, tot, scale = self._run(work, micro, fixed, cyclic)
        compute = tot[4] * micro / self.gemm_rate
        memory = tot[5] * micro / self.hbm
        return trusted(  # computed floats: nothing to validate
            PhaseTime,
            {
                "step_s": step,
                "gemm_s": tot[0] * scale,
                "attention_s": tot[1] * scale,
                "memory_ops_s": tot[2] * scale,
                "comm_s": tot[3] * scale,
                "overhead_s": fixed,
                "draft_s": 0.0,
                "compute_s": compute,
                "memory_s": memory,
                "bound": "compute" if compute >= memory else "memory",
                "flops": tot[4] * micro,
                "bytes": tot[5] * micro,
            },
        )

    # ---------------------------------------------------------------------------------- phases

    def prefill(self, sequences: int) -> PhaseTime:
        """Prefill ``sequences`` prompts together, plus the per-request cost (TTFT of a static batch); a draft
        model prefills its copy of each prompt too (on every tensor-parallel group, its share of the prompts)."""
        s = self.setup
        micro = min(s.pp, sequences)
        it = self.iteration(
            prefill_work(sequences, s.prompt, self.window, self.chunked), micro=micro, fixed=self.sm.request_overhead_s
        )
        draft = self._draft_prefill(sequences)
        return it.model_copy(update={"step_s": it.step_s + draft, "draft_s": draft}) if draft else it

    def prefill_seconds(self, sequences: int) -> float:
        """``prefill(sequences).step_s`` without the breakdown."""
        s = self.setup
        work = prefill_work(sequences, s.prompt, self.window, self.chunked)
        return self._run(work, min(s.pp, sequences), self.sm.request_overhead_s, False)[0] + self._draft_prefill(
            sequences
        )

    def _draft_prefill(self, sequences: int) -> float:
        if self.draft is None:
            return 0.0
        s = self.setup
        share = prefill_work(sequences / (s.pp * self.dp), s.prompt, self.draft.window, self.draft.chunked)
        return self.draft._run(share, 1, 0.0, False)[0]

    def draft_step(self, sequences: float, context: float) -> float:
        """Seconds of one round of speculative proposals for ``sequences`` sequences at ``context``: ``tokens``
        draft-model decode iterations (each a forward pass with its own sampling, Leviathan et al. 2023
        Algorithm 1), ``tokens`` passes of one MTP block with its 2h -> h projection and the shared head
        (DeepSeek-V3 Sec. 2.2), or nothing for n-gram lookup."""
        spec = self.setup.speculation
        if spec is None or spec.method == "ngram":
            return 0.0
        fixed = self.sm.iteration_overhead_s
        if self.draft is not None:
            # One draft copy per tensor-parallel group of the replica, each drafting for its share of sequences.
            groups = self.setup.pp * self.dp
            work = decode_work(sequences / groups, context, self.draft.window, 1.0)
            return spec.tokens * self.draft._run(work, 1, fixed, False)[0]
        inv, tp = self.inv, self.setup.tp
        last = inv.layer_kinds[inv.n_layers - 1]
        work = decode_work(sequences, context, self.window, 1.0)
        t = self.layer(inv.kinds[last], work, windowed=False)
        t.add(self._gemm(1, sequences, inv.hidden / tp, 2 * inv.hidden))
        t.add(self._gemm(1, sequences, inv.vocab / tp, inv.head.k))
        return spec.tokens * (t.total + fixed)

    def decode(self, sequences: int) -> PhaseTime:
        """One decode step of ``sequences`` at the mean context prompt + output/2: one iteration, or under
        speculation the proposals plus one verification iteration of ``tokens + 1`` positions per sequence."""
        s = self.setup
        context = s.prompt + s.output / 2
        micro = min(s.pp, sequences)
        work = decode_work(sequences, context, self.window, s.verified_per_step)
        it = self.iteration(work, micro=micro, fixed=self.sm.iteration_overhead_s, cyclic=True)
        return self._with_draft(it, self.draft_step(sequences, context))

    def decode_compute_bound(self, sequences: int) -> bool:
        """Whether ``decode(sequences)`` is compute-bound: its FLOP time reaches its byte time."""
        s = self.setup
        work = decode_work(sequences, s.prompt + s.output / 2, self.window, s.verified_per_step)
        tot = self._run(work, min(s.pp, sequences), 0.0, True)[1]
        return tot[4] / self.gemm_rate >= tot[5] / self.hbm

    @staticmethod
    def _with_draft(it: PhaseTime, draft: float) -> PhaseTime:
        return it.model_copy(update={"step_s": it.step_s + draft, "draft_s": draft}) if draft else it

    def mixed(self, sequences: int) -> tuple[PhaseTime, float]:
        """Continuous batching's steady-state iteration: ``sequences`` decode tokens plus the prompt tokens of
        the sequences/output requests that join per iteration; and the seconds of the same iteration without
        the prompts."""
        s = self.setup
        context = s.prompt + s.output / 2
        dec = decode_work(sequences, context, self.window, s.verified_per_step)
        joining = sequences * s.tokens_per_step / s.output
        work = dec.plus(prefill_work(joining, s.prompt, self.window, self.chunked))
        micro = min(s.pp, sequences)
        fixed = self.sm.iteration_overhead_s
        draft = self.draft_step(sequences, context)
        both = self.iteration(work, micro=micro, fixed=fixed, cyclic=True)
        pure = self._run(dec, micro, fixed, True)[0]
        return self._with_draft(both, draft), pure + draft


class _SetupCache(Generic[V]):
    """Values by architecture, hardware, setup and serving model, computed once. Hardware (unhashable: its peak
    table is a dict) and the serving model are keyed by identity: the cache holds them, so an id is not reused
    while an entry lives."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[tuple[Architecture, int, ServingSetup, int], tuple[Hardware, object, V]] = {}

    def get(
        self, arch: Architecture, hw: Hardware, setup: ServingSetup, sm: ServingModel | None, make: Callable[[], V]
    ) -> V:
        key = (arch, id(hw), setup, id(sm))
        hit = self.entries.get(key)
        if hit is not None and hit[0] is hw and hit[1] is sm:
            return hit[2]
        value = make()
        if len(self.entries) >= self.size:
            self.entries.clear()
        self.entries[key] = (hw, sm, value)
        return value

    def clear(self) -> None:
        self.entries.clear()


_ENGINES: _SetupCache[Engine] = _SetupCache(128)


def _stage_groups(keys: tuple[StageKinds, ...]) -> tuple[tuple[int, int], ...]:
    """Stages with the same layers and the same edges (embedding first, head last) take the same time: the first
    index of each such group and its size, in stage order."""
    last = len(keys) - 1
    groups: dict[tuple[object, bool, bool], list[int]] = {}
    for j, key in enumerate(keys):
        groups.setdefault((key, j == 0, j == last), [j, 0])[1] += 1
    return tuple((j, n) for j, n in groups.values())


def draft_setup(draft: Architecture, setup: ServingSetup) -> ServingSetup:
    """The draft model's own setup: a copy on every tensor-parallel group of the replica (each pipeline stage
    and attention group drafts for its 1 / (pp x dp) of the sequences, so its KV cache spreads as the model's
    does), tp as the target's when the draft's heads divide it, else 1; one stage, the target's formats, no
    speculation of its own."""
    try:
        check_layout(draft, tp=setup.tp)
        tp = setup.tp
    except InputError:
        tp = 1
    return setup.model_copy(
        update={"tp": tp, "pp": 1, "ep": 1, "speculation": None, "prefill_gpus": None, "decode_gpus": None}
    )


class ServingEstimate(Result):
    """Latency, throughput and cost of one serving setup."""

    model: str
    hardware: str
    gpus: int
    batch: int = Field(description="Sequences in flight (static: per batch; continuous: concurrency).")
    prompt: int
    output: int
    batching: str
    ttft_s: float = Field(
        description="Time to first token: per-request cost + prefill (static: the whole batch's prefill;"
        " continuous: the prompt's chunks mixed into decode iterations)."
    )
    tpot_s: float = Field(description="Time per output token of one sequence (one decode iteration).")
    e2e_s: float = Field(description="ttft + (output - 1) x tpot.")
    output_tokens_per_second: float = Field(
        description="Output tokens per second of the replica, end to end (prefill time included)."
    )
    output_tokens_per_second_per_gpu: float
    requests_per_second: float = Field(description="Completed requests per second of the replica.")
    decode_tokens_per_second: float = Field(description="batch / tpot: decode iterations only, no prefill.")
    tokens_per_second_per_sequence: float = Field(description="1 / tpot.")
    prefill_tokens_per_second: float = Field(description="Prompt tokens per second of a batch prefill.")
    decode: PhaseTime
    prefill: PhaseTime
    decode_bound: str
    compute_bound_batch: int | None = Field(description="Smallest batch at which decode is compute-bound.")
    max_batch: int = Field(description="Largest batch whose KV cache fits (memory model).")
    fits: bool
    experts_touched: float | None = Field(description="Expected distinct experts per MoE layer per decode step.")
    tokens_per_step: float = Field(description="Tokens a sequence gains per decode step (speculation; else 1).")
    prefill_gpus: int | None = Field(default=None, description="Disaggregated: GPUs of the prefill pool.")
    decode_gpus: int | None = Field(default=None, description="Disaggregated: GPUs of the decode pool.")
    kv_transfer_s: float | None = Field(default=None, description="Disaggregated: one request's KV transfer.")
    prefill_pool_rps: float | None = Field(default=None, description="Disaggregated: prefill pool requests/s.")
    decode_pool_rps: float | None = Field(default=None, description="Disaggregated: decode pool requests/s.")
    cost_per_million_input_usd: float = Field(description="GPU time of prefill, per million prompt tokens.")
    cost_per_million_output_usd: float = Field(description="GPU time of decode, per million output tokens.")
    cost_per_million_tokens_usd: float = Field(description="All GPU time per million prompt + output tokens.")
    price_per_gpu_hour: float
    utilization: float
    assumptions: list[str]

    @property
    def tokens_per_second(self) -> float:
        """End-to-end output tokens per second (the name earlier versions used)."""
        return self.output_tokens_per_second

    @property
    def tokens_per_second_per_gpu(self) -> float:
        return self.output_tokens_per_second_per_gpu


def _validate(arch: Architecture, setup: ServingSetup) -> None:
    if setup.weights_dtype not in DTYPE_BYTES or setup.kv_dtype not in DTYPE_BYTES:
        bad = setup.weights_dtype if setup.weights_dtype not in DTYPE_BYTES else setup.kv_dtype
        raise InputError(f"dtype: unknown {bad!r}; allowed: {', '.join(DTYPE_BYTES)}")
    check_layout(arch, tp=setup.tp)
    split_layers(arch.n_layers, setup.pp)
    if setup.batch < setup.pp:
        raise InputError(f"batch: {setup.batch} is smaller than pp ({setup.pp}); each stage needs a micro-batch")
    if setup.ep > 1:
        if arch.moe is None:
            raise InputError(f"ep: {arch.name} has no routed experts to spread; drop --ep")
        if setup.ep > arch.moe.n_experts:
            raise InputError(
                f"ep: more GPUs than the {arch.moe.n_experts} experts to spread; allowed: "
                + ", ".join(str(d) for d in range(1, arch.moe.n_experts + 1) if arch.moe.n_experts % d == 0)
            )
        if arch.moe.n_experts % setup.ep:
            raise InputError(
                f"ep: {setup.ep} does not divide the {arch.moe.n_experts} experts; allowed: "
                + ", ".join(str(d) for d in range(1, arch.moe.n_experts + 1) if arch.moe.n_experts % d == 0)
            )
        if setup.batch < setup.attention_dp * setup.pp:
            raise InputError(
                f"batch: {setup.batch} is smaller than the {setup.attention_dp} attention groups x pp {setup.pp};"
                " each group needs a sequence"
            )
    spec = setup.speculation
    if spec is not None and spec.method == "mtp" and setup.pp > 1:
        raise InputError("speculation: MTP proposals run after the last stage; use pp 1 (or a draft model)")
    if spec is not None and spec.draft is not None:
        target, draft = count_params(arch), count_params(spec.draft)
        t_active, d_active = target.active or target.total, draft.active or draft.total
        if d_active >= t_active:
            raise InputError(
                f"draft: {spec.draft.name} ({d_active / 1e9:.3g}B active parameters per token) is not smaller than"
                f" {arch.name} ({t_active / 1e9:.3g}B); a draft must be cheaper per token than the model it drafts"
            )


def engine_architecture(arch: Architecture, setup: ServingSetup) -> Architecture:
    """The architecture as the engine runs it: without sliding windows when ``setup.kv_window`` is 'full'. A model
    whose full-attention layers have their own shape (Gemma 4's ``global_attention``) keeps its layer pattern, with
    the window widened to the whole context (prompt + output), which a window that long holds."""
    att = arch.attention
    if setup.kv_window == "model" or getattr(att, "sliding_window", None) is None:
        return arch
    if arch.global_attention is not None and att.sliding_window is not None:
        wide = max(att.sliding_window, setup.prompt + setup.output)
        return arch.model_copy(update={"attention": att.model_copy(update={"sliding_window": wide})})
    plain = att.model_copy(update={"sliding_window": None, "global_every": None, "sliding_layers": None})
    if getattr(att, "chunked", False):
        plain = plain.model_copy(update={"chunked": False})
    return arch.model_copy(update={"attention": plain})


def replica_memory(arch: Architecture, hardware: Hardware, setup: ServingSetup) -> ServingMemory:
    """Memory of one GPU of the replica at its batch: the model (experts spread over ep), its KV cache, and a
    draft model's weights and KV cache or an MTP block's weights beside it."""
    context = setup.prompt + setup.output
    spec = setup.speculation
    extra_w = extra_kv = 0.0
    if spec is not None and spec.draft is not None:
        d = draft_setup(spec.draft, setup)
        extra_w = serving_weight_bytes(spec.draft, setup.weights_dtype, d.tp, 1)
        # The draft copy on each stage holds the KV cache of 1/pp of the sequences (draft_setup).
        extra_kv = kv_bytes_per_token(spec.draft, setup.kv_dtype, d.tp, 1, context) / setup.pp
    elif spec is not None and spec.method == "mtp":
        inv = inventory(arch)
        block = inv.kind_of(inv.n_layers - 1)
        per_param = weight_bytes_per_param(setup.weights_dtype)
        extra_w = (block.params() + 2 * inv.hidden * inv.hidden) * per_param / max(setup.tp, setup.ep)
    return serving_memory(
        arch,
        hardware,
        batch=setup.batch,
        context=context,
        weights_dtype=setup.weights_dtype,
        kv_dtype=setup.kv_dtype,
        tp=setup.tp,
        pp=setup.pp,
        ep=setup.ep,
        extra_weight_bytes=extra_w,
        extra_kv_bytes_per_token=extra_kv,
    )


def compute_bound_batch(
    arch: Architecture,
    hardware: Hardware,
    setup: ServingSetup,
    limit: int = 1 << 20,
    model: ServingModel | None = None,
    engine: Engine | None = None,
) -> int | None:
    """Smallest batch at which a decode iteration's FLOP time reaches its byte time (None if never)."""
    eng = engine or Engine.of(arch, hardware, setup, model)

    def compute_bound(b: int) -> bool:
        return eng.decode_compute_bound(b)

    hi = setup.min_batch
    while hi <= limit and not compute_bound(hi):
        hi *= 2
    if hi > limit:
        return None
    lo = max(hi // 2, setup.min_batch)
    while lo < hi:
        m = (lo + hi) // 2
        if compute_bound(m):
            hi = m
        else:
            lo = m + 1
    return lo


def kv_transfer_time(arch: Architecture, hardware: Hardware, setup: ServingSetup, sm: ServingModel) -> float:
    """Seconds to move one request's KV cache (and recurrent state) from a prefill replica to a decode replica:
    the prompt's cache at the KV dtype over all layers, each of the replica's GPUs sending its shard in parallel
    over the link between the pools (inside one node when both pools fit in one, else the inter-node network;
    DistServe, Zhong et al. 2024 Sec. 4; Splitwise, Patel et al. 2024). Counted whole on the TTFT: streaming
    it layer by layer during prefill (Mooncake) would hide most of it."""
    nbytes = kv_bytes_per_token(arch, setup.kv_dtype, 1, 1, setup.prompt) * setup.prompt
    nbytes += state_bytes_per_sequence(arch, setup.kv_dtype, 1, 1)
    tm = TimeModel(collective_efficiency=sm.collective_efficiency)
    if setup.gpus <= hardware.devices_per_node:
        bw, lat = hardware.intra_node_bandwidth * tm.collective_efficiency, hardware.intra_node_latency_us
    else:
        bw, lat = hardware.inter_node_bandwidth * tm.collective_efficiency, hardware.inter_node_latency_us
    return nbytes / (setup.replica_gpus * bw) + lat * 1e-6


class _Operating(NamedTuple):
    """How a setup's requests flow: latencies, completed requests per second, and the replica seconds per
    request spent on prompts and on output (for the cost split)."""

    ttft: float
    step: float
    rps: float
    prefill_share: float
    decode_share: float
    decode: PhaseTime
    transfer: float | None = None
    prefill_pool_rps: float | None = None
    decode_pool_rps: float | None = None


def _colocated(eng: Engine, prefill: PhaseTime) -> _Operating:
    """One replica doing both phases: static or continuous batching (module docstring)."""
    s, sm = eng.setup, eng.sm
    b, out_len, tau = s.batch, s.output, s.tokens_per_step
    prefill_kernels = prefill.step_s - sm.request_overhead_s
    if s.batching == "static":
        decode = eng.decode(b)
        step = decode.step_s
        ttft = prefill.step_s
        busy = ttft + max(out_len / tau - 1, 0) * step
        rps = b / busy
        return _Operating(ttft, step, rps, prefill_kernels / b, (busy - prefill_kernels) / b, decode)
    decode, pure = eng.mixed(b)
    step = decode.step_s
    alone = eng.prefill_seconds(1)
    chunks = math.ceil(s.prompt / s.chunk)
    ttft = max(alone, sm.request_overhead_s + chunks * step)
    rps = b * tau / (out_len * step)
    prefill_share = (step - pure) * out_len / tau / b
    return _Operating(ttft, step, rps, prefill_share, 1.0 / rps - prefill_share, decode)


def _disaggregated(eng: Engine, arch: Architecture, hardware: Hardware) -> _Operating:
    """Prefill and decode on separate pools of replicas (DistServe, Zhong et al. 2024; Splitwise, Patel et al.
    2024): prefill replicas take prompts in iterations of up to ``chunk`` tokens; decode replicas decode their
    batch with no prompt chunks in the way; each request's KV cache crosses between them
    (:func:`kv_transfer_time`). The system completes min(prefill pool, decode pool) requests per second."""
    s, sm = eng.setup, eng.sm
    assert s.prefill_gpus is not None and s.decode_gpus is not None
    per_iter = max(1, min(s.batch, s.chunk // s.prompt))
    pre = eng.prefill_seconds(per_iter)
    kernels = pre - sm.request_overhead_s
    prefill_rps = s.prefill_gpus // s.replica_gpus * per_iter / kernels
    decode = eng.decode(s.batch)
    decode_rps = s.decode_gpus // s.replica_gpus * s.batch * s.tokens_per_step / (s.output * decode.step_s)
    transfer = kv_transfer_time(arch, hardware, s, sm)
    rps = min(prefill_rps, decode_rps)
    # Replica-seconds per request, in units of the whole system (both pools) so the cost split sums to 1 / rps.
    prefill_share = s.prefill_gpus / s.gpus / rps
    return _Operating(
        ttft=pre + transfer,
        step=decode.step_s,
        rps=rps,
        prefill_share=prefill_share,
        decode_share=1.0 / rps - prefill_share,
        decode=decode,
        transfer=transfer,
        prefill_pool_rps=prefill_rps,
        decode_pool_rps=decode_rps,
    )


_KNEES: _SetupCache[int | None] = _SetupCache(256)


def clear_caches() -> None:
    """Forget every engine, timed iteration and knee (benchmarks time a first call with this; results never
    depend on it)."""
    _ENGINES.clear()
    _KNEES.clear()


def _knee(arch: Architecture, hardware: Hardware, setup: ServingSetup, model: ServingModel | None) -> int | None:
    """:func:`compute_bound_batch`, which does not depend on the batch, price or utilization: remembered for the
    rest of the setup (a batch sweep or an SLO search asks it once)."""
    neutral = setup.model_copy(update={"batch": setup.min_batch, "price_per_gpu_hour": None, "utilization": 1.0})
    return _KNEES.get(arch, hardware, neutral, model, lambda: compute_bound_batch(arch, hardware, neutral, model=model))


def estimate_serving(
    arch: Architecture,
    hardware: Hardware,
    setup: ServingSetup,
    *,
    allow_overflow: bool = False,
    model: ServingModel | None = None,
    knee: bool = True,
) -> ServingEstimate:
    """Latency, throughput and cost of serving ``arch`` on ``hardware`` as ``setup`` says (module docstring).

    A batch whose KV cache does not fit raises :class:`InfeasibleError` naming the largest that does,
    unless ``allow_overflow`` (then ``fits`` is False and the time is still computed). ``knee``: also search
    the batch at which decode turns compute-bound.
    """
    _validate(arch, setup)
    arch = engine_architecture(arch, setup)
    price_mid = mid(setup.price_per_gpu_hour if setup.price_per_gpu_hour is not None else hardware.price_per_hour)
    util = mid(setup.utilization)
    context = setup.prompt + setup.output
    mem = replica_memory(arch, hardware, setup)
    shape = f"tp {setup.tp}, pp {setup.pp}" + (f", ep {setup.ep}" if setup.ep > 1 else "")
    if not mem.fits and not allow_overflow:
        if not mem.max_batch:
            raise InfeasibleError(
                f"gpus: {arch.name} does not fit on {setup.replica_gpus:,} x {hardware.name} ({shape})"
                f" with {setup.weights_dtype} weights even at batch 1 x {context:,} tokens; give more --gpus"
                " (`gptcalc fit --serve` shows the fewest that hold it) or fewer --prompt/--output tokens"
            )
        raise InfeasibleError(
            f"batch: {setup.batch:,} sequences of {context:,} tokens do not fit on {setup.replica_gpus:,} x"
            f" {hardware.name} with {setup.weights_dtype} weights; the largest batch that fits is {mem.max_batch}"
        )
    eng = Engine.of(arch, hardware, setup, model)
    sm = eng.sm
    b, out_len, tau = setup.batch, setup.output, setup.tokens_per_step
    prefill = eng.prefill(b)
    prefill_kernels = prefill.step_s - sm.request_overhead_s
    op = _disaggregated(eng, arch, hardware) if setup.disaggregated else _colocated(eng, prefill)
    decode, step, rps, ttft = op.decode, op.step, op.rps, op.ttft
    tpot = step / tau
    e2e = ttft + max(out_len - 1, 0) * tpot
    out_tps = rps * out_len
    moe = arch.moe
    local = b * setup.verified_per_step / setup.pp
    experts = expected_distinct_experts(moe.n_experts, moe.k, local) if moe else None
    dollars_per_second = setup.gpus * price_mid / 3600.0 / util
    if not (math.isfinite(dollars_per_second) and dollars_per_second > 0 and util >= 0.001):
        raise InputError(
            f"price/utilization: ${price_mid:g}/GPU-hour at {util:g} utilization puts the cost out of floating-point"
            " range; give a price above $1e-300 and a utilization from 0.001 to 1"
        )
    per_input = dollars_per_second * op.prefill_share / setup.prompt
    per_output = dollars_per_second * op.decode_share / out_len
    blended = dollars_per_second / (rps * context)
    notes = _notes(eng, arch, hardware, op, experts, price_mid, util)
    values: dict[str, object] = {
        "model": arch.name,
        "hardware": hardware.name,
        "gpus": setup.gpus,
        "batch": b,
        "prompt": setup.prompt,
        "output": out_len,
        "batching": "disaggregated" if setup.disaggregated else setup.batching,
        "ttft_s": ttft,
        "tpot_s": tpot,
        "e2e_s": e2e,
        "output_tokens_per_second": out_tps,
        "output_tokens_per_second_per_gpu": out_tps / setup.gpus,
        "requests_per_second": rps,
        "decode_tokens_per_second": b / tpot,
        "tokens_per_second_per_sequence": 1.0 / tpot,
        "prefill_tokens_per_second": b * setup.prompt / max(prefill_kernels, 1e-12),
        "tokens_per_step": tau,
        "decode": decode,
        "prefill": prefill,
        "decode_bound": decode.bound,
        "compute_bound_batch": _knee(arch, hardware, setup, model) if knee else None,
        "max_batch": mem.max_batch,
        "fits": mem.fits,
        "experts_touched": experts,
        "prefill_gpus": setup.prefill_gpus,
        "decode_gpus": setup.decode_gpus,
        "kv_transfer_s": op.transfer,
        "prefill_pool_rps": op.prefill_pool_rps,
        "decode_pool_rps": op.decode_pool_rps,
        "cost_per_million_input_usd": per_input * 1e6,
        "cost_per_million_output_usd": per_output * 1e6,
        "cost_per_million_tokens_usd": blended * 1e6,
        "price_per_gpu_hour": price_mid,
        "utilization": util,
        "assumptions": notes,
    }
    # Computed values only: built without validation (the CLI then never builds this result's schema).
    return trusted(ServingEstimate, {name: values[name] for name in _SERVING_FIELDS})


_SERVING_FIELDS = tuple(ServingEstimate.model_fields)


def _notes(
    eng: Engine,
    arch: Architecture,
    hardware: Hardware,
    op: _Operating,
    experts: float | None,
    price: float,
    util: float,
) -> list[str]:
    """The assumptions line by line, as the estimate used them."""
    setup, sm = eng.setup, eng.sm
    w, b = setup.weights_dtype, setup.batch
    quant = (
        "FP8 W8A8 at the FP8 peak"
        if eng.fp8
        else (f"weight-only {w}: bf16 GEMMs + {eng.dequant:g} B/weight dequantization" if eng.dequant else f"{w} GEMMs")
    )
    mode = "disaggregated prefill/decode" if setup.disaggregated else f"{setup.batching} batching"
    notes = [
        f"per-operator iteration time (Vidur-style): GEMMs at their shapes, {quant}; HBM at"
        f" {eng.hbm / hardware.memory_bandwidth:.0%}; {sm.kernel_overhead_us:g} µs per kernel",
        f"{mode}, {b:,} sequences; weights {w}, KV cache {setup.kv_dtype}; decode context ="
        " prompt + output/2 on average",
        f"tp {setup.tp} x pp {setup.pp} = {setup.tp * setup.pp:,} GPUs; all-reduces over"
        f" {eng.tp_link.bandwidth / 1e9:.0f} GB/s per GPU + {sm.allreduce_latency_steps:g} x"
        f" {eng.tp_link.latency * 1e6:g} µs",
        f"fixed costs: {sm.iteration_overhead_s * 1e3:g} ms per iteration, {sm.request_overhead_s * 1e3:g} ms per"
        " request before its first token",
        f"cost: {price} $/GPU-hour at {util:.0%} utilization; prefill time billed to input tokens, decode to output",
    ]
    if setup.ep > 1 and eng.ep_link is not None:
        notes[2] = (
            f"tp {setup.tp} x ep {setup.ep} x pp {setup.pp} = {setup.replica_gpus:,} GPUs per replica: experts"
            f" whole on {setup.ep} GPUs, attention data-parallel over {setup.attention_dp} group(s) of tp"
            f" {setup.tp}; MoE all-to-all over {eng.ep_link.bandwidth / 1e9:.0f} GB/s per GPU"
        )
    if setup.disaggregated and op.prefill_pool_rps and op.decode_pool_rps and op.transfer is not None:
        limit = "decode" if op.decode_pool_rps < op.prefill_pool_rps else "prefill"
        r = setup.replica_gpus
        per_p = op.prefill_pool_rps / (setup.prefill_gpus or r) * r
        per_d = op.decode_pool_rps / (setup.decode_gpus or r) * r
        notes.append(
            f"disaggregated: {setup.prefill_gpus:,} prefill + {setup.decode_gpus:,} decode GPUs; pools serve"
            f" {op.prefill_pool_rps:.3g} and {op.decode_pool_rps:.3g} requests/s, the {limit} pool limits; balanced"
            f" at {per_d / per_p:.2g} prefill replicas per decode replica; KV transfer"
            f" {op.transfer * 1e3:.3g} ms per request on the TTFT"
        )
    if moe_note := _moe_note(arch, experts):
        notes.append(moe_note)
    spec = setup.speculation
    if spec is not None:
        source = {
            "draft": f"draft {spec.draft.name if spec.draft else ''} (its weights and KV cache beside the model)",
            "ngram": "n-gram prompt lookup (no GPU cost)",
            "mtp": "one MTP block + head per proposal (its weights beside the model)",
        }[spec.method]
        notes.append(
            f"speculative decoding: {spec.tokens} proposals per step from {source}, each accepted with p ="
            f" {spec.accept:g}: {setup.tokens_per_step:.3g} tokens per step (Leviathan et al. 2023 Eq. 1);"
            f" proposals take {op.decode.draft_s * 1e3:.3g} ms of each {op.decode.step_s * 1e3:.3g} ms step"
        )
        if spec.draft is not None and spec.draft.vocab_size != arch.vocab_size:
            notes.append(
                f"draft vocabulary {spec.draft.vocab_size:,} differs from the model's {arch.vocab_size:,}:"
                " speculative decoding needs a shared tokenizer"
            )
    elif setup.speculative > 1:
        notes.append(f"speculative decoding: {setup.speculative:g} tokens accepted per step; draft cost excluded")
    return notes


def _moe_note(arch: Architecture, experts: float | None) -> str | None:
    moe = arch.moe
    if moe is None or experts is None:
        return None
    return (
        f"MoE decode reads E(1-(1-k/E)^T) = {experts:.3g} of {moe.n_experts} experts per layer"
        " (uniform routing assumed)"
    )
