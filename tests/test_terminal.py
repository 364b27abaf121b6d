"""At home in a terminal: readable at 80 columns without cut numbers, thousands separators, --version."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from gptcalc import __version__

RUN = ["--tokens", "1T", "--gpus", "1k", "--mfu", "0.4"]
NARROW = [
    ["train", "llama-2-7b", "--tokens", "1.8T..2.2T", "--gpus", "8", "--mfu", "0.3..0.5"],
    ["train", "llama-2-7b", "--tokens", "2T", "--gpus", "8", "--mfu", "1e-300"],
    ["audit", "gpt-4-a100"],
    ["scenario", "gpt-4-a100"],
    ["sensitivity", "gpt-4-a100"],
    ["fit", "gpt-4", "--hardware", "a100-80gb"],
    ["fit", "llama-2-70b", "--serve"],
    ["compare", "llama-2-7b", "llama-2-70b", "gpt-4", "--hardware", "h100", *RUN],
    ["memory", "gpt-4", "--hardware", "a100-80gb", "--tp", "8", "--pp", "15"],
    ["serve", "llama-2-70b", "--gpus", "4"],
    ["flops", "gpt-4"],
    ["params", "gpt-4"],
    ["plan", "--budget", "10M"],
    ["solve", "--total", "1.8T"],
    ["sweep", "gpt-4-a100", "--vary", "mfu=0.2..0.5:0.05"],
]
# A number cut by an ellipsis: a digit, or a digit and a unit letter, right before "…".
CUT_NUMBER = re.compile(r"[\d.,]+[A-Za-z%$]{0,4}…")


@pytest.mark.parametrize("argv", NARROW, ids=[" ".join(a)[:50] for a in NARROW])
def test_readable_at_80_columns(argv: list[str]) -> None:
    from gptcalc.cli.app import app

    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    for line in result.stdout.splitlines():
        assert cell_len(line) <= 80, line
        assert not CUT_NUMBER.search(line), line


def test_thousands_separators(runner: CliRunner) -> None:
    from gptcalc.cli.app import app

    # 32k = 32,768 tokens (binary k for lengths); 1,024 sequences.
    assert "32,768 tokens" in runner.invoke(app, ["flops", "gpt-4", "--seq-len", "32k"]).stdout
    out = runner.invoke(app, ["serve", "llama-2-70b", "--gpus", "8", "--batch", "1024", "--prompt", "128"]).stdout
    assert "1,024 sequences" in out


def test_version(runner: CliRunner) -> None:
    from gptcalc.cli.app import app

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"gptcalc {__version__}\n"


def test_every_command_is_mapped_to_its_module() -> None:
    """The script registers only the invoked command's module: the map must know every command and module."""
    from pathlib import Path

    import typer.main

    from gptcalc import cli

    group = typer.main.get_command(cli.app)
    names = set(group.commands)  # type: ignore[attr-defined]
    assert names == set(cli.COMMANDS), names ^ set(cli.COMMANDS)
    on_disk = {p.stem for p in Path(cli.__file__).parent.glob("cmd_*.py")}
    assert on_disk == set(cli.MODULES) and set(cli.COMMANDS.values()) == on_disk
    for name, module in cli.COMMANDS.items():
        callback = group.commands[name].callback  # type: ignore[attr-defined]
        assert callback is not None and module in callback.__module__, (name, callback.__module__)
