"""Formatting for people: three significant digits and SI suffixes. Only the render layer and the CLI call it."""

from __future__ import annotations

import math

_SI_STEPS: tuple[tuple[float, str], ...] = (
    (1e24, "Y"),
    (1e21, "Z"),
    (1e18, "E"),
    (1e15, "P"),
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
)


def sig3(value: float) -> str:
    """Three significant digits, no suffix, no trailing zeros beyond them (``1.83``, ``111``, ``0.0049``)."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    if not 1e-4 <= abs(value) < 1e6:  # never a 30-digit string: 1.23e+09, 4.56e-07
        return f"{value:.3g}"
    digits = 2 - math.floor(math.log10(abs(value)))
    rounded = round(value, digits)
    if digits <= 0:
        return f"{rounded:.0f}"
    return f"{rounded:.{digits}f}"


def fmt_si(value: float, unit: str = "", *, billions: str = "G") -> str:
    """Format with an SI suffix and three significant digits: ``fmt_si(1.83e12) == '1.83T'``.

    ``billions`` picks the 1e9 suffix: ``B`` for parameter counts (the field's habit), ``G`` elsewhere.
    """
    if not math.isfinite(value):
        return f"{value}"
    magnitude = abs(value)
    for scale, suffix in _SI_STEPS:
        if magnitude >= scale * 0.9995:
            label = billions if suffix == "G" else suffix
            if suffix in ("Y", "Z") and unit == "":
                return f"{value:.3g}"
            return f"{sig3(value / scale)}{label}{unit}"
    return f"{sig3(value)}{unit}" if unit else sig3(value)


def fmt_whole(value: float) -> str:
    """A count of GPUs or batches: ``25,000`` with separators; beyond 10^15, scientific (``1.11e+299``), never a
    long row of digits."""
    return f"{value:,.0f}" if abs(value) < 1e15 else f"{value:.3g}"


def fmt_count(value: float) -> str:
    """Parameter or token counts: ``1.83T``, ``111B``, ``46.7B``."""
    return fmt_si(value, billions="B")


def fmt_flops(value: float, unit: str = "FLOP") -> str:
    """FLOPs: SI prefixes up to peta, scientific beyond (``560 GFLOP``, ``2.18e25 FLOP``)."""
    if abs(value) >= 1e18:
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{mantissa}e{int(exponent)} {unit}"
    for scale, prefix in _SI_STEPS:
        if abs(value) >= scale * 0.9995:
            return f"{sig3(value / scale)} {prefix}{unit}"
    return f"{sig3(value)} {unit}"


def fmt_bytes(value: float) -> str:
    """Bytes in binary units: ``75.3 GiB``."""
    magnitude = abs(value)
    for scale, suffix in ((1024.0**4, "TiB"), (1024.0**3, "GiB"), (1024.0**2, "MiB"), (1024.0, "KiB")):
        if magnitude >= scale * 0.9995:
            return f"{sig3(value / scale)} {suffix}"
    return f"{value:.0f} B"


def fmt_usd(value: float) -> str:
    """Money: ``$63.0M``, ``$2.00``, ``$0.00490``."""
    if abs(value) >= 1e3:
        return "$" + fmt_si(value, billions="B")
    return "$" + sig3(value)


def fmt_pct(value: float) -> str:
    """A fraction as a percentage with three significant digits: ``0.342 -> '34.2%'``."""
    return f"{sig3(value * 100)}%"


def fmt_seconds(value: float) -> str:
    """Durations: ms below a second, s below a minute, then minutes, hours and days."""
    magnitude = abs(value)
    if magnitude < 1e-3:
        return f"{sig3(value * 1e6)} µs"
    if magnitude < 1:
        return f"{sig3(value * 1e3)} ms"
    if magnitude < 120:
        return f"{sig3(value)} s"
    if magnitude < 7200:
        return f"{sig3(value / 60)} min"
    if magnitude < 3 * 86400:
        return f"{sig3(value / 3600)} h"
    return f"{sig3(value / 86400)} days"
