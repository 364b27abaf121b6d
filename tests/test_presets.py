"""Preset discovery, shadowing, validation errors that name the file and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gptcalc.adapters.catalog import list_presets
from gptcalc.adapters.load import load_dataset, load_hardware, load_model
from gptcalc.adapters.presets import KINDS, find_preset, load_spec
from gptcalc.errors import PresetError, SpecError
from gptcalc.params import count_params
from gptcalc.specs.hardware import Hardware

SHIPPED_MODELS = {"gpt-4", "gpt-3-175b", "llama-2-70b", "llama-3.1-405b", "mixtral-8x7b", "deepseek-v3"}
SHIPPED_HARDWARE = {
    "a100-40gb",
    "a100-80gb",
    "h100-sxm",
    "h100-pcie",
    "h800",
    "h200",
    "b200",
    "mi300x",
    "tpu-v4",
    "tpu-v5p",
}


def test_shipped_presets_all_validate() -> None:
    for kind in KINDS:
        for info in list_presets(kind):
            assert info.description, info.path
            assert info.source, info.path
    assert {i.name for i in list_presets("models")} >= SHIPPED_MODELS
    assert {i.name for i in list_presets("hardware")} >= SHIPPED_HARDWARE
    for info in list_presets("models"):
        count_params(load_model(info.name))
    for info in list_presets("hardware"):
        load_hardware(info.name)


def test_hardware_aliases() -> None:
    assert load_hardware("a100").name == "a100-80gb"
    assert load_hardware("h100").name == "h100-sxm"


def test_unknown_and_path_like_names() -> None:
    with pytest.raises(PresetError, match=r"unknown preset 'gpt-5'; available: .*gpt-4"):
        load_model("gpt-5")
    with pytest.raises(PresetError, match=r"neither a preset name nor a \.toml/\.json file"):
        load_model("../../etc/passwd")
    with pytest.raises(PresetError, match="does not exist"):
        load_model("missing.toml")
    with pytest.raises(PresetError, match="not a valid preset name"):
        load_model("gpt 4")


def _write(folder: Path, kind: str, name: str, text: str) -> Path:
    (folder / kind).mkdir(parents=True, exist_ok=True)
    path = folder / kind / f"{name}.toml"
    path.write_text(text)
    return path


TINY = """description = "tiny"
source = "test"
n_layers = 2
hidden_size = 64
vocab_size = 100
[attention]
n_heads = 4
[mlp]
activation = "gelu"
d_ff = 256
"""


def test_user_folder_adds_and_shadows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "models", "tiny", TINY)
    _write(tmp_path, "models", "gpt-4", TINY)
    arch = load_model("tiny", [tmp_path])
    assert arch.name == "tiny" and arch.n_layers == 2
    assert load_model("gpt-4", [tmp_path]).hidden_size == 64
    listed = [i for i in list_presets("models", [tmp_path]) if i.name == "gpt-4"]
    assert [i.shadowed for i in listed] == [False, True]
    monkeypatch.setenv("GPTCALC_PRESETS", str(tmp_path))
    assert load_model("tiny").hidden_size == 64


def test_aliases_follow_search_order_and_shadowing(tmp_path: Path) -> None:
    # A user preset's alias wins over the shipped one; a shipped file shadowed by a user file of the same name
    # no longer answers to its own aliases (list_presets marks it shadowed); the alias lookup agrees with it.
    _write(tmp_path, "models", "mine", 'aliases = ["fav"]\n' + TINY)
    assert find_preset("models", "fav", [tmp_path]).name == "mine.toml"
    shipped = find_preset("hardware", "h100")
    _write(tmp_path, "hardware", shipped.stem, shipped.read_text().replace('aliases = ["h100"]', "aliases = []"))
    with pytest.raises(PresetError, match="unknown preset 'h100'"):
        find_preset("hardware", "h100", [tmp_path])
    listed = {i.path: i for i in list_presets("hardware", [tmp_path])}
    assert listed[str(shipped)].shadowed and "h100" in listed[str(shipped)].aliases


def test_missing_user_folder(tmp_path: Path) -> None:
    with pytest.raises(PresetError, match=r"--presets: .* is not a folder"):
        load_model("gpt-4", [tmp_path / "nope"])


def test_malformed_and_invalid_files_name_file_and_field(tmp_path: Path) -> None:
    bad = _write(tmp_path, "models", "broken", "n_layers = = 3\n")
    with pytest.raises(PresetError, match=r"broken\.toml: malformed TOML"):
        load_model("broken", [tmp_path])
    _write(tmp_path, "models", "zero", TINY.replace("n_layers = 2", "n_layers = 0"))
    with pytest.raises(SpecError, match=r"zero\.toml: n_layers: Input should be greater than 0"):
        load_model("zero", [tmp_path])
    _write(tmp_path, "models", "extra", "colour = 3\n" + TINY)
    with pytest.raises(SpecError, match=r"extra\.toml: colour: unknown field"):
        load_model("extra", [tmp_path])
    _write(tmp_path, "models", "heads", TINY.replace("n_heads = 4", "n_heads = 4\nn_kv_heads = 3"))
    with pytest.raises(SpecError, match=r"heads\.toml: attention: n_heads \(4\) must be a multiple of n_kv_heads"):
        load_model("heads", [tmp_path])
    assert bad.exists()


def test_hf_config_by_path(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_type": "llama", "num_key_value_heads": 8}))
    arch = load_model(str(config))
    assert arch.attention.variant == "GQA"
    assert load_model(str(tmp_path)).attention.variant == "GQA"  # a model folder holding config.json
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(PresetError, match="malformed JSON"):
        load_model(str(tmp_path / "bad.json"))


def test_missing_dtype_is_an_error() -> None:
    a100 = load_hardware("a100-80gb")
    assert a100.peak_flops("bf16") == 312e12
    with pytest.raises(Exception, match="a100-80gb has no fp8"):
        a100.peak_flops("fp8")


def test_hardware_spec_rejects_nan() -> None:
    data = load_spec(Hardware, "hardware", "h100").model_dump()
    data["tdp_w"] = float("nan")
    with pytest.raises(Exception, match="finite"):
        Hardware.model_validate(data)


def test_dataset_presets() -> None:
    gpt4 = load_dataset("gpt-4")
    assert gpt4.total_tokens == 13e12
    assert gpt4.seq_len == 8192


def test_specs_built_directly_raise_typed_errors() -> None:
    import gptcalc as gc

    for build in (
        lambda: gc.TrainLayout(tp=0),
        lambda: gc.ServingSetup(prompt=0),
        lambda: gc.Dataset(name="x"),
        lambda: gc.Architecture.model_validate({"n_layers": -1}),
        lambda: gc.Range(low=2, mid=1, high=3),
    ):
        with pytest.raises(gc.SpecError):
            build()
    assert gc.compute_optimal(5.76e23, "hoffmann").fit == "hoffmann"
