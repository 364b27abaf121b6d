"""CLI: memory and fit — breakdown table and chart, --json keys, bad layouts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import run
from tests.test_cli_foundation import assert_one_line_error


def test_memory_train(runner: CliRunner) -> None:
    args = [
        "memory",
        "gpt-4",
        "--hardware",
        "a100-80gb",
        "--tp",
        "8",
        "--pp",
        "15",
        "--dp",
        "208",
        "--zero",
        "1",
        "--recompute",
        "full",
        "--micro-batch",
        "1",
        "--seq-len",
        "8k",
    ]
    r = run(runner, *args)
    assert r.exit_code == 0, r.stderr
    assert "fits" in r.stdout and "█" in r.stdout and "MFU / HFU" in r.stdout
    data = json.loads(run(runner, *args, "--json").stdout)
    assert {"per_gpu_bytes", "capacity_bytes", "fits", "breakdown"} <= set(data)
    assert data["fits"] is True
    assert sum(data["breakdown"].values()) == pytest.approx(data["per_gpu_bytes"])
    selective = json.loads(
        run(runner, *args[:-6], "--recompute", "selective", "--micro-batch", "1", "--seq-len", "8k", "--json").stdout
    )
    assert selective["fits"] is False


def test_memory_serve(runner: CliRunner) -> None:
    data = json.loads(
        run(
            runner,
            "memory",
            "llama-2-70b",
            "--serve",
            "--hardware",
            "h100",
            "--tp",
            "8",
            "--batch",
            "32",
            "--context",
            "4k",
            "--json",
        ).stdout
    )
    assert data["fits"] and data["kv_bytes_per_token"] == 40960 and data["max_batch"] > 32
    fp8 = json.loads(
        run(
            runner,
            "memory",
            "llama-2-70b",
            "--serve",
            "--tp",
            "8",
            "--batch",
            "32",
            "--context",
            "4k",
            "--weights-dtype",
            "fp8",
            "--json",
        ).stdout
    )
    assert fp8["weights_bytes"] < data["weights_bytes"] * 0.51
    r = run(runner, "memory", "llama-2-70b", "--serve", "--tp", "1", "--batch", "4", "--context", "4k")
    assert r.exit_code == 0 and "does not fit" in r.stdout and "largest that does is 0" in r.stdout


def test_fit(runner: CliRunner) -> None:
    r = run(runner, "fit", "llama-2-70b", "--hardware", "h100", "--max-gpus", "256")
    assert r.exit_code == 0 and "Fewest h100-sxm GPUs" in r.stdout and "MFU" in r.stdout
    data = json.loads(run(runner, "fit", "gpt-4", "--serve", "--hardware", "a100-40gb", "--json").stdout)
    assert data["mode"] == "serve" and data["fewest_gpus"] == data["rows"][0]["gpus"]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["memory", "gpt-4", "--tp", "5"], ["tp: 5 does not divide the 96 attention heads"]),
        (["memory", "gpt-4", "--pp", "7"], ["pp: 7 does not divide the 120 layers"]),
        (["memory", "gpt-4", "--ep", "3", "--dp", "3"], ["ep: 3 does not divide the 16 experts"]),
        (["memory", "llama-2-70b", "--ep", "2", "--dp", "2"], ["ep:", "MoE"]),
        (["memory", "gpt-4", "--tp", "8", "--dp", "4", "--gpus", "64"], ["--gpus: 64 is not tp x cp x pp x dp"]),
        (["memory", "gpt-4", "--recompute", "some"], ["--recompute", "none, selective, full"]),
        (["memory", "gpt-4", "--zero", "5"], ["zero"]),
        (["memory", "gpt-4", "--serve", "--batch", "0"], ["--batch"]),
        (["memory", "gpt-4", "--serve", "--context", "0"], ["--context"]),
        (["memory", "gpt-4", "--serve", "--weights-dtype", "int3"], ["weights dtype", "int4"]),
        (["memory", "gpt-4", "--serve", "--kv-dtype", "fp6"], ["kv dtype"]),
        (["memory", "gpt-4", "--optimizer", "lion"], ["--optimizer"]),
        (["memory", "gpt-4", "--dp", "4", "--micro-batch", "2", "--global-batch", "6"], ["global batch"]),
        (["fit", "llama-2-70b", "--max-gpus", "2"], ["no training layout"]),
    ],
)
def test_bad_input(runner: CliRunner, args: list[str], fragments: list[str]) -> None:
    assert_one_line_error(run(runner, *args), *fragments)
