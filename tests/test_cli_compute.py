"""CLI: flops, train, scenario, audit, compare — tables, --json keys and bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import run
from tests.derivations import gpt4_a100_scenario_cost_mid, three_figures
from tests.test_cli_foundation import assert_one_line_error


def js(runner: CliRunner, *args: str) -> dict:  # type: ignore[type-arg]
    r = run(runner, *args, "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_flops_json_and_table(runner: CliRunner) -> None:
    data = js(runner, "flops", "gpt-4", "--tokens", "13T")
    assert {"forward_per_token", "training_per_token", "dense_forward_per_token", "convention"} <= set(data)
    assert data["convention"]["name"] == "6n"
    assert data["training_flops"] == pytest.approx(2.15e25, rel=0.03)
    assert [c["convention"] for c in data["conventions"]][:3] == ["6n", "causal", "palm"]
    r = run(runner, "flops", "gpt-4", "--convention", "causal", "--seq-len", "32k")
    assert r.exit_code == 0 and "32,768 tokens" in r.stdout and "What each convention changes" in r.stdout


def test_train_json_keys_and_ranges(runner: CliRunner) -> None:
    data = js(
        runner,
        "train",
        "gpt-4",
        "--tokens",
        "13T",
        "--hardware",
        "a100-80gb",
        "--gpus",
        "25k",
        "--mfu",
        "0.32..0.36",
        "--price",
        "1",
    )
    for key in ("flops", "days", "gpu_hours", "cost_usd", "mfu", "energy_mwh"):
        assert key in data
    assert set(data["days"]) == {"low", "mid", "high"}
    assert data["days"]["low"] < data["days"]["mid"] < data["days"]["high"]
    assert isinstance(data["flops"], float)  # exact inputs give plain numbers
    assert data["convention"]["name"] == "6n"


def test_train_solves_for_gpus(runner: CliRunner) -> None:
    data = js(runner, "train", "llama-2-70b", "--tokens", "2T", "--hardware", "h100", "--days", "30", "--mfu", "40%")
    assert data["solved_for"] == "gpus"
    assert data["gpus"] == pytest.approx(data["flops"] / (989.4e12 * 0.4 * 30 * 86400))


def test_scenario_and_overrides(runner: CliRunner) -> None:
    # The leak's $63M lies within the scenario's range (MFU 0.32..0.36), and the mid is the hand derivation:
    # 13T tokens x palm FLOPs per token / (312 TFLOP/s x 0.34 x 3600 s) x $1 (tests/derivations.py).
    by_hand = gpt4_a100_scenario_cost_mid()
    r = run(runner, "scenario", "gpt-4-a100")
    assert r.exit_code == 0 and three_figures(by_hand, "$") in r.stdout and "Assumptions" in r.stdout
    base = js(runner, "scenario", "gpt-4-a100")
    assert base["cost_usd"]["mid"] == pytest.approx(by_hand, rel=1e-9)
    assert base["cost_usd"]["mid"] == pytest.approx(63e6, rel=0.05)
    assert base["cost_usd"]["low"] <= 63e6 <= base["cost_usd"]["high"]
    # The range's ends are the MFU range's ends: cost scales as 1 / MFU.
    assert base["cost_usd"]["low"] == pytest.approx(by_hand * 0.34 / 0.36, rel=1e-9)
    assert base["cost_usd"]["high"] == pytest.approx(by_hand * 0.34 / 0.32, rel=1e-9)
    h100 = js(runner, "scenario", "gpt-4-h100")
    assert h100["cost_usd"] == pytest.approx(21.5e6, rel=0.05)
    pricier = js(runner, "scenario", "gpt-4-h100", "--price", "2.5")
    assert pricier["cost_usd"] == pytest.approx(h100["cost_usd"] * 1.25)
    faster = js(runner, "scenario", "gpt-4-a100", "--mfu", "0.4")
    assert faster["mfu"] == 0.4 and faster["solved_for"] == "days"
    more = js(runner, "scenario", "gpt-4-a100", "--set", "model.moe.n_experts=32")
    assert more["flops"] == pytest.approx(base["flops"], rel=0.001)  # still top-2: the same compute per token
    days = js(runner, "scenario", "gpt-4-a100", "--days", "90")
    assert days["solved_for"] == "mfu" and days["days"] == 90


def test_audit(runner: CliRunner) -> None:
    r = run(runner, "audit", "gpt-4-h100")
    assert r.exit_code == 0 and "mfu (fp8 peak)" in r.stdout
    data = js(runner, "audit", "gpt-4-a100")
    assert data["disagreements"] == []
    quantities = {row["quantity"] for row in data["rows"]}
    assert "mfu implied by the cost (bf16 peak)" in quantities


def test_compare(runner: CliRunner) -> None:
    data = js(runner, "compare", "gpt-4-a100", "gpt-4-h100")
    assert data["cheapest"] == "gpt-4-h100" and data["fastest"] == "gpt-4-h100"
    assert {"total", "active", "cost_usd", "days", "gpu_hours", "energy_mwh"} <= set(data["entries"][0])
    models = js(runner, "compare", "gpt-4", "gpt-3-175b", "mixtral-8x7b")
    assert [e["kind"] for e in models["entries"]] == ["model"] * 3 and models["cheapest"] is None
    ran = js(
        runner,
        "compare",
        "llama-2-7b",
        "llama-2-70b",
        "--hardware",
        "h100",
        "--tokens",
        "2T",
        "--gpus",
        "1024",
        "--mfu",
        "0.4",
    )
    assert ran["cheapest"] == "llama-2-7b"
    r = run(runner, "compare", "model:deepseek-v3", "scenario:deepseek-v3")
    assert r.exit_code == 0 and "★" in r.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["train", "gpt-4", "--tokens", "13T", "--gpus", "25k", "--mfu", "1.5"], ["mfu", "(0, 1]"]),
        (["train", "gpt-4", "--tokens", "13T", "--gpus", "25k", "--mfu", "0.3", "--price", "-2"], ["price", "> 0"]),
        (["train", "gpt-4", "--tokens", "13T", "--gpus", "-5", "--mfu", "0.3"], ["gpus"]),
        (
            [
                "train",
                "gpt-4",
                "--tokens",
                "13T",
                "--gpus",
                "25k",
                "--mfu",
                "0.3",
                "--hardware",
                "a100",
                "--dtype",
                "fp8",
            ],
            ["no fp8"],
        ),
        (["train", "gpt-4", "--tokens", "13T", "--gpus", "25k", "--mfu", "0.36..0.32"], ["low <= high"]),
        (["train", "gpt-4", "--tokens", "13T", "--gpus", "25k", "--mfu", "0.3", "--days", "9"], ["over-determines"]),
        (["train", "gpt-4", "--gpus", "25k"], ["all unknown"]),
        (
            ["train", "gpt-4", "--tokens", "13T", "--gpus", "1", "--mfu", "0.3", "--hardware", "tpu-v9"],
            ["unknown preset 'tpu-v9'"],
        ),
        (["train", "gpt-4", "--tokens", "lots", "--gpus", "1", "--mfu", "0.3"], ["--tokens"]),
        (["flops", "gpt-4", "--convention", "mine"], ["convention", "6n, causal, palm"]),
        (["flops", "gpt-4", "--recompute", "most"], ["--recompute"]),
        (["flops", "gpt-4", "--seq-len", "0"], ["--seq-len"]),
        (["scenario", "gpt-4-a100", "--set", "mfu=2"], ["mfu", "(0, 1]"]),
        (["scenario", "nope"], ["unknown preset 'nope'"]),
        (["audit", "gpt-4-a100", "--tolerance", "2"], ["--tolerance"]),
        (["compare", "gpt-4"], ["at least two"]),
    ],
)
def test_bad_input(runner: CliRunner, args: list[str], fragments: list[str]) -> None:
    assert_one_line_error(run(runner, *args), *fragments)


def test_train_unique_tokens_times_epochs(runner: CliRunner) -> None:
    once = js(runner, "train", "llama-2-7b", "--tokens", "500B", "--hardware", "h100", "--gpus", "256", "--mfu", "0.4")
    four = js(
        runner,
        "train",
        "llama-2-7b",
        "--tokens",
        "500B",
        "--epochs",
        "4",
        "--hardware",
        "h100",
        "--gpus",
        "256",
        "--mfu",
        "0.4",
    )
    assert four["tokens"] == 2e12 and four["days"] == pytest.approx(4 * once["days"])
    assert_one_line_error(
        run(runner, "train", "llama-2-7b", "--epochs", "2", "--gpus", "8", "--mfu", "0.4"), "--epochs"
    )


def test_convention_overrides_and_flops_input(runner: CliRunner) -> None:
    base = js(runner, "flops", "gpt-4")
    custom = js(runner, "flops", "gpt-4", "--attention-flops", "full", "--no-head-backward")
    assert custom["convention"] == {"name": "6n+custom", "attention": "full", "logits_backward": False}
    # Full attention adds 3 x the attention term; dropping the head's backward removes 2 x 2 V h.
    head = 2 * 100277 * 10752
    assert custom["training_per_token"] == pytest.approx(
        base["training_per_token"] + 3 * custom["attention_forward"] - 2 * head
    )
    run_ = js(runner, "train", "gpt-4", "--flops", "2.15e25", "--hardware", "a100", "--gpus", "25k", "--mfu", "0.34")
    assert run_["flops"] == pytest.approx(2.15e25)
    assert run_["tokens"] == pytest.approx(2.15e25 / base["training_per_token"])
    assert_one_line_error(
        run(runner, "train", "gpt-4", "--flops", "1e25", "--tokens", "1T", "--gpus", "8", "--mfu", "0.4"), "--flops"
    )
    assert_one_line_error(run(runner, "flops", "gpt-4", "--attention-flops", "half"), "--attention-flops")
