"""The operator inventory against shapes and counts written out by hand (transformers' module shapes, papers)."""

from __future__ import annotations

import math

import pytest

from gptcalc.adapters.load import load_model
from gptcalc.inventory import collectives, inventory
from gptcalc.params import count_params
from gptcalc.specs.layout import TrainLayout


def test_llama2_7b_layer_tensors_match_transformers_shapes() -> None:
    # LlamaDecoderLayer in transformers: q/k/v/o_proj Linear(4096, 4096, bias=False) -> weight (4096, 4096);
    # gate/up_proj (11008, 4096); down_proj (4096, 11008); input_layernorm and post_attention_layernorm (4096,).
    layer = inventory(load_model("llama-2-7b")).kinds["dense"]
    shapes = {w.name: w.shape for w in layer.weights}
    assert shapes["self_attn.q_proj.weight"] == (4096, 4096)
    assert shapes["self_attn.k_proj.weight"] == (4096, 4096)
    assert shapes["mlp.gate_proj.weight"] == (11008, 4096)
    assert shapes["mlp.down_proj.weight"] == (4096, 11008)
    assert sorted(s for n, s in shapes.items() if n.startswith("norm")) == [(4096,), (4096,)]
    per_layer = 4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096  # 202,383,360
    assert layer.params() == per_layer
    # Whole model (Touvron et al. 2023's 7B): 32 layers + embedding and untied head 32,000 x 4,096 + final norm.
    assert 32 * per_layer + 2 * 32_000 * 4096 + 4096 == 6_738_415_616 == count_params(load_model("llama-2-7b")).total


def test_matmuls_are_n_by_k_with_two_flops_per_weight() -> None:
    layer = inventory(load_model("llama-2-7b")).kinds["dense"]
    mm = {m.name: m for m in layer.matmuls}
    assert (mm["self_attn.o_proj"].n, mm["self_attn.o_proj"].k) == (4096, 4096)
    assert (mm["mlp.down_proj"].n, mm["mlp.down_proj"].k) == (4096, 11008)
    assert all(m.tokens == "all" for m in layer.matmuls)
    assert layer.matmul_weights() == 4 * 4096 * 4096 + 3 * 4096 * 11008  # norms are not matmuls


def test_mixtral_experts_are_routed_copies() -> None:
    # Jiang et al. 2024: 8 SwiGLU experts of 3 x 4,096 x 14,336 weights, 2 routed per token, router 4,096 x 8.
    layer = inventory(load_model("mixtral-8x7b")).kinds["moe"]
    experts = [m for m in layer.matmuls if m.component == "routed_experts"]
    assert {m.copies for m in experts} == {8} and {m.tokens for m in experts} == {"routed"}
    attention = 2 * 4096 * 4096 + 2 * 4096 * 1024  # q, o: 4096 x 4096; k, v: 8 heads x 128 = 1024
    expert = 3 * 4096 * 14336
    router = 4096 * 8
    assert layer.matmul_weights() == attention + 2 * expert + router
    assert layer.matmul_weights(experts=8) == attention + 8 * expert + router
    assert layer.one_expert == expert


def test_kv_cache_footprints() -> None:
    # Llama-2-70B: 8 kv heads of 128, keys and values: 2 x 8 x 128 = 2,048 values per token and layer; at tp 16
    # each GPU keeps one whole head (replicated), 256 values.
    kv = inventory(load_model("llama-2-70b")).kinds["dense"].attention.kv
    assert kv.values(1) == 2048 and kv.values(8) == 256 and kv.values(16) == 256
    # DeepSeek-V3 MLA: the latent d_c = 512 plus the decoupled rotary key 64, on every rank (DeepSeek-V2 Sec. 2.1.2).
    mla = inventory(load_model("deepseek-v3")).kinds["moe"].attention.kv
    assert mla.values(1) == mla.values(8) == 512 + 64


