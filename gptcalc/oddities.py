"""Physically odd but legal inputs: what deserves a warning rather than an error.

Each rule is a plain check on the specs or on a result; the CLI prints the lines on stderr and adds them to
``--json`` as ``warnings``. Thresholds:

* PUE below 1: a data centre cannot use less energy than its IT load (PUE = facility / IT energy >= 1).
* A sequence longer than the model's native context: the architecture was not trained for it (positions,
  attention patterns); the counts still follow the formulas.
* MFU below 1% or above 80%: the best published large-scale runs reach 40-60% (PaLM 46.2%, Chowdhery et al.
  2022, Table 3; Llama 3 38-43%, Dubey et al. 2024, Table 4); 80% is beyond any reported run and 1% is
  a stalled one.
"""

from __future__ import annotations

from gptcalc.specs.arch import Architecture
from gptcalc.specs.quantities import Range, Value

MFU_LOW = 0.01
MFU_HIGH = 0.80


def _bounds(value: Value) -> tuple[float, float]:
    return (value.low, value.high) if isinstance(value, Range) else (float(value), float(value))


def input_warnings(
    *,
    arch: Architecture | None = None,
    seq_len: int | None = None,
    mfu: Value | None = None,
    pue: Value | None = None,
) -> list[str]:
    """One line per odd input among those given (module docstring)."""
    out: list[str] = []
    if arch is not None and seq_len is not None and arch.context_length and seq_len > arch.context_length:
        out.append(
            f"sequence length {seq_len:,} is longer than {arch.name}'s context of {arch.context_length:,} tokens"
        )
    if mfu is not None:
        low, high = _bounds(mfu)
        if low < MFU_LOW:
            out.append(f"MFU {low * 100:.3g}% is below {MFU_LOW:.0%}: far below any real training run")
        if high > MFU_HIGH:
            out.append(f"MFU {high * 100:.3g}% is above {MFU_HIGH:.0%}: beyond any reported training run")
    if pue is not None:
        low, _ = _bounds(pue)
        if low < 1:
            out.append(f"PUE {low:g} is below 1: a data centre cannot use less energy than its IT load")
    return out
