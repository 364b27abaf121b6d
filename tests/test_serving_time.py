"""Per-iteration serving time against a hand derivation, and the serving calibration's pinned error table."""

from __future__ import annotations

import math

import pytest

from gptcalc.adapters.calibration_serving import load_serving_cases
from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.calibrate import calibrate_serving
from gptcalc.serving import estimate_serving
from gptcalc.specs.serving import ServingSetup

A100_HBM = 2039e9 * 0.8  # bytes/s at the serving model's bandwidth efficiency
A100_KV = 2039e9 * 0.72  # paged KV-cache reads: 2.4 of the H100's 3.35 TB/s (ServingModel.kv_bandwidth_efficiency)
KERNEL = 2e-6


def gemv(n: int, k: int, units: int = 108) -> float:
    """Batch-1 GEMM y[1, n] = x[1, k] W[k, n] in bf16: memory-bound; split-K into s = min(units // tiles, k/128)
    slices when its ceil(n/128) output tiles leave compute units idle, each slice writing n partial sums."""
    tiles = math.ceil(n / 128)
    s = max(1, min(units // tiles, k // 128)) if tiles < units else 1
    nbytes = 2 * (k / s + k * n * 1.0) + 2 * n * s
    return nbytes / A100_HBM + KERNEL


def test_llama2_7b_batch1_decode_by_hand() -> None:
    arch, hw = load_model("llama-2-7b"), load_hardware("a100-80gb")
    est = estimate_serving(arch, hw, ServingSetup(batch=1, prompt=100, output=200, batching="static"), knee=False)
    h, f, v, layers = 4096, 11008, 32000, 32
    gemms = 4 * gemv(h, h) + 2 * gemv(f, h) + gemv(h, f)
    context = 100 + 200 / 2
    kv_token = 32 * 2 * 128 * 2  # 32 heads x (K + V) x 128 x bf16
    attention = (context + 1) * kv_token / A100_KV + KERNEL  # read the cache, write the new token's K and V
    op_values = (8192 + 8192) + (2 * f + f) + (2 * h + 2 * h) + (4 * h + 2 * h)  # rotary, act, norms, residuals
    ops = op_values * 2 / A100_HBM + 4 * KERNEL
    embedding = h * 2 * 2 / A100_HBM + KERNEL
    head = gemv(v, h) + v * 8 / A100_HBM + 2 * KERNEL  # LM head, then fp32 logits written and read to sample
    step = layers * (gemms + attention + ops) + embedding + head + 0.3e-3  # + the per-iteration overhead
    assert est.tpot_s == pytest.approx(step, rel=1e-9)
    assert est.decode_bound == "memory"
    # gpt-fast measures 104.9 tokens/s for this model on an A100-80GB (B3a): within 10%.
    assert 1 / est.tpot_s == pytest.approx(104.9, rel=0.10)


def test_static_batching_counts_prefill() -> None:
    arch, hw = load_model("llama-2-7b"), load_hardware("h100")
    est = estimate_serving(arch, hw, ServingSetup(batch=32, prompt=2048, output=128, batching="static"), knee=False)
    # Static batching: the batch's prompts, then 127 decode iterations; output tokens/s over the whole time.
    busy = est.ttft_s + 127 * est.tpot_s
    assert est.output_tokens_per_second == pytest.approx(32 * 128 / busy)
    assert est.requests_per_second == pytest.approx(32 / busy)
    assert est.e2e_s == pytest.approx(busy)
    assert est.decode_tokens_per_second == pytest.approx(32 / est.tpot_s)
    assert est.output_tokens_per_second < est.decode_tokens_per_second
    # Continuous batching: each iteration emits 32 tokens and takes in the 32/128 prompts that replace the
    # finished requests, so requests/s = 32 / (128 x iteration); the iteration is longer than a pure decode one.
    cont = estimate_serving(arch, hw, ServingSetup(batch=32, prompt=2048, output=128), knee=False)
    assert cont.requests_per_second == pytest.approx(32 / (128 * cont.tpot_s))
    assert cont.tpot_s > est.tpot_s


def test_pcie_all_reduce_costs_more_than_nvlink() -> None:
    arch = load_model("llama-2-70b")
    setup = ServingSetup(tp=4, batch=1, prompt=2048, output=2, weights_dtype="fp8", kv_dtype="fp8")
    nvlink = estimate_serving(arch, load_hardware("h100"), setup, knee=False)
    pcie = estimate_serving(arch, load_hardware("l40s"), setup, knee=False)
    # 160 all-reduces of 2,048 x 8,192 bf16 values, 2 x 3/4 of the bytes over the link at 80% efficiency, plus
    # one small gather of the last token's logits (161 latencies). NVLink: 2 link latencies of 8 us each
    # (one-shot); PCIe-only L40S: NCCL (TensorRT-LLM's AUTO strategy without NVLink), 2 log2(4) = 4 of them.
    nbytes = 2048 * 8192 * 2
    assert nvlink.prefill.comm_s == pytest.approx(160 * 1.5 * nbytes / (450e9 * 0.8) + 161 * 2 * 8e-6, rel=0.001)
    assert pcie.prefill.comm_s == pytest.approx(160 * 1.5 * nbytes / (32e9 * 0.8) + 161 * 4 * 8e-6, rel=0.001)


def test_pcie_all_reduce_latency_grows_with_tp() -> None:
    """At batch 1 and a short prompt the all-reduces are latency-bound: on a PCIe-only part NCCL's tree pays
    2 log2(t) link latencies per all-reduce (TP2: 2, TP8: 6), an NVLink one-shot kernel 2 at any t."""
    arch = load_model("llama-2-70b")
    hw = load_hardware("l40s")
    assert hw.pcie_only and not load_hardware("h100").pcie_only
    comm = {}
    for tp in (2, 8):
        setup = ServingSetup(tp=tp, batch=1, prompt=1, output=2, weights_dtype="fp8", kv_dtype="fp8", batching="static")
        est = estimate_serving(arch, hw, setup, knee=False)
        comm[tp] = est.decode.comm_s
    for tp in (2, 8):
        # 160 all-reduces of one token's 8,192 bf16 values and one of the logits row (32,000 / tp fp32 values),
        # 2 (t-1)/t of the bytes at 32 GB/s x 0.8, each paying 2 log2(t) latencies of 8 us
        moved = 2 * (tp - 1) / tp * (160 * 8192 * 2 + 32_000 / tp * 4) / (32e9 * 0.8)
        assert comm[tp] == pytest.approx(moved + 161 * 2 * math.log2(tp) * 8e-6, rel=0.001)


def test_weight_only_int8_pays_dequantization() -> None:
    arch, hw = load_model("llama-2-7b"), load_hardware("a100-80gb")
    bf16 = estimate_serving(arch, hw, ServingSetup(batch=1, prompt=100, output=200), knee=False)
    int8 = estimate_serving(arch, hw, ServingSetup(batch=1, prompt=100, output=200, weights_dtype="int8"), knee=False)
    # Streaming 6.5e9 matmul weights: bf16 2 bytes, int8 1 byte + 0.35 bytes-equivalent of dequantization.
    weights = 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008) + 32000 * 4096
    saved = weights * (2 - 1 - 0.35) / A100_HBM
    assert bf16.decode.gemm_s - int8.decode.gemm_s == pytest.approx(saved, rel=0.02)


def test_serving_calibration_error_table_is_pinned() -> None:
    """The error table (README 'Predicted serving'): a change that makes it worse fails here."""
    cases, skipped = load_serving_cases()
    assert len(cases) == 152 and len(skipped) == 1  # the speculative-decoding row is not predicted
    result = calibrate_serving(cases)
    overall = result.overall
    assert overall.median_abs_error <= 0.09
    assert overall.within >= 0.82
    for g in result.groups:
        assert 0.9 <= g.median <= 1.1, g
    ttft = next(g for g in result.groups if "TTFT" in g.name)
    decode = next(g for g in result.groups if "gpt-fast" in g.name)
    assert ttft.median_abs_error <= 0.10 and decode.median_abs_error <= 0.06
