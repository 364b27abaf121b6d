"""Command-line interface: thin wrappers that parse, load, call the library and render."""

from __future__ import annotations

from gptcalc.cli import cmd_compute, cmd_memory, cmd_params, cmd_plan, cmd_presets, cmd_serve  # noqa: F401  (registers)
from gptcalc.cli.app import app


def main() -> None:
    """Entry point of the ``gptcalc`` script."""
    app()


__all__ = ["app", "main"]
