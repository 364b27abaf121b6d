"""Terminal charts as plain text (rendered by rich): bars, line charts, tornado charts."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

BLOCKS = " ▏▎▍▌▋▊▉█"


def _bar(fraction: float, width: int) -> str:
    """A bar of ``fraction`` x ``width`` cells with eighth-cell resolution."""
    cells = max(0.0, min(fraction, 1.0)) * width
    full = int(cells)
    rest = round((cells - full) * 8)
    if rest == 8:
        full, rest = full + 1, 0
    return "█" * full + (BLOCKS[rest] if rest else "")


def bar_chart(
    items: Sequence[tuple[str, float]],
    scale: float,
    fmt: Callable[[float], str],
    width: int = 40,
    marker: float | None = None,
) -> str:
    """Horizontal bars, one per item, scaled so that ``scale`` fills ``width`` cells.

    ``marker`` draws a ``|`` at that value on an extra axis line (e.g. the GPU's capacity).
    """
    label_w = max((len(label) for label, _ in items), default=0)
    lines = [
        f"{label:<{label_w}} {_bar(value / scale if scale else 0, width):<{width}} {fmt(value)}"
        for label, value in items
    ]
    if marker is not None and scale:
        pos = min(round(marker / scale * width), width)
        lines.append(f"{'':<{label_w}} {'─' * pos}┤ {fmt(marker)}")
    return "\n".join(lines)


def line_chart(
    xs: Sequence[float],
    series: Mapping[str, Sequence[float]],
    *,
    width: int = 60,
    height: int = 14,
    log_x: bool = False,
    log_y: bool = False,
    x_fmt: Callable[[float], str] = lambda v: f"{v:g}",
    y_fmt: Callable[[float], str] = lambda v: f"{v:.3g}",
    marks: Mapping[str, float] | None = None,
) -> str:
    """A text line chart of one or more series over ``xs``; ``marks`` draws labelled horizontal lines. Long
    series are thinned to a few points per character cell (every k-th point and the last): the chart cannot
    show more, and a million-point sweep charts in milliseconds."""
    limit = 8 * width
    if len(xs) > limit:
        k = math.ceil(len(xs) / limit)
        keep = [*range(0, len(xs), k)] + ([len(xs) - 1] if (len(xs) - 1) % k else [])
        xs = [xs[i] for i in keep]
        series = {name: [ys[i] for i in keep] for name, ys in series.items()}

    def tx(v: float) -> float:
        return math.log10(v) if log_x else v

    def ty(v: float) -> float:
        return math.log10(v) if log_y else v

    points = [(x, y) for ys in series.values() for x, y in zip(xs, ys, strict=True) if _finite(y, log_y)]
    ys_all = [y for _, y in points] + list((marks or {}).values())
    if not points:
        return "(nothing to plot)"
    x_lo, x_hi = tx(min(xs)), tx(max(xs))
    y_lo, y_hi = ty(min(ys_all)), ty(max(ys_all))
    if not y_hi > y_lo:  # one value: widen around it, relative so that huge values still get a span
        pad = abs(y_lo) or 1.0
        y_lo, y_hi = y_lo - pad, y_hi + pad
    if not x_hi > x_lo:
        pad = abs(x_lo) or 1.0
        x_lo, x_hi = x_lo - pad, x_hi + pad
    grid = [[" "] * width for _ in range(height)]
    glyphs = "●◆■▲*+o"

    def place(x: float, y: float, ch: str) -> None:
        col = round((tx(x) - x_lo) / (x_hi - x_lo) * (width - 1))
        row = height - 1 - round((ty(y) - y_lo) / (y_hi - y_lo) * (height - 1))
        grid[row][col] = ch

    for label, value in (marks or {}).items():
        mark_row = height - 1 - round((ty(value) - y_lo) / (y_hi - y_lo) * (height - 1))
        for col in range(width):
            if grid[mark_row][col] == " ":
                grid[mark_row][col] = "┄"
        tag = f" {label}"
        start = max(0, width - len(tag))
        for i, ch in enumerate(tag):
            grid[mark_row][start + i] = ch
    for i, (_, ys) in enumerate(series.items()):
        for x, y in zip(xs, ys, strict=True):
            if _finite(y, log_y):
                place(x, y, glyphs[i % len(glyphs)])
    top, bottom = y_fmt(10**y_hi if log_y else y_hi), y_fmt(10**y_lo if log_y else y_lo)
    margin = max(len(top), len(bottom))
    lines = []
    for r, row in enumerate(grid):
        label = top if r == 0 else bottom if r == height - 1 else ""
        lines.append(f"{label:>{margin}} ┤{''.join(row)}")
    lines.append(f"{'':>{margin}} └{'─' * width}")
    left, right = x_fmt(min(xs)), x_fmt(max(xs))
    lines.append(f"{'':>{margin}}  {left}{right:>{width - len(left)}}")
    legend = "   ".join(f"{glyphs[i % len(glyphs)]} {name}" for i, name in enumerate(series))
    lines.append(f"{'':>{margin}}  {legend}")
    return "\n".join(lines)


def _finite(y: float, log: bool) -> bool:
    return math.isfinite(y) and (y > 0 or not log)


def tornado(rows: Sequence[tuple[str, float, float]], base: float, fmt: Callable[[float], str], width: int = 50) -> str:
    """A tornado chart: for each input, the output at its low and high end around ``base``, largest first."""
    ordered = sorted(rows, key=lambda r: -abs(r[2] - r[1]))
    span = max((max(abs(lo - base), abs(hi - base)) for _, lo, hi in ordered), default=0.0) or 1.0
    half = width // 2
    label_w = max((len(r[0]) for r in ordered), default=0)
    lines = []
    for label, lo, hi in ordered:
        left_val, right_val = min(lo, hi), max(lo, hi)
        left = round((base - left_val) / span * half) if left_val < base else 0
        right = round((right_val - base) / span * half) if right_val > base else 0
        bar = " " * (half - left) + "▇" * left + "│" + "▇" * right + " " * (half - right)
        lines.append(f"{label:<{label_w}} {fmt(left_val):>9} {bar} {fmt(right_val)}")
    lines.append(f"{'':<{label_w}} {'':>9} {' ' * half}▲ {fmt(base)}")
    return "\n".join(lines)
