"""Serving setup: one replica (tp x pp GPUs), its traffic, number formats, efficiencies and prices."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gptcalc.specs.base import PosInt, Spec
from gptcalc.specs.defaults import DEFAULT_DTYPE
from gptcalc.specs.hardware import Dtype
from gptcalc.specs.quantities import FractionValue, PosValue

WeightDtype = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4"]
"""Number formats weights and the KV cache are stored in (int4 with group scales, GPTQ/AWQ style)."""
DEFAULT_COMPUTE_EFFICIENCY = 0.6
DEFAULT_BANDWIDTH_EFFICIENCY = 0.8
DEFAULT_ALLREDUCE_LATENCY_S = 10e-6


class ServingSetup(Spec):
    """One serving replica (tp x pp GPUs) and its traffic."""

    tp: PosInt = Field(default=1, description="Tensor-parallel degree.")
    pp: PosInt = Field(default=1, description="Pipeline stages (may split the layers unevenly).")
    batch: PosInt = Field(default=1, description="Concurrent sequences in the replica.")
    prompt: PosInt = Field(default=2048, description="Prompt (input) tokens per request.")
    output: PosInt = Field(default=512, description="Generated (output) tokens per request.")
    weights_dtype: WeightDtype = Field(default=DEFAULT_DTYPE, description="Number format of the weights.")
    kv_dtype: WeightDtype = Field(default=DEFAULT_DTYPE, description="KV-cache number format.")
    compute_dtype: Dtype | None = Field(
        default=None, description="Tensor-core format for the matmuls; None: bf16, or fp8 for fp8 weights."
    )
    compute_efficiency: float = Field(
        default=DEFAULT_COMPUTE_EFFICIENCY, ge=0.001, le=1, description="Achievable fraction of peak FLOP/s."
    )
    bandwidth_efficiency: float = Field(
        default=DEFAULT_BANDWIDTH_EFFICIENCY, ge=0.001, le=1, description="Achievable fraction of memory bandwidth."
    )
    allreduce_latency_s: float = Field(
        default=DEFAULT_ALLREDUCE_LATENCY_S, ge=0, description="Fixed latency of one tensor-parallel all-reduce."
    )
    speculative: float = Field(default=1.0, ge=1, le=64, description="Tokens accepted per decoding step (1 = none).")
    price_per_gpu_hour: PosValue | None = Field(default=None, description="USD per GPU-hour; None: hardware's.")
    utilization: FractionValue = Field(default=1.0, description="Share of paid GPU time spent serving.")

    @property
    def gpus(self) -> int:
        return self.tp * self.pp
