"""CLI: serve, serving scenarios in scenario/audit/compare, batch sweep, bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import run
from tests.test_cli_foundation import assert_one_line_error


def js(runner: CliRunner, *args: str) -> dict:  # type: ignore[type-arg]
    r = run(runner, *args, "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_serve_json_keys(runner: CliRunner) -> None:
    data = js(
        runner,
        "serve",
        "llama-2-70b",
        "--hardware",
        "h100",
        "--gpus",
        "8",
        "--batch",
        "64",
        "--prompt",
        "2k",
        "--output",
        "512",
        "--price",
        "2",
    )
    for key in (
        "ttft_s",
        "tpot_s",
        "e2e_s",
        "output_tokens_per_second",
        "output_tokens_per_second_per_gpu",
        "requests_per_second",
        "decode_tokens_per_second",
        "cost_per_million_input_usd",
        "cost_per_million_output_usd",
        "max_batch",
    ):
        assert key in data
    assert data["prompt"] == 2048 and data["gpus"] == 8
    fp8 = js(runner, "serve", "llama-2-70b", "--gpus", "8", "--batch", "64", "--weights-dtype", "fp8")
    assert fp8["tpot_s"] < data["tpot_s"]
    target = js(runner, "serve", "llama-2-70b", "--gpus", "8", "--batch", "64", "--target-tps", "100k")
    assert target["gpus_for_target"] % 8 == 0


def test_serve_table_and_sweep(runner: CliRunner) -> None:
    r = run(runner, "serve", "mixtral-8x7b", "--gpus", "2", "--batch", "16")
    assert r.exit_code == 0 and "experts read per MoE layer" in r.stdout and "Assumptions" in r.stdout
    r = run(
        runner, "serve", "llama-2-70b", "--gpus", "8", "--sweep-batch", "1..512", "--prompt", "128", "--output", "128"
    )
    assert r.exit_code == 0 and "knee: batch" in r.stdout and "●" in r.stdout
    data = js(runner, "serve", "llama-2-70b", "--gpus", "8", "--sweep-batch", "1..64")
    assert data["batches"] == [1, 2, 4, 8, 16, 32, 64]


def test_serving_scenarios(runner: CliRunner) -> None:
    data = js(runner, "scenario", "gpt-4-serve-a100")
    assert data["kind"] == "serving" and data["gpus"] == 128
    assert data["implied"]["claim_per_1k_usd"] == 0.0049
    bigger = js(runner, "scenario", "gpt-4-serve-h100", "--set", "serving.batch=1024")
    assert bigger["batch"] == 1024
    r = run(runner, "audit", "gpt-4-serve-h100")
    assert r.exit_code == 0 and "utilization the claim implies" in r.stdout
    cmp = js(runner, "compare", "gpt-4-serve-a100", "davinci-175b", "gpt-4-serve-h100")
    assert cmp["cheapest_serving"] == "davinci-175b"
    r = run(runner, "compare", "gpt-4-serve-a100", "davinci-175b")
    assert "blended cost vs cheapest" in r.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["serve", "llama-2-70b", "--gpus", "8", "--batch", "100000"], ["largest batch that fits"]),
        (["serve", "llama-2-70b", "--gpus", "8", "--prompt", "0"], ["--prompt"]),
        (["serve", "llama-2-70b", "--gpus", "8", "--output", "0"], ["--output"]),
        (["serve", "llama-2-70b", "--gpus", "8", "--compute-efficiency", "1.2"], ["compute_efficiency"]),
        (["serve", "llama-2-70b", "--gpus", "8", "--bandwidth-efficiency", "0"], ["bandwidth_efficiency"]),
        (["serve", "llama-2-70b", "--tp", "5"], ["tp: 5"]),
        (["serve", "llama-2-70b", "--tp", "8", "--pp", "2", "--gpus", "8"], ["--gpus: 8 is not tp x pp"]),
        (["serve", "llama-2-70b", "--gpus", "8", "--weights-dtype", "int2"], ["int2"]),
        (["serve", "llama-2-70b", "--gpus", "8", "--kv-dtype", "fp6"], ["fp6"]),
        (["serve", "llama-2-70b", "--gpus", "8", "--utilization", "1.5"], ["utilization"]),
        (["serve", "llama-2-70b", "--pp", "81"], ["pp: 81 stages exceed the 80 layers"]),
        (["scenario", "gpt-4-serve-a100", "--mfu", "0.3"], ["--mfu: applies to training scenarios"]),
    ],
)
def test_bad_input(runner: CliRunner, args: list[str], fragments: list[str]) -> None:
    assert_one_line_error(run(runner, *args), *fragments)
