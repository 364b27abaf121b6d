"""Files the CLI writes on request (CSV, PNG): atomically, through a temporary sibling, never half-written."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gptcalc.errors import InputError
from gptcalc.sweep import SweepResult


def write_atomic(path: str | Path, write: Callable[[Any], None], binary: bool = False) -> None:
    """Write a file through a temporary sibling and rename it into place: never half-written."""
    target = Path(path)
    if not str(path).strip() or target.name in ("", ".", ".."):
        raise InputError(f"output file: {str(path)!r} is not a file name")
    if target.is_dir():
        raise InputError(f"output file: {target} is a folder; give a file name inside it")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"output file: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb" if binary else "w", newline="" if not binary else None) as handle:
            write(handle)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the permissions open() would
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(result: SweepResult, path: str | Path) -> None:
    """The sweep's columns as CSV, written atomically."""

    def write(handle: Any) -> None:
        writer = csv.writer(handle)
        writer.writerow(list(result.columns))
        for row in zip(*result.columns.values(), strict=True):
            writer.writerow([f"{v:.10g}" for v in row])

    write_atomic(path, write)
