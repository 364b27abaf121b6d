"""Start-up of the ``gptcalc`` script: pydantic's plugin lookup is skipped only where pydantic would skip it.

Each case runs in a fresh interpreter: the test process has long since imported pydantic's own loader.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, os, sys
from gptcalc.cli import plugins
installed = plugins.install()
from pydantic import BaseModel

class Point(BaseModel):
    x: int

Point(x=1)
loader = sys.modules.get(plugins.NAME)
after_validation = "importlib.metadata" in sys.modules
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "some-plugin"  # plugins on, one named off: pydantic's own loader answers
plugins_now = list(loader.get_plugins()) if loader is not None else None
print(json.dumps({
    "installed": installed,
    "stand_in": type(loader).__name__,
    "metadata_after_validation": after_validation,
    "plugins_now": plugins_now,
    "group": getattr(loader, "PYDANTIC_ENTRY_POINT_GROUP", None),
    "metadata_at_end": "importlib.metadata" in sys.modules,
}))
"""


def _probe(value: str | None) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if value is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = value
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("value", ["__all__", "1", "true"])
def test_disabled_plugins_skip_the_lookup_and_its_import(value: str) -> None:
    got = _probe(value)
    assert got["installed"] is True and got["stand_in"] == "_Loader"
    # Validation ran without importing importlib.metadata (the cost the stand-in saves) ...
    assert got["metadata_after_validation"] is False
    # ... and once plugins are switched on, pydantic's own loader is loaded and answers (no plugins installed
    # here), its other names reachable through the stand-in.
    assert got["plugins_now"] == [] and got["group"] == "pydantic" and got["metadata_at_end"] is True


@pytest.mark.parametrize("value", [None, "", "some-plugin"])
def test_enabled_plugins_keep_pydantic_loader(value: str | None) -> None:
    got = _probe(value)
    assert got["installed"] is False and got["stand_in"] == "module"
    assert got["metadata_after_validation"] is True


def test_script_run_installs_it_and_answers() -> None:
    # The gptcalc script sets the variable (unless the user did) and answers without importing the lookup.
    # The script ends without the interpreter's teardown (gptcalc.cli._exit_now) but runs exit callbacks first.
    code = (
        "import atexit, sys, runpy\n"
        "atexit.register(lambda: print('METADATA', 'importlib.metadata' in sys.modules, file=sys.stderr))\n"
        "sys.argv = ['gptcalc', 'params', 'llama-2-7b', '--json']\n"
        "runpy.run_module('gptcalc', run_name='__main__')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 6_738_415_616  # Llama-2-7B, as transformers instantiates it
    assert "METADATA False" in done.stderr


def test_script_run_collects_garbage_less_often() -> None:
    from gptcalc.cli import GC_THRESHOLD

    code = (
        "import atexit, gc, sys, runpy\n"
        "atexit.register(lambda: print('THRESHOLD', gc.get_threshold()[0], gc.isenabled(), file=sys.stderr))\n"
        "sys.argv = ['gptcalc', 'params', 'llama-2-7b', '--json']\n"
        "runpy.run_module('gptcalc', run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert f"THRESHOLD {GC_THRESHOLD} True" in done.stderr
    # A library import (a notebook, the tests) leaves the interpreter's collector as it was.
    lib = subprocess.run(
        [sys.executable, "-c", "import gc, gptcalc.cli; print(gc.get_threshold()[0])"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    bare = subprocess.run(
        [sys.executable, "-c", "import gc; print(gc.get_threshold()[0])"], capture_output=True, text=True, timeout=60
    )
    assert lib.stdout.strip() == bare.stdout.strip() != str(GC_THRESHOLD)


TEARDOWN = """
import atexit, sys, runpy

class Witness:
    def __del__(self):  # runs in the interpreter's teardown, which a finished script run skips
        sys.stderr.write("TEARDOWN\\n")

sys.modules["__main__"].witness = Witness()
atexit.register(lambda: sys.stderr.write("CALLBACK\\n"))
sys.argv = ["gptcalc", *sys.argv[1:]]
runpy.run_module("gptcalc", run_name="__main__")
"""


@pytest.mark.parametrize(
    ("argv", "code"),
    [(["params", "llama-2-7b", "--json"], 0), (["params", "no-such-model"], 2), (["flops", "--tokens", "-1"], 2)],
)
def test_finished_script_run_skips_teardown_only(argv: list[str], code: int) -> None:
    done = subprocess.run([sys.executable, "-c", TEARDOWN, *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == code
    lines = done.stderr.splitlines()
    # Exit callbacks ran, the interpreter's teardown did not, and the answer or the one-line error was written whole.
    assert "CALLBACK" in lines and "TEARDOWN" not in lines
    if code == 0:
        assert json.loads(done.stdout)["total"] == 6_738_415_616
    else:
        assert lines[0].startswith("gptcalc: error: ") and done.stdout == ""


def test_library_use_keeps_teardown() -> None:
    # gptcalc.cli.main() outside the script (a test, a notebook) raises SystemExit as before and exits normally.
    code = TEARDOWN.replace('sys.argv = ["gptcalc", *sys.argv[1:]]', 'sys.argv = ["python", *sys.argv[1:]]').replace(
        'runpy.run_module("gptcalc", run_name="__main__")',
        "from gptcalc.cli import main\ntry:\n    main()\nexcept SystemExit as stop:\n    print('EXIT', stop.code)",
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "params", "llama-2-7b"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "EXIT 0" in done.stdout
    assert "TEARDOWN" in done.stderr.splitlines()
