"""Preset files: TOML, one per thing, under ``models/``, ``hardware/``, ``datasets/``, ``scenarios/``.

Search order: folders given by the caller (``--presets DIR``), then ``GPTCALC_PRESETS`` (os.pathsep
separated), then the presets shipped in the package. Earlier folders shadow later ones. A reference is
either a preset *name* (letters, digits, ``.``, ``_``, ``-``, ``+``; never a path) or a path to a
``.toml`` or ``.json`` file.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from gptcalc.errors import PresetError
from gptcalc.specs.base import validate_spec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PresetKind = Literal["models", "hardware", "datasets", "scenarios"]
KINDS: tuple[PresetKind, ...] = ("models", "hardware", "datasets", "scenarios")
_SINGULAR = {"models": "model", "hardware": "hardware", "datasets": "dataset", "scenarios": "scenario"}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
FILE_SUFFIXES = (".toml", ".json")

M = TypeVar("M", bound=BaseModel)


def builtin_dir() -> Path:
    """The shipped presets: inside the wheel at ``gptcalc/presets``, in a checkout at ``../presets``."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "presets"
    if packaged.is_dir():
        return packaged
    return package.parent / "presets"


def search_dirs(extra: Sequence[str | Path] = ()) -> list[Path]:
    """Preset roots in lookup order; folders the user named must exist."""
    roots: list[Path] = []
    env = os.environ.get("GPTCALC_PRESETS", "")
    named = [(str(p), "--presets") for p in extra] + [(p, "GPTCALC_PRESETS") for p in env.split(os.pathsep) if p]
    for raw, origin in named:
        path = expand_user(raw, origin)
        if not path.is_dir():
            raise PresetError(f"{origin}: {raw!r} is not a folder")
        roots.append(path)
    roots.append(builtin_dir())
    return roots


def is_path_reference(ref: str) -> bool:
    return ref.endswith(FILE_SUFFIXES) or "/" in ref or "\\" in ref or ref.startswith(".")


def expand_user(raw: str, what: str) -> Path:
    """``raw`` with a leading ``~`` or ``~user`` expanded; a user without a home folder is a :class:`PresetError`."""
    try:
        return Path(raw).expanduser()
    except RuntimeError:  # pathlib: "Could not determine home directory"
        raise PresetError(f"{what}: cannot expand {raw!r}: no home folder for that user") from None


def read_file(path: Path) -> dict[str, Any]:
    """Read a TOML or JSON file into a dict; a malformed file is a :class:`PresetError` naming it."""
    try:
        if not path.is_file():  # a FIFO would block the read, a device never end it
            raise PresetError(f"{path}: not a regular file")
        raw = path.read_bytes()
    except OSError as err:
        raise PresetError(f"{path}: cannot read ({err.strerror or err})") from None
    try:
        text = raw.decode("utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        message = str(err).splitlines()[0]
        raise PresetError(f"{path}: malformed {path.suffix[1:].upper()}: {message}") from None
    except RecursionError:
        raise PresetError(f"{path}: {path.suffix[1:].upper()} nested too deeply to read") from None
    if not isinstance(data, dict):
        raise PresetError(f"{path}: expected an object at the top level")
    return data


def _aliases(path: Path, data: dict[str, Any]) -> list[str]:
    aliases = data.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise PresetError(f"{path}: aliases: expected a list of names, got {aliases!r}")
    return aliases


def find_preset(kind: PresetKind, ref: str, dirs: Sequence[str | Path] = ()) -> Path:
    """Resolve a name (or alias) or a file path to a preset file."""
    what = _SINGULAR[kind]
    if is_path_reference(ref):
        path = expand_user(ref, what)
        if kind == "models" and path.is_dir() and (path / "config.json").is_file():
            return path / "config.json"  # a downloaded Hugging Face model folder
        if path.suffix not in FILE_SUFFIXES:
            raise PresetError(
                f"{what}: {ref!r} is neither a preset name nor a .toml/.json file"
                f" (names use letters, digits, '.', '_', '-', '+')"
            )
        if not path.is_file():
            if path.is_dir():
                raise PresetError(f"{what}: {ref!r} is a folder, not a preset file")
            if path.exists():
                raise PresetError(f"{what}: {ref!r} is not a regular file (a FIFO, device or socket); give a file")
            raise PresetError(f"{what}: file {ref!r} does not exist")
        return path
    if not NAME_RE.match(ref):
        raise PresetError(f"{what}: {ref!r} is not a valid preset name (letters, digits, '.', '_', '-', '+')")
    roots = search_dirs(dirs)
    for root in roots:
        candidate = root / kind / f"{ref}.toml"
        if candidate.is_file():
            return candidate
    found = _by_alias(kind, ref, roots)
    if found is not None:
        return found
    from gptcalc.adapters.catalog import list_presets  # the listing, only to name what there is

    names = sorted(
        {i.name for i in list_presets(kind, dirs)} | {a for i in list_presets(kind, dirs) for a in i.aliases}
    )
    raise PresetError(f"{what}: unknown preset {ref!r}; available: {', '.join(names)}")


def _by_alias(kind: PresetKind, ref: str, roots: Sequence[Path]) -> Path | None:
    """The preset whose ``aliases`` hold ``ref``, in search order, a shadowed file never answering (as
    :func:`list_presets` marks them). Only files whose text mentions ``ref`` are parsed: most CLI calls name their
    hardware by an alias (``h100``), and parsing every preset of a kind would take most of a call's start-up."""
    seen: set[str] = set()
    for root in roots:
        folder = root / kind
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            if path.stem in seen:
                continue
            seen.add(path.stem)
            if not path.is_file():
                continue  # a FIFO or folder named like a preset: list_presets names it when it matters
            try:
                text = path.read_bytes().decode("utf-8", "replace")
            except OSError as err:
                raise PresetError(f"{path}: cannot read ({err.strerror or err})") from None
            if ref in text and ref in _aliases(path, read_file(path)):
                return path
    return None


def load_spec(cls: type[M], kind: PresetKind, ref: str, dirs: Sequence[str | Path] = ()) -> M:
    """Load and validate one preset as ``cls``; the file's stem is the default ``name``."""
    path = find_preset(kind, ref, dirs)
    data = read_file(path)
    data.setdefault("name", path.stem)
    return validate_spec(cls, data, origin=str(path))
