"""Presets against published parameter counts and the GPT-4 leak's figures.

Each expected value cites where it was published; the gptcalc figures come from the presets' dimensions.
"""

from __future__ import annotations

import json

import pytest

from gptcalc.adapters.load import load_model
from gptcalc.params import count_params
from tests.conftest import GOLDEN


def within(value: float, target: float, rel: float) -> bool:
    return abs(value / target - 1) <= rel


def test_gpt4_reproduces_the_leak() -> None:
    # SemiAnalysis 2023-07: ~1.8T total, 16 experts of ~111B, ~55B shared attention, ~280B active.
    c = count_params(load_model("gpt-4"))
    assert within(c.total, 1.8e12, 0.02)
    assert within(c.one_routed_expert, 111e9, 0.02)
    assert within(c.breakdown.attention, 55e9, 0.02)
    assert within(c.active, 280e9, 0.03)


def test_gpt4_hand_derivation() -> None:
    # h = 10,752, 120 layers, d_ff = 4h, GELU experts with biases, MHA with biases, LayerNorm.
    h, L, V, P = 10752, 120, 100277, 8192
    expert_per_layer = 2 * h * 4 * h + 4 * h + h  # up, down weights + their biases
    attention_per_layer = 4 * h * h + 4 * h  # q, k, v, o weights + biases
    router_per_layer = 16 * h
    norms = L * 2 * 2 * h + 2 * h
    total = L * (16 * expert_per_layer + attention_per_layer + router_per_layer) + norms + V * h + P * h + V * h
    c = count_params(load_model("gpt-4"))
    assert c.total == total
    assert c.one_routed_expert == L * expert_per_layer


@pytest.mark.parametrize(
    ("preset", "total", "active", "rel", "source"),
    [
        ("mixtral-8x7b", 46.7e9, 12.9e9, 0.005, "Mixtral paper Table 1 / HF count 46.7B, 12.9B active"),
        ("deepseek-v3", 671e9, 37e9, 0.02, "DeepSeek-V3 report Sec. 4.2: 671B total, 37B activated"),
        ("qwen3-235b-a22b", 235e9, 22e9, 0.01, "Qwen3 model card: 235B total, 22B activated"),
        ("gpt-3-175b", 174.6e9, 174.6e9, 0.001, "GPT-3 paper Table D.1: 174,600M"),
        ("palm-540b", 540.35e9, 540.35e9, 0.001, "PaLM paper Table 1: 540.35B"),
        ("llama-3.1-405b", 405_853_388_800, 405_853_388_800, 0.0, "HF safetensors total of Llama-3.1-405B"),
        ("llama-3.1-8b", 8_030_261_248, 8_030_261_248, 0.0, "HF safetensors total of Llama-3.1-8B"),
    ],
)
def test_published_totals(preset: str, total: float, active: float, rel: float, source: str) -> None:
    c = count_params(load_model(preset))
    assert within(c.total, total, rel), source
    assert within(c.active, active, rel + 0.01), source


def test_llama2_checkpoints_hold_rotary_buffers_beside_parameters() -> None:
    # The released Llama 2 safetensors (68,976,653,312 and 6,738,417,664) also store each layer's rotary
    # inv_freq buffer of head_dim/2 = 64 values; transformers' parameters() does not count buffers.
    assert count_params(load_model("llama-2-70b")).total == 68_976_653_312 - 80 * 64
    assert count_params(load_model("llama-2-7b")).total == 6_738_417_664 - 32 * 64


def test_gemma2_paper_counts_a_padded_vocabulary() -> None:
    # Gemma 2 paper: 9,242,164,736 with a 256,128-row embedding; the HF config instantiates 256,000 rows.
    assert count_params(load_model("gemma-2-9b")).total == 9_242_164_736 - 128 * 3584


@pytest.mark.parametrize(
    ("preset", "golden"),
    [
        ("llama-2-70b", "llama-2-70b"),
        ("llama-3.1-405b", "llama-3.1-405b"),
        ("mixtral-8x7b", "mixtral-8x7b"),
        ("deepseek-v3", "deepseek-v3"),
        ("mistral-7b", "mistral-7b-v0.1"),
        ("gemma-2-9b", "gemma-2-9b"),
        ("qwen3-235b-a22b", "qwen3-235b-a22b"),
    ],
)
def test_presets_match_transformers(preset: str, golden: str) -> None:
    case = json.loads((GOLDEN / f"{golden}.json").read_text())
    assert count_params(load_model(preset)).total == case["totals"]["5.24.0"]
