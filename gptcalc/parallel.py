"""Parallel layouts (tensor, pipeline, expert, data parallelism, ZeRO, recomputation) and their validity.

GPU count = tp x pp x dp. Expert parallelism reuses data-parallel ranks (as Megatron-Core does), so ep must
divide dp; experts are split ep ways and each expert's matrices tp ways (expert tensor parallelism = tp).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gptcalc.arch import Architecture, LatentAttention
from gptcalc.errors import LayoutError
from gptcalc.specbase import NonNegInt, PosInt, Spec

Recompute = Literal["none", "selective", "full"]
Optimizer = Literal["adam", "adam8bit", "sgd"]
Precision = Literal["bf16", "fp16", "fp8", "fp32"]
AttentionImpl = Literal["flash", "eager"]


class TrainLayout(Spec):
    """How one training job is split over GPUs, and what each GPU keeps."""

    tp: PosInt = Field(default=1, description="Tensor-parallel degree (within a node).")
    pp: PosInt = Field(default=1, description="Pipeline-parallel stages.")
    dp: PosInt = Field(default=1, description="Data-parallel replicas.")
    ep: PosInt = Field(default=1, description="Expert-parallel degree (divides dp).")
    zero: NonNegInt = Field(default=1, le=3, description="ZeRO stage 0-3 across data parallelism (3 = FSDP).")
    recompute: Recompute = Field(default="selective", description="Activation recomputation.")
    sequence_parallel: bool = Field(default=True, description="Megatron sequence parallelism (with tp > 1).")
    micro_batch: PosInt = Field(default=1, description="Sequences per micro-batch (b).")
    virtual_stages: PosInt = Field(default=1, description="Interleaved pipeline chunks per GPU (v).")
    precision: Precision = Field(default="bf16", description="Training number format (mixed precision).")
    optimizer: Optimizer = Field(default="adam", description="adam, adam8bit, sgd (with momentum).")
    attention: AttentionImpl = Field(
        default="flash", description="flash keeps no s^2 scores; eager stores them (Korthikanti et al.)."
    )
    dropout: bool = Field(default=False, description="Dropout masks stored (GPT-3 era models; modern LLMs: no).")
    capacity_factor: float = Field(default=1.25, gt=0, description="MoE expert capacity factor (c).")

    @property
    def gpus(self) -> int:
        return self.tp * self.pp * self.dp

    @property
    def sp(self) -> bool:
        return self.sequence_parallel and self.tp > 1


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
