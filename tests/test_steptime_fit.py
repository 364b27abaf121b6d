"""Step time (bubble, communication, implied MFU) and the fit search."""

from __future__ import annotations

import pytest

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.errors import InfeasibleError, InputError
from gptcalc.fit import fit_serving, fit_training, tp_options
from gptcalc.flops import flops_per_token
from gptcalc.memory import gpus_to_hold_states, serving_memory, training_memory
from gptcalc.specs.layout import TrainLayout
from gptcalc.steptime import step_time
from tests.derivations import gpt4_counts, llama2_70b_params

GIB = 1024**3
H100_BF16 = 989.4e12  # H100 SXM datasheet, dense bf16
H100_NVLINK = 450e9  # 900 GB/s bidirectional NVLink4, one direction
H100_NETWORK = 50e9  # one 400 Gb/s NIC per GPU (DGX H100)

# Llama-2-7B (Touvron et al. 2023): 32 layers, h 4,096, 32 heads of 128 (MHA), SwiGLU d_ff 11,008, V 32,000,
# untied head, RMSNorm.
L7, H7, F7, V7 = 32, 4096, 11008, 32000
LLAMA7_LAYER_MATMUL = 4 * H7 * H7 + 3 * H7 * F7  # Q, K, V, O + gate, up, down
LLAMA7_PARAMS = L7 * (LLAMA7_LAYER_MATMUL + 2 * H7) + H7 + 2 * V7 * H7  # + 2 RMSNorms a layer, final norm, emb, head
LLAMA7_TRAIN_6N = 3 * 2 * (L7 * LLAMA7_LAYER_MATMUL + V7 * H7)  # Kaplan et al. 2020: 6 x matmul weights


def test_single_gpu_mfu_equals_matmul_efficiency() -> None:
    # One GPU, no recomputation, no communication, no bubble: MFU = efficiency x model/hardware FLOPs = efficiency.
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")
    layout = TrainLayout(recompute="none")
    st = step_time(arch, h100, layout, seq_len=4096, global_batch=8, matmul_efficiency=0.6)
    assert st.bubble_s == st.tp_comm_s == st.dp_comm_s == 0
    assert st.mfu == pytest.approx(0.6)
    fpt = flops_per_token(arch, 4096).training_per_token
    assert st.step_s == pytest.approx(8 * 4096 * fpt / (989.4e12 * 0.6))


def test_bubble_and_recompute() -> None:
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")
    layout = TrainLayout(pp=4, recompute="full")
    st = step_time(arch, h100, layout, seq_len=4096, global_batch=16)
    # 1F1B bubble: (p - 1) / m of the busy time (Narayanan et al. 2021).
    assert st.bubble_s == pytest.approx((st.compute_s + st.tp_comm_s + st.ep_comm_s) * 3 / 16)
    # Full recomputation reruns every block's forward (2 x block matmul weights) and the causal attention core
    # (4 a d s/2 per layer; Korthikanti et al. 2022 Sec. 5): hardware FLOPs per token exceed the 6N model FLOPs.
    hardware = LLAMA7_TRAIN_6N + 2 * L7 * LLAMA7_LAYER_MATMUL + L7 * 4 * H7 * 4096 / 2
    # MFU = model FLOPs / (GPUs x peak x step), step = compute x (1 + 3/16): efficiency x 6N / HFU-FLOPs / bubble.
    assert st.mfu == pytest.approx(0.7 * LLAMA7_TRAIN_6N / hardware / (1 + 3 / 16), rel=1e-9)
    assert st.step_s == pytest.approx(16 * 4096 * hardware / (4 * H100_BF16 * 0.7) * (1 + 3 / 16), rel=1e-9)


def test_tp_communication_by_hand() -> None:
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")
    st = step_time(arch, h100, TrainLayout(tp=8, recompute="none"), seq_len=4096, global_batch=1)
    # 4 all-reduces per layer of 2-byte s x h activations, ring 2(t-1)/t over 450 GB/s one way.
    per = 2 * 7 / 8 * 2 * 4096 * 4096 / 450e9
    assert st.tp_comm_s == pytest.approx(4 * 32 * per)


