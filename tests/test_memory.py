"""Memory per GPU against Korthikanti et al. 2022, the ZeRO paper and hand derivations."""

from __future__ import annotations

import math
from typing import Any

import pytest

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.errors import InputError, LayoutError
from gptcalc.memory import (
    ModelSizes,
    gpus_to_hold_states,
    kv_bytes_per_token,
    layer_activation_bytes,
    serving_memory,
    stage_bytes,
    stages,
    training_memory,
    weight_bytes_per_param,
)
from gptcalc.parallel import check_layout
from gptcalc.specs.arch import Architecture
from gptcalc.specs.hardware import GIB
from gptcalc.specs.layout import TrainLayout
from tests.derivations import gpt4_counts, llama2_70b_params

# Korthikanti et al. 2022, Table 3: (heads, hidden, layers, tensor parallel, pipeline parallel, micro-batch),
# sequence length 2,048.
TABLE3 = {
    "22B": (64, 6144, 48, 8, 1, 4),
    "175B": (96, 12288, 96, 8, 8, 1),
    "530B": (128, 20480, 105, 8, 35, 1),
    "1T": (160, 25600, 128, 8, 64, 1),
}
TECHNIQUES = {
    # technique: (tp applies, sequence parallel, recompute)
    "none": (False, False, "none"),
    "tp": (True, False, "none"),
    "tp+sp": (True, True, "none"),
    "tp+selective": (True, False, "selective"),
    "tp+sp+selective": (True, True, "selective"),
    "full": (True, False, "full"),
}


def gpt(heads: int, hidden: int, layers: int) -> Architecture:
    return Architecture.model_validate(
        {
            "n_layers": layers,
            "hidden_size": hidden,
            "vocab_size": 51200,
            "attention": {"n_heads": heads, "qkv_bias": True, "out_bias": True},
            "mlp": {"activation": "gelu", "d_ff": 4 * hidden, "bias": True},
            "norm": "layernorm",
        }
    )


@pytest.mark.parametrize("config", list(TABLE3))
@pytest.mark.parametrize("technique", list(TECHNIQUES))
def test_korthikanti_table2(config: str, technique: str) -> None:
    a, h, L, t, _, b = TABLE3[config]
    use_tp, sp, recompute = TECHNIQUES[technique]
    tp = t if use_tp else 1
    layout = TrainLayout(
        tp=tp, micro_batch=b, sequence_parallel=sp, recompute=recompute, attention="eager", dropout=True
    )
    s = 2048
    sbh = s * b * h
    # Korthikanti et al. 2022, Table 2 (bytes per layer, 2-byte values, dropout, eager attention): per layer
    # attention 11sbh + 5as^2b, MLP 19sbh, two LayerNorms 4sbh (Sec. 4.1) = sbh(34 + 5as/h). Tensor
    # parallelism splits 24sbh + 5as^2b over t and leaves 10sbh (norm inputs, QKV and MLP inputs, dropout
    # masks) replicated; sequence parallelism splits those 10sbh as well; selective recomputation drops the
    # 5as^2b scores/softmax/dropout terms; full recomputation keeps only the 2sbh layer input.
    expected = {
        "none": sbh * (34 + 5 * a * s / h),
        "tp": sbh * (10 + 24 / tp + 5 * a * s / (h * tp)),
        "tp+sp": sbh * (34 / tp + 5 * a * s / (h * tp)),
        "tp+selective": sbh * (10 + 24 / tp),
        "tp+sp+selective": sbh * 34 / tp,
        "full": sbh * 2,
    }[technique]
    assert layer_activation_bytes(gpt(a, h, L), layout, s, moe_layer=False) == pytest.approx(expected, rel=1e-12)


def test_first_stage_holds_pipeline_depth_microbatches() -> None:
    # Korthikanti Sec. 4.2.3: with 1F1B the first stage stores p micro-batches, i.e. L layers' activations.
    a, h, L, t, p, b = TABLE3["175B"]
    arch = gpt(a, h, L)
    layout = TrainLayout(tp=t, pp=p, dp=1, micro_batch=b, recompute="selective", attention="eager", dropout=True)
    mem = training_memory(arch, load_hardware("a100-80gb"), layout, 2048)
    assert mem.stage == 0 and mem.in_flight_microbatches == p
    assert mem.breakdown["activations"] == pytest.approx(L * 2048 * b * h * 34 / t, rel=1e-9)
    interleaved = training_memory(
        arch, load_hardware("a100-80gb"), layout.model_copy(update={"virtual_stages": 2}), 2048
    )
    assert interleaved.breakdown["activations"] == pytest.approx(mem.breakdown["activations"] * (1 + (p - 1) / (p * 2)))


