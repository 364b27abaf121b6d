"""The README's list of exactly supported model types is the code's own list (tools/readme_types.py)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_supported_types_are_current() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import readme_types
    finally:
        sys.path.pop(0)
    text = (ROOT / "README.md").read_text()
    assert readme_types.rendered(text) == text, "run python tools/readme_types.py"
