"""The fit search (the step-time model itself: tests/test_steptime.py)."""

from __future__ import annotations

import pytest

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.errors import InfeasibleError
from gptcalc.fit import fit_serving, fit_training, tp_options
from gptcalc.memory import gpus_to_hold_states, serving_memory, training_memory
from gptcalc.specs.layout import TrainLayout
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
