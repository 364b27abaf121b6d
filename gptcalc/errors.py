"""Typed errors. Library code raises these; only the CLI turns them into exit codes."""

from __future__ import annotations


class GptcalcError(Exception):
    """Base of every error gptcalc raises for a user's input. Its message is one line."""


class InputError(GptcalcError, ValueError):
    """A value given by the user (flag, field, quantity) is malformed or out of range."""


class SpecError(InputError):
    """A specification (architecture, hardware, dataset, scenario) failed validation."""


class PresetError(GptcalcError, LookupError):
    """A preset cannot be found, read or parsed."""


class ConfigImportError(GptcalcError):
    """A Hugging Face config.json cannot be turned into an architecture."""


class UnsupportedDtypeError(InputError):
    """The hardware has no peak rate for the requested number format."""


class LayoutError(InputError):
    """A parallel layout does not divide the model or the GPU count."""


class InfeasibleError(GptcalcError):
    """The question has no answer under the given constraints (nothing fits, no size reaches a target)."""
