"""The per-operator step-time model: each piece against a hand derivation, and the schedule's structure."""

from __future__ import annotations

import math

import pytest

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.errors import InputError, LayoutError
from gptcalc.specs.layout import TrainLayout
from gptcalc.specs.timemodel import TimeModel
from gptcalc.steptime import KernelContext, all_reduce_time, all_to_all_time, gather_time, gemm_time, link, step_time

A100_BF16 = 312e12  # A100 datasheet, dense bf16
A100_HBM = 2039e9  # A100 80GB
A100_SMS = 108


def ctx(model: TimeModel | None = None) -> KernelContext:
    model = model or TimeModel()
    hw = load_hardware("a100-80gb")
    eff = 0.869 * model.gemm_efficiency  # the preset's measured best case x the achieved share
    return KernelContext(
        hw=hw,
        model=model,
        layout=TrainLayout(),
        act_bytes=2.0,
        gemm_peak=A100_BF16,
        gemm_eff=eff,
        gemm_in_bytes=2.0,
        bf16_peak=A100_BF16,
        bf16_eff=eff,
        flash_eff=model.flash_efficiency,
        hbm=A100_HBM * model.bandwidth_efficiency,
        overhead=model.kernel_overhead_us * 1e-6,
        fp8=False,
    )


def test_large_gemm_is_compute_bound_with_wave_quantization() -> None:
    c = ctx()
    # 8192^3: 64 x 64 = 4,096 output tiles of 128 x 128 over 108 SMs: 38 waves, 4,104 slots, 4,096 busy.
    waves = 4096 / (38 * 108)
    compute = 2 * 8192**3 / (A100_BF16 * 0.869 * TimeModel().gemm_efficiency * waves)
    assert gemm_time(c, 8192, 8192, 8192) == pytest.approx(compute + 4e-6, rel=1e-12)


def test_skinny_gemm_is_memory_bound() -> None:
    c = ctx()
    # m = 16 rows against an 8192 x 8192 weight: the 128 MiB of bf16 weights dominate the traffic.
    nbytes = 2 * (16 * 8192 + 8192 * 8192) + 2 * 16 * 8192
    assert gemm_time(c, 16, 8192, 8192) == pytest.approx(nbytes / (A100_HBM * 0.75) + 4e-6, rel=1e-12)


def test_links_inside_and_across_nodes() -> None:
    a100, tm = load_hardware("a100-80gb"), TimeModel()
    eff = tm.collective_efficiency
    # 8 ranks, adjacent: one NVLink node (300 GB/s one way).
    inside = link(a100, 8, 1, tm)
    assert not inside.crosses_nodes and inside.bandwidth == pytest.approx(300e9 * eff)
    # 64 ranks, adjacent: 8 per node share the node's 8 NICs of 25 GB/s: 200 GB/s per GPU.
    assert link(a100, 64, 1, tm).bandwidth == pytest.approx(min(300e9, 8 * 25e9) * eff)
    # 64 ranks 8 apart (tp = 8 inside): one GPU per node, one NIC each.
    across = link(a100, 64, 8, tm)
    assert across.crosses_nodes and across.bandwidth == pytest.approx(25e9 * eff)


def test_collective_formulas() -> None:
    ln = link(load_hardware("a100-80gb"), 8, 1, TimeModel())
    nbytes = 1e9
    assert all_reduce_time(nbytes, 8, ln) == pytest.approx(2 * 7 / 8 * nbytes / ln.bandwidth + 2 * 3 * ln.latency)
    # Ring all-gather / reduce-scatter: n - 1 steps of latency per call (NCCL has no tree for them).
    assert gather_time(nbytes, 8, ln, calls=3) == pytest.approx(7 / 8 * nbytes / ln.bandwidth + 3 * 7 * ln.latency)
    # Across 8 nodes of 8 (64 adjacent ranks): 8 of the 63 ring steps cross the network.
    wide = link(load_hardware("a100-80gb"), 64, 1, TimeModel())
    assert wide.nodes == 8 and wide.ring_latency(64) == pytest.approx(56 * 8e-6 + 8 * 15e-6)
    assert all_to_all_time(nbytes, 8, ln) == pytest.approx(7 / 8 * nbytes / ln.bandwidth + 3 * ln.latency)
    assert all_reduce_time(nbytes, 1, ln) == gather_time(nbytes, 1, ln) == all_to_all_time(nbytes, 1, ln) == 0.0


