"""Presentation: rich tables, the assumptions block, JSON output. Formatting happens only here."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from gptcalc.specs.quantities import Range

if TYPE_CHECKING:  # rich is imported when something is drawn, not when a command module loads
    from rich.console import Console
    from rich.table import Table

Formatter = Callable[[float], str]


def console() -> Console:
    """stdout console: the terminal's width (or $COLUMNS); 120 columns when piped without $COLUMNS."""
    import os

    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # The reader left (`gptcalc ... | head -1`): rich's hook exits 1; what the reader wanted was written,
            # so end as gptcalc.cli.main does, quietly with 0.
            self.quiet = True
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(0)

    return _Console(highlight=False, width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120)


def to_jsonable(value: Any) -> Any:
    """Plain JSON types: models to dicts, exact ranges to numbers, others to {low, mid, high}."""
    if isinstance(value, Range):
        return value.mid if value.is_exact else {"low": value.low, "mid": value.mid, "high": value.high}
    if isinstance(value, BaseModel):
        return {k: to_jsonable(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def print_json(payload: Mapping[str, Any] | BaseModel) -> None:
    """Exactly one JSON object on stdout; the call's warnings (if any) as its ``warnings`` list."""
    from gptcalc.cli import notices

    data = to_jsonable(payload)
    if notices.collected() and isinstance(data, dict):
        data["warnings"] = notices.collected()
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def cell(value: Any, fmt: Formatter) -> str:
    """One value for a table cell; a range shows as ``mid (low–high)``."""
    if isinstance(value, Range):
        if value.is_exact:
            return fmt(value.mid)
        return f"{fmt(value.mid)} ({fmt(value.low)}–{fmt(value.high)})"
    if value is None:
        return "–"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt(float(value))
    return str(value)


def table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    highlight: int | None = None,
    text_columns: int = 1,
    wrap: Sequence[int] = (),
) -> Table:
    """A rich table for any terminal width: the first ``text_columns`` columns (and those in ``wrap``) are
    left-aligned text that wraps and folds; the other (numeric) columns are right-aligned and may break only at
    spaces (``1.2M (1.1M–1.3M)`` over two lines), never inside a number: each is at least as wide as its
    longest word."""
    from rich.table import Table
    from rich.text import Text

    rows = [list(row) for row in rows]
    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for i, col in enumerate(columns):
        if i < text_columns or i in wrap:
            t.add_column(col, justify="left", overflow="fold")
            continue
        words = [w for r in rows if i < len(r) for w in Text.from_markup(r[i]).plain.split()]
        longest = max([len(w) for w in words] + [len(w) for w in col.split()], default=1)
        t.add_column(col, justify="right", min_width=longest, overflow="fold")
    for i, row in enumerate(rows):
        t.add_row(*row, style="bold green" if highlight is not None and i == highlight else None)
    return t


def assumptions(lines: Iterable[str]) -> str:
    """The short block of every default and convention a result used."""
    body = "\n".join(f"  - {line}" for line in lines)
    return f"[dim]Assumptions:\n{body}[/dim]"
