"""Step time (bubble, communication, implied MFU) and the fit search."""

from __future__ import annotations

import pytest

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.errors import InfeasibleError, InputError
from gptcalc.fit import fit_serving, fit_training, tp_options
from gptcalc.flops import flops_per_token
from gptcalc.memory import gpus_to_hold_states, serving_memory, training_memory
from gptcalc.specs.hardware import GIB
from gptcalc.specs.layout import TrainLayout
from gptcalc.steptime import step_time


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
    # Full recomputation costs a forward pass: MFU below efficiency x (6N / 8N-ish).
    assert st.mfu < 0.7 * 0.8


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
    assert result.fewest_gpus >= gpus_to_hold_states(1_833_569_826_816, a100)
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
    result = fit_serving(arch, h100, batch=1, context=4096)
    # bf16 weights of 68.98B parameters = 128.5 GiB: more than one 80 GiB GPU, so at least 2.
    assert result.fewest_gpus == 2
    best = result.rows[0]
    assert serving_memory(arch, h100, batch=1, context=4096, tp=best.tp, pp=best.pp).fits
    assert 80 * GIB < 68_976_648_192 * 2


def test_tp_options_respect_heads_and_node() -> None:
    assert tp_options(load_model("gpt-4"), load_hardware("h100")) == [1, 2, 4, 8]
    assert tp_options(load_model("palm-540b"), load_hardware("h100")) == [1, 2, 4, 8]  # MQA: kv replicated
