"""Parallel layouts (tensor, pipeline, expert, data parallelism, ZeRO, recomputation) and their validity.

GPU count = tp x pp x dp. Expert parallelism reuses data-parallel ranks (as Megatron-Core does), so ep must
divide dp; experts are split ep ways and each expert's matrices tp ways (expert tensor parallelism = tp).
"""

from __future__ import annotations

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
) -> None:
    """Raise :class:`LayoutError` when the degrees do not divide the model the way frameworks require."""
    if layout is not None:
        tp, pp, ep, dp = layout.tp, layout.pp, layout.ep, layout.dp
    att = arch.attention
    heads = att.n_heads
    if heads % tp:
        raise LayoutError(f"tp: {tp} does not divide the {heads} attention heads; allowed: {divisors(heads, 64)}")
    if not isinstance(att, LatentAttention) and att.kv_heads % tp and tp % att.kv_heads:
        raise LayoutError(
            f"tp: {tp} neither divides the {att.kv_heads} key/value heads nor is a multiple of them;"
            f" allowed: {[d for d in divisors(heads, 64) if att.kv_heads % d == 0 or d % att.kv_heads == 0]}"
        )
    if arch.n_layers % pp:
        raise LayoutError(f"pp: {pp} does not divide the {arch.n_layers} layers; allowed: {divisors(arch.n_layers)}")
    if ep > 1:
        if arch.moe is None:
            raise LayoutError("ep: expert parallelism needs an MoE model; use ep=1")
        if arch.moe.n_experts % ep:
            raise LayoutError(
                f"ep: {ep} does not divide the {arch.moe.n_experts} experts; allowed: {divisors(arch.moe.n_experts)}"
            )
        if dp is not None and dp % ep:
            raise LayoutError(f"ep: {ep} must divide dp ({dp}); expert parallelism reuses data-parallel ranks")


def divisors(n: int, limit: int | None = None) -> list[int]:
    """Divisors of n in increasing order (at most ``limit`` of them)."""
    out = [d for d in range(1, n + 1) if n % d == 0]
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


def split_layers(n_layers: int, pp: int) -> list[range]:
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
    return out
