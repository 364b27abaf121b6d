"""Sweeps and sensitivity: grids, validation, files, notebook helpers, tornado order."""

from __future__ import annotations

import csv
import json
import struct
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gptcalc.adapters.scenarios import load_scenario, resolve
from gptcalc.errors import InputError
from gptcalc.scenario import evaluate
from gptcalc.sensitivity import sensitivity
from gptcalc.sweep import parse_axis, sweep
from tests.conftest import run
from tests.test_cli_foundation import assert_one_line_error


def resolved(name: str = "gpt-4-a100"):  # type: ignore[no-untyped-def]
    return resolve(load_scenario(name))  # type: ignore[arg-type]


def test_parse_axis() -> None:
    assert parse_axis("mfu=0.2..0.5:0.05").values == pytest.approx([0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5])
    assert parse_axis("price=1,2,3").values == [1, 2, 3]
    assert parse_axis("gpus=10k,25k").values == [10_000, 25_000]
    for bad, message in [
        ("mfu=0.5..0.2:0.05", "runs backwards"),
        ("mfu=0.2..0.5:0", "step must be > 0"),
        ("mfu=0.2..0.5", "needs a step"),
        ("colour=1,2", "unknown field 'colour'"),
        ("mfu", "expected field="),
        ("mfu=a,b", "cannot read"),
    ]:
        with pytest.raises(InputError, match=message):
            parse_axis(bad)


def test_sweep_matches_the_estimate() -> None:
    r = resolved()
    result = sweep(r, [parse_axis("mfu=0.32,0.34,0.36")], ["cost_usd", "days"])
    est = evaluate(r)  # the scenario's own MFU range 0.32..0.36
    assert result.columns["cost_usd"] == pytest.approx([est.cost_usd.high, est.cost_usd.mid, est.cost_usd.low])
    assert result.solved_for == "days"


def test_sweep_grid_and_model_axis() -> None:
    result = sweep(resolved(), [parse_axis("days=80..100:10"), parse_axis("model.moe.n_experts=8,16")])
    assert result.points == 6 and result.solved_for == "mfu"
    assert "mfu was released" not in result.notes[0] and "released mfu" in result.notes[0]
    records = result.to_records()
    assert len(records) == 6 and set(records[0]) >= {"days", "model.moe.n_experts", "cost_usd", "mfu"}
    assert records[0]["cost_usd"] == pytest.approx(25_000 * 80 * 24 * 1.0)


def test_sweep_limits() -> None:
    axes = [parse_axis("mfu=0.1..0.9:0.0001"), parse_axis("price=1..2:0.0005")]
    with pytest.raises(InputError, match="more than 10,000,000"):
        sweep(resolved(), axes)
    with pytest.raises(InputError, match="given twice"):
        sweep(resolved(), [parse_axis("mfu=0.3,0.4"), parse_axis("mfu=0.5")])
    with pytest.raises(InputError, match="--metric"):
        sweep(resolved(), [parse_axis("mfu=0.3")], ["profit"])


def test_dataframe_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    result = sweep(resolved(), [parse_axis("mfu=0.3,0.4")])
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(InputError, match=r"gptcalc\[pandas\]"):
        result.to_dataframe()


def test_dataframe_with_pandas() -> None:
    pytest.importorskip("pandas")
    frame = sweep(resolved(), [parse_axis("mfu=0.3,0.4")]).to_dataframe()
    assert list(frame["mfu"]) == [0.3, 0.4]


