"""The README's first commands are what CI runs, and its walkthrough commands run."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import run
from tests.test_cli_foundation import assert_one_line_error

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[list[str]]:
    """Every `gptcalc ...` command line quoted in README.md, as tools/snapshot_readme.py extracts it (as argv,
    --json added where the command has it, --png/--csv file arguments left out)."""
    spec = importlib.util.spec_from_file_location("snapshot_readme", ROOT / "tools" / "snapshot_readme.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    commands: list[list[str]] = module.readme_commands()
    return commands


README_COMMANDS = _readme_commands()
# README mentions that are not meant to run as written, each with its reason. They must fail cleanly.
NOT_RUNNABLE = {
    "params path/to/config.json --json": "the command table's example points at a placeholder path",
    "solve --json": "prose names the command (`gptcalc solve` does that search) without its arguments",
    "audit --json": "prose names the command (`gptcalc audit` puts each claim ...) without a scenario",
    "train llama-2-7b --tokens 2T --gpus 1,2 --mfu 0.4 --json": "the bad-input examples fail on purpose",
    "train llama-2-7b --tokens 2T --days 1e300 --mfu 0.4 --json": "the bad-input examples fail on purpose",
    "solve --total 1.8T --experts 16 --json": "the bad-input examples fail on purpose",
    "train llama-2-7b --tokens 2T --gpus 8 --days 1 --json": "the bad-input examples fail on purpose",
}


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block is not None
    install_and_run, install_and_test = block.group(1).strip().splitlines()[:2]
    assert "pip install ." in install_and_run and "gptcalc " in install_and_run
    ci = (ROOT / ".ci" / "run").read_text()
    assert install_and_test in ci


def test_package_exports_resolve() -> None:
    import gptcalc

    for name in gptcalc.__all__:
        assert getattr(gptcalc, name) is not None


def test_the_readme_quotes_commands_and_every_exclusion_is_one_of_them() -> None:
    keys = {" ".join(argv) for argv in README_COMMANDS}
    assert len(keys) >= 30  # the walkthrough, the command table and the prose
    assert set(NOT_RUNNABLE) <= keys, set(NOT_RUNNABLE) - keys


@pytest.mark.parametrize("argv", README_COMMANDS, ids=" ".join)
def test_readme_command_runs(runner: CliRunner, argv: list[str]) -> None:
    result = run(runner, *argv)
    key = " ".join(argv)
    if key in NOT_RUNNABLE:
        # Not runnable as quoted, but a user who types it gets the one-line error, not a traceback.
        assert_one_line_error(result)
        return
    assert result.exit_code == 0, (key, result.stderr)
    assert "Traceback" not in result.stderr
    if "--json" in argv:
        assert isinstance(json.loads(result.stdout), dict), key  # exactly one JSON object on stdout
    else:
        assert result.stdout.strip(), key


# The walkthrough's excerpts that must be rows of the real output, verbatim (others are condensed on purpose).
VERBATIM = ("memory", "audit")


def _excerpts() -> list[tuple[list[str], list[str]]]:
    """(argv, excerpt lines) for each `$ gptcalc <memory|audit> ...` of a console block and the lines after it."""
    out: list[tuple[list[str], list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", (ROOT / "README.md").read_text(), re.S):
        current: tuple[list[str], list[str]] | None = None
        for line in block.splitlines():
            if line.startswith("$ gptcalc "):
                argv = line[len("$ gptcalc ") :].split("  #")[0].split()
                current = (argv, []) if argv[0] in VERBATIM else None
                if current is not None:
                    out.append(current)
            elif current is not None and line.strip():
                current[1].append(line.rstrip())
    return out


@pytest.mark.parametrize(("argv", "lines"), _excerpts(), ids=lambda v: " ".join(v)[:40] if v else "")
def test_readme_excerpts_are_real_output(runner: CliRunner, argv: list[str], lines: list[str]) -> None:
    assert lines, argv
    result = run(runner, *argv)
    assert result.exit_code == 0, result.stderr
    real = {line.rstrip() for line in result.stdout.splitlines()}
    for line in lines:
        assert line in real, (line, result.stdout)
