"""Rewrite the README's list of exactly supported Hugging Face model types from the code.

``python tools/readme_types.py`` rewrites the block between ``<!-- supported-types:start -->`` and
``<!-- supported-types:end -->``; ``--check`` exits 1 when it is stale (tests/test_readme_types.py runs it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from readme_blocks import replace_block, run

from gptcalc.adapters.hf_config import SUPPORTED_MODEL_TYPES

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "hf"


def golden_counts() -> dict[str, int]:
    """Golden configs per model_type (transformers' own counts in tests/golden/hf)."""
    counts: dict[str, int] = {}
    for path in GOLDEN.glob("*.json"):
        model_type = json.loads(path.read_text())["model_type"]
        counts[model_type] = counts.get(model_type, 0) + 1
    return counts


def block() -> str:
    counts = golden_counts()
    items = [f"`{t}` ({counts.get(t, 0)})" for t in SUPPORTED_MODEL_TYPES]
    lines, line = [], "  "
    for item in items:
        piece = item + ", "
        if len(line) + len(piece) > 112:
            lines.append(line.rstrip())
            line = "  "
        line += piece
    lines.append(line.rstrip().rstrip(","))
    head = f"  {len(items)} types; in brackets, the golden configs each is tested on:"
    return "\n".join([head, *lines]) + "\n"


def rendered(text: str) -> str:
    return replace_block(text, "supported-types", block())


if __name__ == "__main__":
    raise SystemExit(run("supported-types", block, sys.argv[1:]))
