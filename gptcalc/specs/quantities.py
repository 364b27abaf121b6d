"""Human quantities in, and the value types of spec fields (numbers or ranges).

Quantities: ``1.8T``, ``111B``, ``8k``, ``13e12``, ``$63M``, ``34%``, ``0.32..0.36``.

Parsing conventions (documented in the README):

* Counts, FLOPs, money and rates use decimal SI suffixes: k=1e3, M=1e6, B=G=1e9, T=1e12, P=1e15, E=1e18.
* Token *lengths* (sequence length, context, prompt and output lengths) use the field's binary habit:
  ``8k`` context is 8,192 tokens and ``1M`` is 1,048,576. :func:`parse_length` applies it.
* ``x..y`` is a range (low..high), ``x..m..y`` a range with an explicit central value.

Formatting lives in :mod:`gptcalc.fmt` (the render layer).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from gptcalc.errors import InputError
from gptcalc.specs.base import Spec, trusted


class Range(Spec):
    """An uncertain quantity: low <= mid <= high. ``mid`` is the central value used for point answers."""

    low: float = Field(description="Lowest plausible value.")
    mid: float = Field(description="Central value (midpoint unless given).")
    high: float = Field(description="Highest plausible value.")

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.mid <= self.high:
            raise ValueError(f"range must satisfy low <= mid <= high, got {self.low}..{self.mid}..{self.high}")
        return self

    @classmethod
    def exact(cls, value: float) -> Range:
        if type(value) is float and math.isfinite(value):
            # Nothing to check (low == mid == high, finite); every estimate builds a dozen of these.
            return trusted(cls, {"low": value, "mid": value, "high": value})
        # model_validate on a dict is ~4x faster than keyword construction; the checks are the same.
        return cls.model_validate({"low": value, "mid": value, "high": value})

    @property
    def is_exact(self) -> bool:
        return self.low == self.high

    def contains(self, value: float, rel_tol: float = 0.0) -> bool:
        """Whether ``value`` lies in [low, high], widened by ``rel_tol`` of each bound."""
        return self.low * (1 - rel_tol) <= value <= self.high * (1 + rel_tol)

    def __str__(self) -> str:
        return f"{self.low:g}..{self.mid:g}..{self.high:g}"


Value = float | Range


def mid(value: Value) -> float:
    """The central value of a number or range."""
    return value.mid if isinstance(value, Range) else float(value)


def scale(value: Value, factor: float) -> Value:
    """A number or each bound of a range times ``factor`` (> 0), e.g. unique tokens x epochs."""
    if isinstance(value, Range):
        return Range(low=value.low * factor, mid=value.mid * factor, high=value.high * factor)
    return value * factor


def as_range(value: Value) -> Range:
    return value if isinstance(value, Range) else Range.exact(float(value))


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

# Commas only as thousands groups: 25,000 and 1,234,567.5, never 2,5 or 1,2 (read as 25 and 12 before).
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:[eE][-+]?\d+)?$")


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
        digits = match.group("num")
        if "," in digits and not _THOUSANDS.match(digits):
            raise InputError(
                f"{name}: cannot read {text!r}: a comma only separates thousands (25,000); write decimals with a"
                " point (2.5) and give one value per flag"
            )
        try:  # the pattern lets through a bare exponent ("e2") and stray underscores ("1__0")
            mantissa = float(digits.replace(",", ""))
        except ValueError:
            raise InputError(
                f"{name}: cannot read {text!r} as a number (examples: 1.8T, 111B, 8k, 13e12, 0.34, 34%)"
            ) from None
        value = mantissa * table[match.group("suffix")]
        if match.group("pct"):
            value /= 100.0
        if match.group("sign") == "-":
            value = -value
    if not math.isfinite(value):
        raise InputError(f"{name}: {text!r} is not a finite number")
    return value


MAX_LENGTH = 1 << 30  # tokens: a sequence or context length beyond any model's (Dataset.seq_len has the same bound)


def parse_length(text: str | float | int, *, name: str = "length") -> int:
    """Parse a token length where ``8k`` means 8,192 (binary multiples), returning a positive int."""
    value = parse_number(text, name=name, binary=True)
    if value <= 0 or value != int(value):
        raise InputError(f"{name}: must be a positive whole number of tokens, got {text!r}")
    if value > MAX_LENGTH:
        raise InputError(f"{name}: {text!r} is more than {MAX_LENGTH:,} tokens (2**30), longer than any context")
    return int(value)


def parse_int(text: str | float | int, *, name: str = "value", minimum: int = 1, maximum: int = 2**53) -> int:
    """Parse a whole number with decimal suffixes (``25k`` GPUs), from ``minimum`` to ``maximum`` (default 2**53,
    the last whole number a float holds exactly: beyond it counts of GPUs or sequences are no machine's)."""
    value = parse_number(text, name=name)
    if value != int(value) or value < minimum:
        raise InputError(f"{name}: must be a whole number >= {minimum}, got {text!r}")
    if value > maximum:
        raise InputError(f"{name}: {text!r} is more than {maximum:,}; allowed {minimum:,} to {maximum:,}")
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
