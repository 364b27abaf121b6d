"""Presentation: rich tables, the assumptions block, JSON output. Formatting happens only here."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from gptcalc.specs.quantities import Range

Formatter = Callable[[float], str]


def console() -> Console:
    """stdout console; wide enough that tables do not wrap when piped."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


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
) -> Table:
    """A rich table; the first ``text_columns`` columns are left-aligned, the (numeric) rest right-aligned."""
    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for i, col in enumerate(columns):
        t.add_column(col, justify="left" if i < text_columns else "right", no_wrap=i == 0)
    for i, row in enumerate(rows):
        t.add_row(*row, style="bold green" if highlight is not None and i == highlight else None)
    return t


def assumptions(lines: Iterable[str]) -> str:
    """The short block of every default and convention a result used."""
    body = "\n".join(f"  - {line}" for line in lines)
    return f"[dim]Assumptions:\n{body}[/dim]"
