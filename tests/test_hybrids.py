"""State-space (Mamba-2) layers and hybrid layer patterns: shapes, FLOPs and serving memory.

Expected values come from transformers' own parameter tensors (the golden fixtures' ``params_by_name``) or
from derivations written out here from the Mamba-2 paper (Dao & Gu 2024, arXiv:2405.21060) and the configs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gptcalc.adapters.hf_config import architecture_from_hf
from gptcalc.adapters.load import load_hardware
from gptcalc.errors import ConfigImportError, InputError
from gptcalc.flops import flops_per_token
from gptcalc.inventory import inventory
from gptcalc.memory import kv_bytes_per_token, serving_memory, state_bytes_per_sequence, training_memory
from gptcalc.params import count_params
from gptcalc.specs.layout import TrainLayout
from tests.conftest import golden_cases

CASES = {c["case"]: c for c in golden_cases()}


def _arch(case: str) -> Any:
    return architecture_from_hf(CASES[case]["config"])


@pytest.mark.parametrize(
    ("case", "prefix", "kind"),
    [
        ("mamba2-saved-5x", "backbone.layers.*.mixer.", "mamba2"),
        ("mamba-codestral-7b", "backbone.layers.*.mixer.", "mamba2"),
        ("nemotron_h-saved-5x", "model.layers.*.mixer.", "mamba2"),
        ("variant-nemotron_h-legacy-keys", "model.layers.*.mixer.", "mamba2"),
        ("granitemoehybrid-saved-5x", "model.layers.*.mamba.", "mamba2+moe"),
        ("granite-4.0-h-micro", "model.layers.*.mamba.", "mamba2+mlp"),
        ("falcon_h1-saved-5x", "model.layers.*.mamba.", "attention+mamba2+mlp"),
        ("falcon-h1-0.5b-base", "model.layers.*.mamba.", "attention+mamba2+mlp"),
    ],
)
def test_mamba2_tensors_match_transformers_by_name(case: str, prefix: str, kind: str) -> None:
    # Every tensor of the inventory's Mamba-2 mixer has transformers' name and size (summed over the layers).
    inv = inventory(_arch(case))
    layer = inv.kinds[kind]  # type: ignore[index]
    golden = CASES[case]["params_by_name"]
    mixer = {w.name.removeprefix("mixer."): w.numel for w in layer.weights if w.name.startswith("mixer.")}
    mamba_parts = {"in_proj", "conv1d", "dt_bias", "A_log", "D", "norm", "out_proj"}  # Nemotron-H: mixer.* is any block
    theirs = {
        name.removeprefix(prefix): n
        for name, n in golden.items()
        if name.startswith(prefix) and name.removeprefix(prefix).split(".")[0] in mamba_parts
    }
    assert set(mixer) == set(theirs)
    n_layers = sum(inv.count(k) for k, v in inv.kinds.items() if v.ssm is not None)
    for name, numel in mixer.items():
        assert numel * n_layers == theirs[name], name


def test_mamba2_130m_total_by_hand() -> None:
    # h 768, L 24, H 24 heads of P 64 (H P = 2 h), N 128, G 1, conv K 4, V 50,288 tied (Mamba2Mixer shapes):
    h, L, H, P, N, G, K, V = 768, 24, 24, 64, 128, 1, 4, 50288
    in_proj = h * (2 * H * P + 2 * G * N + H)  # z, x, B, C, dt: 768 * 3,352 = 2,574,336
    conv = (H * P + 2 * G * N) * K + (H * P + 2 * G * N)  # 1,792 channels: 7,168 + 1,792
    per_head = 3 * H  # dt_bias, A_log, D
    gated_norm = H * P
    out_proj = H * P * h
    block = in_proj + conv + per_head + gated_norm + out_proj + h  # + the block's RMSNorm
    assert block == 3_765_320
    total = L * block + V * h + h  # tied head, final norm
    assert total == 128_989_632 == CASES["mamba2-130m-hf"]["totals"]["5.24.0"]
    assert count_params(_arch("mamba2-130m-hf")).total == total


def test_scan_flops_by_hand_and_constant_in_sequence_length() -> None:
    # Chunked SSD (Dao & Gu 2024 Sec. 6) per token and layer: 2 Q N G + H (2 Q P + 4 N P), Q = 256.
    Q, N, G, H, P, L = 256, 128, 1, 24, 64, 24
    per_layer = 2 * Q * N * G + H * (2 * Q * P + 4 * N * P)
    assert per_layer == 65_536 + 24 * 65_536
    arch = _arch("mamba2-130m-hf")
    assert inventory(arch).kinds["mamba2"].ssm is not None
    for s in (2048, 8192):
        f = flops_per_token(arch, s)
        assert f.attention_forward == L * per_layer
    # Matmuls: in_proj and out_proj of every layer and the (tied) head, 2 FLOPs per weight.
    h, V = 768, 50288
    matmul = 2 * L * (h * (2 * H * P + 2 * G * N + H) + H * P * h) + 2 * V * h
    assert flops_per_token(arch, 2048).matmul_forward == matmul


def test_hybrid_attention_cost_counts_only_attention_layers() -> None:
    # Nemotron-H 8B: 4 attention layers of 32 heads x 128; each key costs 2 (a d) + 2 (a d) FLOPs per query.
    arch = _arch("nemotron-h-8b-base-8k")
    pattern = CASES["nemotron-h-8b-base-8k"]["config"]["hybrid_override_pattern"]
    n_att, n_mamba = pattern.count("*"), pattern.count("M")
    assert (n_att, n_mamba, len(pattern)) == (4, 24, 52)
    s = 4096
    attention = n_att * 4 * 32 * 128 * s / 2  # causal: s/2 keys on average
    Q, N, G, H, P = 128, 128, 8, 128, 64
    scan = n_mamba * (2 * Q * N * G + H * (2 * Q * P + 4 * N * P))
    assert flops_per_token(arch, s).attention_forward == attention + scan


def test_recurrent_state_instead_of_kv_cache() -> None:
    arch = _arch("nemotron-h-8b-base-8k")
    # KV cache: only the 4 attention layers, 2 g d = 2 * 8 * 128 values per token, bf16.
    assert kv_bytes_per_token(arch) == 4 * 2 * 8 * 128 * 2
    # State per sequence and Mamba layer: conv window (H P + 2 G N)(K - 1) + SSM state H P N, bf16.
    H, P, N, G, K = 128, 64, 128, 8, 4
    per_layer = ((H * P + 2 * G * N) * (K - 1) + H * P * N) * 2
    assert state_bytes_per_sequence(arch) == 24 * per_layer
    # tp 2 splits heads and groups.
    half = ((H // 2 * P + 2 * G // 2 * N) * (K - 1) + H // 2 * P * N) * 2
    assert state_bytes_per_sequence(arch, tp=2) == 24 * half
    hw = load_hardware("h100")
    short = serving_memory(arch, hw, batch=8, context=4096)
    long = serving_memory(arch, hw, batch=8, context=8192)
    assert short.breakdown["recurrent_state"] == long.breakdown["recurrent_state"] == 8 * 24 * per_layer
    assert long.kv_cache_bytes == 2 * short.kv_cache_bytes == 8 * 8192 * 4 * 2 * 8 * 128 * 2
    assert sum(long.breakdown.values()) == pytest.approx(long.per_gpu_bytes)
    # Pure Mamba-2: no KV cache at all, and the batch that fits is bounded by the state alone.
    mamba = _arch("mamba-codestral-7b")
    assert kv_bytes_per_token(mamba) == 0.0
    served = serving_memory(mamba, hw, batch=1, context=1_000_000)
    assert served.kv_cache_bytes == 0.0 and served.max_batch > 0
    llama = architecture_from_hf({"model_type": "llama", "num_hidden_layers": 2})
    assert "recurrent_state" not in serving_memory(llama, hw, batch=1, context=8).breakdown


def test_active_parameters_of_the_moe_hybrid() -> None:
    # Nemotron-3-Nano-30B-A3B: 23 E blocks of 128 plain experts (up 1856 x 2688, down 2688 x 1856), 6 per token.
    case = CASES["nemotron-3-nano-30b-a3b"]
    arch = architecture_from_hf(case["config"])
    n_moe = case["config"]["hybrid_override_pattern"].count("E")
    one_expert = 2 * 1856 * 2688
    total = case["totals"]["5.24.0"]
    assert count_params(arch).active == total - n_moe * (128 - 6) * one_expert


def test_serving_and_training_a_hybrid_moe() -> None:
    from gptcalc.serving import estimate_serving
    from gptcalc.specs.serving import ServingSetup

    arch = _arch("nemotron-3-nano-30b-a3b")
    est = estimate_serving(arch, load_hardware("h100"), ServingSetup(batch=16, prompt=1024, output=256))
    assert est.tpot_s > 0 and est.ttft_s > 0
    # bf16 mixed precision, one GPU, no sharding: 2 bytes of weights and 2 of gradients per parameter, and the
    # parameters are transformers' count (golden).
    mem = training_memory(arch, load_hardware("h200"), TrainLayout(), seq_len=4096)
    total = CASES["nemotron-3-nano-30b-a3b"]["totals"]["5.24.0"]
    assert mem.breakdown["weights"] == pytest.approx(2 * total)
    assert mem.breakdown["gradients"] == pytest.approx(2 * total)
    assert mem.breakdown["optimizer"] == pytest.approx(12 * total)
    with pytest.raises(InputError, match=r"cp: .* context parallelism of a recurrent scan"):
        training_memory(arch, load_hardware("h100"), TrainLayout(cp=2, dp=1), seq_len=4096)


def test_mamba2_layer_activations_by_hand() -> None:
    from gptcalc.memory import kind_activation_bytes

    arch = _arch("nemotron-h-8b-base-8k")
    kind = inventory(arch).kinds["mamba2"]
    s, h = 4096, 4096
    heads, head_dim, groups, state, chunk = 128, 64, 8, 128, 128  # the config's mamba_* fields
    hp, gn = heads * head_dim, groups * state
    conv = hp + 2 * gn
    # One norm input and the mixer input (2 x 2 s h bytes, bf16); kept between the projections: in_proj's output
    # [z, x, B, C, dt], the conv's output [x, B, C], the scan's y and the gated norm's output; the SSD chunk
    # states in fp32, H P N per chunk of 128 tokens.
    by_hand = 2 * 2 * s * h + 2 * s * ((2 * hp + 2 * gn + heads) + conv + hp + hp) + 4 * s * hp * state / chunk
    assert kind_activation_bytes(arch, kind, TrainLayout(), s) == pytest.approx(by_hand)
    # Full recomputation keeps only the layer input.
    assert kind_activation_bytes(arch, kind, TrainLayout(recompute="full"), s) == 2 * s * h


def test_one_sub_block_layers_all_reduce_half_as_often() -> None:
    from gptcalc.inventory import collectives

    inv = inventory(_arch("nemotron-h-8b-base-8k"))
    plan = collectives(
        inv,
        TrainLayout(tp=2, dp=1),
        seq_len=4096,
        activation_bytes=2,
        gradient_bytes=2,
        weight_bytes=2,
        params_per_gpu=1.0,
    )
    calls = {name: sum(c.calls for c in comms if c.group == "tp") for name, comms in plan.per_layer.items()}
    assert calls == {"attention": 2, "mamba2": 2, "mlp": 2}  # one all-reduce forward, one backward


def test_cli_params_memory_and_step_of_a_hybrid(tmp_path: Path) -> None:
    from gptcalc.cli.app import app

    path = tmp_path / "config.json"
    path.write_text(json.dumps(CASES["nemotron-h-8b-base-8k"]["config"]))
    out = CliRunner().invoke(app, ["params", str(path), "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["total"] == CASES["nemotron-h-8b-base-8k"]["totals"]["5.24.0"]
    mem = CliRunner().invoke(app, ["memory", str(path), "--hardware", "h100", "--json"])
    assert mem.exit_code == 0, mem.stderr
    step = CliRunner().invoke(
        app, ["step", str(path), "--hardware", "h100", "--gpus", "8", "--tp", "2", "--global-batch", "64", "--json"]
    )
    assert step.exit_code == 0, step.stderr
    assert 0.05 < json.loads(step.stdout)["mfu"] < 0.8


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "mamba2", "hidden_size": 100, "num_heads": 4}, "must equal num_heads \\* head_dim"),
        ({"model_type": "nemotron_h", "hybrid_override_pattern": "M*X"}, "layers_block_type must list"),
    ],
)
def test_bad_hybrid_configs_say_which_key(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigImportError, match=message):
        architecture_from_hf(config)


def test_layer_pattern_must_match_the_layers() -> None:
    from gptcalc.errors import SpecError
    from gptcalc.specs.arch import Architecture
    from gptcalc.specs.base import validate_spec

    base: dict[str, Any] = {
        "n_layers": 2,
        "hidden_size": 64,
        "vocab_size": 100,
        "attention": {"n_heads": 4},
        "mlp": {"activation": "relu", "d_ff": 128},
    }
    with pytest.raises(SpecError, match="layer_pattern has 1 entries for 2 layers"):
        validate_spec(Architecture, {**base, "layer_pattern": ["attention"]})
    with pytest.raises(SpecError, match="ssm is not set"):
        validate_spec(Architecture, {**base, "layer_pattern": ["attention", "mamba2"]})


def test_granite_hybrid_pattern_and_shared_mlp() -> None:
    # Granite 4.0 H small: layers 5, 15, 25 and 35 attend; the rest are Mamba-2; every layer has 72 experts
    # (gate_up 2 x 768 x 4096, down 4096 x 768) of which 10 are active, plus a shared gated MLP of 8192.
    case = CASES["granite-4.0-h-small"]
    arch = architecture_from_hf(case["config"])
    inv = inventory(arch)
    assert (inv.count("moe"), inv.count("mamba2+moe")) == (4, 36)
    one_expert = 3 * 768 * 4096
    assert count_params(arch).active == case["totals"]["5.24.0"] - 40 * (72 - 10) * one_expert
    shared = case["params_by_name"]["model.layers.*.shared_mlp.input_linear.weight"]
    assert shared == 40 * 2 * 8192 * 4096
    # Only the 4 attention layers keep a KV cache: 2 g d = 2 * 8 * 128 values per token.
    assert kv_bytes_per_token(arch) == 4 * 2 * 8 * 128 * 2


def test_falcon_h1_parallel_layers_count_attention_and_scan() -> None:
    # Falcon-H1 0.5B: every one of 36 layers has attention (8 heads of 64, 2 KV heads) and a Mamba-2 mixer
    # (24 heads of 64, state 128, 1 group, chunk 128) side by side: both cores count, both keep memory.
    arch = _arch("falcon-h1-0.5b-base")
    s, L = 2048, 36
    attention = L * 4 * 8 * 64 * s / 2
    Q, N, G, H, P = 128, 128, 1, 24, 64
    scan = L * (2 * Q * N * G + H * (2 * Q * P + 4 * N * P))
    assert flops_per_token(arch, s).attention_forward == attention + scan
    assert kv_bytes_per_token(arch) == L * 2 * 2 * 64 * 2
    assert state_bytes_per_sequence(arch) == L * ((H * P + 2 * G * N) * 3 + H * P * N) * 2
    # No gated norm without mamba_rms_norm: transformers builds no mamba.norm tensor.
    assert not any(".mamba.norm" in name for name in CASES["falcon-h1-0.5b-base"]["params_by_name"])


def test_jamba_mamba1_mixer_by_hand() -> None:
    # Jamba v0.1: D = 2 h = 8,192 channels, N 16, dt rank R 256, conv K 4, no projection biases (JambaMambaMixer).
    case = CASES["jamba-v0.1"]
    arch = architecture_from_hf(case["config"])
    inv = inventory(arch)
    h, D, N, R, K = 4096, 8192, 16, 256, 4
    mixer = (
        h * 2 * D  # in_proj
        + D * K
        + D  # conv1d weight and bias
        + D * (R + 2 * N)  # x_proj
        + R * D
        + D  # dt_proj with bias
        + D * N
        + D  # A_log, D
        + D * h  # out_proj
        + R
        + 2 * N  # dt, B and C RMSNorms
    )
    golden = case["params_by_name"]
    theirs = sum(n for name, n in golden.items() if name.startswith("model.layers.*.mamba."))
    n_mamba = sum(1 for i in range(32) if i % 8 != 4)
    assert theirs == n_mamba * mixer
    # Attention at 4, 12, 20, 28 (even: dense MLP); MoE on the odd layers, all of them Mamba.
    assert (inv.count("mamba+mlp"), inv.count("mamba+moe"), inv.count("dense"), inv.count("moe")) == (12, 16, 4, 0)
    # Selective scan: 7 D N FLOPs per token and layer (Gu & Dao 2023 Sec. 3.3); state D (K - 1) + D N values.
    assert flops_per_token(arch, 4096).attention_forward == 28 * 7 * D * N + 4 * 4 * 32 * 128 * 4096 / 2
    assert state_bytes_per_sequence(arch) == 28 * (D * (K - 1) + D * N) * 2
    # Active: 16 MoE layers keep 2 of 16 gated experts (3 x 14,336 x 4,096 each).
    assert count_params(arch).active == case["totals"]["5.24.0"] - 16 * 14 * 3 * 14336 * 4096


def test_qwen3_next_gated_deltanet_by_hand() -> None:
    # Qwen3-Next-80B-A3B: h 2048; gated DeltaNet with 16 key heads and 32 value heads of 128, conv K 4; gated
    # attention (q_proj 2 x 16 x 256 for the query and its output gate) every 4th layer (Qwen3NextGatedDeltaNet).
    case = CASES["qwen3-next-80b-a3b-instruct"]
    arch = architecture_from_hf(case["config"])
    h, kh, vh, dk, dv, K = 2048, 16, 32, 128, 128, 4
    key, value = kh * dk, vh * dv
    conv = 2 * key + value
    mixer = h * (2 * key + 2 * value) + h * 2 * vh + conv * K + 2 * vh + dv + value * h
    golden = case["params_by_name"]
    assert sum(n for name, n in golden.items() if ".linear_attn." in name) == 36 * mixer
    assert golden["model.layers.*.self_attn.q_proj.weight"] == 12 * h * 2 * 16 * 256
    # Chunkwise delta rule (C = 64) per token and layer: H (2 C (3 d_k + 2 d_v) + 6 d_k d_v); attention layers
    # 16 heads of 256 over s/2 keys. State per sequence: conv window (2 k + v)(K - 1) + H d_k d_v, bf16.
    C, s = 64, 4096
    scan = vh * (2 * C * (3 * dk + 2 * dv) + 6 * dk * dv)
    assert flops_per_token(arch, s).attention_forward == 36 * scan + 12 * 4 * 16 * 256 * s / 2
    assert state_bytes_per_sequence(arch) == 36 * (conv * (K - 1) + vh * dk * dv) * 2
    assert kv_bytes_per_token(arch) == 12 * 2 * 2 * 256 * 2
    # Active: every layer keeps 10 of 512 gated experts (3 x 512 x 2048 each).
    assert count_params(arch).active == case["totals"]["5.24.0"] - 48 * (512 - 10) * 3 * 512 * 2048


def test_kimi_linear_kda_by_hand() -> None:
    # Kimi-Linear-48B-A3B: h 2304; KDA with H 32 heads of d 128, conv K 4 (KimiLinearDeltaAttention): q, k, v
    # and o projections, the forget gate's f_a (h x d), f_b (d x H d), dt_bias (H d) and A_log (H), beta (h x H),
    # the output gate's g_a (h x d) and g_b (d x H d), the conv over 3 H d channels and the gated norm (d).
    case = CASES["kimi-linear-48b-a3b-instruct"]
    arch = architecture_from_hf(case["config"])
    h, H, d, K = 2304, 32, 128, 4
    hd = H * d
    unique = 2 * h * hd + (h * d + d * hd + hd + H) + h * H + (h * d + d * hd) + 3 * hd * K + d  # not q/o_proj
    n_kda = len(case["config"]["linear_attn_config"]["kda_layers"])
    n_mla = 27 - n_kda
    golden = case["params_by_name"]
    kda_only = ("k_proj", "v_proj", "forget_gate", "b_proj", "g_a_proj", "g_b_proj", "conv1d", "o_norm")
    theirs = sum(
        n
        for name, n in golden.items()
        if name.startswith("model.layers.*.self_attn.") and name.split(".")[4] in kda_only
    )
    assert n_kda == 20 and theirs == n_kda * unique
    # q_proj and o_proj are shared names with MLA (32 heads of 128 + 64 query, 128 value; q_lora_rank null).
    assert golden["model.layers.*.self_attn.q_proj.weight"] == n_kda * h * hd + n_mla * h * 32 * 192
    assert golden["model.layers.*.self_attn.o_proj.weight"] == n_kda * hd * h + n_mla * 32 * 128 * h
    # Delta-rule core (d_k = d_v = d, C = 64) and state d x d per head plus the conv window of q, k, v.
    scan = H * (2 * 64 * 5 * d + 6 * d * d)
    inv = inventory(arch)
    assert sum(k.ssm.scan_flops_per_token * inv.count(n) for n, k in inv.kinds.items() if k.ssm) == n_kda * scan
    assert state_bytes_per_sequence(arch) == n_kda * (3 * hd * (K - 1) + H * d * d) * 2
    # MLA layers cache the latent r_kv + rope = 512 + 64 values per token.
    assert kv_bytes_per_token(arch) == 7 * (512 + 64) * 2


_BLOCKS = ["dense", "moe", "mamba2", "mamba2+mlp", "mamba2+moe", "attention+mamba2+mlp", "attention", "mlp", "experts"]


def _hybrid(pattern: list[str], h: int, state: int) -> Any:
    from gptcalc.specs.arch import Architecture

    spec: dict[str, Any] = {
        "n_layers": len(pattern),
        "hidden_size": h,
        "vocab_size": 97,
        "attention": {"n_heads": 4, "n_kv_heads": 2},
        "mlp": {"activation": "swiglu", "d_ff": 2 * h},
        "ssm": {"n_heads": 4, "head_dim": h // 4, "state_size": state, "n_groups": 2},
        "layer_pattern": pattern,
    }
    if any(b in ("moe", "mamba2+moe", "experts") for b in pattern):
        spec["moe"] = {"n_experts": 4, "top_k": 2, "expert_d_ff": h, "n_shared_experts": 1}
    return Architecture.model_validate(spec)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(_BLOCKS), min_size=1, max_size=8),
    st.sampled_from([32, 64]),
    st.sampled_from([8, 16]),
)
def test_hybrid_invariants(pattern: list[str], h: int, state: int) -> None:
    arch = _hybrid(pattern, h, state)
    c = count_params(arch)
    assert c.active is not None and 0 < c.active <= c.total
    assert c.breakdown.total() == c.total
    assert (
        sum(k.count * k.params_each for k in c.layers) + h + c.breakdown.embedding + c.breakdown.output_head == c.total
    )
    # KV cache only on attention layers (2 g d = 2 * 2 * h/4 values), state only on Mamba-2 layers, constant in
    # context; one more Mamba-2 layer never lowers a count.
    n_att = sum(b in ("dense", "moe", "attention", "attention+mamba2+mlp") for b in pattern)
    n_ssm = sum(b.startswith("mamba2") or b == "attention+mamba2+mlp" for b in pattern)
    assert kv_bytes_per_token(arch) == n_att * 2 * 2 * (h // 4) * 2
    per_state = ((h + 2 * 2 * state) * 3 + h * state) * 2  # (H P + 2 G N)(K - 1) + H P N, H P = h
    assert state_bytes_per_sequence(arch) == n_ssm * per_state
    hw = load_hardware("h100")
    a, b = serving_memory(arch, hw, batch=2, context=64), serving_memory(arch, hw, batch=2, context=128)
    assert a.breakdown.get("recurrent_state", 0.0) == b.breakdown.get("recurrent_state", 0.0) == 2 * n_ssm * per_state
    assert count_params(_hybrid([*pattern, "mamba2"], h, state)).total > c.total


@pytest.mark.parametrize(
    ("preset", "case"),
    [("nemotron-h-8b", "nemotron-h-8b-base-8k"), ("qwen3-next-80b-a3b", "qwen3-next-80b-a3b-instruct")],
)
def test_hybrid_presets_equal_transformers(preset: str, case: str) -> None:
    from gptcalc.adapters.load import load_model

    arch = load_model(preset)
    assert count_params(arch).total == CASES[case]["totals"]["5.24.0"]
    assert inventory(arch).layer_kinds == inventory(_arch(case)).layer_kinds


def test_nemotron_h_latent_moe_by_hand() -> None:
    # moe_latent_size 48: experts (up 40 x 48, down 48 x 40, plain) at the latent width, fc1 (96 -> 48) and fc2
    # (48 -> 96) latent projections with biases (mlp_bias) beside the shared expert; 3 E blocks of 6 experts.
    case = CASES["variant-nemotron_h-latent-moe"]
    golden = case["params_by_name"]
    assert golden["model.layers.*.mixer.experts.up_proj"] == 3 * 6 * 40 * 48
    assert golden["model.layers.*.mixer.fc1_latent_proj.weight"] == 3 * 96 * 48
    arch = _arch("variant-nemotron_h-latent-moe")
    routed = 3 * 6 * 2 * 40 * 48
    assert count_params(arch).breakdown.routed_experts == routed
    assert count_params(arch).active == case["totals"]["5.24.0"] - routed // 6 * (6 - 2)
