"""Warnings of one CLI call: printed on stderr as they come, and listed as ``warnings`` in ``--json``."""

from __future__ import annotations

import sys
from collections.abc import Iterable

_collected: list[str] = []


def warn(lines: Iterable[str]) -> None:
    """Print each line as ``gptcalc: warning: ...`` on stderr and keep it for ``--json``."""
    for line in lines:
        if line not in _collected:
            _collected.append(line)
            sys.stderr.write(f"gptcalc: warning: {line}\n")


def collected() -> list[str]:
    return list(_collected)


def reset() -> None:
    """Forget the warnings of a previous call (the CLI runs many calls in one process under tests)."""
    _collected.clear()
