"""Training layout: how one job is split over GPUs (tensor, pipeline, expert, data parallelism), what each
GPU keeps (ZeRO stage, recomputation) and in which number format it trains.

GPU count = tp x pp x dp. Expert parallelism reuses data-parallel ranks (as Megatron-Core does), so ep divides
dp; experts are split ep ways and each expert's matrices tp ways. Validity against a model is checked by
:func:`gptcalc.parallel.check_layout`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gptcalc.specs.base import NonNegInt, PosInt, Spec
from gptcalc.specs.conventions import RecomputeMode
from gptcalc.specs.defaults import (
    DEFAULT_ATTENTION_KERNEL,
    DEFAULT_CAPACITY_FACTOR,
    DEFAULT_DTYPE,
    DEFAULT_OPTIMIZER,
    DEFAULT_RECOMPUTE,
)

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
    recompute: RecomputeMode = Field(default=DEFAULT_RECOMPUTE, description="Activation recomputation.")
    sequence_parallel: bool = Field(default=True, description="Megatron sequence parallelism (with tp > 1).")
    micro_batch: PosInt = Field(default=1, description="Sequences per micro-batch (b).")
    virtual_stages: PosInt = Field(default=1, description="Interleaved pipeline chunks per GPU (v).")
    precision: Precision = Field(default=DEFAULT_DTYPE, description="Training number format (mixed precision).")
    optimizer: Optimizer = Field(default=DEFAULT_OPTIMIZER, description="adam, adam8bit, sgd (with momentum).")
    attention: AttentionImpl = Field(
        default=DEFAULT_ATTENTION_KERNEL,
        description="flash keeps no s^2 scores; eager stores them (Korthikanti et al.).",
    )
    dropout: bool = Field(default=False, description="Dropout masks stored (GPT-3 era models; modern LLMs: no).")
    capacity_factor: float = Field(default=DEFAULT_CAPACITY_FACTOR, gt=0, description="MoE expert capacity factor (c).")

    @property
    def gpus(self) -> int:
        return self.tp * self.pp * self.dp

    @property
    def default_global_batch(self) -> int:
        """Sequences per step when none is given: 8 micro-batches per pipeline (at least pp), on every replica."""
        return self.dp * self.micro_batch * max(8, self.pp)

    @property
    def sp(self) -> bool:
        return self.sequence_parallel and self.tp > 1
