"""Parallel layouts (tensor, pipeline, expert, data parallelism, ZeRO, recomputation) and their validity.

GPU count = tp x cp x pp x dp. Expert parallelism folds over the tp x cp x dp ranks of a stage (Megatron-Core),
so ep x expert_tp divides them; experts are split ep ways and each expert's matrices expert_tp ways.
"""

from __future__ import annotations

import math
from functools import lru_cache

from gptcalc.errors import LayoutError
from gptcalc.specs.arch import Architecture, LatentAttention
from gptcalc.specs.layout import TrainLayout


def check_layout(
    arch: Architecture,
    layout: TrainLayout | None = None,
    *,
    tp: int = 1,
    pp: int = 1,
    ep: int = 1,
    dp: int | None = None,
    seq_len: int | None = None,
) -> None:
    """Raise :class:`LayoutError` when the degrees do not divide the model the way frameworks require.

    Training needs pp to divide the layers unless ``layout.pp_layers`` lists an uneven split that sums to them;
    cp must divide the sequence (into 2 cp chunks for causal load balancing, as Megatron-Core does); ep x
    expert_tp must divide the tp x cp x dp ranks of a stage and ep the experts.
    """
    cp, etp = 1, tp
    pp_layers = None
    if layout is not None:
        tp, pp, ep, dp, cp, etp, pp_layers = (
            layout.tp,
            layout.pp,
            layout.ep,
            layout.dp,
            layout.cp,
            layout.etp,
            layout.pp_layers,
        )
    att = arch.attention
    heads = att.n_heads
    if heads % tp:
        raise LayoutError(f"tp: {tp} does not divide the {heads} attention heads; allowed: {divisors(heads, 64)}")
    ga = arch.global_attention  # Gemma 4's full-attention layers have their own key/value heads
    if ga is not None and ga.kv_heads % tp and tp % ga.kv_heads:
        ok = [d for d in divisors(heads, 64) if ga.kv_heads % d == 0 or d % ga.kv_heads == 0]
        raise LayoutError(
            f"tp: {tp} neither divides the {ga.kv_heads} key/value heads of the full-attention layers nor is a"
            f" multiple of them; allowed: {ok}"
        )
    if not isinstance(att, LatentAttention) and att.kv_heads % tp and tp % att.kv_heads:
        raise LayoutError(
            f"tp: {tp} neither divides the {att.kv_heads} key/value heads nor is a multiple of them;"
            f" allowed: {[d for d in divisors(heads, 64) if att.kv_heads % d == 0 or d % att.kv_heads == 0]}"
        )
    if pp_layers is not None:
        if len(pp_layers) != pp or sum(pp_layers) != arch.n_layers:
            raise LayoutError(
                f"pp_layers: {len(pp_layers)} stages holding {sum(pp_layers)} layers; give pp ({pp}) counts that"
                f" sum to the {arch.n_layers} layers"
            )
    elif arch.n_layers % pp:
        raise LayoutError(
            f"pp: {pp} does not divide the {arch.n_layers} layers; allowed: {divisors(arch.n_layers)},"
            " or give the uneven split with --pp-layers"
        )
    if seq_len is not None and cp > 1 and seq_len % (2 * cp):
        raise LayoutError(
            f"cp: {cp} does not split the {seq_len}-token sequence into 2 x cp equal chunks;"
            f" allowed: {[c for c in divisors(seq_len, 64) if seq_len % (2 * c) == 0][:12]}"
        )
    if layout is not None and layout.virtual_stages > 1:
        v = layout.virtual_stages
        per_stage = list(pp_layers) if pp_layers is not None else [arch.n_layers // pp] * pp
        if pp == 1:
            raise LayoutError(f"virtual_stages: {v} interleaved chunks need pipeline parallelism (pp > 1); use 1")
        uneven = [n for n in per_stage if n % v]
        if uneven:
            raise LayoutError(
                f"virtual_stages: {v} does not divide the {uneven[0]} layers of a pipeline stage"
                f" (Megatron-LM's interleaved schedule); allowed: {divisors(min(per_stage))}"
            )
    if ep > 1 or etp != tp:
        if arch.moe is None:
            raise LayoutError("ep: expert parallelism needs an MoE model; use ep=1")
        if arch.moe.n_experts % ep:
            raise LayoutError(
                f"ep: {ep} does not divide the {arch.moe.n_experts} experts; allowed: {divisors(arch.moe.n_experts)}"
            )
        if dp is not None:
            ranks = tp * cp * dp
            if ranks % (ep * etp):
                raise LayoutError(
                    f"ep: ep x expert_tp = {ep} x {etp} must divide the tp x cp x dp = {ranks} ranks of a stage;"
                    f" allowed ep: {[e for e in divisors(arch.moe.n_experts) if ranks % (e * etp) == 0]}"
                )


def divisors(n: int, limit: int | None = None) -> list[int]:
    """Divisors of n in increasing order (at most ``limit`` of them)."""
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]  # pairs d, n / d: O(sqrt n)
    out = small + [n // d for d in reversed(small) if d * d != n]
    return out[:limit] if limit else out


def serving_degrees(gpus: int | None, tp: int | None, pp: int | None, devices_per_node: int) -> tuple[int, int]:
    """(tp, pp) of a serving replica from whichever of GPUs, tp, pp are given.

    Neither degree given: tp is the largest divisor of the GPU count within a node (tensor parallelism needs the
    fast intra-node links), pp the rest; one given: the other fills the GPU count (1 without one).
    """
    if tp is None and pp is None:
        n = gpus or 1
        tp = min(n, devices_per_node)
        while n % tp:
            tp -= 1
        pp = n // tp
    elif tp is None:
        assert pp is not None
        tp = (gpus // pp) if gpus else 1
    elif pp is None:
        pp = (gpus // tp) if gpus else 1
    if gpus is not None and tp * pp != gpus:
        raise LayoutError(f"--gpus: {gpus} is not tp x pp = {tp} x {pp}")
    return tp, pp


def stage_layers(arch: Architecture, layout: TrainLayout) -> tuple[range, ...]:
    """The layers of each training pipeline stage: the layout's uneven split, or :func:`split_layers`."""
    if layout.pp_layers is None:
        return split_layers(arch.n_layers, layout.pp)
    out, start = [], 0
    for size in layout.pp_layers:
        out.append(range(start, start + size))
        start += size
    return tuple(out)


@lru_cache(maxsize=256)
def split_layers(n_layers: int, pp: int) -> tuple[range, ...]:
    """Layers of each of ``pp`` pipeline stages: contiguous, as even as possible, earlier stages one more.

    Training frameworks here need pp to divide the layers (then every stage holds n_layers / pp); serving
    engines (vLLM, TensorRT-LLM) accept any stage count, so the leak's 16 stages over 120 layers hold 8 or 7.
    """
    if pp > n_layers:
        raise LayoutError(f"pp: {pp} stages exceed the {n_layers} layers; allowed: 1 to {n_layers}")
    base, extra = divmod(n_layers, pp)
    out, start = [], 0
    for j in range(pp):
        size = base + (1 if j < extra else 0)
        out.append(range(start, start + size))
        start += size
    return tuple(out)
