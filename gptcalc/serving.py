"""Inference economics: a roofline per phase, latency, throughput and cost per token.

Each step of a pipeline stage takes the slower of its compute and its memory traffic (the roofline,
Williams et al. 2009; applied to LLM inference by Pope et al. 2022, 'Efficiently Scaling Transformer
Inference', Sec. 2-3):

* compute: FLOPs / (peak x compute efficiency), FLOPs = 2 x active weights + attention (the new tokens
  attend to every cached key: 4 a d K per layer and token; Kaplan et al. 2020 Table 1);
* memory: (weights read + KV cache read) / (bandwidth x bandwidth efficiency). Decode reads the weights
  once per step for the whole batch and every sequence's KV cache; prefill reads the weights once per pass.
* tensor parallelism adds 2 all-reduces per layer per step (after attention and after the MLP), each
  ``alpha + 2 (t-1)/t x bytes / link bandwidth`` (Pope et al. 2022 Sec. 3.1; alpha a fixed latency);
* pipeline parallelism runs a token through every stage in turn (latency adds up) while pp micro-batches
  keep all stages busy (throughput); each stage boundary adds a point-to-point send.

MoE decode reads only the experts the step's tokens touch. With T tokens each choosing k of E experts
uniformly and independently, an expert is missed by one token with probability (1 - k/E), so the expected
number of distinct experts is ``E (1 - (1 - k/E)^T)`` (uniform routing is an assumption; real routers are
skewed, which touches fewer experts).

Speculative decoding is modelled as ``accepted`` tokens gained per target-model step, each step verifying
that many tokens per sequence; the draft model's own cost is left out. Costs: GPU-hours at a price,
divided by the utilization (the share of paid time the replica is serving at this batch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from gptcalc.errors import InfeasibleError, InputError
from gptcalc.flops import (
    mean_keys,
)
from gptcalc.inventory import KvCache, inventory
from gptcalc.memory import (
    DTYPE_BYTES,
    serving_memory,
    weight_bytes_per_param,
)
from gptcalc.parallel import check_layout, split_layers
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.quantities import mid
from gptcalc.specs.serving import ServingSetup


def expected_distinct_experts(n_experts: int, top_k: int, tokens: float) -> float:
    """E (1 - (1 - k/E)^T): distinct experts T tokens touch when each picks k of E uniformly."""
    if tokens <= 0:
        return 0.0
    return float(n_experts * (1.0 - (1.0 - top_k / n_experts) ** tokens))


class PhaseTime(Result):
    """One step of one pipeline stage."""

    compute_s: float
    memory_s: float
    comm_s: float
    step_s: float = Field(description="max(compute, memory) + communication.")
    bound: str = Field(description="'compute' or 'memory'.")
    flops: float = Field(description="FLOPs of the step on one GPU.")
    bytes: float = Field(description="Bytes read by the step on one GPU.")


class ServingEstimate(Result):
    """Latency, throughput and cost of one serving setup."""

    model: str
    hardware: str
    gpus: int
    batch: int
    prompt: int
    output: int
    ttft_s: float = Field(description="Time to first token: one prompt's prefill through all stages.")
    tpot_s: float = Field(description="Time per output token of one sequence (decode step through all stages).")
    e2e_s: float = Field(description="ttft + output tokens x tpot.")
    tokens_per_second: float = Field(description="Output tokens per second of the replica.")
    tokens_per_second_per_gpu: float
    tokens_per_second_per_sequence: float
    prefill_tokens_per_second: float = Field(description="Prompt tokens per second of the replica.")
    decode: PhaseTime
    prefill: PhaseTime
    decode_bound: str
    compute_bound_batch: int | None = Field(description="Smallest batch at which decode is compute-bound.")
    max_batch: int = Field(description="Largest batch whose KV cache fits (memory model).")
    fits: bool
    experts_touched: float | None = Field(description="Expected distinct experts per MoE layer per decode step.")
    cost_per_million_input_usd: float
    cost_per_million_output_usd: float
    cost_per_million_tokens_usd: float = Field(description="Blended over prompt and output tokens of a request.")
    price_per_gpu_hour: float
    utilization: float
    assumptions: list[str]


@dataclass(frozen=True)
class _Stage:
    """What one serving pipeline stage holds, reduced to the counts the roofline needs."""

    dense_layers: int
    moe_layers: int
    sliding_layers: int
    last: bool


@dataclass(frozen=True)
class _Model:
    """Matmul weights per layer kind and attention constants, read from the operator inventory (once per call).

    ``dense``: weights of a dense block; ``moe_fixed``: of an MoE block without its routed experts (attention,
    shared experts, router); ``expert``: one routed expert's.
    """

    dense: int
    moe_fixed: int
    expert: int
    head: int
    per_key: int
    window: int | None
    top_k: int
    n_experts: int
    kv: KvCache
    stages: tuple[_Stage, ...]

    @classmethod
    def of(cls, arch: Architecture, pp: int) -> _Model:
        inv = inventory(arch)
        dense = inv.kinds.get("dense")
        moe = inv.kinds.get("moe")
        stages = tuple(
            _Stage(*inv.stage_counts(layers), last=j == pp - 1)
            for j, layers in enumerate(split_layers(arch.n_layers, pp))
        )
        any_kind = dense or moe
        assert any_kind is not None  # every model has at least one layer
        return cls(
            dense=int(dense.matmul_weights()) if dense else 0,
            moe_fixed=int(moe.matmul_weights(experts=0)) if moe else 0,
            expert=int(moe.matmul_weights(experts=1) - moe.matmul_weights(experts=0)) if moe else 0,
            head=inv.head_matrix,
            per_key=any_kind.attention.flops_per_key,
            window=arch.attention.sliding_window,
            top_k=moe.require_top_k() if moe else 0,
            n_experts=moe.n_experts if moe else 0,
            kv=any_kind.attention.kv,
            stages=stages,
        )

    def weights(self, st: _Stage, experts: float) -> float:
        """Matmul weights a stage multiplies, with ``experts`` routed experts per MoE layer (+ head if last)."""
        moe_layer = self.moe_fixed + experts * self.expert
        head = self.head if st.last else 0
        return st.dense_layers * self.dense + st.moe_layers * moe_layer + head

    def keys_read(self, st: _Stage, keys: float, windowed_keys: float | None = None) -> float:
        """Layer-keys summed over the stage: ``keys`` on global layers, ``windowed_keys`` (default: at most the
        window) on sliding-window layers."""
        full = st.dense_layers + st.moe_layers - st.sliding_layers
        if windowed_keys is None:
            windowed_keys = min(keys, self.window) if self.window else keys
        return full * keys + st.sliding_layers * windowed_keys


def _allreduce(setup: ServingSetup, hardware: Hardware, nbytes: float) -> float:
    t = setup.tp
    if t == 1:
        return 0.0
    return setup.allreduce_latency_s + 2 * (t - 1) / t * nbytes / hardware.intra_node_bandwidth


def phase_time(
    model: _Model,
    arch: Architecture,
    hardware: Hardware,
    setup: ServingSetup,
    st: _Stage,
    *,
    tokens: float,
    sequences: float,
    context: float,
    experts: float | None,
    keys: float,
    windowed_keys: float | None = None,
) -> PhaseTime:
    """One step of one stage on one GPU: ``tokens`` new tokens from ``sequences`` sequences, each reading
    ``context`` cached tokens (0 in prefill) and attending to ``keys`` keys per new token."""
    per_param = weight_bytes_per_param(setup.weights_dtype)
    t = setup.tp
    used = model.top_k if experts is None else experts
    active = model.weights(st, model.top_k)
    flops = tokens * (2 * active + model.per_key * model.keys_read(st, keys, windowed_keys)) / t
    read_experts = model.n_experts if experts is None else used
    kv_layer = model.kv.values(t) * DTYPE_BYTES[setup.kv_dtype]
    nbytes = model.weights(st, read_experts) * per_param / t + sequences * kv_layer * model.keys_read(st, context)
    dtype = setup.compute_dtype or ("fp8" if setup.weights_dtype == "fp8" and "fp8" in hardware.peak_tflops else "bf16")
    compute = flops / (hardware.peak_flops(dtype) * setup.compute_efficiency)
    memory = nbytes / (hardware.memory_bandwidth * setup.bandwidth_efficiency)
    activation_bytes = tokens * arch.hidden_size * DTYPE_BYTES["bf16"]
    comm = 2 * (st.dense_layers + st.moe_layers) * _allreduce(setup, hardware, activation_bytes)
    return PhaseTime(
        compute_s=compute,
        memory_s=memory,
        comm_s=comm,
        step_s=max(compute, memory) + comm,
        bound="compute" if compute >= memory else "memory",
        flops=flops,
        bytes=nbytes,
    )


def _p2p(setup: ServingSetup, hardware: Hardware, tokens: float, arch: Architecture) -> float:
    """Stage-to-stage send of the hidden states; across nodes when a stage fills a node."""
    if setup.pp == 1:
        return 0.0
    bw = hardware.inter_node_bandwidth if setup.tp >= hardware.devices_per_node else hardware.intra_node_bandwidth
    return (setup.pp - 1) * (setup.allreduce_latency_s + tokens * arch.hidden_size * 2 / bw)


def _through_stages(
    model: _Model, arch: Architecture, hardware: Hardware, setup: ServingSetup, **step: Any
) -> tuple[float, PhaseTime]:
    """(time for one step to cross every stage, including stage-to-stage sends; the slowest stage's step)."""
    times = [phase_time(model, arch, hardware, setup, st, **step) for st in model.stages]
    slowest = max(times, key=lambda p: p.step_s)
    return sum(p.step_s for p in times) + _p2p(setup, hardware, step["tokens"], arch), slowest


def _decode(
    model: _Model, arch: Architecture, hardware: Hardware, setup: ServingSetup, batch: int
) -> tuple[float, PhaseTime, float | None]:
    """(time per decode step through all stages, the slowest stage's step, experts touched)."""
    micro = batch / setup.pp
    tokens = micro * setup.speculative
    moe = arch.moe
    experts = expected_distinct_experts(moe.n_experts, moe.k, tokens) if moe else None
    context = setup.prompt + setup.output / 2  # mean cached context over the generation
    through_all, slowest = _through_stages(
        model, arch, hardware, setup, tokens=tokens, sequences=micro, context=context, experts=experts, keys=context
    )
    # With pp micro-batches in flight a sequence advances once the slowest stage has served all pp of them.
    return max(through_all, setup.pp * slowest.step_s), slowest, experts


def _prefill(model: _Model, arch: Architecture, hardware: Hardware, setup: ServingSetup) -> tuple[float, PhaseTime]:
    """(time to prefill one request's prompt through all stages, the slowest stage's step).

    Continuous batching schedules each new prompt's prefill as it arrives, so the first token waits for
    one prompt, not for the whole batch; steady-state prefill throughput is one prompt per slowest step.
    Every expert is read once (a long prompt touches them all).
    """
    return _through_stages(
        model,
        arch,
        hardware,
        setup,
        tokens=float(setup.prompt),
        sequences=0.0,
        context=0.0,
        experts=None,
        keys=mean_keys(setup.prompt, None, causal=True),
        windowed_keys=mean_keys(setup.prompt, model.window, causal=True) if model.window else None,
    )


def compute_bound_batch(
    arch: Architecture, hardware: Hardware, setup: ServingSetup, limit: int = 1 << 20, model: _Model | None = None
) -> int | None:
    """Smallest batch at which a decode step's compute time reaches its memory time (None if never)."""
    model = model or _Model.of(arch, setup.pp)

    def compute_bound(b: int) -> bool:
        return _decode(model, arch, hardware, setup, b)[1].bound == "compute"

    hi = setup.pp
    while hi <= limit and not compute_bound(hi):
        hi *= 2
    if hi > limit:
        return None
    lo = max(hi // 2, 1)
    while lo < hi:
        mid = (lo + hi) // 2
        if compute_bound(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def estimate_serving(
    arch: Architecture, hardware: Hardware, setup: ServingSetup, *, allow_overflow: bool = False
) -> ServingEstimate:
    """Latency, throughput and cost of serving ``arch`` on ``hardware`` as ``setup`` says (module docstring).

    A batch whose KV cache does not fit raises :class:`InfeasibleError` naming the largest that does,
    unless ``allow_overflow`` (then ``fits`` is False and the roofline is still computed).
    """
    if setup.weights_dtype not in DTYPE_BYTES or setup.kv_dtype not in DTYPE_BYTES:
        bad = setup.weights_dtype if setup.weights_dtype not in DTYPE_BYTES else setup.kv_dtype
        raise InputError(f"dtype: unknown {bad!r}; allowed: {', '.join(DTYPE_BYTES)}")
    check_layout(arch, tp=setup.tp)
    split_layers(arch.n_layers, setup.pp)
    if setup.batch < setup.pp:
        raise InputError(f"batch: {setup.batch} is smaller than pp ({setup.pp}); each stage needs a micro-batch")
    price = setup.price_per_gpu_hour if setup.price_per_gpu_hour is not None else hardware.price_per_hour
    price_mid = mid(price)
    util = mid(setup.utilization)
    context = setup.prompt + setup.output
    mem = serving_memory(
        arch,
        hardware,
        batch=setup.batch,
        context=context,
        weights_dtype=setup.weights_dtype,
        kv_dtype=setup.kv_dtype,
        tp=setup.tp,
        pp=setup.pp,
    )
    if not mem.fits and not allow_overflow:
        raise InfeasibleError(
            f"batch: {setup.batch} sequences of {context} tokens do not fit on {setup.gpus} x {hardware.name}"
            f" with {setup.weights_dtype} weights; the largest batch that fits is {mem.max_batch}"
        )
    model = _Model.of(arch, setup.pp)
    step, decode, experts = _decode(model, arch, hardware, setup, setup.batch)
    ttft, prefill = _prefill(model, arch, hardware, setup)
    tpot = step / setup.speculative
    tps = setup.batch / tpot
    prefill_tps = setup.prompt / prefill.step_s
    dollars_per_second = setup.gpus * price_mid / 3600.0 / util
    # GPU time is charged to the phase that uses it: prefill to prompt tokens, decode to output tokens.
    per_input = dollars_per_second / prefill_tps
    per_output = dollars_per_second / tps
    blended = (per_input * setup.prompt + per_output * setup.output) / context
    moe = arch.moe
    notes = [
        f"roofline: step = max(FLOPs / (peak x {setup.compute_efficiency}), bytes / (bandwidth x"
        f" {setup.bandwidth_efficiency})) + {2} all-reduces per layer (latency {setup.allreduce_latency_s * 1e6:g} µs)",
        f"weights {setup.weights_dtype}, KV cache {setup.kv_dtype}; decode context = prompt + output/2 on average",
        f"tp {setup.tp} x pp {setup.pp} = {setup.gpus} GPUs, {setup.batch} sequences ({setup.batch / setup.pp:g} per"
        " pipeline micro-batch)",
        f"cost: {price_mid} $/GPU-hour at {util:.0%} utilization; prefill time billed to input tokens,"
        " decode to output",
    ]
    if moe is not None:
        notes.append(
            f"MoE decode reads E(1-(1-k/E)^T) = {experts:.3g} of {moe.n_experts} experts per layer"
            " (uniform routing assumed)"
        )
    if setup.speculative > 1:
        notes.append(f"speculative decoding: {setup.speculative:g} tokens accepted per step; draft cost excluded")
    return ServingEstimate(
        model=arch.name,
        hardware=hardware.name,
        gpus=setup.gpus,
        batch=setup.batch,
        prompt=setup.prompt,
        output=setup.output,
        ttft_s=ttft,
        tpot_s=tpot,
        e2e_s=ttft + setup.output * tpot,
        tokens_per_second=tps,
        tokens_per_second_per_gpu=tps / setup.gpus,
        tokens_per_second_per_sequence=1.0 / tpot,
        prefill_tokens_per_second=prefill_tps,
        decode=decode,
        prefill=prefill,
        decode_bound=decode.bound,
        compute_bound_batch=compute_bound_batch(arch, hardware, setup, model=model),
        max_batch=mem.max_batch,
        fits=mem.fits,
        experts_touched=experts,
        cost_per_million_input_usd=per_input * 1e6,
        cost_per_million_output_usd=per_output * 1e6,
        cost_per_million_tokens_usd=blended * 1e6,
        price_per_gpu_hour=price_mid,
        utilization=util,
        assumptions=notes,
    )


def batch_grid(low: float, high: float, pp: int = 1) -> list[int]:
    """Batches for a sweep: powers of two from max(low, pp) up to high, and high itself (1 to 2^20)."""
    if low < 1 or high > 1 << 20:
        raise InputError(f"--sweep-batch: batches from 1 to {1 << 20}, got {low:g}..{high:g}")
    batches, b = [], max(int(low), pp)
    while b <= high:
        batches.append(b)
        b *= 2
    if not batches or batches[-1] != int(high):
        batches.append(int(high))
    return batches


def gpus_for_throughput(estimate: ServingEstimate, target_tokens_per_second: float) -> int:
    """Replicas (rounded up) times GPUs per replica needed for ``target`` output tokens per second."""
    if target_tokens_per_second <= 0:
        raise InputError(f"target tokens/s: must be > 0, got {target_tokens_per_second}")
    return math.ceil(target_tokens_per_second / estimate.tokens_per_second) * estimate.gpus


def claimed_cost(estimate: ServingEstimate, basis: str) -> float:
    """USD per 1k tokens on a basis: blended (prompt and output), output or input."""
    per_million = {
        "blended": estimate.cost_per_million_tokens_usd,
        "output": estimate.cost_per_million_output_usd,
        "input": estimate.cost_per_million_input_usd,
    }
    if basis not in per_million:
        raise InputError(f"basis: unknown {basis!r}; allowed: {', '.join(per_million)}")
    return per_million[basis] / 1000.0


class ImpliedByCost(Result):
    """What a claimed price per 1k tokens implies for a serving setup."""

    claim_per_1k_usd: float
    basis: str
    at_full_utilization_per_1k_usd: float = Field(description="This setup's cost at 100% utilization.")
    implied_utilization: float = Field(description="Full-utilization cost / claim (> 1: cheaper than possible here).")
    batch_for_claim: int | None = Field(description="Smallest batch reaching the claim at 100% utilization.")
    batch_for_claim_fits: bool | None = Field(description="Whether that batch's KV cache fits the replica.")
    max_batch: int


def implied_by_cost(
    arch: Architecture,
    hardware: Hardware,
    setup: ServingSetup,
    claim_per_1k: float,
    basis: str = "blended",
    limit: int = 1 << 16,
) -> ImpliedByCost:
    """The utilization a claimed cost implies at this batch, and the batch it implies at 100% utilization.

    Cost per token falls as the batch grows (the weights are read once per step for more sequences), so a
    doubling search then bisection finds the smallest batch whose full-utilization cost meets the claim;
    batches beyond memory are evaluated on the roofline alone and flagged.
    """
    if claim_per_1k <= 0:
        raise InputError(f"claim: cost per 1k tokens must be > 0, got {claim_per_1k}")
    full = setup.model_copy(update={"utilization": 1.0})
    here = estimate_serving(arch, hardware, full, allow_overflow=True)
    cost_here = claimed_cost(here, basis)

    def cost(batch: int) -> float:
        return claimed_cost(
            estimate_serving(arch, hardware, full.model_copy(update={"batch": batch}), allow_overflow=True), basis
        )

    found: int | None = None
    b = setup.pp
    while b <= limit:
        if cost(b) <= claim_per_1k:
            lo, hi = max(b // 2, setup.pp), b
            while lo < hi:
                mid = (lo + hi) // 2
                if cost(mid) <= claim_per_1k:
                    hi = mid
                else:
                    lo = mid + 1
            found = lo
            break
        b *= 2
    return ImpliedByCost(
        claim_per_1k_usd=claim_per_1k,
        basis=basis,
        at_full_utilization_per_1k_usd=cost_here,
        implied_utilization=cost_here / claim_per_1k,
        batch_for_claim=found,
        batch_for_claim_fits=None if found is None else found <= here.max_batch,
        max_batch=here.max_batch,
    )
