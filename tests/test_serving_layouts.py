"""Large-model serving layouts: speculative decoding with its proposal cost, expert parallelism with attention
data parallelism, disaggregated prefill/decode pools, and the concurrency cap; hand derivations and bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.errors import GptcalcError, InputError
from gptcalc.memory import kv_bytes_per_token, serving_memory, serving_weight_bytes
from gptcalc.serving import Engine, decode_work, estimate_serving, replica_memory
from gptcalc.specs.serving import ServingSetup, Speculation
from tests.conftest import run
from tests.test_cli_foundation import assert_one_line_error


def words(line: str) -> list[str]:
    return line.split()


# ---------------------------------------------------------------------------------------------- speculation


def test_tokens_per_step_is_leviathan_eq_1() -> None:
    # E[tokens] = 1 + a + a^2 + ... + a^g: the first rejection ends the step, the model's own token always counts.
    for accept, tokens in [(0.7, 4), (0.5, 1), (0.9, 8)]:
        by_hand = sum(accept**i for i in range(tokens + 1))
        assert Speculation(method="ngram", accept=accept, tokens=tokens).tokens_per_step == pytest.approx(by_hand)
    assert Speculation(method="ngram", accept=0.7, tokens=4).tokens_per_step == pytest.approx(2.7731)


def test_ngram_speculation_costs_nothing_and_divides_the_step() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    spec = Speculation(method="ngram", accept=0.6, tokens=3)
    est = estimate_serving(arch, h100, ServingSetup(tp=8, batch=4, batching="static", speculation=spec))
    assert est.decode.draft_s == 0
    assert est.tokens_per_step == pytest.approx(1 + 0.6 + 0.36 + 0.216)
    assert est.tpot_s == pytest.approx(est.decode.step_s / est.tokens_per_step)
    # Verification computes tokens + 1 positions per sequence: what a 4-token-per-step decode does.
    plain4 = estimate_serving(arch, h100, ServingSetup(tp=8, batch=4, batching="static", speculative=4))
    assert est.decode.step_s == pytest.approx(plain4.decode.step_s)


def test_draft_model_cost_is_its_own_decode_steps() -> None:
    arch, draft, a100 = load_model("llama-2-70b"), load_model("llama-2-7b"), load_hardware("a100-80gb")
    spec = Speculation(draft=draft, accept=0.8, tokens=5)
    setup = ServingSetup(batch=1, prompt=5, output=200, weights_dtype="int4", batching="static", speculation=spec)
    est = estimate_serving(arch, a100, setup)
    # The draft alone, served the same way without speculation: each proposal is one of its decode iterations.
    alone = estimate_serving(draft, a100, setup.model_copy(update={"speculation": None}))
    assert est.decode.draft_s == pytest.approx(5 * alone.decode.step_s)
    # It also prefills its copy of the prompt: the draft's own prefill kernels, without a second request cost.
    assert est.prefill.draft_s == pytest.approx(alone.prefill.step_s - alone.prefill.overhead_s)
    # The rest of the step is the model verifying 5 + 1 positions per sequence.
    verify = estimate_serving(arch, a100, setup.model_copy(update={"speculation": None, "speculative": 6}))
    assert est.decode.step_s - est.decode.draft_s == pytest.approx(verify.decode.step_s)
    assert est.tpot_s < estimate_serving(arch, a100, setup.model_copy(update={"speculation": None})).tpot_s


def test_draft_kv_cache_and_weights_sit_beside_the_model() -> None:
    arch, draft, a100 = load_model("llama-2-70b"), load_model("llama-2-7b"), load_hardware("a100-80gb")
    setup = ServingSetup(tp=8, pp=2, batch=8, speculation=Speculation(draft=draft))
    mem = replica_memory(arch, a100, setup)
    plain = serving_memory(arch, a100, batch=8, context=2048 + 512, tp=8, pp=2)
    # Llama-2-7B: 32 layers x (K and V) x 4,096 values x 2 bytes = 524,288 B per token, over tp 8, for the 1/pp
    # of the sequences the copy on each stage drafts for.
    assert mem.kv_bytes_per_token - plain.kv_bytes_per_token == pytest.approx(524_288 / 8 / 2)
    assert mem.weights_bytes - plain.weights_bytes == pytest.approx(serving_weight_bytes(draft, "bf16", 8, 1))
    assert mem.max_batch < plain.max_batch


def test_draft_larger_than_target_is_refused() -> None:
    small, big, h100 = load_model("llama-2-7b"), load_model("llama-2-70b"), load_hardware("h100")
    with pytest.raises(InputError, match=r"draft: llama-2-70b .* not smaller than llama-2-7b"):
        estimate_serving(small, h100, ServingSetup(tp=8, batch=1, speculation=Speculation(draft=big)))
    with pytest.raises(GptcalcError, match="a draft model is needed"):
        Speculation(method="draft")
    with pytest.raises(GptcalcError, match="not both"):
        ServingSetup(speculative=2, speculation=Speculation(method="ngram"))


def test_mtp_proposals_cost_one_block_and_head_each() -> None:
    arch, h100 = load_model("deepseek-v3"), load_hardware("h200")
    spec = Speculation(method="mtp", accept=0.8, tokens=1)
    setup = ServingSetup(tp=8, batch=16, weights_dtype="fp8", kv_dtype="fp8", speculation=spec)
    est = estimate_serving(arch, h100, setup)
    eng = Engine.of(arch, h100, setup)
    inv = eng.inv
    work = decode_work(16, 2048 + 256, None)
    block = eng.layer(inv.kind_of(inv.n_layers - 1), work, windowed=False).total
    assert est.decode.draft_s > block + eng.sm.iteration_overhead_s  # plus projection and head
    assert est.tokens_per_step == pytest.approx(1.8)
    with pytest.raises(InputError, match="MTP proposals run after the last stage"):
        estimate_serving(arch, h100, setup.model_copy(update={"pp": 2, "tp": 4}))


# ----------------------------------------------------------------------------------------- expert parallelism


def test_expert_parallel_weights_by_hand() -> None:
    mixtral = load_model("mixtral-8x7b")
    # Routed experts: 32 layers x 8 experts x 3 matrices of 4,096 x 14,336, bf16.
    routed = 32 * 8 * 3 * 4096 * 14336 * 2
    whole = serving_weight_bytes(mixtral, "bf16", 1, 1)
    ep8 = serving_weight_bytes(mixtral, "bf16", 1, 1, ep=8)
    assert whole - ep8 == routed * 7 / 8  # each GPU keeps one expert of eight
    # ep = tp: the same bytes per GPU as splitting every expert over tp (whole experts instead of slices).
    assert serving_weight_bytes(mixtral, "bf16", 8, 1, ep=8) == pytest.approx(serving_weight_bytes(mixtral, "bf16", 8))


def test_attention_data_parallel_spreads_sequences() -> None:
    mixtral, h100 = load_model("mixtral-8x7b"), load_hardware("h100")
    # ep 8 over tp 1: 8 attention groups of one GPU share 32 sequences, 4 each.
    mem = serving_memory(mixtral, h100, batch=32, context=4096, tp=1, ep=8)
    per_token = kv_bytes_per_token(mixtral, "bf16", 1, 1, 4096)
    assert mem.kv_cache_bytes == pytest.approx(per_token * 4 * 4096)
    one_group = serving_memory(mixtral, h100, batch=4, context=4096, tp=1, ep=8)
    assert mem.max_batch == one_group.max_batch  # max_batch already counts all groups


def test_all_to_all_by_hand() -> None:
    mixtral, h100 = load_model("mixtral-8x7b"), load_hardware("h100")
    setup = ServingSetup(tp=1, ep=8, batch=64, batching="static")
    eng = Engine.of(mixtral, h100, setup)
    assert eng.ep_link is not None
    bw, lat = eng.ep_link.bandwidth, eng.ep_link.latency
    tokens = 64.0
    # Each GPU sends its 64/8 tokens' hidden states (4,096 bf16 values) to their 2 experts and gets them back.
    nbytes = tokens / 8 * 2 * 4096 * 2
    by_hand = 2 * (7 / 8 * nbytes / bw + 2 * lat)
    assert eng.all_to_all(tokens, 2) == pytest.approx(by_hand)
    layer = eng.layer(eng.inv.kinds["moe"], decode_work(tokens, 1024, None), windowed=False)
    assert layer.comm == pytest.approx(by_hand)  # tp 1: no all-reduce beside it


def test_expert_parallel_bad_input() -> None:
    h100 = load_hardware("h100")
    with pytest.raises(InputError, match="ep: 3 does not divide the 8 experts; allowed: 1, 2, 4, 8"):
        estimate_serving(load_model("mixtral-8x7b"), h100, ServingSetup(tp=1, ep=3, batch=8))
    with pytest.raises(InputError, match="no routed experts"):
        estimate_serving(load_model("llama-2-7b"), h100, ServingSetup(tp=1, ep=2, batch=8))
    with pytest.raises(GptcalcError, match="multiple of tp"):
        ServingSetup(tp=4, ep=6)
    with pytest.raises(InputError, match="attention groups"):
        estimate_serving(load_model("mixtral-8x7b"), h100, ServingSetup(tp=1, ep=8, batch=4))


# ------------------------------------------------------------------------------------------ disaggregation


def test_disaggregated_pools_by_hand() -> None:
    arch, h100 = load_model("llama-2-70b"), load_hardware("h100")
    base = dict(tp=8, batch=64, prompt=2048, output=512)
    one = estimate_serving(arch, h100, ServingSetup(**base, prefill_gpus=8, decode_gpus=8))
    two = estimate_serving(arch, h100, ServingSetup(**base, prefill_gpus=8, decode_gpus=16))
    assert one.decode_pool_rps is not None and two.decode_pool_rps is not None
    assert two.decode_pool_rps == pytest.approx(2 * one.decode_pool_rps)  # replicas add
    assert two.prefill_pool_rps == pytest.approx(one.prefill_pool_rps)
    assert two.requests_per_second == pytest.approx(min(two.prefill_pool_rps or 0, two.decode_pool_rps))
    assert two.gpus == 24
    # Decode replicas run only decode: the TPOT of a static batch's decode, not continuous batching's mixed one.
    static = estimate_serving(arch, h100, ServingSetup(**base, batching="static"))
    mixed = estimate_serving(arch, h100, ServingSetup(**base))
    assert two.tpot_s == pytest.approx(static.tpot_s) and two.tpot_s < mixed.tpot_s
    # KV transfer: 80 layers x K,V x 8 heads x 128 x 2 B = 327,680 B per token x 2,048 tokens, the 8 GPUs of a
    # replica sending in parallel over the inter-node network (24 GPUs > one node) at the collective efficiency.
    nbytes = 80 * 2 * 8 * 128 * 2 * 2048
    by_hand = nbytes / (8 * h100.inter_node_bandwidth * 0.8) + h100.inter_node_latency_us * 1e-6
    assert two.kv_transfer_s == pytest.approx(by_hand)
    # The cost split adds up to the whole.
    total = two.cost_per_million_input_usd * 2048 + two.cost_per_million_output_usd * 512
    assert total / 2560 == pytest.approx(two.cost_per_million_tokens_usd)


def test_disaggregated_pools_must_be_whole_replicas() -> None:
    with pytest.raises(GptcalcError, match="decode_gpus: 12 is not a whole number of replicas of 8 GPUs"):
        ServingSetup(tp=8, prefill_gpus=8, decode_gpus=12)
    with pytest.raises(GptcalcError, match="needs both pools"):
        ServingSetup(tp=8, prefill_gpus=8)


# --------------------------------------------------------------------------------------------------- CLI


def test_serve_cli_layouts(runner: CliRunner) -> None:
    r = run(
        runner,
        *words("serve llama-2-70b --hardware a100-80gb --gpus 1 --weights-dtype int4 --prompt 5 --output 200"),
        *words("--draft llama-2-7b --accept 0.8 --draft-tokens 5 --json"),
    )
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["tokens_per_step"] == pytest.approx(sum(0.8**i for i in range(6)))
    assert data["decode"]["draft_s"] > 0
    r = run(runner, *words("serve mixtral-8x7b --hardware h100 --tp 1 --ep 8 --batch 64 --json"))
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["gpus"] == 8
    r = run(runner, *words("serve llama-2-70b --hardware h100 --tp 8 --prefill-gpus 8 --decode-gpus 16"))
    assert r.exit_code == 0, r.stderr
    assert "decode pool" in r.stdout and "24 x h100" in r.stdout


def test_max_concurrency_caps_the_batch(runner: CliRunner) -> None:
    args = words("serve llama-2-70b --hardware h100 --gpus 8 --json")
    r = run(runner, *args, "--max-concurrency", "100")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["batch"] == 100
    top = json.loads(run(runner, *args, "--max-load").stdout)["batch"]
    capped = json.loads(run(runner, *args, "--max-concurrency", "1000000").stdout)["batch"]
    assert capped == top  # the KV cache binds before the cap
    r = run(runner, *args, "--max-load", "--pp", "2", "--tp", "4")  # pp > 1: the probe batch covers the stages
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ("serve llama-2-7b --gpus 8 --draft llama-2-70b", ["draft", "not smaller"]),
        ("serve llama-2-70b --gpus 8 --draft ngram --speculative 2", ["--speculative", "--draft"]),
        ("serve llama-2-70b --gpus 8 --accept 0.7", ["--accept", "only with --draft"]),
        ("serve llama-2-70b --gpus 8 --draft ngram --accept 1.5", ["--accept", "between 0 and 1"]),
        ("serve llama-2-70b --gpus 8 --draft ngram --draft-tokens 33", ["--draft-tokens", "1 to 32"]),
        ("serve llama-2-70b --gpus 8 --draft no-such-model", ["no-such-model"]),
        ("serve mixtral-8x7b --tp 1 --ep 3", ["ep", "does not divide"]),
        ("serve mixtral-8x7b --gpus 4 --tp 1 --ep 8", ["--gpus", "max(tp, ep)"]),
        ("serve llama-2-70b --tp 8 --prefill-gpus 8", ["both pools"]),
        ("serve llama-2-70b --tp 8 --prefill-gpus 8 --decode-gpus 4", ["decode_gpus", "whole number"]),
        ("serve llama-2-70b --gpus 8 --batch 4 --max-concurrency 8", ["--max-concurrency", "drop --batch"]),
        ("serve mistral-7b --kv-window half", ["--kv-window", "model, full"]),
    ],
)
def test_serve_layout_bad_input(runner: CliRunner, args: str, words: list[str]) -> None:
    assert_one_line_error(run(runner, *args.split()), *words)


def test_decode_keeps_the_pipeline_full() -> None:
    # Prefill fills and drains the pipeline once: sum of stages + (m - 1) x slowest. Decode cycles the same m
    # micro-batches through the p stages: a step is max(m x slowest, one round trip = sum of stages).
    arch, a100 = load_model("llama-2-70b"), load_hardware("a100-80gb")
    eng = Engine.of(arch, a100, ServingSetup(tp=4, pp=4, batch=16))
    work = decode_work(16, 1024, None)
    stages = [eng.stage(j, work.scaled(1 / 4)).total for j in range(4)]
    one_shot = eng.iteration(work, micro=4)
    cyclic = eng.iteration(work, micro=4, cyclic=True)
    assert one_shot.step_s == pytest.approx(sum(stages) + 3 * max(stages))
    assert cyclic.step_s == pytest.approx(max(4 * max(stages), sum(stages)))
    assert cyclic.step_s < one_shot.step_s
    # One micro-batch: a round trip either way.
    assert eng.iteration(work, micro=1, cyclic=True).step_s == pytest.approx(eng.iteration(work, micro=1).step_s)


@pytest.mark.parametrize(
    "layout",
    ["--tp 1 --ep 8 --ttft-slo 2 --tpot-slo 0.05", "--tp 1 --ep 8 --sweep-batch 1..64", "--tp 4 --pp 2 --ttft-slo 2"],
)
def test_searches_start_at_the_smallest_batch_the_layout_runs(runner: CliRunner, layout: str) -> None:
    # Attention groups and pipeline stages each need a sequence: SLO searches and sweeps begin at pp x ep/tp.
    r = run(runner, *words(f"serve mixtral-8x7b --hardware h100 {layout} --json"))
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    if "batches" in data:
        assert data["batches"][0] == 8
    else:
        assert data["reachable"] and data["batch"] >= 2


def test_full_kv_window_keeps_the_whole_context() -> None:
    from gptcalc.serving import engine_architecture

    arch, h100 = load_model("mistral-7b"), load_hardware("h100")
    context = 20_480
    # Mistral 7B: 32 layers x (K and V) x 8 heads x 128 x 2 bytes = 131,072 B per token; its 4,096-token window
    # keeps 4,096 of the 20,480 tokens.
    assert kv_bytes_per_token(arch, "bf16", 1, 1, context) == pytest.approx(131_072 * 4096 / context)
    full = engine_architecture(arch, ServingSetup(kv_window="full"))
    assert kv_bytes_per_token(full, "bf16", 1, 1, context) == 131_072
    assert engine_architecture(arch, ServingSetup()) is arch
    setup = ServingSetup(batch=8, prompt=18_432, output=2048)
    windowed = estimate_serving(arch, h100, setup)
    whole = estimate_serving(arch, h100, setup.model_copy(update={"kv_window": "full"}))
    assert whole.tpot_s > windowed.tpot_s and whole.max_batch < windowed.max_batch
