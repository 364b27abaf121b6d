"""Turn references (preset names, preset files, Hugging Face config.json) into validated specs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gptcalc.adapters import hub
from gptcalc.adapters.overrides import apply_overrides
from gptcalc.adapters.presets import find_preset, load_spec, read_file
from gptcalc.errors import SpecError
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import validate_spec
from gptcalc.specs.hardware import Hardware

if TYPE_CHECKING:  # imported where a dataset is loaded: most commands load none
    from gptcalc.specs.dataset import Dataset

PresetDirs = Sequence[str | Path]


def load_model(
    ref: str, preset_dirs: PresetDirs = (), overrides: Iterable[str] = (), *, strict: bool = False
) -> Architecture:
    """An architecture from a preset name, a ``.toml`` preset file, a Hugging Face ``config.json`` (or a folder
    holding one), or a hub id ``owner/name`` (:mod:`gptcalc.adapters.hub`; a preset name or an existing path wins).

    ``overrides`` are ``key=value`` what-ifs (``moe.n_experts=32``) applied and validated again. A config.json
    of a model_type without exact accounting is read approximately (``arch.approximate`` says why) unless
    ``strict``. A ``.json`` without ``model_type`` that is not a native spec (no ``attention``) is an error
    that says model_type is missing.
    """
    hub_id = hub.is_hub_id(ref)
    path = hub.config_path(ref) if hub_id else find_preset("models", ref, preset_dirs)
    data = read_file(path)
    if hub_id or path.suffix == ".json":
        from gptcalc.adapters.hf_config import architecture_from_hf  # a large table: imported only for configs
    if hub_id:
        arch = architecture_from_hf(data, name=ref, origin=f"{ref} ({path})", strict=strict)
    elif path.suffix == ".json" and ("model_type" in data or "attention" not in data):
        arch = architecture_from_hf(
            data, name=path.parent.name if path.stem == "config" else path.stem, origin=str(path), strict=strict
        )
    else:
        data.setdefault("name", path.stem)
        try:
            arch = validate_spec(Architecture, data, origin=str(path))
        except SpecError as err:
            if path.suffix != ".json":
                raise
            raise SpecError(
                f"{err} (the file has no model_type, so it was read as a gptcalc spec; a Hugging Face config.json"
                ' names its model_type, e.g. "llama")'
            ) from None
    return apply_overrides(arch, list(overrides))


def hub_checkpoint(ref: str) -> tuple[int, str] | None:
    """For a hub id whose cache holds ``model.safetensors.index.json``: (its ``metadata.total_size`` in bytes,
    the weights dtype its config.json states, bf16 if none)."""
    total = hub.checkpoint_bytes(ref) if hub.is_hub_id(ref) else None
    return None if total is None else (total, hub.config_dtype(ref))


def load_hardware(ref: str, preset_dirs: PresetDirs = (), overrides: Iterable[str] = ()) -> Hardware:
    """A hardware preset by name or alias (``h100`` -> ``h100-sxm``) or file."""
    return apply_overrides(load_spec(Hardware, "hardware", ref, preset_dirs), list(overrides))


def load_dataset(ref: str, preset_dirs: PresetDirs = (), overrides: Iterable[str] = ()) -> Dataset:
    """A dataset preset by name or file."""
    from gptcalc.specs.dataset import Dataset

    return apply_overrides(load_spec(Dataset, "datasets", ref, preset_dirs), list(overrides))