def tiny_dense() -> Architecture:
    return Architecture.model_validate(
        {
            "n_layers": 4,
            "hidden_size": 256,
            "vocab_size": 1000,
            "attention": {"n_heads": 4},
            "mlp": {"activation": "swiglu", "d_ff": 512},
        }
    )


@pytest.mark.parametrize("zero", [0, 1, 2, 3])
def test_zero_bytes_per_parameter(zero: int) -> None:
    # ZeRO paper Sec. 3.1/5: 2 (bf16 weights) + 2 (grads) + 12 (fp32 master, momentum, variance) per parameter;
    # stage 1 divides the 12 by N_d, stage 2 also the gradients, stage 3 also the weights.
    arch, n = tiny_dense(), 64
    layout = TrainLayout(dp=n, zero=zero)
    st = stage_bytes(arch, ModelSizes.of(arch), stages(arch, 1)[0], layout, 128, 1, 0.0, 0.0)
    params = st.params
    expected = {
        0: (2, 2, 12),
        1: (2, 2, 12 / n),
        2: (2, 2 / n, 12 / n),
        3: (2 / n, 2 / n, 12 / n),
    }[zero]
    assert (st.weights, st.gradients, st.optimizer) == pytest.approx(tuple(x * params for x in expected))


@pytest.mark.parametrize(
    ("precision", "optimizer", "per_param"),
    [("bf16", "adam", 16), ("bf16", "adam8bit", 10), ("bf16", "sgd", 12), ("fp32", "adam", 16), ("fp8", "adam", 17)],
)
def test_optimizer_and_precision_bytes(precision: str, optimizer: str, per_param: float) -> None:
    arch = tiny_dense()
    layout = TrainLayout(zero=0, precision=precision, optimizer=optimizer)
    st = stage_bytes(arch, ModelSizes.of(arch), stages(arch, 1)[0], layout, 128, 1, 0.0, 0.0)
    assert st.weights + st.gradients + st.optimizer == pytest.approx(per_param * st.params)


def test_gpt4_states_and_the_leaks_layout() -> None:
    arch, a100 = load_model("gpt-4"), load_hardware("a100-80gb")
    total = gpt4_counts()["total"]  # 1.83T by hand from the preset's dimensions
    # Weights + gradients + Adam states, 16 bytes a parameter, over 80 GiB: ceil(29.3 TB / 85.9 GB) = 342.
    assert gpus_to_hold_states(total, a100) == math.ceil(total * 16 / (80 * GIB)) == 342
    # The leak: "~30GB of FP16 parameters per GPU" with 8-way TP x 15-way PP (120 GPUs per replica).
    mem = training_memory(arch, a100, TrainLayout(tp=8, pp=15, dp=208, zero=1, recompute="full"), 8192)
    assert mem.breakdown["weights"] == pytest.approx(2 * total / 120, rel=0.01)
    assert mem.breakdown["weights"] == pytest.approx(30e9, rel=0.05)


