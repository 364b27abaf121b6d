"""Training runs whose MFU is predicted from the layout rather than assumed."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.adapters.scenarios import load_scenario, resolve
from gptcalc.cli import app
from gptcalc.fit import predict_mfu
from gptcalc.scenario import evaluate
from gptcalc.specs.layout import TrainLayout
from gptcalc.specs.timemodel import TimeModel
from gptcalc.steptime import step_time
from gptcalc.training import estimate_training


def test_tokens_and_gpus_alone_predict_the_mfu_and_the_identity_holds() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    layout = TrainLayout(tp=8, pp=4, dp=32, micro_batch=1)
    est = estimate_training(arch, h100, seq_len=4096, tokens=2e12, gpus=1024, layout=layout, global_batch=1024)
    step = step_time(arch, h100, layout, seq_len=4096, global_batch=1024)
    # Run MFU = step MFU x goodput (0.9 by default); days from the run identity tokens x 6N = GPUs x peak x MFU x t.
    assert est.mfu.mid == pytest.approx(step.mfu * TimeModel().goodput, rel=1e-12)
    days = 2e12 * est.flops_per_token.training_per_token / (1024 * 989.4e12 * est.mfu.mid * 86_400)
    assert est.days.mid == pytest.approx(days, rel=1e-9)
    assert any("MFU predicted" in note for note in est.assumptions)


def test_a_given_mfu_is_a_run_average_that_goodput_scales() -> None:
    arch, h100 = load_model("llama-2-7b"), load_hardware("h100")
    plain = estimate_training(arch, h100, seq_len=4096, tokens=1e12, gpus=64, mfu=0.4)
    lossy = estimate_training(arch, h100, seq_len=4096, tokens=1e12, gpus=64, mfu=0.4, goodput=0.8)
    assert lossy.days.mid == pytest.approx(plain.days.mid / 0.8)


def test_fit_chooses_a_layout_at_exactly_the_gpu_count() -> None:
    # 96 GPUs is not a power of two: dp fills the count exactly (e.g. tp 8 x dp 12).
    pred = predict_mfu(load_model("llama-2-7b"), load_hardware("h100"), gpus=96, seq_len=4096)
    assert pred.layout.gpus == 96 and pred.chosen_by_fit and 0 < pred.run_mfu < pred.step_mfu


def test_gpt4_leak_layout_predicts_an_mfu_near_the_leak() -> None:
    # SemiAnalysis (2023-07-10): TP8 x PP15 on ~25,000 A100s reached 32-36% MFU. The prediction from the layout
    # alone must land within 10 points of that range.
    est = evaluate(resolve(load_scenario("gpt-4-a100-predicted")))
    assert 0.22 <= est.mfu.mid / TimeModel().goodput <= 0.46
    assert any("source claims MFU 32%-36%" in note for note in est.assumptions)


def test_cli_train_predicts_and_says_so() -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["train", "llama-2-7b", "--tokens", "1T", "--gpus", "64", "--hardware", "h100", "--json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["solved_for"] == "days"
    assert any("MFU predicted" in a for a in data["assumptions"])
    bad = runner.invoke(app, ["train", "llama-2-7b", "--tokens", "1T", "--gpus", "60", "--tp", "8"])
    assert bad.exit_code == 2 and "tp x pp" in bad.stderr
