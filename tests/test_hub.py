"""Hugging Face hub ids (``owner/name``) read from a local HF cache laid out as huggingface_hub lays it out
(models--owner--name/snapshots/<rev>/..., refs/main); no network. Skipped without the hub extra, except the
message that says how to install it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gptcalc.adapters.hub import is_hub_id
from gptcalc.cli.app import app
from gptcalc.errors import InputError
from tests.conftest import golden_cases

REV = "0123456789abcdef0123456789abcdef01234567"
LLAMA = next(c for c in golden_cases() if c["case"] == "llama-2-7b")


def _cache(tmp_path: Path, repo: str, files: dict[str, Any]) -> Path:
    root = tmp_path / "hub" / f"models--{repo.replace('/', '--')}"
    snap = root / "snapshots" / REV
    snap.mkdir(parents=True)
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text(REV)
    for name, content in files.items():
        (snap / name).write_text(json.dumps(content))
    return tmp_path / "hub"


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_what_counts_as_a_hub_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_hub_id("Qwen/Qwen3-30B-A3B") and is_hub_id("meta-llama/Llama-2-7b-hf")
    assert not any(is_hub_id(r) for r in ("llama-2-7b", "a/b/c", "a/config.json", "x/y.toml", "/abs", "./a"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "owner").mkdir()
    (tmp_path / "owner" / "name").mkdir()
    assert not is_hub_id("owner/name")  # an existing path keeps priority


def test_without_the_extra_one_line_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails as if not installed
    out = _invoke("params", "Qwen/Qwen3-30B-A3B")
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert len(out.stderr.strip().splitlines()) == 1
    assert 'pip install "gptcalc[hub]"' in out.stderr and "Qwen/Qwen3-30B-A3B" in out.stderr


@pytest.fixture
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pytest.importorskip("huggingface_hub")
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # the cache is HF_HOME/hub
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path


def test_cached_id_is_counted_offline_with_checkpoint_size(hub_cache: Path) -> None:
    # The index total of meta-llama/Llama-2-7b-hf; the computed bytes are transformers' count x 2 (fp16).
    index = {"metadata": {"total_size": 13_476_839_424}, "weight_map": {}}
    config = {**LLAMA["config"], "torch_dtype": "float16"}
    _cache(hub_cache, "meta-llama/Llama-2-7b-hf", {"config.json": config, "model.safetensors.index.json": index})
    out = _invoke("params", "meta-llama/Llama-2-7b-hf", "--json")
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    total = LLAMA["totals"]["5.24.0"]
    assert payload["total"] == total
    assert payload["checkpoint"] == {"index_total_size": 13_476_839_424, "dtype": "fp16", "weight_bytes": 2 * total}
    table = _invoke("params", "meta-llama/Llama-2-7b-hf")
    assert "Parameters of meta-llama/Llama-2-7b-hf" in table.stdout
    assert "checkpoint (safetensors index)" in table.stdout and "13,476,839,424 B" in table.stdout


def test_hf_hub_cache_env_and_every_model_command(hub_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(_cache(hub_cache / "other", "Org/Tiny", {"config.json": LLAMA["config"]})))
    out = _invoke("params", "Org/Tiny", "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["total"] == LLAMA["totals"]["5.24.0"]
    assert "checkpoint" not in json.loads(out.stdout)  # no index in the cache: nothing to show beside
    assert _invoke("flops", "Org/Tiny", "--json").exit_code == 0


def test_not_cached_and_offline_is_one_line(hub_cache: Path) -> None:
    out = _invoke("params", "Qwen/Qwen3-30B-A3B")
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Qwen/Qwen3-30B-A3B" in out.stderr and "hf download Qwen/Qwen3-30B-A3B config.json" in out.stderr


def test_not_cached_and_no_network_is_one_line(hub_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    def no_network(*args: Any, **kwargs: Any) -> str:
        raise OSError("Network is unreachable")

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_network)
    from gptcalc.adapters.load import load_model

    with pytest.raises(InputError, match=r"'Qwen/Qwen3-30B-A3B'.*Network is unreachable.*hf download"):
        load_model("Qwen/Qwen3-30B-A3B")


def test_preset_and_path_keep_priority(hub_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gptcalc.adapters.load import load_model

    assert load_model("llama-2-7b").name == "llama-2-7b"  # a preset name is never an id (no '/')
    folder = hub_cache / "me" / "model"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(LLAMA["config"]))
    monkeypatch.chdir(hub_cache)
    assert load_model("me/model").name == "model"  # an existing folder, not the (uncached) id
