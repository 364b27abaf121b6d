"""FLOPs per token against hand derivations, the leak, and published training compute."""

from __future__ import annotations

from typing import Any

import pytest

from gptcalc.adapters.load import load_dataset, load_model
from gptcalc.flops import flops_per_token, mean_keys
from gptcalc.specs.arch import Architecture
from gptcalc.specs.conventions import CONVENTIONS, FlopsConvention


def tiny(**extra: Any) -> Architecture:
    spec: dict[str, Any] = {
        "n_layers": 2,
        "hidden_size": 64,
        "vocab_size": 100,
        "attention": {"n_heads": 4},
        "mlp": {"activation": "gelu", "d_ff": 256},
        "tie_embeddings": True,
    }
    spec.update(extra)
    return Architecture.model_validate(spec)


def test_tiny_dense_by_hand() -> None:
    # Per layer: Q, K, V, O = 4 h^2 = 16,384 weights; MLP 2 h f = 32,768. Head V h = 6,400 (tied, still a matmul).
    matmul = 2 * (2 * (4 * 64 * 64 + 2 * 64 * 256) + 100 * 64)
    assert matmul == 209_408
    # Attention at s = 32: 4 a d K per layer with a d = 64; causal K = s/2 = 16, full K = 32.
    causal, full = 2 * 4 * 64 * 16, 2 * 4 * 64 * 32
    f = flops_per_token(tiny(), 32, CONVENTIONS["6n"])
    assert f.matmul_forward == matmul and f.forward_per_token == matmul
    assert f.attention_forward == causal and not f.attention_included
    assert f.training_per_token == 3 * matmul
    assert flops_per_token(tiny(), 32, CONVENTIONS["causal"]).training_per_token == 3 * (matmul + causal)
    assert flops_per_token(tiny(), 32, CONVENTIONS["palm"]).training_per_token == 3 * (matmul + full)
    no_head_bwd = FlopsConvention(name="x", attention="excluded", logits_backward=False)
    assert flops_per_token(tiny(), 32, no_head_bwd).training_per_token == 3 * matmul - 4 * 100 * 64


def test_recompute_is_hardware_flops_only() -> None:
    arch = tiny()
    base = flops_per_token(arch, 32, CONVENTIONS["causal"])
    full = flops_per_token(arch, 32, CONVENTIONS["causal"], recompute="full")
    selective = flops_per_token(arch, 32, CONVENTIONS["causal"], recompute="selective")
    assert full.training_per_token == selective.training_per_token == base.training_per_token
    # Full recompute reruns the blocks' forward (not the head); selective only the attention core.
    assert full.hardware_training_per_token == base.training_per_token + base.forward_per_token - 2 * 100 * 64
    assert selective.hardware_training_per_token == base.training_per_token + base.attention_forward
    # Under 6n (attention left out of model FLOPs) the recomputed attention is still hardware work.
    six = {r: flops_per_token(arch, 32, CONVENTIONS["6n"], recompute=r) for r in ("none", "selective", "full")}
    assert six["selective"].hardware_training_per_token == six["none"].training_per_token + base.attention_forward
    assert six["full"].hardware_training_per_token == (
        six["none"].training_per_token + six["none"].matmul_forward - 2 * 100 * 64 + base.attention_forward
    )
    assert six["full"].hardware_training_per_token >= six["selective"].hardware_training_per_token


def test_moe_counts_only_routed_topk() -> None:
    # Mixtral: per layer attention 2 h (h + g d) = 2*4096*(4096+1024), experts 3 h f each, router h E.
    arch = load_model("mixtral-8x7b")
    h, L, f = 4096, 32, 14336
    attn = 2 * h * (h + 1024)
    per_layer_active = attn + 2 * 3 * h * f + h * 8
    per_layer_all = attn + 8 * 3 * h * f + h * 8
    r = flops_per_token(arch, 4096)
    assert r.matmul_forward == 2 * (L * per_layer_active + 32000 * h)
    assert r.dense_forward_per_token == 2 * (L * per_layer_all + 32000 * h)


