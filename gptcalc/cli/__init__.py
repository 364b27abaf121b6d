"""Command-line interface: thin wrappers that parse, load, call the library and render.

A run of the ``gptcalc`` script builds only the command it runs: the package reads the command name from
the script's arguments and :mod:`gptcalc.cli.app` imports just the module that defines it and builds just that
command (all of them for ``--help``, an unknown name, or any other use of the package, such as tests and
notebooks). A script run also skips pydantic's plugin lookup (:mod:`gptcalc.cli.plugins`), collects garbage
every :data:`GC_THRESHOLD` allocations, and once finished ends without the interpreter's teardown
(:func:`_exit_now`); README "Speed" has the measures.
"""

from __future__ import annotations

import atexit
import gc
import io
import os
import sys
import threading

from gptcalc.cli import plugins

GC_THRESHOLD = 100_000  # allocations between young-generation collections in a run of the script

# The module of each command; MODULES is the order of `gptcalc --help`.
MODULES = ("cmd_presets", "cmd_params", "cmd_compute", "cmd_step", "cmd_memory", "cmd_serve", "cmd_plan")
COMMANDS: dict[str, str] = {
    "presets": "cmd_presets",
    "show": "cmd_presets",
    "params": "cmd_params",
    "flops": "cmd_compute",
    "train": "cmd_compute",
    "scenario": "cmd_compute",
    "audit": "cmd_compute",
    "compare": "cmd_compute",
    "step": "cmd_step",
    "calibrate": "cmd_step",
    "memory": "cmd_memory",
    "fit": "cmd_memory",
    "serve": "cmd_serve",
    "plan": "cmd_plan",
    "solve": "cmd_plan",
    "sweep": "cmd_plan",
    "sensitivity": "cmd_plan",
}


def _selection() -> tuple[str, ...] | None:
    """The command modules a run of the ``gptcalc`` script needs (None: all of them, as for any other use)."""
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    script = program in ("gptcalc", "gptcalc.exe") or sys.argv[0].endswith(os.path.join("gptcalc", "__main__.py"))
    first = sys.argv[1] if script and len(sys.argv) > 1 else ""
    global script_run
    script_run = script
    if script:
        # The CLI validates its own specs: looking for pydantic plugins would scan every installed package's
        # metadata (~30 ms) on the first validation, and importing the lookup costs as much again
        # (gptcalc.cli.plugins). A user's own setting of the variable wins.
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        plugins.install()
        # A run of the script is short: a young-generation collection every 100,000 allocations rather than
        # every 700 keeps cyclic garbage bounded while sparing start-up (imports build ~100k objects) most of the
        # collections. Measured: serve 972 -> 957M instructions (callgrind), the 1e6-point --csv sweep
        # 1.86 -> 1.59 s, peak memory unchanged (tests/test_startup.py checks the setting).
        gc.set_threshold(GC_THRESHOLD)
    if first in COMMANDS:
        global invoked
        invoked = first
        return (COMMANDS[first],)
    return () if first == "--version" else None


# Read by gptcalc.cli.app when it registers the commands: the command modules to import, and the one command
# to build from them (None: every command the modules define).
invoked: str | None = None
script_run = False  # this process is a run of the gptcalc script (set by _selection)
selected = _selection()

from gptcalc.cli.app import app  # noqa: E402  (after `selected`: importing it registers the commands)


def main() -> None:
    """Entry point of the ``gptcalc`` script."""
    if sys.stdout is None or sys.stderr is None:
        # Started with stdout or stderr closed (`gptcalc ... >&-`): Python leaves them None; say so where possible.
        if sys.stderr is not None:
            sys.stderr.write("gptcalc: error: standard output is closed; nothing to write the answer to\n")
        raise SystemExit(2)
    for stream in (sys.stdout, sys.stderr):
        # A terminal or pipe that cannot encode a character (LANG=C, PYTHONIOENCODING=ascii) gets '?' for it
        # (µ, box lines), never a UnicodeEncodeError.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    try:
        try:
            app()
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader left (`gptcalc ... | head -1`): what it wanted was written. Point stdout at /dev/null so the
        # interpreter's final flush does not fail again, and exit 0 as a finished pipeline stage does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0) from None
    except SystemExit as stop:
        if script_run and (stop.code is None or isinstance(stop.code, int)):
            _exit_now(stop.code or 0)
        raise


def _exit_now(code: int) -> None:
    """End a finished run of the script without the interpreter's teardown.

    Tearing down the modules and freeing every object takes ~60M instructions of a ~770M call (callgrind), more
    after a big sweep, and serves no one once the answer is written. The exit callbacks still run first
    (coverage, matplotlib, the CSV writer's threads), then both streams are flushed; with another thread alive, a
    callback API missing, or a stream that cannot be flushed, the interpreter ends as usual instead.
    """
    run_callbacks = getattr(atexit, "_run_exitfuncs", None)
    if run_callbacks is None or threading.active_count() > 1:
        return
    run_callbacks()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a reader that left, a closed stream: let the usual exit deal with it
        return
    os._exit(code)


__all__ = ["app", "main"]
