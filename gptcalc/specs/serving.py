"""Serving setup: one replica (tp x pp GPUs), its traffic, number formats and prices; and the serving time
model's constants, each with a physical meaning and the calibration rows it was fitted on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Fraction, NonNegFloat, PosFloat, PosInt, Spec
from gptcalc.specs.defaults import DEFAULT_DTYPE
from gptcalc.specs.hardware import Dtype
from gptcalc.specs.quantities import FractionValue, PosValue

WeightDtype = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4"]
"""Number formats weights and the KV cache are stored in (int4 with group scales, GPTQ/AWQ style)."""
Batching = Literal["static", "continuous"]
"""static: a batch prefills together, then decodes together until every sequence is done (TensorRT-LLM 0.9
'static batching'); continuous: in-flight batching, new requests' prompts are chunked into the running decode
iterations (Orca, Yu et al. 2022; Sarathi-Serve, Agrawal et al. 2024)."""


SpeculationMethod = Literal["draft", "ngram", "mtp"]
"""draft: a smaller model proposes tokens (Leviathan et al. 2023; Chen et al. 2023); ngram: prompt lookup, the
proposals are copied from the context at no GPU cost (Saxena 2023); mtp: the model's own multi-token-prediction
module, one extra decoder block per proposed token (DeepSeek-AI 2024, DeepSeek-V3 Sec. 2.2)."""


class Speculation(Spec):
    """Speculative decoding: ``tokens`` proposals per step, each accepted with probability ``accept``.

    A step verifies the proposals in one target iteration of ``tokens + 1`` positions per sequence and yields
    ``(1 - accept^(tokens+1)) / (1 - accept)`` tokens on average (Leviathan et al. 2023, Eq. 1: acceptances
    i.i.d., the first rejection ends the step, the target's own token is always kept)."""

    DEFAULTS_VALID = False

    method: SpeculationMethod = Field(default="draft", description="Where the proposals come from.")
    draft: Architecture | None = Field(default=None, description="The draft model (method 'draft' only).")
    accept: float = Field(
        default=0.7,
        gt=0,
        lt=1,
        description="Probability that one proposed token is accepted (alpha; 0.6-0.8 for a same-family draft on"
        " chat and code, Leviathan et al. 2023 Table 3, Chen et al. 2023).",
    )
    tokens: int = Field(default=4, ge=1, le=32, description="Proposed tokens per step (gamma).")

    @model_validator(mode="after")
    def _draft_iff_method(self) -> Speculation:
        if (self.method == "draft") != (self.draft is not None):
            raise ValueError(
                "draft: a draft model is needed with method 'draft' and only then"
                f" (method {self.method!r}, draft {'given' if self.draft else 'missing'})"
            )
        return self

    @property
    def tokens_per_step(self) -> float:
        """Expected tokens one step yields (Leviathan et al. 2023, Eq. 1)."""
        a, g = self.accept, self.tokens
        return (1.0 - a ** (g + 1)) / (1.0 - a)


class ServingModel(Spec):
    """Efficiencies, latencies and overheads of the per-iteration serving time (:mod:`gptcalc.serving`).

    Rows named below are those of ``gptcalc/data/calibration_serving.json`` (``gptcalc calibrate --kind
    serving``): B2a TensorRT-LLM 0.9 static-batching throughput, B2b TensorRT-LLM 0.9 batch-1 TTFT, B3a
    gpt-fast batch-1 decode.
    """

    gemm_efficiency: Fraction = Field(
        default=0.83,
        description="Share of the best-case bf16/fp16 GEMM rate (the hardware's measured matmul_efficiency x peak)"
        " that prefill GEMMs sustain; the training model's value (TimeModel.gemm_efficiency), checked on the"
        " A100 FP16 2,048-token TTFT rows (B2b).",
    )
    fp8_gemm_efficiency: Fraction = Field(
        default=0.65,
        description="Fraction of the FP8 peak that FP8 (W8A8) GEMMs reach (TensorRT-LLM FP8 GEMMs on H100/H200/L40S;"
        " the training model's 0.60 is Transformer Engine's). Fitted on the FP8 rows of B2a and B2b (grid over"
        " 0.55/0.65/0.75 with the overheads).",
    )
    bandwidth_efficiency: Fraction = Field(
        default=0.8,
        description="Fraction of HBM bandwidth that streaming weights (and recurrent states) reaches in decode"
        " (STREAM-like reads reach ~80-90% of the datasheet figure on A100/H100). Fitted on the 3 bf16 TP1 batch-1"
        " decode rows on A100 (B3a; grid 0.70-0.90 in steps of 0.05).",
    )
    kv_bandwidth_efficiency: Fraction = Field(
        default=0.72,
        description="Fraction of HBM bandwidth that decode attention reaches reading a paged KV cache (block tables,"
        " small pages gathered per sequence and head) rather than streaming contiguous weights: vLLM's"
        " PagedAttention v2 and FlashInfer's batch decode reach ~2.4 TB/s, 70-85% of the H100's 3.35 TB/s"
        " (KernelBench-hard 'paged_attention' reference, 2025: 2,400 GB/s); 0.72 = 2.4 / 3.35. Not fitted;"
        " low confidence.",
    )
    kernel_overhead_us: NonNegFloat = Field(
        default=2.0,
        description="Fixed cost of one kernel in an inference iteration (tail, synchronisation; CUDA graphs remove"
        " most launch cost), microseconds. Chosen by the joint grid (1, 2, 3, 4 us) with fp8_gemm_efficiency,"
        " iteration_overhead_s and request_overhead_s over all 152 rows, minimising the median |error|.",
    )
    iteration_overhead_s: NonNegFloat = Field(
        default=0.3e-3,
        description="Fixed cost of one decode iteration outside the kernels: sampling, scheduling, host-device"
        " synchronisation, seconds. Joint grid (0.3, 0.6 ms) over all 152 rows; the 128-output static-batching rows"
        " (B2a) are the ones it moves.",
    )
    request_overhead_s: NonNegFloat = Field(
        default=2.5e-3,
        description="Fixed cost a request pays before its first token besides the prefill kernels (enqueue,"
        " tokenizer-free engine setup, first sampling and the host round trip), seconds. Fitted on the"
        " 128-token TTFT rows (B2b), whose kernels take 1-10 ms; joint grid (2.5, 3.5 ms) over all 152 rows.",
    )
    dequant_bytes_int8: NonNegFloat = Field(
        default=0.35,
        description="Cost of dequantizing one int8 weight inside a weight-only GEMM, as extra HBM-equivalent bytes"
        " (the unpack and scale ALU work that does not overlap the load). Derived by hand from gpt-fast's Llama-2-7B"
        " A100 rows (B3a): int8 6.43 ms against bf16 9.53 ms per token, 6.7e9 weights; refitting on all 8 int8"
        " rows gives 0.2-0.3 depending on the other constants.",
    )
    dequant_bytes_int4: NonNegFloat = Field(
        default=0.5,
        description="The same for int4 weights with group scales (gpt-fast's G=32; stored bytes use memory.INT4_GROUP)."
        " Derived by hand from the Llama-2-7B int4 row (B3a: 5.08 ms per token); refitting on the 3 int4 rows gives"
        " 0.3-0.4.",
    )
    allreduce_latency_steps: PosFloat = Field(
        default=2.0,
        description="Link latencies one small tensor-parallel all-reduce costs: a one-shot all-reduce (TensorRT-LLM"
        " custom all-reduce; NCCL LL for a few KB) is one barrier plus one exchange, independent of tp. Fitted on"
        " the 12 bf16 batch-1 TP 2-8 decode rows (B3a; grid 1, 1.5, 2, 3).",
    )
    collective_efficiency: Fraction = Field(
        default=0.8,
        description="Fraction of the link bandwidth a large all-reduce reaches (nccl-tests bus bandwidth over the"
        " datasheet figure); the training model's value.",
    )

    def dequant_bytes(self, weights_dtype: str) -> float:
        """Extra bytes-equivalent per weight of weight-only dequantization (0 for formats the GEMM runs in)."""
        return {"int8": self.dequant_bytes_int8, "int4": self.dequant_bytes_int4}.get(weights_dtype, 0.0)


class ServingSetup(Spec):
    """One serving replica (tp x pp GPUs) and its traffic."""

    tp: PosInt = Field(default=1, description="Tensor-parallel degree.")
    pp: PosInt = Field(default=1, description="Pipeline stages (may split the layers unevenly).")
    batch: PosInt = Field(default=1, description="Concurrent sequences in the replica.")
    prompt: PosInt = Field(default=2048, description="Prompt (input) tokens per request.")
    output: PosInt = Field(default=512, description="Generated (output) tokens per request.")
    batching: Batching = Field(
        default="continuous",
        description="How requests share the replica (see Batching); production engines run"
        " continuous (in-flight) batching.",
    )
    weights_dtype: WeightDtype = Field(default=DEFAULT_DTYPE, description="Number format of the weights.")
    kv_dtype: WeightDtype = Field(default=DEFAULT_DTYPE, description="KV-cache number format.")
    compute_dtype: Dtype | None = Field(
        default=None,
        description="Tensor-core format for the matmuls; None: fp8 for fp8 weights (W8A8) on parts with an FP8"
        " rate, else bf16 (int8/int4 weights are dequantized to bf16: weight-only quantization).",
    )
    compute_efficiency: float | None = Field(
        default=None,
        ge=0.001,
        le=1,
        description="Override: fraction of peak FLOP/s large GEMMs reach; None: the serving model's per-dtype value.",
    )
    bandwidth_efficiency: float | None = Field(
        default=None,
        ge=0.001,
        le=1,
        description="Override: fraction of memory bandwidth reached, by weights and KV-cache reads alike; None: the"
        " serving model's values.",
    )
    chunk: PosInt = Field(
        default=2048,
        description="Continuous batching: prompt tokens one iteration may take in (Sarathi-Serve's token budget"
        " less the decode tokens).",
    )
    speculative: float = Field(
        default=1.0,
        ge=1,
        le=64,
        description="Tokens accepted per decoding step, given directly with no draft cost (1 = none); see"
        " ``speculation`` for speculative decoding whose proposals are paid for.",
    )
    speculation: Speculation | None = Field(
        default=None, description="Speculative decoding with its proposal cost (draft model, n-gram or MTP)."
    )
    kv_window: Literal["model", "full"] = Field(
        default="model",
        description="model: sliding-window layers keep and attend over their window only (as the architecture"
        " says); full: the engine keeps the whole context on every layer and attends over it (TensorRT-LLM unless"
        " max_attention_window_size is set: its default is max_seq_len).",
    )
    ep: PosInt = Field(
        default=1,
        description="Expert parallelism: the routed experts of a stage spread whole over ep GPUs. With ep > tp the"
        " stage's attention, dense layers and shared experts run data-parallel over ep/tp groups of tp GPUs, each"
        " with its own sequences (DeepSeek-V3's deployment, DeepSeek-AI 2024 Sec. 3.4; SGLang's DP attention).",
    )
    prefill_gpus: PosInt | None = Field(
        default=None,
        description="Disaggregated serving: GPUs of the prefill pool (replicas of this shape); with decode_gpus.",
    )
    decode_gpus: PosInt | None = Field(
        default=None,
        description="Disaggregated serving: GPUs of the decode pool (replicas of this shape); with prefill_gpus.",
    )
    price_per_gpu_hour: PosValue | None = Field(default=None, description="USD per GPU-hour; None: hardware's.")
    utilization: FractionValue = Field(default=1.0, description="Share of paid GPU time spent serving.")

    @property
    def stage_gpus(self) -> int:
        """GPUs of one pipeline stage: tp, or ep when the experts spread wider (attention data-parallel)."""
        return max(self.tp, self.ep)

    @property
    def attention_dp(self) -> int:
        """Attention data-parallel groups per stage (ep / tp when ep > tp, else 1)."""
        return self.ep // self.tp if self.ep > self.tp else 1

    @property
    def min_batch(self) -> int:
        """The fewest sequences the replica can run: one per pipeline stage and attention group."""
        return self.pp * self.attention_dp

    @property
    def replica_gpus(self) -> int:
        """GPUs of one replica: stage GPUs x pp."""
        return self.stage_gpus * self.pp

    @property
    def disaggregated(self) -> bool:
        return self.prefill_gpus is not None and self.decode_gpus is not None

    @property
    def gpus(self) -> int:
        """GPUs paid for: one replica, or both pools when disaggregated."""
        if self.prefill_gpus is not None and self.decode_gpus is not None:
            return self.prefill_gpus + self.decode_gpus
        return self.replica_gpus

    @property
    def tokens_per_step(self) -> float:
        """Tokens a sequence gains per decoding step (speculation's expectation, or ``speculative``)."""
        return self.speculation.tokens_per_step if self.speculation is not None else self.speculative

    @property
    def verified_per_step(self) -> float:
        """Positions per sequence one decode iteration of the model computes: the proposals plus its own token
        under speculation, else ``speculative``."""
        return self.speculation.tokens + 1.0 if self.speculation is not None else self.speculative

    @model_validator(mode="after")
    def _consistent(self) -> ServingSetup:
        if self.speculation is not None and self.speculative != 1:
            raise ValueError("speculative: give tokens per step directly or a speculation, not both")
        if (self.prefill_gpus is None) != (self.decode_gpus is None):
            raise ValueError("prefill_gpus, decode_gpus: disaggregated serving needs both pools")
        if self.ep > 1 and self.ep % self.tp:
            raise ValueError(f"ep: {self.ep} must be a multiple of tp ({self.tp}): attention groups of tp GPUs")
        for name in ("prefill_gpus", "decode_gpus"):
            n = getattr(self, name)
            if n is not None and n % self.replica_gpus:
                raise ValueError(
                    f"{name}: {n} is not a whole number of replicas of {self.replica_gpus} GPUs"
                    f" (stage {self.stage_gpus} x pp {self.pp})"
                )
        return self
