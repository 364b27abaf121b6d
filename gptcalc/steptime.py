"""Training step time from a parallel layout, and the MFU and run length it implies.

step = compute x (1 + bubble) + exposed data-parallel gradient reduction, where

* compute = hardware FLOPs of the step per GPU / (peak x matmul efficiency) + tensor-parallel and expert
  all-to-all communication that is not overlapped;
* bubble = (p - 1) / (m v) of the compute for 1F1B with v interleaved chunks (Narayanan et al. 2021,
  Sec. 2.2, 'Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM');
* tensor parallelism: 4 all-reduces (2 forward, 2 backward) of the p s b h activations per layer, ring
  all-reduce 2 (t-1)/t x bytes over the intra-node link (Narayanan et al. 2021 Sec. 3.2; sequence
  parallelism's reduce-scatter + all-gather moves the same bytes, Korthikanti et al. 2022 Sec. 4.2.2);
* expert parallelism: 4 all-to-alls per MoE layer (dispatch and combine, forward and backward) of the
  c k s b h routed activations, (ep-1)/ep of them leave the GPU, over the inter-node network when the
  expert group spans nodes;
* data parallelism: a ring all-reduce (ZeRO: reduce-scatter + all-gather, the same volume; Rajbhandari
  et al. 2020 Sec. 7) of the gradients, 2 (d-1)/d x gradient bytes over the inter-node network, of which
  ``dp_overlap`` is hidden behind the backward pass.

Left out: pipeline point-to-point sends (small next to the rest), stragglers, failures and restarts.
"""

from __future__ import annotations

from pydantic import Field

from gptcalc.errors import InputError
from gptcalc.flops import flops_per_token
from gptcalc.memory import ACTIVATION_BYTES, PRECISION_BYTES, ModelSizes
from gptcalc.parallel import check_layout
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result
from gptcalc.specs.conventions import FlopsConvention
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.layout import TrainLayout

DEFAULT_MATMUL_EFFICIENCY = 0.7  # large bf16 GEMMs reach ~70-80% of dense peak on A100/H100
DEFAULT_DP_OVERLAP = 0.5


class StepTime(Result):
    """One optimizer step of a layout and the run it implies."""

    global_batch: int = Field(description="Sequences per step.")
    microbatches: int = Field(description="Micro-batches per pipeline per step (m).")
    compute_s: float = Field(description="Matmul time at the assumed efficiency.")
    tp_comm_s: float
    ep_comm_s: float
    bubble_s: float
    dp_comm_s: float = Field(description="Gradient reduction time in total.")
    dp_exposed_s: float = Field(description="The part not hidden behind backward.")
    step_s: float
    tokens_per_s: float
    mfu: float = Field(description="Model FLOPs per second / (GPUs x peak): what the layout implies.")
    days: float | None = Field(description="Days to train `tokens`, when given.")
    matmul_efficiency: float
    dp_overlap: float


def step_time(
    arch: Architecture,
    hardware: Hardware,
    layout: TrainLayout,
    *,
    seq_len: int,
    global_batch: int,
    dtype: str = "bf16",
    tokens: float | None = None,
    matmul_efficiency: float = DEFAULT_MATMUL_EFFICIENCY,
    dp_overlap: float = DEFAULT_DP_OVERLAP,
    convention: FlopsConvention | None = None,
) -> StepTime:
    """Time one step of ``global_batch`` sequences of ``seq_len`` under ``layout`` (module docstring)."""
    if not 0 < matmul_efficiency <= 1:
        raise InputError(f"matmul efficiency: must be in (0, 1], got {matmul_efficiency}")
    if not 0 <= dp_overlap <= 1:
        raise InputError(f"dp overlap: must be in [0, 1], got {dp_overlap}")
    if global_batch <= 0:
        raise InputError(f"global batch: must be >= 1 sequence, got {global_batch}")
    check_layout(arch, layout)
    per_replica = global_batch / layout.dp
    m_float = per_replica / layout.micro_batch
    if m_float < 1 or not m_float.is_integer():
        raise InputError(
            f"global batch: {global_batch} sequences do not split into micro-batches of {layout.micro_batch}"
            f" over dp={layout.dp}; use a multiple of {layout.dp * layout.micro_batch}"
        )
    m = int(m_float)
    fpt = flops_per_token(arch, seq_len, convention, layout.recompute)
    peak = hardware.peak_flops(dtype)
    step_tokens = global_batch * seq_len
    compute = step_tokens * fpt.hardware_training_per_token / (layout.gpus * peak * matmul_efficiency)

    p = ACTIVATION_BYTES[layout.precision]
    t, h = layout.tp, arch.hidden_size
    micro_tokens = layout.micro_batch * seq_len
    layers_per_stage = arch.n_layers / layout.pp
    tp_comm = 0.0
    if t > 1:
        per_allreduce = 2 * (t - 1) / t * p * micro_tokens * h / hardware.intra_node_bandwidth
        tp_comm = 4 * layers_per_stage * m * per_allreduce
    ep_comm = 0.0
    moe = arch.moe
    if moe is not None and layout.ep > 1:
        routed = layout.capacity_factor * moe.k
        bytes_out = (layout.ep - 1) / layout.ep * p * routed * micro_tokens * h / t
        spans_nodes = layout.ep * t > hardware.devices_per_node
        bw = hardware.inter_node_bandwidth if spans_nodes else hardware.intra_node_bandwidth
        moe_layers_per_stage = arch.n_moe_layers / layout.pp
        ep_comm = 4 * moe_layers_per_stage * m * bytes_out / bw
    busy = compute + tp_comm + ep_comm
    bubble = busy * (layout.pp - 1) / (m * layout.virtual_stages)

    dp_comm = 0.0
    if layout.dp > 1:
        sizes = ModelSizes.of(arch)
        grad_bytes = PRECISION_BYTES[layout.precision][1]
        params_per_gpu = _params_per_gpu(arch, layout, sizes)
        dp_comm = 2 * (layout.dp - 1) / layout.dp * grad_bytes * params_per_gpu / hardware.inter_node_bandwidth
    backward = busy * 2 / 3
    exposed = max(0.0, dp_comm - dp_overlap * backward)
    step = busy + bubble + exposed
    model_flops = step_tokens * fpt.training_per_token
    return StepTime(
        global_batch=global_batch,
        microbatches=m,
        compute_s=compute,
        tp_comm_s=tp_comm,
        ep_comm_s=ep_comm,
        bubble_s=bubble,
        dp_comm_s=dp_comm,
        dp_exposed_s=exposed,
        step_s=step,
        tokens_per_s=step_tokens / step,
        mfu=model_flops / (layout.gpus * peak * step),
        days=None if tokens is None else tokens / step_tokens * step / 86_400.0,
        matmul_efficiency=matmul_efficiency,
        dp_overlap=dp_overlap,
    )


def _params_per_gpu(arch: Architecture, layout: TrainLayout, sizes: ModelSizes) -> float:
    """Average parameters per GPU whose gradients one data-parallel rank reduces."""
    moe = arch.moe
    dense = arch.n_layers * (sizes.attention + sizes.norms) + arch.n_dense_layers * sizes.dense_mlp
    dense += arch.n_moe_layers * (sizes.shared + sizes.router) + sizes.embedding + sizes.head
    experts = arch.n_moe_layers * (moe.n_experts if moe else 0) * sizes.expert
    return dense / (layout.tp * layout.pp) + experts / (layout.tp * layout.pp * layout.ep)
