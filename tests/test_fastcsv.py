"""The numpy CSV writer gives exactly the bytes of ``"%.10g"`` row by row (gptcalc.cli.fastcsv)."""

from __future__ import annotations

import math
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gptcalc.accel import numpy_or_none
from gptcalc.cli.fastcsv import csv_rows

np = numpy_or_none()
pytestmark = pytest.mark.skipif(np is None, reason="numpy >= 2 not installed")


def python_rows(columns: list[list[float]]) -> bytes:
    line = ",".join(["%.10g"] * len(columns)) + "\r\n"
    return "".join(line % row for row in zip(*columns, strict=True)).encode()


def numpy_rows(columns: list[list[float]]) -> bytes:
    return b"".join(csv_rows(np, columns))


EDGES = [
    0.0,
    -0.0,
    math.inf,
    -math.inf,
    math.nan,
    5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    1e-290,
    1e290,
    9999999999.5,
    9999999999.4,
    99999999995.0,
    999999999.95,
    1e10,
    1e9,
    0.0001,
    0.00001,
    9.9999999995e-5,
    123456789012.0,
    0.5,
    2.5,
    1.25,
    -7.0,
    100.0,
]


def test_edges_and_ties() -> None:
    """Zeros, infinities, NaN, subnormals, the ends of the positional range and exact rounding ties."""
    ties = [k * 10.0**p + h for k in range(1, 120) for p in range(-12, 14) for h in (0.0, 0.5)]
    values = EDGES + ties + [-v for v in ties]
    assert numpy_rows([values, values[::-1]]) == python_rows([values, values[::-1]])


def test_random_bit_patterns() -> None:
    """Every exponent and mantissa a float64 can have, 20,000 at random."""
    rng = random.Random(10)
    values = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(20_000)]
    assert numpy_rows([values]) == python_rows([values])


def test_sweep_like_columns() -> None:
    """A grid column and quantities inversely proportional to it, as an MFU sweep gives."""
    grid = [(2_000_000 + 3 * i) / 10_000_000 for i in range(50_000)]
    columns = [grid, *([c / g for g in grid] for c in (6.3e7, 1234.5, 2.2e6, 8.8e3))]
    assert numpy_rows(columns) == python_rows(columns)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=50))
def test_any_floats(values: list[float]) -> None:
    assert numpy_rows([values]) == python_rows([values])
