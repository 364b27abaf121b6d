"""Multimodal wrapper configs (gemma3, mistral3, llama4, qwen3_5, ...) are read as their text model.

Exact totals for the wrappers are in the golden fixtures (transformers' text-only class on the wrapper's
``get_text_config()``, tools/make_golden.py); these tests cover the messages and the approximate path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gptcalc.adapters.hf_config import VISION_EXCLUDED, architecture_from_hf
from gptcalc.cli.app import app
from gptcalc.errors import ConfigImportError
from gptcalc.params import count_params
from tests.conftest import golden_cases

TEXT = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4}
TEXT["vocab_size"] = 100


def test_wrapper_says_the_vision_tower_is_not_counted(tmp_path: Path) -> None:
    case = next(c for c in golden_cases() if c["case"] == "gemma-3-4b-pt")
    (tmp_path / "config.json").write_text(json.dumps(case["config"]))
    out = CliRunner().invoke(app, ["params", str(tmp_path / "config.json")])
    assert out.exit_code == 0, out.output
    assert "gemma3: its text model (gemma3_text) only; vision tower" in out.stdout
    assert VISION_EXCLUDED in architecture_from_hf(case["config"]).description


def test_wrapper_of_an_unsupported_text_type_is_approximate_and_strict_refuses() -> None:
    text = {**TEXT, "model_type": "somebody_text"}
    config = {"model_type": "somevlm", "text_config": text, "vision_config": {"hidden_size": 8}}
    arch = architecture_from_hf(config)
    assert arch.approximate is not None and "somebody_text" in arch.approximate
    # Llama-style reading, written out: 100 x 64 embedding and head (untied), per layer 4 x 64^2 attention,
    # 3 x 64 x 128 gated MLP and two norms of 64, plus the final norm.
    assert count_params(arch).total == 2 * 100 * 64 + 2 * (4 * 64 * 64 + 3 * 64 * 128 + 2 * 64) + 64
    with pytest.raises(ConfigImportError, match=r"somebody_text.*--strict"):
        architecture_from_hf(config, strict=True)


def test_outer_tie_only_where_the_wrapper_ties_by_it() -> None:
    # Llama4ForConditionalGeneration keeps a whole Llama4ForCausalLM tied by its text config: the outer flag
    # is not taken; gemma3's wrapper ties by the outer flag, so a text_config without one inherits it.
    llama4_text = {**TEXT, "num_key_value_heads": 4}
    untied = architecture_from_hf({"model_type": "llama4", "tie_word_embeddings": True, "text_config": llama4_text})
    assert not untied.tie_embeddings
    gemma = {"model_type": "gemma3", "tie_word_embeddings": False, "text_config": dict(TEXT)}
    assert not architecture_from_hf(gemma).tie_embeddings
    assert architecture_from_hf({**gemma, "text_config": {**TEXT, "tie_word_embeddings": True}}).tie_embeddings


def test_unknown_wrapper_without_a_text_model_type_is_one_clear_error() -> None:
    with pytest.raises(ConfigImportError, match="text_config of model_type 'somevlm' names no model_type"):
        architecture_from_hf({"model_type": "somevlm", "text_config": dict(TEXT)})
