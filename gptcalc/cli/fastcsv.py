"""CSV rows of numbers through numpy, byte for byte what ``"%.10g"`` gives, for million-point sweeps.

Python formats one float at a time (~0.2-0.4 µs each); numpy, when installed, formats whole columns: each value
x becomes ten decimal digits ``n`` (1e9 <= n < 1e10) and an exponent ``e`` with x ~ n x 10^(e-9), rounded to
nearest as ``%.10g`` rounds the exact binary value. The scaled value ``x x 10^(9-e)`` is computed in float64
with a relative error of a few units in the last place (~5e-6 absolute at 1e10), so a value whose scaled
fraction lies within 1e-4 of one half (a possible rounding tie), or whose ``log10`` put ``e`` one too high,
is formatted by Python instead, as are zeros, non-finite values and magnitudes beyond 1e±290. Values of
one exponent and sign share one layout of all ten digits (``%g``'s rules: positional for -4 <= e < 10, else
``d.ddde±XX``), applied to all of them at once; each row's trailing zeros (and a point with nothing after it)
are then set to NUL, which the writer drops with the padding.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

WIDTH = 17  # the longest %.10g of a float64: -1.234567891e-100
CHUNK = 1 << 15  # rows per block: the byte matrices and temporaries stay in cache (~100 bytes a row)


def csv_rows(np: Any, columns: Sequence[Sequence[float]]) -> Iterator[bytes]:
    """Blocks of ``",".join("%.10g" % v for v in row) + "\\r\\n"`` for every row, in order (numpy given).

    Each block is a byte matrix with a fixed-width field per value, NUL-padded, then its separator: dropping
    the NULs leaves the rows."""
    n = len(columns[0]) if columns else 0
    k = len(columns)
    _tables(np)  # built once, before the blocks run side by side

    def block(start: int) -> bytes:
        rows = min(CHUNK, n - start)
        matrix = np.zeros((rows, (WIDTH + 1) * k + 1), dtype=np.uint8)
        for j, column in enumerate(columns):
            at = (WIDTH + 1) * j
            _g10(np, np.asarray(column[start : start + rows], dtype=np.float64), matrix[:, at : at + WIDTH])
            matrix[:, at + WIDTH] = ord(",") if j < k - 1 else ord("\r")
        matrix[:, -1] = ord("\n")
        flat = matrix.ravel()
        return cast(bytes, flat[flat != 0].tobytes())

    starts = range(0, n, CHUNK)
    if len(starts) < 4:
        yield from map(block, starts)
        return
    # numpy releases the GIL in its array loops: blocks formatted on two threads, written in order.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        yield from pool.map(block, starts)


def _layout(e: int, sig: int, neg: bool) -> list[int | str]:
    """``%.10g``'s characters for exponent e and sig significant digits: ints index the ten digits."""
    out: list[int | str] = ["-"] if neg else []
    if -4 <= e < 10:
        if e >= 0:
            out += list(range(e + 1))
            if sig > e + 1:
                out += [".", *range(e + 1, sig)]
        else:
            out += ["0", ".", *["0"] * (-e - 1), *range(sig)]
    else:
        out.append(0)
        if sig > 1:
            out += [".", *range(1, sig)]
        out += list(f"e{e:+03d}")
    return out


_TABLES: dict[str, Any] = {}


