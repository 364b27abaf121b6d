"""Files the CLI writes on request (CSV, PNG): atomically, through a temporary sibling, never half-written."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from gptcalc.accel import numpy_or_none
from gptcalc.cli.fastcsv import csv_rows
from gptcalc.errors import InputError
from gptcalc.sweep import SweepResult


def write_atomic(path: str | Path, write: Callable[[Any], None], binary: bool = False) -> None:
    """Write a file through a temporary sibling and rename it into place: never half-written, never anything
    but a regular file. An existing target that is not a regular file (a device, FIFO, socket, folder, or a
    link to one) is refused; a link to a regular file is followed and the file it names is replaced. Every OS
    error becomes one :class:`InputError` naming the path."""
    with _signals_raise():
        _write_atomic(path, write, binary)


class _Stopped(BaseException):
    """A termination signal arrived while a file was being written (see :func:`_signals_raise`)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While a file is written, SIGTERM and SIGHUP raise (so the temporary file is removed on the way out), then
    the signal is delivered again as it would have been: the process still ends by it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise _Stopped(signum)

    signums = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, stop) for s in signums}
    stopped: int | None = None
    try:
        yield
    except _Stopped as err:
        stopped = err.signum
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if stopped is not None:
        os.kill(os.getpid(), stopped)
        raise SystemExit(128 + stopped)  # a handler that returned: end as the signal would have


def _write_atomic(path: str | Path, write: Callable[[Any], None], binary: bool) -> None:
    given = Path(path)
    target = check_target(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent if str(target.parent) else Path("."))
    except OSError as err:
        raise InputError(f"output file: cannot write {given}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", newline="" if not binary else None) as handle:
            write(handle)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the permissions open() would
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"output file: cannot write {given}: {err.strerror or err}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_target(path: str | Path) -> Path:
    """The file :func:`write_atomic` would replace (a link to a regular file resolved), or an
    :class:`InputError` when it cannot be written there: commands call it before computing."""
    if not str(path).strip() or Path(path).name in ("", ".", ".."):
        raise InputError(f"output file: {str(path)!r} is not a file name")
    given = Path(path)
    try:
        target = Path(os.path.realpath(given)) if given.is_symlink() else given
        if os.path.lexists(target):
            mode = os.stat(target).st_mode
            if stat.S_ISDIR(mode):
                raise InputError(f"output file: {given} is a folder; give a file name inside it")
            if not stat.S_ISREG(mode):
                raise InputError(
                    f"output file: {given} exists and is not a regular file ({_kind(mode)}); refusing to replace it"
                )
        elif given.is_symlink():
            raise InputError(f"output file: {given} is a link to {target}, which does not exist")
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(f"output file: folder {folder} does not exist")
    except OSError as err:
        raise InputError(f"output file: cannot write {given}: {err.strerror or err}") from None
    return target


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def write_csv(result: SweepResult, path: str | Path) -> None:
    """The sweep's columns as CSV, written atomically."""

    def write(handle: Any) -> None:
        header = io.StringIO(newline="")
        csv.writer(header).writerow(list(result.columns))
        handle.write(header.getvalue().encode())
        # Numbers need no quoting: one %-format per row is the csv module's output (\r\n endings), ~5x faster;
        # numpy, when installed, writes the same bytes for big sweeps ~2x faster again (gptcalc.cli.fastcsv).
        np = numpy_or_none(result.points)
        if np is not None:
            arrays = result._arrays or {}  # the sweep's own arrays, when it made them: no second conversion
            columns = [arrays.get(k, v) for k, v in result.columns.items()]
            for block in csv_rows(np, columns):
                handle.write(block)
            return
        line = ",".join(["%.10g"] * len(result.columns)) + "\r\n"
        rows = zip(*result.columns.values(), strict=True)
        while chunk := list(itertools.islice(rows, 65_536)):
            handle.write("".join([line % row for row in chunk]).encode())

    write_atomic(path, write, binary=True)
