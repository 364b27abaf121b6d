"""``--set key=value`` what-ifs: change any field of a spec by dotted path and validate again."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from gptcalc.errors import InputError
from gptcalc.specs.base import with_changes
from gptcalc.specs.quantities import parse_length, parse_number

S = TypeVar("S", bound=BaseModel)

# Fields measured in tokens of sequence: "8k" means 8,192 there (see gptcalc.specs.quantities).
LENGTH_FIELDS = frozenset(
    {"seq_len", "context_length", "max_position_embeddings", "sliding_window", "context", "prompt", "output"}
)


def parse_assignment(item: str) -> tuple[str, str]:
    """Split ``key=value``; the key is a dotted path such as ``moe.n_experts``."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise InputError(f"--set: expected key=value (e.g. moe.n_experts=32), got {item!r}")
    return key.strip(), value.strip()


def coerce(key: str, text: str) -> Any:
    """Turn the text of a --set value into the Python value a spec field expects."""
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if lowered in ("none", "null", ""):
        return None
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"--set {key}: cannot read {text!r} as JSON ({err.msg})") from None
    if ".." in text:
        return text  # a range; fields that accept ranges parse it
    leaf = key.rsplit(".", 1)[-1]
    if leaf in LENGTH_FIELDS:  # always a token count: its own message ("a positive whole number of tokens")
        return parse_length(text, name=f"--set {key}")
    try:
        number = parse_number(text, name=key)
    except InputError:
        return text
    return int(number) if number.is_integer() and abs(number) < 2**63 else number


def apply_overrides(spec: S, assignments: Iterable[str] | Mapping[str, Any], origin: str = "--set") -> S:
    """Return a copy of ``spec`` with each ``key=value`` applied, validated again as a whole.

    ``assignments`` are ``key=value`` strings (values read as human quantities) or a mapping of dotted
    keys to values already typed (as scenario files give them).
    """
    if isinstance(assignments, Mapping):
        items = list(assignments.items())
    else:
        items = [(k, coerce(k, v)) for k, v in map(parse_assignment, assignments)]
    return with_changes(spec, dict(items), origin)
