"""Listing the presets: every file of a kind in search order, with its description, source and aliases
(``gptcalc presets``). Apart from :mod:`gptcalc.adapters.presets` so that a command that only loads a preset
does not define the listing's result class."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gptcalc.adapters.presets import PresetKind, _aliases, read_file, search_dirs
from gptcalc.specs.base import Result


class PresetInfo(Result):
    """One preset file as listed."""

    kind: str
    name: str
    path: str
    description: str
    source: str
    aliases: list[str]
    shadowed: bool


def list_presets(kind: PresetKind, dirs: Sequence[str | Path] = ()) -> list[PresetInfo]:
    """Every preset of ``kind`` in search order; later files with a name already seen are ``shadowed``."""
    seen: set[str] = set()
    out: list[PresetInfo] = []
    for root in search_dirs(dirs):
        folder = root / kind
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            data = read_file(path)
            desc = str(data.get("description", "")).strip()
            out.append(
                PresetInfo(
                    kind=kind,
                    name=path.stem,
                    path=str(path),
                    description=" ".join(desc.split()),
                    source=" ".join(str(data.get("source", "")).split()),
                    aliases=_aliases(path, data),
                    shadowed=path.stem in seen,
                )
            )
            seen.add(path.stem)
    return out
