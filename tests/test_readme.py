"""The README's first commands are what CI runs, and its walkthrough commands run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