def test_breakdown_sums_to_the_step_and_mfu_follows() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    layout = TrainLayout(tp=8, pp=4, dp=8, micro_batch=1, zero=1)
    st = step_time(arch, h100, layout, seq_len=4096, global_batch=256)
    assert sum(st.breakdown.values()) == pytest.approx(st.step_time_s, rel=1e-12)
    assert st.microbatches == 256 // 8
    assert st.tokens_per_second_per_gpu == pytest.approx(256 * 4096 / st.step_time_s / 256)
    assert 0.2 < st.mfu < 0.8 and st.hfu >= st.mfu


def test_bubble_is_p_minus_one_over_v_stage_times() -> None:
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")
    plain = step_time(arch, h100, TrainLayout(pp=4, micro_batch=1), seq_len=4096, global_batch=16)
    interleaved = step_time(
        arch, h100, TrainLayout(pp=4, micro_batch=1, virtual_stages=2), seq_len=4096, global_batch=16
    )
    # 1F1B (Narayanan et al. 2021 Sec. 2.2): the bubble is (p-1)/v stage times; m = 16 micro-batches run at the
    # slowest stage's pace, so compute + sends + ... = 16 stage times when the stages are equal.
    per_stage = (
        plain.step_time_s
        - plain.breakdown["bubble_s"]
        - sum(plain.breakdown[k] for k in ("dp_exposed_s", "optimizer_s", "overhead_s"))
    ) / 16
    # The bubble uses the mean stage, the steady state the slowest (the last holds the head): within 10%.
    assert 0.9 * 3 * per_stage <= plain.breakdown["bubble_s"] <= 3 * per_stage
    assert interleaved.breakdown["bubble_s"] == pytest.approx(plain.breakdown["bubble_s"] / 2, rel=1e-9)


def test_gradient_accumulation_pass_by_hand() -> None:
    arch, a100 = load_model("llama-2-7b"), load_hardware("a100-80gb")
    # Llama-2-7B on pp 1, tp 1: every parameter is local. 6,738,415,616 parameters (Touvron et al. 2023's 7B,
    # untied embedding and head of 32,000 x 4,096 each).
    params = 6_738_415_616
    hbm = 2039e9 * TimeModel().bandwidth_efficiency  # A100 80GB SXM: 2,039 GB/s

    def step(**kw: object) -> float:
        lay = TrainLayout(precision="fp16", micro_batch=1, **kw)  # type: ignore[arg-type]
        return step_time(arch, a100, lay, seq_len=2048, global_batch=4).breakdown["compute_s"]

    fused = step()
    # An in-place add per micro-batch: read the new fp16 gradient (2 B) and the fp16 buffer (2 B), write it (2 B);
    # into fp32 main gradients 2 + 4 + 4; DeepSpeed's BF16_Optimizer casts to an fp32 temporary first (2 + 4) and
    # then adds (4 + 4 + 4). Four micro-batches each.
    cases: list[tuple[dict[str, object], int]] = [
        ({"grad_accumulation": "add"}, 6),
        ({"grad_accumulation": "add", "grad_dtype": "fp32"}, 10),
        ({"grad_accumulation": "cast-add"}, 18),
    ]
    for kw, per_param in cases:
        assert step(**kw) - fused == pytest.approx(4 * per_param * params / hbm, rel=1e-9)


