"""A growing corpus of hostile inputs: each gets one clear line and exit 2 (or a warning), never a traceback,
never a silent wrong answer, and nothing is ever written anywhere but a regular file.

Cases come from issue 10 ("Hardening"); the expected fragments are what the message must name (the flag, the
rule broken), written from the issue text, not copied from the tool's output. Special files are made only
inside pytest's temporary folder.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import run

SWEEP = ["sweep", "gpt-4-a100", "--vary", "mfu=0.2..0.5:0.05"]
TRAIN_7B = ["train", "llama-2-7b", "--tokens", "2T"]

# (argv, exit code, fragments of stderr). "{tmp}" is the test's temporary folder (see `hostile_dir`).
CORPUS: list[tuple[list[str], int, list[str]]] = [
    # Output files: never replace a FIFO, a device, a link to one, or a folder; OS errors name the path.
    ([*SWEEP, "--csv", "{tmp}/fifo"], 2, ["{tmp}/fifo", "not a regular file", "FIFO"]),
    ([*SWEEP, "--csv", "{tmp}/link-to-fifo"], 2, ["{tmp}/link-to-fifo", "not a regular file"]),
    ([*SWEEP, "--csv", "{tmp}/folder"], 2, ["{tmp}/folder", "folder"]),
    ([*SWEEP, "--csv", "{tmp}/dangling"], 2, ["{tmp}/dangling", "does not exist"]),
    ([*SWEEP, "--csv", "{tmp}/no-such-folder/x.csv"], 2, ["no-such-folder", "does not exist"]),
    ([*SWEEP, "--csv", "/proc/gptcalc-test.csv"], 2, ["/proc/gptcalc-test.csv", "cannot write"]),
    ([*SWEEP, "--csv", "/sys/gptcalc-test.csv"], 2, ["/sys/gptcalc-test.csv", "cannot write"]),
    ([*SWEEP, "--png", "{tmp}/fifo"], 2, ["{tmp}/fifo", "not a regular file"]),
    # A solved quantity that underflows: never "0 GPUs, $0".
    ([*TRAIN_7B, "--days", "1e300", "--mfu", "0.4"], 2, ["gpus", "fewer than one GPU"]),
    ([*TRAIN_7B, "--days", "1e6", "--mfu", "0.4"], 2, ["gpus", "fewer than one GPU"]),
    # Commas only as thousands groups.
    ([*TRAIN_7B, "--gpus", "8", "--mfu", "0.4", "--price", "2,5"], 2, ["--price", "'2,5'", "thousands"]),
    ([*TRAIN_7B, "--gpus", "1,2", "--mfu", "0.4"], 2, ["--gpus", "'1,2'", "thousands"]),
    ([*TRAIN_7B, "--gpus", "25,00", "--mfu", "0.4"], 2, ["--gpus", "thousands"]),
    # Negative or zero quantities, fractional GPUs.
    (["flops", "llama-2-7b", "--tokens", "-1"], 2, ["--tokens", "> 0"]),
    (["flops", "llama-2-7b", "--tokens", "0"], 2, ["--tokens", "> 0"]),
    (["memory", "llama-2-7b", "--tokens", "-5"], 2, ["--tokens", "> 0"]),
    ([*TRAIN_7B, "--gpus", "0.5", "--mfu", "0.4"], 2, ["gpus", "whole GPUs"]),
    ([*TRAIN_7B, "--gpus", "1..2.5", "--mfu", "0.4"], 2, ["gpus", "whole GPUs"]),
    (["plan", "--gpus", "0.5", "--days", "30"], 2, ["gpus", "whole GPUs"]),
    ([*TRAIN_7B, "--gpus", "8", "--mfu", "0.4", "--price", "-3"], 2, ["--price", "> 0"]),
    ([*TRAIN_7B, "--gpus", "8", "--mfu", "0.4", "--pue", "0"], 2, ["--pue", "> 0"]),
    ([*TRAIN_7B, "--gpus", "8", "--mfu", "0.4", "--epochs", "0"], 2, ["--epochs", "> 0"]),
    ([*TRAIN_7B, "--gpus", "8", "--mfu", "0.4", "--epochs", "-2"], 2, ["--epochs", "> 0"]),
    (["memory", "llama-2-7b", "--tp", "-1"], 2, ["--tp", ">= 1"]),
    (["serve", "llama-2-7b", "--batch", "-1"], 2, ["--batch", ">= 1"]),
    # Interleaved pipeline chunks must split each stage's layers (32 layers / pp 4 = 8 per stage).
    (["memory", "llama-2-7b", "--pp", "4", "--virtual-stages", "100"], 2, ["virtual_stages", "8 layers"]),
    (["memory", "llama-2-7b", "--virtual-stages", "2"], 2, ["virtual_stages", "pp > 1"]),
    # solve: contradictory or incomplete shapes.
    (["solve", "--active", "2T", "--total", "1.8T"], 2, ["--active", "--total"]),
    (["solve", "--total", "1.8T", "--experts", "16"], 2, ["--experts", "--top-k"]),
    (["solve", "--total", "1.8T", "--top-k", "2"], 2, ["--top-k", "--experts"]),
    (["solve", "--total", "1.8T", "--attention", "gqa"], 2, ["gqa", "--kv-heads"]),
    (["solve", "--total", "1.8T", "--kv-heads", "8"], 2, ["--kv-heads", "gqa"]),
    # Unknown presets are rejected everywhere, plan's reference included.
    (["plan", "--budget", "10M", "--reference", "nonexistent"], 2, ["unknown preset 'nonexistent'"]),
    # Files that are not what their name says.
    (["params", "{tmp}/fifo.toml"], 2, ["fifo.toml", "not a regular file"]),
    (["params", "{tmp}/folder.toml"], 2, ["folder.toml", "is a folder"]),
    (["params", "{tmp}/deep/config.json"], 2, ["config.json", "nested too deeply"]),
    (["params", "{tmp}/nomodeltype/config.json"], 2, ["config.json", "model_type"]),
    # Found by fuzzing every flag with odd values: a range where one number is meant; a malformed sweep range.
    (["memory", "llama-2-7b", "--tokens", "1e5..1e300"], 2, ["--tokens", "not a range"]),
    (["sweep", "gpt-4-a100", "--vary", "mfu=1..2..3..4"], 2, ["--vary mfu", "step"]),
    # Negative token lengths through --set name the rule, not "Input should be a valid integer".
    (["scenario", "gpt-4-a100", "--set", "seq_len=-1"], 2, ["seq_len", "positive whole number of tokens"]),
    (["params", "llama-2-7b", "--set", "context_length=-1"], 2, ["context_length", "positive whole number"]),
    # A model that does not fit blames the GPU count, not the batch (70B in bf16 is 140 GB > 80 GB).
    (["serve", "llama-2-70b", "--gpus", "1"], 2, ["--gpus", "does not fit"]),
    # Serving layouts: huge or fractional degrees, non-finite acceptance, a draft that is not a model.
    (["serve", "mixtral-8x7b", "--ep", "1e300"], 2, ["--ep", "more than 65,536"]),
    (["serve", "mixtral-8x7b", "--ep", "16"], 2, ["ep", "more GPUs than the 8 experts", "1, 2, 4, 8"]),
    (["serve", "mixtral-8x7b", "--tp", "1", "--ep", "2.5"], 2, ["--ep", "whole number"]),
    (["serve", "mixtral-8x7b", "--draft", "ngram", "--accept", "nan"], 2, ["--accept", "cannot read"]),
    (["serve", "mixtral-8x7b", "--draft", "ngram", "--draft-tokens", "1e300"], 2, ["--draft-tokens", "1 to 32"]),
    (["serve", "mixtral-8x7b", "--draft", "/dev/null"], 2, ["--draft:", "neither a preset"]),
    (["serve", "mixtral-8x7b", "--prefill-gpus", "0", "--decode-gpus", "8"], 2, ["--prefill-gpus", ">= 1"]),
    (["serve", "mixtral-8x7b", "--max-concurrency", "-5"], 2, ["--max-concurrency", ">= 1"]),
    # A second fuzzing pass (500 inputs, written without reading this corpus): a bare exponent, sizes beyond any
    # machine (a 401-digit head width ran to inf parameters; 10^30 norms a layer hung), a home folder that does not
    # exist, a wrapper config inside a wrapper config 900 deep.
    (["params", "llama-2-7b", "--set", "n_layers=e2"], 2, ["n_layers", "'e2'"]),
    (["train", "llama-2-7b", "--tokens", "e2", "--gpus", "8", "--mfu", "0.4"], 2, ["--tokens", "cannot read 'e2'"]),
    (["params", "{tmp}/huge_head.toml"], 2, ["head_dim", "401-digit", "2**53"]),
    (["params", "{tmp}/huge_norms.toml"], 2, ["norms_per_layer", "less than or equal to 16"]),
    (["params", "~nosuchuser-gptcalc/x.toml"], 2, ["cannot expand", "no home folder"]),
    (["params", "{tmp}/wrapped/config.json"], 2, ["text_config", "itself a wrapper"]),
    # A solved MFU above 100% (2T tokens in one day on 8 GPUs: 116 x peak) or an HFU above it is no run at all.
    ([*TRAIN_7B, "--gpus", "8", "--days", "1"], 2, ["mfu", "116 x the GPUs' peak", "more days or GPUs"]),
    ([*TRAIN_7B, "--gpus", "8", "--mfu", "0.8", "--recompute", "full"], 2, ["HFU above 100%", "at most"]),
    (["sweep", "gpt-4-a100", "--vary", "days=1,2"], 2, ["mfu", "x the GPUs' peak"]),
    ([*TRAIN_7B, "--gpus", "8", "--goodput", "2"], 2, ["goodput", "(0, 1]"]),
    (["train", "llama-2-7b", "--dataset", "{tmp}/few_tokens.toml", "--gpus", "8", "--mfu", "0.4"], 2, [">= 1"]),
    (["memory", "llama-2-7b", "--hardware", "{tmp}/huge_memory.toml"], 2, ["memory_gib", "1048576"]),
    (["memory", "llama-2-7b", "--serve", "--batch", "1e300"], 2, ["--batch", "more than"]),
    (["memory", "mixtral-8x7b", "--ep", "8", "--dp", "8", "--capacity-factor", "1e300"], 2, ["capacity_factor"]),
    (["serve", "llama-2-7b", "--prefill-gpus", "1e300", "--decode-gpus", "1"], 2, ["--prefill-gpus", "more than"]),
    (["sweep", "llama-3.1-405b", "--vary", "tokens=1..1e300:1e299"], 2, ["floating-point range"]),
    (["audit", "{tmp}/huge_claims.toml"], 2, ["claims", "extreme values"]),
    (["presets", "--presets", "{tmp}/fifo_presets"], 2, ["f.toml", "not a regular file"]),
    (["presets", "--presets", "{tmp}/alias_presets"], 2, ["aliases", "list of names"]),
    (["show", "{tmp}/nan/config.json"], 2, ["hidden_size", "nan"]),
    (["compare", "llama-2-7b", "mixtral-8x7b", "--tokens", "2T", "--gpus", "0.5"], 2, ["--tokens", "--hardware"]),
    (["serve", "mixtral-8x7b", "--draft", "ngram", "--draft-tokens", "2.5"], 2, ["--draft-tokens", "1 to 32"]),
    (["flops", "llama-2-7b", "--tokens", "1e308"], 2, ["--tokens", "floating-point range"]),
    (["flops", "llama-2-7b", "--tokens", "0.5"], 2, ["--tokens", "at least one token"]),
    ([*TRAIN_7B[:2], "--tokens", "0.5", "--gpus", "8", "--mfu", "0.4"], 2, ["tokens", "at least one token"]),
    (["memory", "llama-2-7b", "--seq-len", "1e300"], 2, ["--seq-len", "1,073,741,824"]),
    (["memory", "llama-2-7b", "--serve", "--context", "1e300"], 2, ["--context", "1,073,741,824"]),
    (["serve", "mixtral-8x7b", "--gpus", "2", "--target-tps", "1e300"], 2, ["target tokens/s", "replicas"]),
    # The helper's last pass: tiny limits for plan, a range where step needs one number, a price or utilization
    # that puts the cost out of range, a matmul efficiency of nearly nothing, an unreachable SLO under --json.
    (["plan", "--budget", "10M", "--days", "1e-300"], 2, ["days", "beyond any cluster"]),
    (["plan", "--budget", "10M", "--flops", "4.9e-324"], 2, ["plan", "below the 1e+15"]),
    (["step", "llama-2-7b", "--gpus", "8", "--tokens", "1T..2T"], 2, ["--tokens", "not a range"]),
    (["serve", "mixtral-8x7b", "--gpus", "2", "--price", "4.9e-324"], 2, ["price/utilization", "range"]),
    (["serve", "mixtral-8x7b", "--gpus", "2", "--utilization", "4.9e-324"], 2, ["price/utilization"]),
    (["step", "llama-2-7b", "--gpus", "8", "--matmul-efficiency", "4.9e-324"], 2, ["0.001 to 1"]),
    (["serve", "llama-2-7b", "--ttft-slo", "0", "--json"], 2, ["not reachable"]),
    (["audit", "gpt-4-serve-a100", "--set", "claims.cost_per_1k_tokens=4.9e-324"], 2, ["claim", "at least"]),
    (["compare", "gpt-4-serve-a100", "gpt-4-serve-h100", "--hardware", "h100", "--price", "5"], 2, ["scenario"]),
]

# Legal but physically odd: a warning on stderr (and in --json), exit 0.
WARNINGS: list[tuple[list[str], str]] = [
    ([*TRAIN_7B, "--gpus", "8", "--mfu", "0.4", "--pue", "0.5"], "PUE 0.5 is below 1"),
    ([*TRAIN_7B, "--gpus", "8", "--mfu", "0.005"], "below 1%"),
    ([*TRAIN_7B, "--gpus", "8", "--mfu", "0.9"], "above 80%"),
    # Solved MFU: 2T x 6 x 6.74B = 8.1e22 FLOP / (8 x 989.4 TFLOP/s x 130 days) = 0.91.
    ([*TRAIN_7B, "--gpus", "8", "--days", "130"], "above 80%"),
    ([*TRAIN_7B, "--gpus", "8", "--mfu", "0.4", "--seq-len", "1M"], "context of 4,096"),
    (["flops", "llama-2-7b", "--seq-len", "8k"], "context of 4,096"),
    (["memory", "llama-2-7b", "--seq-len", "8k"], "context of 4,096"),
]


@pytest.fixture
def hostile_dir(tmp_path: Path) -> Path:
    """A FIFO, a link to it, a folder, a dangling link, a FIFO and a folder named like presets, a config.json
    nested 100,000 deep and one without model_type."""
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link-to-fifo").symlink_to(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing-here")
    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "config.json").write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    (tmp_path / "nomodeltype").mkdir()
    (tmp_path / "nomodeltype" / "config.json").write_text(json.dumps({"hidden_size": 4096, "num_hidden_layers": 32}))
    small = 'n_layers = 4\nhidden_size = 256\nvocab_size = 1000\n[mlp]\nactivation = "swiglu"\nd_ff = 512\n'
    (tmp_path / "huge_head.toml").write_text(small + f"[attention]\nn_heads = 8\nhead_dim = {10**400}\n")
    (tmp_path / "huge_norms.toml").write_text(f"norms_per_layer = {10**30}\n" + small + "[attention]\nn_heads = 8\n")
    wrapped: dict[str, Any] = {"model_type": "llama", "hidden_size": 64}
    for _ in range(900):
        wrapped = {"model_type": "w", "text_config": wrapped}
    (tmp_path / "wrapped").mkdir()
    (tmp_path / "wrapped" / "config.json").write_text(json.dumps(wrapped))
    (tmp_path / "few_tokens.toml").write_text("unique_tokens = 1e12\nepochs = 1e-320\nseq_len = 4096\n")
    h100 = (Path(__file__).resolve().parent.parent / "presets" / "hardware" / "h100-sxm.toml").read_text()
    (tmp_path / "huge_memory.toml").write_text(re.sub(r"(?m)^memory_gib = .*$", "memory_gib = 1e300", h100))
    (tmp_path / "huge_claims.toml").write_text(
        'model = "llama-2-7b"\nhardware = "h100"\ntokens = 2e12\nseq_len = 4096\ngpus = 64\nmfu = 0.4\n'
        "[claims]\nflops = 1e300\ntokens = 1e300\ngpu_hours = 1e300\n"
    )
    (tmp_path / "fifo_presets" / "models").mkdir(parents=True)
    os.mkfifo(tmp_path / "fifo_presets" / "models" / "f.toml")
    (tmp_path / "alias_presets" / "hardware").mkdir(parents=True)
    (tmp_path / "alias_presets" / "hardware" / "x.toml").write_text(h100.replace("aliases = [", "aliases = 5 #["))
    (tmp_path / "nan").mkdir()
    (tmp_path / "nan" / "config.json").write_text('{"model_type": "llama", "hidden_size": NaN, "num_hidden_layers": 4}')
    return tmp_path


def assert_one_line(result: Any, code: int, fragments: list[str]) -> None:
    err = result.stderr
    assert result.exit_code == code, (result.exit_code, result.stdout[-500:], err)
    assert "Traceback" not in err and result.stdout == "", (result.stdout[-500:], err)
    assert err.startswith("gptcalc: error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


@pytest.mark.parametrize(("argv", "code", "fragments"), CORPUS, ids=[" ".join(c[0])[:60] for c in CORPUS])
def test_hostile_input(runner: CliRunner, hostile_dir: Path, argv: list[str], code: int, fragments: list[str]) -> None:
    fill = str(hostile_dir)
    result = run(runner, *[a.replace("{tmp}", fill) for a in argv])
    assert_one_line(result, code, [f.replace("{tmp}", fill) for f in fragments])
    # Special files are left as they were: still a FIFO, a folder, a link.
    assert stat.S_ISFIFO(os.stat(hostile_dir / "fifo").st_mode)
    assert (hostile_dir / "link-to-fifo").is_symlink() and (hostile_dir / "folder").is_dir()
    assert sorted(p.name for p in hostile_dir.iterdir() if p.name.startswith(".")) == []  # no temp file left


@pytest.mark.parametrize(("argv", "fragment"), WARNINGS, ids=[" ".join(c[0])[:60] for c in WARNINGS])
def test_odd_inputs_warn(runner: CliRunner, argv: list[str], fragment: str) -> None:
    result = run(runner, *argv)
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line]
    assert any(line.startswith("gptcalc: warning: ") and fragment in line for line in lines), result.stderr
    payload = json.loads(run(runner, *argv, "--json").stdout)
    assert any(fragment in w for w in payload["warnings"]), payload.get("warnings")


def test_no_warnings_key_for_ordinary_inputs(runner: CliRunner) -> None:
    payload = json.loads(run(runner, *TRAIN_7B, "--gpus", "8", "--mfu", "0.4", "--json").stdout)
    assert "warnings" not in payload


def test_thousands_groups_still_read(runner: CliRunner) -> None:
    # 25,000 GPUs is 25k: the same estimate either way.
    a = json.loads(run(runner, *TRAIN_7B, "--gpus", "25,000", "--mfu", "0.4", "--json").stdout)
    b = json.loads(run(runner, *TRAIN_7B, "--gpus", "25k", "--mfu", "0.4", "--json").stdout)
    assert a["gpus"] == b["gpus"] == 25_000 and a["days"] == b["days"]


def test_closed_stdout_is_one_line() -> None:
    # `gptcalc ... >&-`: Python starts with sys.stdout None; the script says so on stderr and exits 2.
    import subprocess
    import sys

    code = "import sys; sys.argv = ['gptcalc', 'params', 'llama-2-7b']; from gptcalc.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 0  # an open stdout: the control case
    closed = subprocess.run(
        [sys.executable, "-c", code], stderr=subprocess.PIPE, text=True, check=False, preexec_fn=lambda: os.close(1)
    )
    assert closed.returncode == 2 and closed.stderr.startswith("gptcalc: error: standard output is closed")
    assert "Traceback" not in closed.stderr


def test_link_to_a_regular_file_is_followed(runner: CliRunner, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    (tmp_path / "link.csv").symlink_to(real)
    result = run(runner, *SWEEP, "--csv", str(tmp_path / "link.csv"), "--json")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "link.csv").is_symlink() and real.read_text().startswith("mfu,")


def test_device_node_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    """The issue's reproduction: a fake /dev/null made with mknod inside the temporary folder."""
    fake = tmp_path / "fake"
    try:
        os.mknod(fake, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("mknod needs CAP_MKNOD")
    link = tmp_path / "link"
    link.symlink_to(fake)
    for target in (fake, link):
        result = run(runner, *SWEEP, "--csv", str(target))
        assert_one_line(result, 2, [str(target), "character device"])
        assert stat.S_ISCHR(os.stat(fake).st_mode)


def test_full_disk_is_one_line(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC while writing (simulated: the handle's write fails) names the path; no temporary file is left."""
    import gptcalc.cli.output as output

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd: int, *args: Any, **kwargs: Any) -> None:
            self._handle = real_fdopen(fd, *args, **kwargs)

        def write(self, _data: Any) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self._handle.close()

    monkeypatch.setattr(output.os, "fdopen", Full)
    target = tmp_path / "out.csv"
    result = run(runner, *SWEEP, "--csv", str(target))
    assert_one_line(result, 2, [str(target), os.strerror(errno.ENOSPC)])
    assert list(tmp_path.iterdir()) == []


def test_model_sweeps_check_hfu_point_by_point(runner: CliRunner) -> None:
    # One-layer and 120-layer GPT-4s in one sweep: each point is a legal run (no recomputation: HFU = MFU).
    result = run(runner, "sweep", "gpt-4-a100", "--vary", "model.n_layers=1,120", "--json")
    assert result.exit_code == 0, result.stderr


def test_huge_counts_print_short(runner: CliRunner) -> None:
    result = run(runner, "scenario", "gpt-4-a100", "--set", "gpus=1e300")
    assert result.exit_code == 0 and not re.search(r"\d{16,}", result.stdout), result.stdout


def test_extreme_values_print_short(runner: CliRunner) -> None:
    """MFU 1e-300 gives ~1e302 days: printed in scientific notation, never a 300-digit string."""
    result = run(runner, *TRAIN_7B, "--gpus", "8", "--mfu", "1e-300")
    assert result.exit_code == 0
    assert not re.search(r"\d{13,}", result.stdout), result.stdout
    assert "e+302" in result.stdout or "e+301" in result.stdout


def _script(*args: str, env: dict[str, str] | None = None, **kw: Any) -> Any:
    import subprocess
    import sys

    code = f"import sys; sys.argv = ['gptcalc', *{list(args)!r}]; from gptcalc.cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code], env={**os.environ, **(env or {})}, **kw)


def test_ascii_terminal_gets_no_traceback() -> None:
    import subprocess

    proc = _script(
        "serve", "llama-2-7b", env={"PYTHONIOENCODING": "ascii"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in err and b"us per kernel" not in out  # µ became '?'
    assert b"?s per kernel" in out


def test_reader_leaving_the_pipe_ends_quietly() -> None:
    import subprocess

    proc = _script("calibrate", "--rows", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()  # `| head -c 100`
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0 and err == b""


def test_matplotlib_that_cannot_start_is_one_line(tmp_path: Path) -> None:
    import subprocess

    pytest.importorskip("matplotlib")
    args = ("sweep", "gpt-4-a100", "--vary", "mfu=0.2..0.5:0.05", "--png", str(tmp_path / "p.png"))
    proc = _script(*args, env={"MPLBACKEND": "nosuchbackend"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and err.startswith(b"gptcalc: error: --png: matplotlib cannot start") and out == b""
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_killed_mid_write_leaves_nothing(tmp_path: Path, signame: str) -> None:
    # The signal arrives while the file is being written: the temporary file goes, the target never appears,
    # and the process still ends by that signal.
    import signal
    import subprocess
    import sys

    code = (
        "import os, signal\n"
        "from gptcalc.cli.output import write_atomic\n"
        "def write(handle):\n"
        "    handle.write('x' * 1000)\n"
        f"    os.kill(os.getpid(), signal.{signame})\n"
        "    handle.write('never')\n"
        f"write_atomic({str(tmp_path / 'out.csv')!r}, write)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == -getattr(signal, signame), done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag", ["--show-completion", "--install-completion"])
def test_completion_without_a_detectable_shell_is_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    # No shell among the parent processes (a detached job, a bare container): typer would print "Shell  not
    # supported." and exit 1.
    import shellingham

    def undetectable() -> None:
        raise shellingham.ShellDetectionFailure()

    monkeypatch.setattr(shellingham, "detect_shell", undetectable)
    result = run(runner, flag)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"gptcalc: error: {flag}: cannot tell which shell this is (none among the parent processes); print the"
        " script for yours with _GPTCALC_COMPLETE=source_bash gptcalc (or source_zsh, source_fish) and add it to"
        " the shell's startup file"
    )


def test_completion_script_without_detection() -> None:
    # The way out the message names: Click's completion variable prints a shell's script with no detection.
    import subprocess

    proc = _script(env={"_GPTCALC_COMPLETE": "source_bash"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"complete -o default -F _gptcalc_completion gptcalc" in out, err
