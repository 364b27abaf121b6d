"""Human quantities in and out: ``1.8T``, ``111B``, ``8k``, ``13e12``, ``$63M``, ``34%``, ``0.32..0.36``.

Parsing conventions (documented in the README):

* Counts, FLOPs, money and rates use decimal SI suffixes: k=1e3, M=1e6, B=G=1e9, T=1e12, P=1e15, E=1e18.
* Token *lengths* (sequence length, context, prompt and output lengths) use the field's binary habit:
  ``8k`` context is 8,192 tokens and ``1M`` is 1,048,576. :func:`parse_length` applies it.
* ``x..y`` is a range (low..high), ``x..m..y`` a range with an explicit central value.

Formatting keeps three significant digits and SI suffixes; only the render layer calls it.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from gptcalc.errors import InputError
from gptcalc.uncertainty import Range

DECIMAL_SUFFIXES: dict[str, float] = {
    "": 1.0,
    "k": 1e3,
    "K": 1e3,
    "M": 1e6,
    "B": 1e9,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
}
BINARY_SUFFIXES: dict[str, float] = {
    "": 1.0,
    "k": 1024.0,
    "K": 1024.0,
    "Ki": 1024.0,
    "M": 1024.0**2,
    "Mi": 1024.0**2,
}

_NUMBER = re.compile(
    r"^\s*(?P<sign>[-+]?)\$?\s*(?P<num>(?:\d[\d_,]*)?(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*"
    r"(?P<suffix>[A-Za-z]{0,2})\s*(?P<pct>%?)\s*$"
)


def parse_number(text: str | float | int, *, name: str = "value", binary: bool = False) -> float:
    """Parse one human number (``1.8T``, ``8k``, ``13e12``, ``$2.5``, ``34%``) into a float.

    Raises :class:`InputError` naming ``name`` when the text is not a finite number.
    """
    if isinstance(text, bool):
        raise InputError(f"{name}: expected a number, got a boolean")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        match = _NUMBER.match(text)
        table = BINARY_SUFFIXES if binary else DECIMAL_SUFFIXES
        if not match or not match.group("num") or match.group("suffix") not in table:
            allowed = ", ".join(k for k in table if k)
            raise InputError(
                f"{name}: cannot read {text!r} as a number (examples: 1.8T, 111B, 8k, 13e12, 0.34, 34%;"
                f" suffixes {allowed})"
            )
        digits = match.group("num").replace(",", "").replace("_", "")
        value = float(digits) * table[match.group("suffix")]
        if match.group("pct"):
            value /= 100.0
        if match.group("sign") == "-":
            value = -value
    if not math.isfinite(value):
        raise InputError(f"{name}: {text!r} is not a finite number")
    return value


def parse_length(text: str | float | int, *, name: str = "length") -> int:
    """Parse a token length where ``8k`` means 8,192 (binary multiples), returning a positive int."""
    value = parse_number(text, name=name, binary=True)
    if value <= 0 or value != int(value):
        raise InputError(f"{name}: must be a positive whole number of tokens, got {text!r}")
    return int(value)


def parse_int(text: str | float | int, *, name: str = "value", minimum: int = 1) -> int:
    """Parse a whole number with decimal suffixes (``25k`` GPUs), at least ``minimum``."""
    value = parse_number(text, name=name)
    if value != int(value) or value < minimum:
        raise InputError(f"{name}: must be a whole number >= {minimum}, got {text!r}")
    return int(value)


def parse_range(text: str | float | int, *, name: str = "value", binary: bool = False) -> float | Range:
    """Parse ``x`` into a float, or ``low..high`` / ``low..mid..high`` into a :class:`Range`."""
    if isinstance(text, str) and ".." in text:
        parts = [p for p in text.split("..")]
        if len(parts) not in (2, 3) or any(not p.strip() for p in parts):
            raise InputError(f"{name}: a range is written low..high or low..mid..high, got {text!r}")
        values = [parse_number(p, name=name, binary=binary) for p in parts]
        if len(values) == 2:
            low, high = values
            mid = (low + high) / 2.0
        else:
            low, mid, high = values
        if not low <= mid <= high:
            raise InputError(f"{name}: range {text!r} must be written low..high with low <= high")
        return Range(low=low, mid=mid, high=high)
    return parse_number(text, name=name, binary=binary)


# ----------------------------------------------------------------------------------------------- format

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


# ------------------------------------------------------------------------------------ spec field types


def _to_value(raw: Any) -> Any:
    """Accept 0.34, "34%", "0.32..0.36", [0.32, 0.36], [low, mid, high] or {low, mid, high} for a ranged field."""
    if isinstance(raw, str):
        return parse_range(raw)
    if isinstance(raw, (list, tuple)) and len(raw) in (2, 3) and all(isinstance(v, (int, float)) for v in raw):
        values = [float(v) for v in raw]
        low, high = values[0], values[-1]
        middle = values[1] if len(values) == 3 else (low + high) / 2.0
        return {"low": low, "mid": middle, "high": high}
    return raw


def _positive(value: float | Range) -> float | Range:
    low = value.low if isinstance(value, Range) else value
    if not low > 0:
        raise ValueError(f"must be > 0, got {value}")
    return value


def _non_negative(value: float | Range) -> float | Range:
    low = value.low if isinstance(value, Range) else value
    if not low >= 0:
        raise ValueError(f"must be >= 0, got {value}")
    return value


def _fraction(value: float | Range) -> float | Range:
    low = value.low if isinstance(value, Range) else value
    high = value.high if isinstance(value, Range) else value
    if not (low > 0 and high <= 1):
        raise ValueError(f"must be in (0, 1], got {value}")
    return value


PosValue = Annotated[float | Range, BeforeValidator(_to_value), AfterValidator(_positive)]
NonNegValue = Annotated[float | Range, BeforeValidator(_to_value), AfterValidator(_non_negative)]
FractionValue = Annotated[float | Range, BeforeValidator(_to_value), AfterValidator(_fraction)]