def test_recompute_costs_a_forward_and_fp8_speeds_gemms() -> None:
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")

    def compute(**kw: object) -> float:
        return step_time(arch, h100, TrainLayout(**kw), seq_len=4096, global_batch=8).breakdown["compute_s"]

    none, full = compute(recompute="none"), compute(recompute="full")
    # Full recomputation reruns every layer's forward: forward is about 1/3 of forward + backward.
    assert 1.25 < full / none < 1.4
    assert compute(recompute="selective") == pytest.approx(none, rel=1e-12)  # flash: nothing left to rerun
    assert compute(precision="fp8") < none  # only the GEMMs run at the FP8 rate


def test_expert_all_to_all_uses_the_network_when_the_group_spans_nodes() -> None:
    arch, h100 = load_model("mixtral-8x7b"), load_hardware("h100")

    def ep_time(**kw: object) -> float:
        layout = TrainLayout(**kw)
        st = step_time(arch, h100, layout, seq_len=4096, global_batch=layout.dp)
        return st.breakdown["ep_comm_s"]

    def by_hand(etp: int, bandwidth: float, latency: float) -> float:
        # 4 all-to-alls per MoE layer (32) of the c k s b h routed bf16 values, split over expert_tp, (ep-1)/ep off
        # the GPU, plus log2(ep) latency steps; one micro-batch each.
        payload = 1.25 * 2 * 4096 * 4096 * 2 / etp
        return 32 * 4 * (7 / 8 * payload / (bandwidth * 0.8) + 3 * latency)

    # 8 expert ranks adjacent: one NVLink node (450 GB/s one way, 8 us per step).
    assert ep_time(tp=1, dp=8, ep=8) == pytest.approx(by_hand(1, 450e9, 8e-6), rel=1e-9)
    # 8 expert ranks 2 apart (expert_tp 2): 16 GPUs, two nodes; 4 of the group per node share 4 NICs of 50 GB/s.
    assert ep_time(tp=2, dp=8, ep=8, expert_tp=2) == pytest.approx(by_hand(2, 4 * 50e9, 15e-6), rel=1e-9)


def test_expert_parallelism_wider_than_data_parallelism() -> None:
    # Megatron-Core folds EP over tp x cp x dp: EP 8 with DP 2 and TP 4 (expert_tp 1) is a valid layout.
    arch, h100 = load_model("mixtral-8x7b"), load_hardware("h100")
    st = step_time(arch, h100, TrainLayout(tp=4, dp=2, ep=8, expert_tp=1), seq_len=4096, global_batch=16)
    assert st.step_time_s > 0
    with pytest.raises(LayoutError, match="ep x expert_tp"):
        step_time(arch, h100, TrainLayout(tp=1, dp=2, ep=8, expert_tp=1), seq_len=4096, global_batch=16)


def test_uneven_pipeline_and_context_parallel_layouts() -> None:
    arch, h100 = load_model("llama-3.1-405b"), load_hardware("h100")
    # Llama 3 405B: 126 layers on 16 stages (Llama Team 2024 Sec. 3.3.2: fewer layers on the first and last).
    stages = (7, *([8] * 14), 7)
    layout = TrainLayout(tp=8, pp=16, cp=2, dp=4, pp_layers=stages)
    st = step_time(arch, h100, layout, seq_len=8192, global_batch=64)
    assert st.breakdown["cp_comm_s"] >= 0 and st.breakdown["bubble_s"] > 0
    with pytest.raises(LayoutError, match="pp_layers"):
        step_time(arch, h100, layout.model_copy(update={"pp_layers": (8,) * 16}), seq_len=8192, global_batch=64)
    with pytest.raises(LayoutError, match="cp: 3 does not split"):
        step_time(arch, h100, TrainLayout(tp=8, pp=16, cp=3, pp_layers=stages), seq_len=8192, global_batch=64)
    with pytest.raises(LayoutError, match="--pp-layers"):
        step_time(arch, h100, TrainLayout(tp=8, pp=16), seq_len=8192, global_batch=64)


