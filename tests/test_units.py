"""Human quantities: parsing and three-significant-digit formatting."""

from __future__ import annotations

import pytest

from gptcalc.errors import InputError
from gptcalc.fmt import fmt_bytes, fmt_count, fmt_flops, fmt_pct, fmt_usd
from gptcalc.specs.quantities import Range, parse_int, parse_length, parse_number, parse_range


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.8T", 1.8e12),
        ("111B", 111e9),
        ("8k", 8e3),
        ("13e12", 13e12),
        ("$63M", 63e6),
        ("34%", 0.34),
        ("2.5", 2.5),
        ("1,000", 1000.0),
        ("25k", 25000.0),
        ("1.2G", 1.2e9),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


def test_lengths_are_binary() -> None:
    # "8k context" is 8,192 tokens in the field's usage (GPT-4's 8k, Llama 2's 4k = 4,096).
    assert parse_length("8k") == 8192
    assert parse_length("4k") == 4096
    assert parse_length("2048") == 2048
    assert parse_length("1M") == 1024 * 1024


@pytest.mark.parametrize("text", ["abc", "1.8X", "nan", "inf", "", "1..", "--3"])
def test_bad_numbers(text: str) -> None:
    with pytest.raises(InputError):
        parse_number(text, name="x")


def test_bad_length_and_int() -> None:
    with pytest.raises(InputError, match="seq_len"):
        parse_length("0", name="seq_len")
    with pytest.raises(InputError, match="gpus"):
        parse_int("2.5", name="gpus")
    with pytest.raises(InputError, match="gpus"):
        parse_int("0", name="gpus")


def test_ranges() -> None:
    r = parse_range("0.32..0.36")
    assert isinstance(r, Range)
    assert (r.low, r.mid, r.high) == pytest.approx((0.32, 0.34, 0.36))
    assert parse_range("90..95..100") == Range(low=90, mid=95, high=100)
    assert parse_range("25k") == 25000.0
    with pytest.raises(InputError, match="low <= high"):
        parse_range("0.5..0.2", name="mfu")
    with pytest.raises(InputError):
        parse_range("1..2..3..4")


def test_formatting() -> None:
    assert fmt_count(1.8336e12) == "1.83T"
    assert fmt_count(110_987_735_040) == "111B"
    assert fmt_count(46.7e9) == "46.7B"
    assert fmt_flops(5.57e11) == "557 GFLOP"
    assert fmt_flops(2.1727e25) == "2.17e25 FLOP"
    assert fmt_usd(63e6) == "$63.0M"
    assert fmt_usd(0.0049) == "$0.00490"
    assert fmt_pct(0.3412) == "34.1%"
    assert fmt_bytes(80 * 1024**3) == "80.0 GiB"
