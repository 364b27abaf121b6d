"""Shared fixtures: a CLI runner and the golden transformers counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

GOLDEN = Path(__file__).parent / "golden" / "hf"


def golden_cases() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(GOLDEN.glob("*.json"))]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str) -> Any:
    from gptcalc.cli.app import app

    return runner.invoke(app, list(args))