def test_llama2_70b_serving_by_hand() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    mem = serving_memory(arch, h100, batch=1, context=4096, tp=8)
    weights = llama2_70b_params() * 2 / 8  # every parameter in bf16, split over 8 GPUs
    assert mem.weights_bytes == pytest.approx(weights)
    kv = 2 * 80 * (8 // 8) * 128 * 2  # K and V, 80 layers, one of the 8 kv heads per GPU, head dim 128, bf16
    assert mem.kv_bytes_per_token == kv == 40_960
    workspace = 2 * 2 * 4096 * 8192 / 8
    room = (80 * GIB - 2 * GIB) / 1.05 - weights - workspace  # allowance: 2 GiB + 5% of the rest
    assert mem.max_tokens == int(room // kv)
    assert mem.max_batch == int(room // kv) // 4096
    assert 350 < mem.max_batch < 400


def test_kv_cache_variants() -> None:
    # MLA caches the 512-wide latent plus the 64-wide rotary key per layer (DeepSeek-V2 Sec. 2.1.2).
    assert kv_bytes_per_token(load_model("deepseek-v3")) == 61 * (512 + 64) * 2
    assert kv_bytes_per_token(load_model("deepseek-v3"), tp=8) == 61 * (512 + 64) * 2  # replicated latent
    # Mistral: a 4,096 window on every layer holds half of an 8k context.
    mistral = load_model("mistral-7b")
    assert kv_bytes_per_token(mistral, context=8192) == 2 * 32 * 8 * 128 * 2 / 2
    assert kv_bytes_per_token(mistral, context=4096) == 2 * 32 * 8 * 128 * 2
    # MQA/GQA heads are replicated when tp exceeds them: see test_kv_heads_split_then_replicate.
    assert kv_bytes_per_token(load_model("palm-540b"), tp=8) == 2 * 118 * 1 * 256 * 2
    assert kv_bytes_per_token(load_model("gpt-4"), dtype="fp8") == 2 * 120 * 10752 * 1


@pytest.mark.parametrize(
    ("tp", "kv_heads_per_gpu"),
    # Llama-2-70B: g = 8 key/value heads. tp <= 8 splits them, g/tp per GPU; tp = 16, 32, 64 gives each GPU
    # one whole kv head, replicated on tp/g GPUs (vLLM, Megatron), never a fraction of one.
    [(1, 8), (2, 4), (4, 2), (8, 1), (16, 1), (32, 1), (64, 1)],
)
def test_kv_heads_split_then_replicate(tp: int, kv_heads_per_gpu: int) -> None:
    arch = load_model("llama-2-70b")
    # K and V (2) x 80 layers x kv heads on this GPU x head_dim 128 x 2 bytes (bf16), per token.
    expected = 2 * 80 * kv_heads_per_gpu * 128 * 2
    assert kv_bytes_per_token(arch, tp=tp) == expected
    # fp8 halves it; two pipeline stages of 40 layers each hold half the layers.
    assert kv_bytes_per_token(arch, dtype="fp8", tp=tp) == expected / 2
    assert kv_bytes_per_token(arch, tp=tp, pp=2) == expected / 2


def test_weight_dtypes() -> None:
    assert weight_bytes_per_param("int4") == 0.5 + 4 / 128
    assert weight_bytes_per_param("fp8") == 1
    with pytest.raises(InputError, match="allowed"):
        weight_bytes_per_param("int3")


def test_serving_does_not_fit() -> None:
    mem = serving_memory(load_model("llama-2-70b"), load_hardware("h100"), batch=1, context=4096, tp=1)
    assert not mem.fits and mem.max_batch == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tp": 5}, "tp: 5 does not divide the 96 attention heads"),
        ({"pp": 7}, "pp: 7 does not divide the 120 layers"),
        ({"ep": 3}, "ep: 3 does not divide the 16 experts"),
        ({"ep": 4, "dp": 2}, "ep: ep x expert_tp = 4 x 1 must divide the tp x cp x dp = 2 ranks"),
    ],
)
def test_layout_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        check_layout(load_model("gpt-4"), **kwargs)


def test_kv_head_rule() -> None:
    # 12 query heads, 4 key/value heads: tp 6 divides the heads but splits the 4 kv heads unevenly.
    arch = Architecture.model_validate(
        {
            "n_layers": 2,
            "hidden_size": 768,
            "vocab_size": 100,
            "attention": {"n_heads": 12, "n_kv_heads": 4},
            "mlp": {"activation": "swiglu", "d_ff": 1024},
        }
    )
    with pytest.raises(LayoutError, match="key/value heads"):
        check_layout(arch, tp=6)
    check_layout(arch, tp=12)  # 3 GPUs share each kv head (replicated), as vLLM and Megatron allow


def test_fp32_main_gradients_and_pure_bf16_bytes() -> None:
    # Megatron-LM accumulates fp32 main gradients: 2 (bf16 weights) + 4 (fp32 grads) + 12 (fp32 master, m, v) = 18
    # bytes a parameter without sharding; pure bf16 with Adam drops the 4-byte master copy: 2 + 2 + 8 = 12.
    arch = load_model("llama-2-7b")
    from gptcalc.memory import ModelSizes, stage_bytes, stages

    def per_param(**kw: object) -> float:
        layout = TrainLayout(zero=0, **kw)
        st = stage_bytes(arch, ModelSizes.of(arch), stages(arch, 1)[0], layout, 128, 1, 0.0, 0.0)
        return (st.weights + st.gradients + st.optimizer) / st.params

    assert per_param(grad_dtype="fp32") == pytest.approx(18.0)
    assert per_param(master_weights=False) == pytest.approx(12.0)
    assert per_param() == pytest.approx(16.0)


def test_full_recompute_peak_holds_one_rerun_layer() -> None:
    # Korthikanti et al. 2022 Table 2 stores only 2sbh per layer under full recomputation; during backward the re-run
    # layer's own activations (its no-recompute footprint) sit beside them, once, not per micro-batch in flight.
    arch = load_model("llama-2-7b")
    s, b = 4096, 1
    full = TrainLayout(tp=1, pp=1, recompute="full", micro_batch=b)
    none = full.model_copy(update={"recompute": "none"})
    stored = 32 * layer_activation_bytes(arch, full, s, moe_layer=False)
    rerun = layer_activation_bytes(arch, none, s, moe_layer=False)
    mem = training_memory(arch, load_hardware("h100"), full, s)
    assert mem.breakdown["activations"] == pytest.approx(stored + rerun, rel=1e-12)
