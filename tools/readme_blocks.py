"""Generated blocks of the README: text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` is rewritten by
a tool from the code, never typed, and a test fails when it is stale."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def replace_block(text: str, name: str, content: str) -> str:
    """``text`` with the block called ``name`` holding ``content``; a missing block is an error."""
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise KeyError(f"README.md has no <!-- {name}:start --> block")
    return pattern.sub(lambda m: m.group(1) + content + m.group(2), text)


def run(name: str, make: Callable[[], str], argv: list[str]) -> int:
    """Rewrite the block, or with ``--check`` exit 1 when it is stale."""
    text = README.read_text()
    new = replace_block(text, name, make())
    if "--check" in argv:
        if new != text:
            print(f"README.md: the {name} block is stale; run its tool in tools/", file=sys.stderr)
            return 1
        return 0
    README.write_text(new)
    return 0