def test_sliding_window_counts_only_the_window() -> None:
    # Mistral 7B at 8k with a 4,096 window on every layer: causal mean keys w - w^2/(2s) = 3,072.
    arch = load_model("mistral-7b")
    assert mean_keys(8192, 4096, causal=True) == 4096 - 4096**2 / (2 * 8192) == 3072
    r = flops_per_token(arch, 8192, CONVENTIONS["causal"])
    assert r.attention_forward == 32 * 4 * 32 * 128 * 3072
    assert flops_per_token(arch, 8192, CONVENTIONS["palm"]).attention_forward == 32 * 4 * 32 * 128 * 4096
    # Gemma 2: only the even layers slide; at 8k half the layers see 4,096 keys, half 8,192 (full counting).
    gemma = load_model("gemma-2-9b")
    g = flops_per_token(gemma, 8192, CONVENTIONS["palm"])
    assert g.attention_forward == 21 * 4 * 16 * 256 * 4096 + 21 * 4 * 16 * 256 * 8192


def test_latent_attention_core() -> None:
    # DeepSeek-V3 trains MLA with keys of 192 (128 nope + 64 rope) and values of 128 per head.
    arch = load_model("deepseek-v3")
    r = flops_per_token(arch, 4096, CONVENTIONS["palm"])
    assert r.attention_forward == 61 * 2 * 128 * (192 + 128) * 4096


def test_gpt4_reproduces_the_leak() -> None:
    # SemiAnalysis: ~560 GFLOP forward per token (2 x 280B active), ~3,700 GFLOP if dense, 2.15e25 for 13T tokens.
    arch = load_model("gpt-4")
    r = flops_per_token(arch, 8192, CONVENTIONS["6n"])
    assert r.forward_per_token == pytest.approx(560e9, rel=0.03)
    assert r.dense_forward_per_token == pytest.approx(3.7e12, rel=0.03)
    assert r.training_per_token * 13e12 == pytest.approx(2.15e25, rel=0.03)
    # The attention term at 8k moves the total by several percent (causal ~4%, full ~8%).
    causal = flops_per_token(arch, 8192, CONVENTIONS["causal"]).training_per_token
    full = flops_per_token(arch, 8192, CONVENTIONS["palm"]).training_per_token
    assert 0.03 < causal / r.training_per_token - 1 < 0.05
    assert 0.06 < full / r.training_per_token - 1 < 0.09


def test_palm_formula() -> None:
    # PaLM App. B: training FLOPs per token = 6N + 12 L H Q T = 6 x 540.35e9 + 12 x 118 x 48 x 256 x 2048 = 3.28e12.
    r = flops_per_token(load_model("palm-540b"), 2048, CONVENTIONS["palm"])
    assert r.training_per_token == pytest.approx(6 * 540.35e9 + 12 * 118 * 48 * 256 * 2048, rel=0.001)
    assert r.training_per_token == pytest.approx(3.28e12, rel=0.005)


@pytest.mark.parametrize(
    ("model", "dataset", "convention", "published", "source"),
    [
        ("gpt-3-175b", "gpt-3", "6n", 3.14e23, "Brown et al. 2020, Table D.1 (6ND, attention ignored)"),
        ("chinchilla-70b", "chinchilla", "palm", 5.76e23, "Hoffmann et al. 2022, Sec. 4.1 (App. F counts attention)"),
        ("palm-540b", "palm", "palm", 2.56e24, "Chowdhery et al. 2022, Table 20 (6N + 12LHQT, App. B)"),
        ("llama-3.1-405b", "llama-3.1", "6n", 3.8e25, "Llama Team 2024, Sec. 3.2.1 (3.8e25 FLOPs)"),
    ],
)
def test_published_training_compute(model: str, dataset: str, convention: str, published: float, source: str) -> None:
    data = load_dataset(dataset)
    r = flops_per_token(load_model(model), data.seq_len, CONVENTIONS[convention])
    assert r.training_per_token * data.total_tokens == pytest.approx(published, rel=0.05), source


def test_bad_seq_len() -> None:
    with pytest.raises(ValueError, match="seq_len"):
        flops_per_token(tiny(), 0)


def test_named_conventions_are_valid_specs() -> None:
    """CONVENTIONS are built without validation (no validator at import): each equals its validated twin."""
    from gptcalc.specs.conventions import CONVENTIONS, FlopsConvention

    for name, conv in CONVENTIONS.items():
        twin = FlopsConvention(**conv.model_dump(exclude_unset=True))
        assert conv == twin and conv.model_fields_set == twin.model_fields_set and conv.name == name
