"""Parameter totals equal what Hugging Face transformers instantiates, for every supported model_type.

The expected numbers are transformers' own ``sum(p.numel() for p in model.parameters())`` on the meta
device, committed in ``tests/golden/hf/*.json`` by ``tools/make_golden.py`` (run under transformers
5.24.0 and 4.57.6). Nothing here comes from gptcalc's own output.
"""

from __future__ import annotations

from typing import Any

import pytest

from gptcalc.adapters.hf_config import SUPPORTED_MODEL_TYPES, architecture_from_hf
from gptcalc.errors import ConfigImportError
from gptcalc.params import count_params
from tests.conftest import golden_cases

CASES = golden_cases()
# Configs transformers accepts but gptcalc refuses on purpose, with the reason.
REFUSED = {
    "gpt2-saved-5x": "add_cross_attention",  # an encoder-decoder block, not a decoder-only LM
}
# Where the two transformers versions disagree we follow 5.x, for the reason given.
VERSION_DIFFERENCES = {
    # 4.57 gives routed experts biases when mlp_bias is set; 5.x fuses them into bias-free tensors.
    "deepseek_v2-saved-4x": "expert biases",
    # 5.x writes num_local_experts; 4.57 does not know that key and falls back to its default of 128 experts.
    "qwen3_moe-saved-5x": "renamed key",
    # The default vocab_size of deepseek_v2 changed from 32,000 (4.57) to 102,400 (5.x).
    "deepseek_v2-minimal": "changed default",
    # Expert-count aliases 5.x added (4.57 ignores the key and keeps its default expert count).
    "variant-deepseek_v2-num-experts": "alias",
    "variant-deepseek_v3-num-local-experts": "alias",
    "variant-mixtral-both-expert-keys": "alias",
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
    assert {"hub", "minimal", "saved-4.x", "saved-5.x", "variant"} <= styles


def test_unsupported_model_type_lists_supported() -> None:
    # Without the common keys there is nothing to approximate: one line names what is missing.
    with pytest.raises(ConfigImportError, match=r"lacks hidden_size, num_hidden_layers, .*supported exactly: .*llama"):
        architecture_from_hf({"model_type": "t5"})
    with pytest.raises(ConfigImportError, match=r"no model_type.*\"model_type\": \"llama\""):
        architecture_from_hf({"hidden_size": 5})
    with pytest.raises(ConfigImportError, match=r"'t5' is not supported exactly \(--strict\); supported: .*llama"):
        architecture_from_hf({"model_type": "t5"}, strict=True)


@pytest.mark.parametrize("name", ["llama-2-7b", "llama-3.1-8b", "mixtral-8x7b", "deepseek-v3"])
def test_unknown_type_with_common_keys_is_approximate(name: str) -> None:
    # A Llama-shaped config under an unknown model_type reads as a Llama-style decoder: for Llama 2/3.1 and
    # Mixtral that is the exact structure, so transformers' own llama/mixtral total comes back, marked approximate.
    # DeepSeek-V3 (MLA) is not Llama-shaped: the reading is approximate and says so.
    case = next(c for c in CASES if c["case"] == name)
    arch = architecture_from_hf({**case["config"], "model_type": "somebody_new"})
    assert arch.approximate is not None and "somebody_new" in arch.approximate
    if name != "deepseek-v3":
        assert count_params(arch).total == _expected(case)
    else:
        assert count_params(arch).total != _expected(case)
    with pytest.raises(ConfigImportError, match="--strict"):
        architecture_from_hf({**case["config"], "model_type": "somebody_new"}, strict=True)


def test_cli_marks_approximate_and_strict_refuses(tmp_path: Any) -> None:
    import json

    from typer.testing import CliRunner

    from gptcalc.cli.app import app

    case = next(c for c in CASES if c["case"] == "llama-2-7b")
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**case["config"], "model_type": "somebody_new"}))
    out = CliRunner().invoke(app, ["params", str(path), "--json"])
    assert out.exit_code == 0
    payload = json.loads(out.stdout)
    assert payload["exact"] is False and "somebody_new" in payload["reason"]
    assert payload["total"] == _expected(case)
    assert "gptcalc: warning:" in out.stderr and "approximate" in out.stderr
    refused = CliRunner().invoke(app, ["params", str(path), "--strict"])
    assert refused.exit_code == 2 and "--strict" in refused.stderr and "Traceback" not in refused.output
    (tmp_path / "bare.json").write_text(json.dumps({"hidden_size": 64, "num_hidden_layers": 2}))
    bare = CliRunner().invoke(app, ["params", str(tmp_path / "bare.json")])
    assert bare.exit_code == 2 and "model_type" in bare.stderr and len(bare.stderr.strip().splitlines()) == 1


