"""numpy, when installed, for whole-column arithmetic on big sweeps: an optional accelerator, never required.

Every user of it computes the same IEEE-754 operations element by element as its pure-Python path (numpy's
float64 +, -, *, / and integer powers round as Python's do), so the numbers are the same either way; only the
time differs. Below ``MIN_POINTS`` the import (~0.1 s) costs more than it saves.
"""

from __future__ import annotations

from typing import Any

MIN_POINTS = 100_000


def numpy_or_none(points: int = MIN_POINTS) -> Any:
    """numpy 2 (``numpy.strings``) when installed and ``points`` is worth it, else None."""
    if points < MIN_POINTS:
        return None
    try:
        import numpy
    except ImportError:
        return None
    return numpy if hasattr(numpy, "strings") else None
