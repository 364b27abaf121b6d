"""Hugging Face hub ids (``Qwen/Qwen3-30B-A3B``) resolved to a cached ``config.json`` through the optional
``huggingface_hub`` extra (``pip install "gptcalc[hub]"``).

The local cache (``HF_HUB_CACHE``, else ``HF_HOME``/hub, else huggingface_hub's default) is read first, so a
model fetched once works offline; only a miss downloads, and never when ``HF_HUB_OFFLINE`` is set. The
checkpoint's ``model.safetensors.index.json`` is read from the cache only (its ``metadata.total_size``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from gptcalc.errors import InputError

# owner/name as the hub spells them: one '/', letters, digits, '-', '_', '.'; no file suffix.
_HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_SUFFIXES = (".json", ".toml")
INSTALL = 'pip install "gptcalc[hub]"'


def is_hub_id(ref: str) -> bool:
    """An ``owner/name`` reference that is not an existing path and has no ``.json``/``.toml`` suffix."""
    return bool(_HUB_ID.fullmatch(ref)) and not ref.lower().endswith(_SUFFIXES) and not Path(ref).exists()


def cache_dir() -> str:
    """The hub cache folder, read from the environment at call time (as huggingface_hub does at import)."""
    env = os.environ
    if env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE"):
        return env.get("HF_HUB_CACHE") or env["HUGGINGFACE_HUB_CACHE"]
    if env.get("HF_HOME"):
        return os.path.join(env["HF_HOME"], "hub")
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _cached(repo_id: str, filename: str) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, filename, cache_dir=cache_dir())
    return Path(found) if isinstance(found, str) else None


def config_path(repo_id: str) -> Path:
    """The local path of ``repo_id``'s config.json: from the cache, else downloaded into it (unless offline)."""
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise InputError(f"model {repo_id!r} looks like a Hugging Face hub id; reading one needs {INSTALL}") from None
    cached = _cached(repo_id, "config.json")
    if cached is not None:
        return cached
    fetch = f"fetch it once online with `hf download {repo_id} config.json`"
    if _offline():
        raise InputError(
            f"model {repo_id!r}: config.json is not in the Hugging Face cache {cache_dir()} and"
            f" HF_HUB_OFFLINE is set; {fetch}, or give a config.json path"
        )
    try:
        return Path(hf_hub_download(repo_id, "config.json", cache_dir=cache_dir()))
    except Exception as err:  # no network, unknown or gated repo: one line, no traceback
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(
            f"model {repo_id!r}: config.json is not in the Hugging Face cache {cache_dir()} and could not be"
            f" downloaded ({type(err).__name__}: {reason[:160]}); {fetch}, or give a config.json path"
        ) from None


def checkpoint_bytes(repo_id: str) -> int | None:
    """``metadata.total_size`` of the cached ``model.safetensors.index.json`` (bytes of all weight files), or
    None when the cache does not hold it (or it has no total)."""
    try:
        path = _cached(repo_id, "model.safetensors.index.json")
    except ImportError:
        return None
    if path is None:
        return None
    try:
        total = json.loads(path.read_text()).get("metadata", {}).get("total_size")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    # A byte count: a whole number from 1 byte to 2**53 (a petabyte-scale checkpoint is ~2**50); anything else in
    # the index (inf, 0.5, a 300-digit number) says nothing about the checkpoint.
    ok = isinstance(total, (int, float)) and not isinstance(total, bool) and 1 <= total <= 2**53
    return int(total) if ok and float(total).is_integer() else None


_DTYPES = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32", "float8_e4m3fn": "fp8", "float8_e5m2": "fp8"}


def config_dtype(repo_id: str) -> str:
    """The weights dtype the cached config.json states (``dtype`` or ``torch_dtype``, outer or text config), as a
    gptcalc dtype name; bf16 when it states none gptcalc knows."""
    data: dict[str, Any] = {}
    try:
        path = _cached(repo_id, "config.json")
        loaded = json.loads(path.read_text()) if path is not None else {}
        data = loaded if isinstance(loaded, dict) else {}
    except (ImportError, OSError, ValueError):
        pass
    text = data.get("text_config")
    for source in (data, text if isinstance(text, dict) else {}):
        for key in ("dtype", "torch_dtype"):
            if isinstance(source.get(key), str) and source[key] in _DTYPES:
                return _DTYPES[source[key]]
    return "bf16"
