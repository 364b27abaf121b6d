"""Command-line interface: thin wrappers that parse, load, call the library and render."""

from __future__ import annotations

# Importing the command modules registers their commands; the order is the order of `gptcalc --help`.
# isort: off
from gptcalc.cli import cmd_presets, cmd_params, cmd_compute, cmd_step, cmd_memory, cmd_serve, cmd_plan  # noqa: F401

# isort: on
from gptcalc.cli.app import app


def main() -> None:
    """Entry point of the ``gptcalc`` script."""
    app()


__all__ = ["app", "main"]
