"""Parameter totals equal what Hugging Face transformers instantiates, for every supported model_type.

The expected numbers are transformers' own ``sum(p.numel() for p in model.parameters())`` on the meta
device, committed in ``tests/golden/hf/*.json`` by ``tools/make_golden.py`` (run under transformers
5.24.0 and 4.57.6). Nothing here comes from gptcalc's own output.
"""

from __future__ import annotations

from typing import Any

import pytest

from gptcalc.errors import ConfigImportError
from gptcalc.hf_config import SUPPORTED_MODEL_TYPES, architecture_from_hf
from gptcalc.params import count_params
from tests.conftest import golden_cases

CASES = golden_cases()
# Configs transformers accepts but gptcalc refuses on purpose, with the reason.
REFUSED = {
    "gpt2-saved-5x": "add_cross_attention",  # an encoder-decoder block, not a decoder-only LM
    "deepseek_v2-minimal": "num_experts_per_tok",  # transformers' default is null: the model cannot route
}
# Where the two transformers versions disagree we follow 5.x, for the reason given.
VERSION_DIFFERENCES = {
    # 4.57 gives routed experts biases when mlp_bias is set; 5.x fuses them into bias-free tensors.
    "deepseek_v2-saved-4x": "expert biases",
    # 5.x writes num_local_experts; 4.57 does not know that key and falls back to its default of 128 experts.
    "qwen3_moe-saved-5x": "renamed key",
}
CURRENT = "5.24.0"


def _expected(case: dict[str, Any]) -> int:
    totals = case["totals"]
    return int(totals.get(CURRENT, next(iter(totals.values()))))


@pytest.mark.parametrize("case", [c for c in CASES if c["case"] not in REFUSED], ids=lambda c: c["case"])
def test_total_matches_transformers(case: dict[str, Any]) -> None:
    arch = architecture_from_hf(case["config"])
    assert count_params(arch).total == _expected(case)


@pytest.mark.parametrize("case", [c for c in CASES if c["case"] not in REFUSED], ids=lambda c: c["case"])
def test_both_transformers_versions_agree(case: dict[str, Any]) -> None:
    totals = set(case["totals"].values())
    if case["case"] in VERSION_DIFFERENCES:
        assert len(totals) == 2
    else:
        assert len(totals) == 1, case["totals"]


@pytest.mark.parametrize("case", [c for c in CASES if c["case"] in REFUSED], ids=lambda c: c["case"])
def test_refused_configs_say_why(case: dict[str, Any]) -> None:
    with pytest.raises(ConfigImportError, match=REFUSED[case["case"]]):
        architecture_from_hf(case["config"])


def test_every_supported_type_has_dense_or_moe_goldens() -> None:
    by_type: dict[str, int] = {}
    for case in CASES:
        by_type[case["model_type"]] = by_type.get(case["model_type"], 0) + 1
    assert set(by_type) == set(SUPPORTED_MODEL_TYPES)
    assert all(n >= 2 for n in by_type.values()), by_type
    styles = {c["style"] for c in CASES}
    assert {"hub", "minimal", "saved-4.x", "saved-5.x"} <= styles


def test_unsupported_model_type_lists_supported() -> None:
    with pytest.raises(ConfigImportError, match=r"supported: .*deepseek_v3.*llama"):
        architecture_from_hf({"model_type": "t5"})
    with pytest.raises(ConfigImportError, match="missing"):
        architecture_from_hf({"hidden_size": 5})