def test_sensitivity_order_and_ranges() -> None:
    result = sensitivity(resolved())
    names = [r.input for r in result.rows]
    swings = [abs(r.at_high["cost_usd"] - r.at_low["cost_usd"]) for r in result.rows]
    assert swings == sorted(swings, reverse=True)
    mfu = next(r for r in result.rows if r.input == "mfu")
    assert mfu.from_range and (mfu.low, mfu.high) == pytest.approx((0.32, 0.36))
    tokens = next(r for r in result.rows if r.input == "tokens")
    assert not tokens.from_range and tokens.low == pytest.approx(13e12 * 0.8)
    assert "pue" not in names  # under the rental model the PUE moves neither cost nor days


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_cli_sweep(runner: CliRunner, tmp_path: Path) -> None:
    r = run(runner, "sweep", "gpt-4-a100", "--vary", "mfu=0.2..0.5:0.05")
    assert r.exit_code == 0 and "claim $63.0M" in r.stdout and "●" in r.stdout
    data = json.loads(
        run(runner, "sweep", "gpt-4-a100", "--vary", "mfu=0.2..0.5:0.05", "--vary", "price=1,2", "--json").stdout
    )
    assert data["points"] == 14 and len(data["columns"]["cost_usd"]) == 14
    out = tmp_path / "sweep.csv"
    r = run(runner, "sweep", "gpt-4-a100", "--vary", "mfu=0.3,0.4", "--csv", str(out))
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:2] == ["mfu", "cost_usd"] and len(rows) == 3
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_cli_sweep_png(runner: CliRunner, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "cost.png"
    r = run(runner, "sweep", "gpt-4-a100", "--vary", "mfu=0.2..0.5:0.05", "--png", str(out))
    assert r.exit_code == 0, r.stderr
    assert png_size(out) == (800, 500)
    assert out.stat().st_size > 10_000  # a real chart, not an empty canvas


def test_cli_png_without_matplotlib(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "cost.png"
    r = run(runner, "sweep", "gpt-4-a100", "--vary", "mfu=0.3,0.4", "--png", str(out))
    assert_one_line_error(r, "gptcalc[plot]")
    assert not out.exists()


def test_cli_sensitivity_plan_solve(runner: CliRunner) -> None:
    r = run(runner, "sensitivity", "gpt-4-a100")
    assert r.exit_code == 0 and "▲" in r.stdout and "tokens" in r.stdout
    data = json.loads(
        run(
            runner,
            "plan",
            "--budget",
            "10M",
            "--hardware",
            "h100",
            "--price",
            "2",
            "--days",
            "90",
            "--mfu",
            "0.4",
            "--json",
        ).stdout
    )
    assert data["binding"] == "budget" and data["reference"]["model"] == "gpt-4"
    r = run(runner, "plan", "--budget", "10M", "--price", "2", "--fit", "hoffmann")
    assert r.exit_code == 0 and "hoffmann" in r.stdout
    data = json.loads(
        run(
            runner,
            "solve",
            "--total",
            "1.8T",
            "--layers",
            "120",
            "--experts",
            "16",
            "--top-k",
            "2",
            "--expert-params",
            "111B",
            "--attention-params",
            "55B",
            "--json",
        ).stdout
    )
    assert data["hidden"] == 10752 and data["heads"] == 96


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["sweep", "gpt-4-a100", "--vary", "mfu=0.5..0.2:0.05"], ["runs backwards"]),
        (["sweep", "gpt-4-a100", "--vary", "mfu=0.2..0.5:0"], ["step must be > 0"]),
        (["sweep", "gpt-4-a100", "--vary", "colour=1,2"], ["unknown field 'colour'", "allowed"]),
        (
            ["sweep", "gpt-4-a100", "--vary", "mfu=0.1..0.9:0.0001", "--vary", "price=1..2:0.0005"],
            ["more than 10,000,000", "--force"],
        ),
        (["sweep", "gpt-4-serve-a100", "--vary", "mfu=0.3"], ["serving scenario"]),
        (["plan", "--budget", "1", "--price", "2"], ["GPU-hours"]),
        (["plan", "--gpus", "10"], ["give --budget"]),
        (["solve", "--total", "1M", "--layers", "120"], ["no hidden size reaches"]),
        (["solve", "--total", "1T", "--attention", "sparse"], ["--attention"]),
        (["sensitivity", "gpt-4-a100", "--swing", "2"], ["--swing"]),
        (["plan", "--budget", "10M", "--fit", "kaplan"], ["fit", "besiroglu"]),
    ],
)
def test_bad_input(runner: CliRunner, args: list[str], fragments: list[str]) -> None:
    assert_one_line_error(run(runner, *args), *fragments)


def test_csv_not_written_on_error(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    assert_one_line_error(run(runner, "sweep", "gpt-4-a100", "--vary", "mfu=2,3", "--csv", str(out)), "mfu")
    assert not out.exists()


def test_model_axis_values_are_exact() -> None:
    from gptcalc.adapters.load import load_model
    from gptcalc.scenario import evaluate

    base = resolved()
    result = sweep(base, [parse_axis("model.vocab_size=1000003")], ["flops"])
    arch = load_model("gpt-4", overrides=["vocab_size=1000003"])
    expected = evaluate(base.model_copy(update={"arch": arch})).flops.mid
    assert result.columns["flops"][0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["sweep", "gpt-4-a100", "--vary", "gpus=10k,20k", "--csv", "/tmp"], ["is a folder"]),
        (["sweep", "gpt-4-a100", "--vary", "gpus=10k,20k", "--csv", ""], ["not a file name"]),
        (["sweep", "gpt-4-a100", "--vary", "days=1e-300,1"], ["out of floating-point range"]),
        (["train", "llama-2-7b", "--tokens", "1e300", "--gpus", "1000", "--days", "10"], ["floating-point range"]),
        (["plan", "--budget", "1e308"], ["beyond"]),
        (["serve", "llama-2-7b", "--speculative", "1e300"], ["speculative"]),
        (["solve", "--total", "1.8T", "--layers", "1e9"], ["layers"]),
        (["params", "gpt-4", "--set", "n_layers=1e9"], ["n_layers", "100000"]),
        (["fit", "llama-2-7b", "--global-batch", "0"], ["--global-batch"]),
    ],
)
def test_extreme_inputs(runner: CliRunner, args: list[str], fragments: list[str]) -> None:
    assert_one_line_error(run(runner, *args), *fragments)


def test_fit_serve_exact_gpus(runner: CliRunner) -> None:
    data = json.loads(run(runner, "fit", "llama-2-7b", "--serve", "--gpus", "4", "--json").stdout)
    assert {r["gpus"] for r in data["rows"]} == {4}


def test_big_sweep_through_numpy_equals_pure_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 100,001 points go through numpy when installed (gptcalc.accel): the same grid, columns and CSV bytes as
    # the pure-Python path.
    pytest.importorskip("numpy")
    resolved = resolve(load_scenario("gpt-4-a100"))
    axes = [parse_axis("mfu=0.2..0.5:0.000003")]
    fast = sweep(resolved, axes)
    assert fast.points == 100_001 and fast._arrays is not None
    assert all(fast._arrays[k].tolist() == v for k, v in fast.columns.items())
    for module in ("gptcalc.sweep", "gptcalc.training", "gptcalc.cli.output"):
        monkeypatch.setattr(f"{module}.numpy_or_none", lambda points=0: None)
    slow = sweep(resolved, axes)
    assert slow._arrays is None and slow.columns == fast.columns
    from gptcalc.cli.output import write_csv

    write_csv(slow, tmp_path / "slow.csv")
    monkeypatch.undo()
    write_csv(fast, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "slow.csv").read_bytes()
