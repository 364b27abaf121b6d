"""CLI: presets, show, params — tables, --json keys, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import run
from tests.derivations import gpt4_counts, three_figures


def assert_one_line_error(result: object, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)  # type: ignore[attr-defined]
    err = result.stderr  # type: ignore[attr-defined]
    assert err.startswith("gptcalc: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and result.stdout == ""  # type: ignore[attr-defined]
    for fragment in fragments:
        assert fragment in err, err


def test_params_table(runner: CliRunner) -> None:
    r = run(runner, "params", "gpt-4")
    assert r.exit_code == 0, r.stderr
    # The table's figures, derived by hand from the preset's dimensions (tests/derivations.py) and printed to
    # 3 significant figures: 1.83T total, 280B active, 111B per routed expert, 55.5B attention; the leak
    # (SemiAnalysis 2023-07) says ~1.8T, ~280B, ~111B and ~55B.
    counts = gpt4_counts()
    assert abs(counts["total"] / 1.8e12 - 1) < 0.02 and abs(counts["active"] / 280e9 - 1) < 0.01
    figures = [three_figures(counts[k]) for k in ("total", "active", "one_routed_expert", "attention")]
    for text in (*figures, "routed experts", "Assumptions"):
        assert text in r.stdout, text


def test_params_json(runner: CliRunner) -> None:
    r = run(runner, "params", "mixtral-8x7b", "--json")
    data = json.loads(r.stdout)
    assert {"total", "active", "embedding", "non_embedding", "breakdown"} <= set(data)
    assert all(isinstance(v, int) for v in data["breakdown"].values())
    assert sum(data["breakdown"].values()) == data["total"]


def test_params_what_if(runner: CliRunner) -> None:
    base = json.loads(run(runner, "params", "gpt-4", "--json").stdout)
    more = json.loads(run(runner, "params", "gpt-4", "--json", "--set", "moe.n_experts=32").stdout)
    assert more["total"] - base["total"] == 16 * base["one_routed_expert"] + 120 * 16 * 10752
    assert more["active"] == base["active"] + 120 * 16 * 10752  # only the router grows


def test_params_hf_config(runner: CliRunner, tmp_path: Path) -> None:
    golden = json.loads((Path(__file__).parent / "golden/hf/qwen3-30b-a3b.json").read_text())
    path = tmp_path / "config.json"
    path.write_text(json.dumps(golden["config"]))
    data = json.loads(run(runner, "params", str(path), "--json").stdout)
    assert data["total"] == golden["totals"]["5.24.0"]


def test_presets_and_show(runner: CliRunner) -> None:
    r = run(runner, "presets", "hardware")
    assert r.exit_code == 0 and "h100-sxm (h100)" in r.stdout
    r = run(runner, "presets")
    assert all(k in r.stdout for k in ("models", "hardware", "datasets", "scenarios"))
    r = run(runner, "show", "gpt-4")
    assert r.exit_code == 0 and "moe.n_experts" in r.stdout and "SemiAnalysis" in r.stdout
    data = json.loads(run(runner, "show", "h100", "--json").stdout)
    assert data["kind"] == "hardware" and data["preset"]["peak_tflops"]["bf16"] == 989.4
    data = json.loads(run(runner, "presets", "models", "--json").stdout)
    assert "gpt-4" in {p["name"] for p in data["models"]}


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["params", "gpt-5"], ["unknown preset 'gpt-5'", "available:"]),
        (["params", "../../etc/passwd"], ["neither a preset name"]),
        (["params", "gpt-4", "--set", "moe.top_k=17"], ["top_k (17) must be <= n_experts (16)"]),
        (["params", "gpt-4", "--set", "attention.n_kv_heads=5"], ["multiple of n_kv_heads"]),
        (["params", "gpt-4", "--set", "hidden_size=0"], ["hidden_size", "greater than 0"]),
        (["params", "gpt-4", "--set", "hidden_size=-3"], ["hidden_size"]),
        (["params", "gpt-4", "--set", "mlp.d_ff=nan"], ["mlp.d_ff"]),
        (["params", "gpt-4", "--set", "moe.expertz=3"], ["unknown key 'moe.expertz'", "n_experts"]),
        (["params", "gpt-4", "--set", "novalue"], ["key=value"]),
        (["params", "gpt-4", "--bogus"], ["No such option"]),
        (["params"], ["Missing argument"]),
        (["presets", "widgets"], ["unknown 'widgets'", "models, hardware"]),
        (["show", "nothing-here"], ["unknown preset"]),
    ],
)
def test_bad_input(runner: CliRunner, args: list[str], fragments: list[str]) -> None:
    assert_one_line_error(run(runner, *args), *fragments)


def test_bad_files(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "config.json"
    bad.write_text('{"model_type": "bert"}')
    assert_one_line_error(run(runner, "params", str(bad)), "not supported", "llama")
    broken = tmp_path / "m.toml"
    broken.write_text("[[[")
    assert_one_line_error(run(runner, "params", str(broken)), "m.toml: malformed TOML")
    assert_one_line_error(run(runner, "params", "gpt-4", "--presets", str(tmp_path / "none")), "not a folder")


def test_help(runner: CliRunner) -> None:
    for args in ([], ["--help"], ["serve", "--help"]):
        r = run(runner, *args)
        assert r.exit_code == 0 and "Usage" in r.stdout, args
    assert "Memory and capacity" in run(runner, "--help").stdout