def test_step_time_validation() -> None:
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")
    with pytest.raises(InputError, match="global batch"):
        step_time(arch, h100, TrainLayout(dp=4, micro_batch=2), seq_len=4096, global_batch=6)
    with pytest.raises(InputError, match="efficiency"):
        step_time(arch, h100, TrainLayout(), seq_len=4096, global_batch=1, matmul_efficiency=1.5)


def test_fit_training_gpt4() -> None:
    arch, a100 = load_model("gpt-4"), load_hardware("a100-80gb")
    result = fit_training(arch, a100, seq_len=8192, max_gpus=2048)
    assert result.fewest_gpus >= gpus_to_hold_states(gpt4_counts()["total"], a100)
    assert result.rows and all(r.gpus == result.fewest_gpus for r in result.rows)
    for r in result.rows[:3]:
        layout = TrainLayout(
            tp=r.tp, pp=r.pp, dp=r.dp, ep=r.ep, zero=r.zero, recompute=r.recompute, micro_batch=r.micro_batch
        )
        assert training_memory(arch, a100, layout, 8192).fits
        assert 96 % r.tp == 0 and 120 % r.pp == 0 and r.dp % r.ep == 0 and r.tp <= 8
    mfus = [r.mfu or 0 for r in result.rows]
    assert mfus == sorted(mfus, reverse=True)


def test_fit_training_exact_count_and_infeasible() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    result = fit_training(arch, h100, seq_len=4096, gpus=64)
    assert all(r.gpus == 64 for r in result.rows)
    with pytest.raises(InfeasibleError, match="no training layout"):
        fit_training(arch, h100, seq_len=4096, max_gpus=8)


def test_fit_serving() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    n = llama2_70b_params()
    # One GPU: bf16 weights of 68.98B parameters = 2n bytes = 128.5 GiB, more than its 80 GiB.
    one = serving_memory(arch, h100, batch=1, context=4096, tp=1, pp=1)
    assert one.weights_bytes == 2 * n and not one.fits and one.max_batch == 0
    # tp = 2 by hand: half the weights, 4 of the 8 kv heads (2 x 80 x 4 x 128 x 2 bytes per token) for 4,096
    # tokens, a workspace of two bf16 hidden states of 4,096 tokens split two ways, then 2 GiB + 5%.
    allocated = 2 * n / 2 + 2 * 80 * 4 * 128 * 2 * 4096 + 2 * 2 * 4096 * 8192 / 2
    two = serving_memory(arch, h100, batch=1, context=4096, tp=2, pp=1)
    assert two.per_gpu_bytes == pytest.approx(allocated * 1.05 + 2 * GIB, rel=1e-12)
    assert two.per_gpu_bytes < 80 * GIB and two.fits
    # So the search's fewest is 2, with tp = 2 among the 2-GPU rows; every row it reports fits, fewest first.
    result = fit_serving(arch, h100, batch=1, context=4096)
    assert result.fewest_gpus == 2 and result.rows[0].gpus == 2
    assert (2, 1) in {(r.tp, r.pp) for r in result.rows if r.gpus == 2}
    assert [r.gpus for r in result.rows] == sorted(r.gpus for r in result.rows)
    for r in result.rows:
        assert serving_memory(arch, h100, batch=1, context=4096, tp=r.tp, pp=r.pp).fits


def test_tp_options_respect_heads_and_node() -> None:
    assert tp_options(load_model("gpt-4"), load_hardware("h100")) == [1, 2, 4, 8]
    assert tp_options(load_model("palm-540b"), load_hardware("h100")) == [1, 2, 4, 8]  # MQA: kv replicated