def _tables(np: Any) -> dict[str, Any]:
    """Powers of ten 10^-300..10^300 (Python's correctly rounded ones), and for 0..9999 its four digits (as one
    4-byte word, copied whole) and its count of trailing zeros (4 for 0)."""
    if not _TABLES:
        k = np.arange(10_000)
        digits = np.stack([(k // 10 ** (3 - j)) % 10 + ord("0") for j in range(4)], axis=1).astype(np.uint8)
        zeros = np.zeros(10_000, dtype=np.int64)
        for j in range(1, 5):
            zeros += k % 10**j == 0
        _TABLES["pow10"] = np.array([10.0**p for p in range(-300, 301)])
        _TABLES["digits"] = np.ascontiguousarray(digits).view(np.uint32).ravel()
        _TABLES["zeros"] = zeros
    return _TABLES


def _g10(np: Any, x: Any, out: Any) -> None:
    """Write ``"%.10g" % x[i]`` into row i of ``out`` (a zeroed uint8 matrix WIDTH wide), NUL-padded."""
    rows = len(x)
    t = _tables(np)
    with np.errstate(all="ignore"):
        a = np.abs(x)
        e = np.floor(np.log10(a))
        ok = (e >= -290) & (e <= 290)  # False for zero, infinity and NaN too
        e[~ok] = 0
        e = e.astype(np.int64)
        m = a * t["pow10"][309 - e]
        whole = np.floor(m)
        frac = m - whole
    ok &= (np.abs(frac - 0.5) > 1e-4) & (whole >= 1e9)
    n = whole + (frac > 0.5)
    ok &= n <= 1e10
    carry = n == 1e10
    n[carry] = 1e9
    e[carry] += 1
    n[~ok] = 1e9
    # n = 10^8 a + 10^4 b + c with a of two digits: three words of four characters, the first two of a's "00".
    rest, c = np.divmod(n.astype(np.int64), 10_000)
    a, b = np.divmod(rest, 10_000)
    words = np.empty((rows, 3), dtype=np.uint32)
    words[:, 0] = t["digits"][a]
    words[:, 1] = t["digits"][b]
    words[:, 2] = t["digits"][c]
    digits = words.view(np.uint8).reshape(rows, 12)[:, 2:]
    zeros = t["zeros"]
    sig = 10 - np.where(c != 0, zeros[c], np.where(b != 0, 4 + zeros[b], 8 + zeros[a]))
    # One layout per exponent and sign, applied as slice copies to each stretch of rows that shares it: the rows as
    # they are when they come in long stretches (a sweep's columns are mostly monotonic), else sorted by layout
    # first. Each layout has all ten digits; a row's trailing zeros beyond its significant digits (and a point
    # left with nothing after it) are then set to NUL, which the caller drops with the padding. Key 0 (no layout)
    # marks the values Python formats.
    key = ((e + 300) * 2 + np.signbit(x)).astype(np.int16)
    key[~ok] = 0
    starts = np.flatnonzero(np.diff(key)) + 1
    if len(starts) <= rows // 256:
        order, ordered, target = None, key, out
    else:
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        starts = np.flatnonzero(np.diff(ordered)) + 1
        digits, sig = digits[order], sig[order]
        target = np.zeros((rows, WIDTH), dtype=np.uint8)
    bounds = [0, *starts.tolist(), rows]
    for lo, hi in itertools.pairwise(bounds):
        k = int(ordered[lo])
        if k:
            exp = k // 2 - 300
            layout = _layout(exp, 10, bool(k % 2))
            _apply(layout, digits[lo:hi], target[lo:hi])
            _trim(layout, exp, sig[lo:hi], target[lo:hi])
    if order is not None:
        out[order] = target
    if not ok.all():
        for i in np.flatnonzero(~ok).tolist():
            text = f"{float(x[i]):.10g}".encode()
            out[i, : len(text)] = np.frombuffer(text, dtype=np.uint8)


def _trim(layout: list[int | str], e: int, sig: Any, out: Any) -> None:
    """NUL out what ``%g`` leaves off a ten-digit ``layout`` of exponent e, row by row: digits at or beyond a row's
    ``sig`` significant ones (but never the integer digits of a positional number), and the point when no digit
    follows it."""
    positional = -4 <= e < 10
    whole = e + 1 if positional and e >= 0 else 0  # positional numbers print every integer digit
    for p, c in enumerate(layout):
        if isinstance(c, int) and c >= whole and c >= 1:
            out[:, p] *= sig > c
        elif c == "." and not (positional and e < 0):  # "0.000ddd" always keeps its point
            out[:, p] *= sig > max(whole, 1)


def _apply(layout: list[int | str], digits: Any, out: Any) -> None:
    """Lay rows of ten digit characters out as ``layout`` says, into the first columns of ``out``."""
    p = 0
    while p < len(layout):
        c = layout[p]
        if isinstance(c, str):
            out[:, p] = ord(c)
            p += 1
            continue
        run = 1  # consecutive positions taking consecutive digits: one slice copy
        while p + run < len(layout) and layout[p + run] == c + run:
            run += 1
        out[:, p : p + run] = digits[:, c : c + run]
        p += run
