"""Training layout: how one job is split over GPUs (tensor, pipeline, expert, data parallelism), what each
GPU keeps (ZeRO stage, recomputation) and in which number format it trains.

GPU count = tp x cp x pp x dp (Megatron-Core's order, tensor parallelism innermost, pipeline outermost).
Expert parallelism folds over the tp x cp x dp ranks of a stage as Megatron-Core does: experts split ep ways and
each expert's matrices expert_tp ways, with ep x expert_tp dividing tp x cp x dp (so ep may exceed dp).
Validity against a model is checked by :func:`gptcalc.parallel.check_layout`.
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
    cp: PosInt = Field(
        default=1, description="Context-parallel degree: the sequence split over cp ranks (ring attention)."
    )
    ep: PosInt = Field(default=1, description="Expert-parallel degree (ep x expert_tp divides tp x cp x dp).")
    expert_tp: PosInt | None = Field(default=None, description="Tensor parallelism inside each expert; None: tp.")
    pp_layers: tuple[PosInt, ...] | None = Field(
        default=None,
        description="Layers of each pipeline stage (uneven splits, e.g. Llama 3 405B's 126 layers on 16 stages);"
        " None: as even as possible, earlier stages one more.",
    )
    zero: NonNegInt = Field(default=1, le=3, description="ZeRO stage 0-3 across data parallelism (3 = FSDP).")
    recompute: RecomputeMode = Field(default=DEFAULT_RECOMPUTE, description="Activation recomputation.")
    sequence_parallel: bool = Field(default=True, description="Megatron sequence parallelism (with tp > 1).")
    micro_batch: PosInt = Field(default=1, description="Sequences per micro-batch (b).")
    virtual_stages: PosInt = Field(default=1, description="Interleaved pipeline chunks per GPU (v).")
    precision: Precision = Field(default=DEFAULT_DTYPE, description="Training number format (mixed precision).")
    optimizer: Optimizer = Field(default=DEFAULT_OPTIMIZER, description="adam, adam8bit, sgd (with momentum).")
    grad_dtype: Literal["bf16", "fp16", "fp32"] | None = Field(
        default=None,
        description="Gradient (accumulation) format; None: the training format. Megatron-LM accumulates and reduces"
        " fp32 main gradients: 2 + 4 + 12 = 18 bytes a parameter with Adam.",
    )
    grad_accumulation: Literal["fused", "add", "cast-add"] = Field(
        default="fused",
        description="How each micro-batch's weight gradients join the accumulated ones: 'fused' into the"
        " weight-gradient GEMM's output (Megatron-LM's gradient_accumulation_fusion, 2022 on; nothing extra),"
        " 'add' one in-place add per micro-batch over the stage's parameters (PyTorch autograd's .grad"
        " accumulation; Megatron-LM 2021's main_grad.add_ hook), 'cast-add' a cast to an fp32 temporary and then"
        " the add (DeepSpeed's BF16_Optimizer.update_hp_grads, as BLOOM 176B trained).",
    )
    master_weights: bool = Field(
        default=True,
        description="Keep an fp32 master copy of the weights (mixed precision); False: pure bf16 training"
        " (llm-foundry's PURE mode).",
    )
    attention: AttentionImpl = Field(
        default=DEFAULT_ATTENTION_KERNEL,
        description="flash keeps no s^2 scores; eager stores them (Korthikanti et al.).",
    )
    overlap_tp: bool = Field(
        default=False,
        description="Tensor-parallel communication overlapped with the GEMMs (Transformer Engine userbuffers, as"
        " NeMo's performance configs enable); False: exposed, Megatron-LM's default.",
    )
    overlap_dp: bool = Field(
        default=True,
        description="Data-parallel reduction and ZeRO-3/FSDP gathers overlapped with compute (bucketed reduce,"
        " prefetch); False: after it (DeepSpeed's 2021 ZeRO-3).",
    )
    zero3_unit: Literal["block", "tensor"] = Field(
        default="block",
        description="What ZeRO-3 gathers at a time: a transformer block (PyTorch FSDP's auto-wrap) or each"
        " parameter tensor (DeepSpeed ZeRO-3): one collective per unit, each paying its ring latency.",
    )
    overlap_ep: bool = Field(
        default=False,
        description="Expert all-to-alls overlapped with compute (DeepSeek-V3's DualPipe, Megatron-Core's"
        " --overlap-moe-expert-parallel-comm); False: exposed.",
    )
    dropout: bool = Field(default=False, description="Dropout masks stored (GPT-3 era models; modern LLMs: no).")
    capacity_factor: float = Field(
        default=DEFAULT_CAPACITY_FACTOR, gt=0, le=1024, description="MoE expert capacity factor (c), at most 1,024."
    )

    @property
    def gpus(self) -> int:
        return self.tp * self.cp * self.pp * self.dp

    @property
    def etp(self) -> int:
        """Tensor parallelism inside each expert."""
        return self.expert_tp or self.tp

    @property
    def expert_dp(self) -> int:
        """Replicas of each expert shard: the tp x cp x dp ranks of a stage over ep x expert_tp."""
        return max(self.tp * self.cp * self.dp // (self.ep * self.etp), 1)

    @property
    def default_global_batch(self) -> int:
        """Sequences per step when none is given: 8 micro-batches per pipeline (at least pp), on every replica."""
        return self.dp * self.micro_batch * max(8, self.pp)

    @property
    def sp(self) -> bool:
        return self.sequence_parallel and self.tp > 1
