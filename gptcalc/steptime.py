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

The collectives and their bytes come from :func:`gptcalc.inventory.collectives`. Left out: pipeline
point-to-point sends (listed there, small next to the rest), stragglers, failures and restarts.
"""

from __future__ import annotations

from pydantic import Field

from gptcalc.errors import InputError
from gptcalc.flops import flops_per_token
from gptcalc.inventory import COMPONENTS, collectives, inventory
from gptcalc.memory import ACTIVATION_BYTES, PRECISION_BYTES
from gptcalc.parallel import check_layout
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result
from gptcalc.specs.conventions import FlopsConvention
from gptcalc.specs.defaults import DEFAULT_DP_OVERLAP, DEFAULT_DTYPE, DEFAULT_MATMUL_EFFICIENCY
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.layout import TrainLayout


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
    dtype: str = DEFAULT_DTYPE,
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

    inv = inventory(arch)
    comms = collectives(
        inv,
        layout,
        seq_len=seq_len,
        activation_bytes=ACTIVATION_BYTES[layout.precision],
        gradient_bytes=PRECISION_BYTES[layout.precision][1],
        params_per_gpu=params_per_gpu(arch, layout),
    )
    tp_comm = ep_comm = dp_comm = 0.0
    for c in comms:
        if c.group == "tp":
            tp_comm = m * c.volume / hardware.intra_node_bandwidth
        elif c.group == "ep":
            spans_nodes = layout.ep * layout.tp > hardware.devices_per_node
            bw = hardware.inter_node_bandwidth if spans_nodes else hardware.intra_node_bandwidth
            ep_comm = m * c.volume / bw
        elif c.group == "dp":
            dp_comm = c.volume / hardware.inter_node_bandwidth
    busy = compute + tp_comm + ep_comm
    bubble = busy * (layout.pp - 1) / (m * layout.virtual_stages)
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


def params_per_gpu(arch: Architecture, layout: TrainLayout) -> float:
    """Average parameters per GPU whose gradients one data-parallel rank reduces: the non-expert weights over
    tp x pp, the routed experts over tp x pp x ep (the embedding and an untied head both count; a tied
    matrix counts once unless pp > 1 puts a copy on the first and the last stage, as Megatron does)."""
    inv = inventory(arch)
    experts = inv.component_params("routed_experts")
    total = sum(inv.component_params(c) for c in COMPONENTS)
    if inv.tied and layout.pp > 1:
        total += inv.head_matrix
    dense = total - experts
    return dense / (layout.tp * layout.pp) + experts / (layout.tp * layout.pp * layout.ep)