def test_fsdp_exposure_grows_as_overlap_shrinks() -> None:
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")
    layout = TrainLayout(dp=64, zero=3, micro_batch=1)
    hidden = step_time(arch, h100, layout, seq_len=2048, global_batch=64, model=TimeModel(comm_overlap=1.0))
    exposed = step_time(arch, h100, layout, seq_len=2048, global_batch=64, model=TimeModel(comm_overlap=0.0))
    assert exposed.breakdown["dp_exposed_s"] > hidden.breakdown["dp_exposed_s"]
    assert exposed.dp_comm_s == pytest.approx(hidden.dp_comm_s)


def test_validation() -> None:
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")
    with pytest.raises(InputError, match="global batch"):
        step_time(arch, h100, TrainLayout(dp=4, micro_batch=2), seq_len=4096, global_batch=6)
    assert math.isfinite(step_time(arch, h100, TrainLayout(), seq_len=4096, global_batch=1).step_time_s)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["step", "llama-2-70b", "--gpus", "8"], "needs"),  # 70B of Adam states on 8 x 80 GB: nothing fits
        (["step", "llama-2-7b", "--gpus", "8", "--tp", "3"], "not a multiple of tp x cp x pp = 3"),
        (["step", "llama-2-7b", "--gpus", "8", "--cp", "8", "--seq-len", "100"], "cp: 8 does not split"),
        (["step", "llama-2-7b", "--gpus", "8", "--pp", "8", "--pp-layers", "4,4"], "pp_layers"),
        (["step", "llama-2-7b", "--gpus", "8", "--recompute", "some"], "--recompute"),
        (["calibrate", "--kind", "inference"], "--kind"),
    ],
)
def test_step_bad_layouts_get_one_line(argv: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from gptcalc.cli import app

    r = CliRunner().invoke(app, argv)
    assert r.exit_code == 2, r.stdout
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_step_json_keys() -> None:
    import json

    from typer.testing import CliRunner

    from gptcalc.cli import app

    r = CliRunner().invoke(app, ["step", "llama-2-7b", "--gpus", "8", "--json"])
    data = json.loads(r.stdout)
    assert {"step_time_s", "tokens_per_second_per_gpu", "model_tflops_per_gpu", "mfu", "hfu", "breakdown"} <= set(data)
    assert set(data["breakdown"]) == {
        "compute_s",
        "tp_comm_s",
        "cp_comm_s",
        "ep_comm_s",
        "pp_comm_s",
        "dp_exposed_s",
        "bubble_s",
        "optimizer_s",
        "overhead_s",
    }
    assert data["assumptions"]


def test_overlapped_collectives_hide_behind_compute() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    plain = TrainLayout(tp=8, dp=8, micro_batch=1)
    exposed = step_time(arch, h100, plain, seq_len=4096, global_batch=64)
    hidden = step_time(arch, h100, plain.model_copy(update={"overlap_tp": True}), seq_len=4096, global_batch=64)
    # The all-reduces (~1/10 of the compute here) fit inside 80% of the compute they overlap: none stays exposed.
    assert exposed.breakdown["tp_comm_s"] > 0 and hidden.breakdown["tp_comm_s"] == 0
    assert hidden.breakdown["compute_s"] == pytest.approx(exposed.breakdown["compute_s"])


def test_zero3_per_tensor_gathers_pay_more_latency() -> None:
    # DeepSpeed ZeRO-3 gathers each parameter tensor (12 per GPT block with biases and LayerNorms); PyTorch FSDP one
    # flat block. Each collective pays its ring latency: per-tensor gathers on 1,536 GPUs take longer.
    from gptcalc.adapters.calibration import gpt

    arch, a100 = gpt(96, 12288, 96), load_hardware("a100-80gb")
    base = TrainLayout(dp=1536, zero=3, recompute="full", precision="fp16", overlap_dp=False)
    block = step_time(arch, a100, base, seq_len=2048, global_batch=1536)
    tensor = step_time(arch, a100, base.model_copy(update={"zero3_unit": "tensor"}), seq_len=2048, global_batch=1536)
    assert tensor.dp_comm_s > block.dp_comm_s
    assert tensor.breakdown["dp_exposed_s"] == pytest.approx(tensor.dp_comm_s, rel=0.05)  # not overlapped
