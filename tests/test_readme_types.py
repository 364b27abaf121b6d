"""The README's generated blocks are current: supported model types (tools/readme_types.py), the training and
serving error tables and the serving holdout (tools/readme_calibration.py)."""

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


def test_readme_calibration_table_is_current() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import readme_calibration
    finally:
        sys.path.pop(0)
    text = (ROOT / "README.md").read_text()
    assert readme_calibration.rendered(text) == text, "run python tools/readme_calibration.py"