def test_layer_kinds_and_windows() -> None:
    # DeepSeek-V3: the first 3 of 61 layers are dense (first_k_dense_replace = 3).
    inv = inventory(load_model("deepseek-v3"))
    assert inv.layer_kinds[:4] == ("dense", "dense", "dense", "moe") and inv.count("moe") == 58
    assert inv.stage_counts(range(0, 16)) == (3, 13, 0)
    # Gemma 2: every other layer slides over 4,096 tokens, starting with the first.
    gemma = inventory(load_model("gemma-2-9b"))
    assert gemma.windows[:4] == (4096, None, 4096, None)
    assert gemma.stage_counts(range(0, 42))[2] == 21


def test_inventory_is_built_once_per_architecture() -> None:
    arch = load_model("gpt-4")
    assert inventory(arch) is inventory(arch)
    assert inventory(arch) is inventory(load_model("gpt-4"))  # equal specs share it


def test_collectives_of_a_layout_by_hand() -> None:
    # Llama-2-7B, tp 8, pp 4, dp 16, micro-batch 1 of 4,096 tokens, bf16 (Narayanan et al. 2021 Sec. 3.2):
    inv = inventory(load_model("llama-2-7b"))
    layout = TrainLayout(tp=8, pp=4, dp=16, zero=1)
    plan = collectives(
        inv, layout, seq_len=4096, activation_bytes=2, gradient_bytes=2, weight_bytes=2, params_per_gpu=1e8
    )
    (tp,) = plan.per_layer["dense"]  # 4 all-reduces per layer of s x h x 2 bytes, ring 2 (t-1)/t
    assert (tp.kind, tp.group, tp.bytes, tp.calls) == ("all-reduce", "tp", 4096 * 4096 * 2, 4)
    assert tp.volume == pytest.approx(2 * 7 / 8 * 4096 * 4096 * 2 * 4)
    (pp,) = plan.per_microbatch  # forward and backward send of the stage output, split by tp under sequence parallelism
    assert (pp.kind, pp.bytes, pp.calls) == ("send-recv", 4096 * 4096 * 2 / 8, 2)
    # ZeRO-1: the gradients reduce-scattered and the updated weights all-gathered, once per step.
    assert [(c.kind, c.bytes) for c in plan.per_step] == [("reduce-scatter", 2e8), ("all-gather", 2e8)]
    assert sum(c.volume for c in plan.per_step) == pytest.approx(2 * 15 / 16 * 2 * 1e8)
    full = collectives(
        inv,
        layout.model_copy(update={"recompute": "full"}),
        seq_len=4096,
        activation_bytes=2,
        gradient_bytes=2,
        weight_bytes=2,
        params_per_gpu=1e8,
    )
    assert full.per_layer["dense"][0].calls == 6  # the recomputed forward repeats its two all-reduces


def test_expert_all_to_all_and_fsdp_gathers() -> None:
    # Mixtral, ep 8 over tp 1: 4 all-to-alls per MoE layer of c k s b h bytes, 7/8 of them off the GPU.
    inv = inventory(load_model("mixtral-8x7b"))
    layout = TrainLayout(ep=8, dp=8, capacity_factor=1.25, zero=3)
    plan = collectives(
        inv, layout, seq_len=4096, activation_bytes=2, gradient_bytes=4, weight_bytes=2, params_per_gpu=1e9
    )
    (ep,) = plan.per_layer["moe"]
    assert ep.bytes == pytest.approx(2 * 1.25 * 2 * 4096 * 4096) and ep.calls == 4
    assert math.isclose(ep.volume, 7 / 8 * ep.bytes * 4)
    # FSDP: per micro-batch and per block (32 layers), the weights gathered twice and the gradients scattered.
    assert [(c.kind, c.calls) for c in plan.per_microbatch] == [
        ("all-gather", 32),
        ("all-gather", 32),
        ("reduce-scatter", 32),
    ]
    assert [c.bytes * c.calls for c in plan.per_microbatch] == pytest.approx([2e9, 2e9, 4e9])
    assert plan.per_step == ()