def test_unknown_top_k_keeps_totals_and_says_what_is_missing() -> None:
    # transformers' deepseek_v2 default num_experts_per_tok is null: the total is still exact, the active count is not.
    case = next(c for c in CASES if c["case"] == "deepseek_v2-minimal")
    arch = architecture_from_hf(case["config"])
    counts = count_params(arch)
    assert counts.total == _expected(case) and counts.active is None
    from gptcalc.errors import InputError
    from gptcalc.flops import flops_per_token

    with pytest.raises(InputError, match=r"moe.top_k: unknown"):
        flops_per_token(arch, 4096)


def test_gemma2_hub_config_alternates_windows() -> None:
    # Gemma2Config's default layer_types: even layers slide over 4,096 tokens, odd layers attend globally.
    from gptcalc.adapters.load import load_model
    from gptcalc.memory import kv_bytes_per_token

    case = next(c for c in CASES if c["case"] == "gemma-2-9b")
    arch = architecture_from_hf(case["config"])
    assert (arch.attention.sliding_window, arch.attention.global_every) == (4096, 2)
    assert kv_bytes_per_token(arch, context=8192) == kv_bytes_per_token(load_model("gemma-2-9b"), context=8192)


def test_qwen_windows_only_when_enabled() -> None:
    base = {"model_type": "qwen2", "sliding_window": 4096, "max_window_layers": 0, "num_hidden_layers": 4}
    assert architecture_from_hf(base).attention.sliding_window is None  # use_sliding_window defaults to false
    on = architecture_from_hf({**base, "use_sliding_window": True})
    assert on.attention.sliding_window == 4096 and on.attention.global_every is None
    # Layers from max_window_layers on slide (Qwen2Config's layer_types): kept as the explicit list.
    late = architecture_from_hf({**base, "use_sliding_window": True, "max_window_layers": 2})
    assert late.attention.sliding_layers == (2, 3)
    assert [late.is_sliding_layer(i) for i in range(4)] == [False, False, True, True]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "llama", "num_attention_heads": 0}, "num_attention_heads must be a whole number >= 1"),
        ({"model_type": "llama", "hidden_size": float("inf")}, "hidden_size must be a whole number"),
        ({"model_type": "llama", "tie_word_embeddings": "false"}, "tie_word_embeddings must be true or false"),
        ({"model_type": "gpt2", "n_inner": 1.5}, "n_inner must be a whole number"),
        ({"model_type": "mistral", "sliding_window": True}, "sliding_window must be a whole number"),
        ({"model_type": ["llama"]}, "is not supported"),
    ],
)
def test_malformed_configs_say_which_key(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigImportError, match=message):
        architecture_from_hf(config)


def _config_key(config: dict[str, Any], *keys: str) -> int | None:
    """The first of ``keys`` present in the config (``a.b`` reads a nested dict)."""
    for key in keys:
        node: Any = config
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, int) and not isinstance(node, bool):
            return node
    return None


_K_KEYS = ("num_experts_per_tok", "moe_k", "ffn_config.moe_top_k", "moe_topk")


def _routed_expert_params(case: dict[str, Any]) -> int:
    """Routed-expert parameters as transformers names them (every ``experts`` tensor that is not shared)."""
    return sum(
        n
        for name, n in case["params_by_name"].items()
        if (".experts." in name or name.endswith(".experts")) and "shared" not in name
    )


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c["case"] not in REFUSED and _routed_expert_params(c) and "5.24.0" in c["totals"]],
    ids=lambda c: c["case"],
)
def test_active_matches_transformers_experts(case: dict[str, Any]) -> None:
    # Active = total - (E - k)/E of transformers' routed-expert tensors. E is the expert count the import read
    # (pinned by the exact total above: a wrong E changes it); k is the config's own key, or the family's class
    # default when the key is absent.
    arch = architecture_from_hf(case["config"])
    assert arch.moe is not None
    e = arch.moe.n_experts
    k = _config_key(case["config"], *_K_KEYS) or arch.moe.top_k
    if k is None:
        pytest.skip("top_k unknown (deepseek_v2 default)")
    routed = _routed_expert_params(case)
    # LongCat-Flash: transformers allocates gate_up_proj rows for the zero_expert_num identity experts too
    # ((E + Z) x 2 f x h); no token multiplies them, so they are never active.
    z = _config_key(case["config"], "zero_expert_num") or arch.moe.zero_experts
    unused = 0
    if z:
        gate_up = sum(n for name, n in case["params_by_name"].items() if name.endswith("experts.gate_up_proj"))
        assert gate_up % (e + z) == 0
        unused = gate_up // (e + z) * z
    routed -= unused
    assert routed % e == 0
    assert count_params(arch).active == _expected(case) - unused - routed // e * (e - k)