@pytest.mark.parametrize("overlap", [0.0, 0.5, 1.0])
def test_exposed_data_parallel_time_by_hand(overlap: float) -> None:
    # Llama-2-7B on 8 H100s, pure data parallelism, no recomputation, one micro-batch of 4,096 tokens each.
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")
    layout = TrainLayout(dp=8, recompute="none")
    st = step_time(arch, h100, layout, seq_len=4096, global_batch=8, dp_overlap=overlap)
    # Busy time: 8 x 4,096 tokens x 6N FLOPs over 8 GPUs at 70% of the bf16 peak; no tp, ep or bubble.
    busy = 8 * 4096 * LLAMA7_TRAIN_6N / (8 * H100_BF16 * 0.7)
    assert st.compute_s == pytest.approx(busy, rel=1e-9)
    assert st.tp_comm_s == st.ep_comm_s == st.bubble_s == 0
    # Ring all-reduce of bf16 gradients: 2 (d-1)/d x 2 bytes x N over the 50 GB/s network (Narayanan et al. 2021;
    # ZeRO's reduce-scatter + all-gather moves the same, Rajbhandari et al. 2020 Sec. 7).
    dp_comm = 2 * 7 / 8 * 2 * LLAMA7_PARAMS / H100_NETWORK
    assert st.dp_comm_s == pytest.approx(dp_comm, rel=1e-6)
    # The backward pass is 2/3 of the busy time (backward = 2 x forward); `overlap` of it hides the reduction.
    exposed = max(0.0, dp_comm - overlap * 2 / 3 * busy)
    assert exposed > 0  # dp_comm ~0.47 s exceeds the ~0.16 s backward, so no overlap hides all of it
    assert st.dp_exposed_s == pytest.approx(exposed, rel=1e-6)
    assert st.step_s == pytest.approx(busy + exposed, rel=1e-6)
    assert st.mfu == pytest.approx(0.7 * busy / (busy + exposed), rel=1e-6)


def test_data_parallel_time_hidden_behind_a_long_backward() -> None:
    # 64 micro-batches per replica: busy ~15 s, backward ~10 s, half of it (5 s) covers the ~0.47 s reduction.
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")
    st = step_time(arch, h100, TrainLayout(dp=8, recompute="none"), seq_len=4096, global_batch=512)
    busy = 512 * 4096 * LLAMA7_TRAIN_6N / (8 * H100_BF16 * 0.7)
    assert 0.5 * 2 / 3 * busy > st.dp_comm_s > 0
    assert st.dp_exposed_s == 0 and st.step_s == pytest.approx(busy, rel=1e-9)
    assert st.mfu == pytest.approx(0.7, rel=1e-9)


@pytest.mark.parametrize(
    ("tp", "dp", "ep", "link"),
    [
        # ep x tp GPUs per expert group; a group of at most one node's 8 GPUs talks over NVLink.
        (1, 8, 8, H100_NVLINK),  # 8 x 1 = 8: exactly one node
        (2, 4, 4, H100_NVLINK),  # 4 x 2 = 8: one node
        (2, 8, 8, H100_NETWORK),  # 8 x 2 = 16: spans two nodes, so the all-to-all crosses the network
    ],
)
def test_expert_all_to_all_by_hand(tp: int, dp: int, ep: int, link: float) -> None:
    # Mixtral 8x7B: 32 MoE layers, h 4,096, top-2 of 8 experts; capacity factor 1.25 (TrainLayout's default).
    arch, h100 = load_model("mixtral-8x7b"), load_hardware("h100")
    layout = TrainLayout(tp=tp, dp=dp, ep=ep, recompute="none")
    st = step_time(arch, h100, layout, seq_len=4096, global_batch=dp, dp_overlap=0.0)  # one micro-batch each
    # Per MoE layer and micro-batch: 4 all-to-alls (dispatch, combine; forward, backward) of c k s b h values of
    # 2 bytes, split over tp, of which (ep - 1)/ep leave the GPU.
    bytes_out = (ep - 1) / ep * 2 * 1.25 * 2 * 4096 * 4096 / tp
    assert st.ep_comm_s == pytest.approx(4 * 32 * 1 * bytes_out / link, rel=1e-12)
