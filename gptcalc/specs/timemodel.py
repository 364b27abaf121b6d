"""The constants of the training time model, each with a physical meaning, and where its value comes from.

The values are fitted on named calibration rows (``gptcalc calibrate`` shows the fit and the error table;
README "Predicted step time"). Each can be overridden per call (``--set``-style) to ask what-ifs such as "what
if large GEMMs reached 85% of peak".
"""

from __future__ import annotations

from pydantic import Field

from gptcalc.specs.base import Fraction, NonNegFloat, PosFloat, Spec


class TimeModel(Spec):
    """Efficiencies, latencies and overheads the per-operator step time uses."""

    gemm_efficiency: Fraction = Field(
        default=0.83,
        description="Share of the best-case GEMM rate (the hardware's measured matmul_efficiency x peak, e.g."
        " 0.87 on A100 and 0.80 on H100 SXM; Bekman, ml-engineering 'Maximum Achievable Matmul FLOPS') that a"
        " training step's GEMMs sustain (power capping, sub-optimal layouts, interleaved kernels). Fitted on the"
        " Megatron-LM rows (A1a, A2a) and llm-foundry rows (A7f).",
    )
    matmul_fraction: Fraction | None = Field(
        default=None,
        ge=0.001,
        description="What-if: every large GEMM at this fraction of the dense peak, replacing the hardware's best case"
        " x the achieved share (gptcalc step/memory --matmul-efficiency).",
    )
    best_case_gemm: Fraction = Field(
        default=0.85,
        description="Best-case large-GEMM fraction of peak assumed for hardware without a measured matmul_efficiency.",
    )
    fp8_gemm_efficiency: Fraction = Field(
        default=0.60,
        description="The same for FP8 GEMMs, as a fraction of the FP8 peak (Transformer Engine on H100 reaches"
        " ~1.2-1.4 of 1.98 PFLOP/s on large shapes). Fitted on the NeMo FP8 rows (A7c).",
    )
    flash_efficiency: Fraction = Field(
        default=0.6,
        description="Share of the best-case fused-attention rate (the hardware's measured attention_efficiency x"
        " bf16 peak: FlashAttention-2 reaches ~55% on A100 and ~30% on H100 over forward and backward; Dao 2023,"
        " Shah et al. 2024) that training sustains (head widths of 64, variable lengths, masks). Fitted on the"
        " llm-foundry sequence-length sweeps (A7f, 512 to 65,536 tokens).",
    )
    best_case_attention: Fraction = Field(
        default=0.5,
        description="Best-case fused-attention fraction of the bf16 peak assumed for hardware without a measured"
        " attention_efficiency.",
    )
    bandwidth_efficiency: Fraction = Field(
        default=0.75,
        description="Fraction of HBM bandwidth memory-bound kernels (norms, activations, softmax, optimizer)"
        " reach (STREAM-like copies reach ~80-90% on A100/H100).",
    )
    kernel_overhead_us: NonNegFloat = Field(
        default=4.0,
        description="Fixed cost of one kernel (launch, tail, synchronisation), microseconds; dominates small models.",
    )
    step_overhead_s: NonNegFloat = Field(
        default=0.02,
        description="Fixed cost of one optimizer step outside the kernels (data loading, gradient clipping and"
        " norm all-reduce, logging, Python), seconds.",
    )
    comm_overlap: NonNegFloat = Field(
        default=0.8,
        le=1,
        description="Share of the data-parallel (and FSDP) communication window that overlapping actually"
        " hides: the reduction overlaps the backward of the last micro-batch, the FSDP all-gathers overlap"
        " the compute they prefetch for.",
    )
    collective_efficiency: Fraction = Field(
        default=0.8,
        description="Fraction of the link bandwidth a ring collective achieves (nccl-tests bus bandwidth over the"
        " datasheet figure: ~0.75-0.9 on NVLink and InfiniBand).",
    )
    goodput: Fraction = Field(
        default=0.9,
        description="Share of a whole run's wall time spent on useful steps (restarts, checkpoints, failures and"
        " hangs take the rest; Llama 3: >90% effective training time; Meta OPT and BLOOM logs lower).",
    )
    fp8_cast_bytes: PosFloat = Field(
        default=3.0,
        description="Bytes moved per activation element to cast a GEMM input to FP8 (read 2, write 1) with its"
        " amax (Transformer Engine).",
    )
