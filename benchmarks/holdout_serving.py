"""Holdout check of the serving model: published measurements that were never used to fit it.

Reads ``benchmarks/holdout/serving.json`` (TensorRT-LLM 0.14, 0.17, 0.20 and 1.0 in-flight-batching max-throughput
tables and the 0.5/0.7 blog tables, with their sources), maps each row onto gptcalc's public library
(``estimate_serving`` over presets or published configs), and prints per source group and overall: n, median
predicted/measured, p10, p90, the share within 0.8-1.25x and the median |error|, the same statistics as
``gptcalc calibrate --kind serving`` (ratio > 1: the model is too fast; for TTFT measured / predicted). Rows that
cannot be represented are listed with the reason.

Mapping: in-flight batching at max load -> ``batching="continuous"`` at the largest batch whose KV cache fits
(``estimate_serving(..., allow_overflow=True).max_batch``; no source states its batch), throughput per GPU = the
TP group's output tokens/s / tp; static tables -> ``batching="static"`` at the published batch. FP8 means FP8
weights and FP8 KV cache (TensorRT-LLM sets the KV cache to FP8 with FP8 quantization); FP16 both in FP16.
Nothing here changes the model or its constants.

    python benchmarks/holdout_serving.py            # the table
    python benchmarks/holdout_serving.py --rows     # every row's prediction
    python benchmarks/holdout_serving.py --by-gpu   # also per GPU and per group x GPU
    python benchmarks/holdout_serving.py --max-batch 4096   # cap the max-load batch (engine limit hypothesis)
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gptcalc import Architecture, Hardware, ServingSetup, estimate_serving, load_hardware, load_model
from gptcalc.adapters.calibration_serving import gptj_6b
from gptcalc.calibrate import GroupStats, stats

DATA = Path(__file__).parent / "holdout" / "serving.json"

GROUPS = {
    "trtllm-0.5-h200-blog": "TRT-LLM 0.5 blog, H200 static",
    "trtllm-0.5-h100-vs-a100-blog": "TRT-LLM 0.5 blog, H100/A100 static",
    "trtllm-0.7a-llama70b-blog": "TRT-LLM 0.7a blog, H200 static",
    "trtllm-0.14": "TRT-LLM 0.14 IFB max load",
    "trtllm-0.17": "TRT-LLM 0.17 IFB max load",
    "trtllm-0.20": "TRT-LLM 0.20 IFB max load",
    "trtllm-1.0": "TRT-LLM 1.0 IFB max load",
}


def _arch(data: dict[str, Any]) -> Architecture:
    return Architecture.model_validate(data)


def _llama(name: str, layers: int, hidden: int, heads: int, kv: int, d_ff: int, vocab: int) -> Architecture:
    """A Llama-style block (RMSNorm, rotary, SwiGLU, no biases, untied head)."""
    return _arch(
        {
            "name": name,
            "n_layers": layers,
            "hidden_size": hidden,
            "vocab_size": vocab,
            "attention": {"n_heads": heads, "n_kv_heads": kv},
            "mlp": {"activation": "swiglu", "d_ff": d_ff},
        }
    )


def mixtral_8x22b() -> Architecture:
    """mistralai/Mixtral-8x22B-v0.1 config.json: 56 layers, d_model 6,144, 48/8 heads, 8 SwiGLU experts of 16,384,
    top-2, vocabulary 32,000."""
    return _arch(
        {
            "name": "mixtral-8x22b",
            "n_layers": 56,
            "hidden_size": 6144,
            "vocab_size": 32_000,
            "attention": {"n_heads": 48, "n_kv_heads": 8},
            "mlp": {"activation": "swiglu", "d_ff": 16_384},
            "moe": {"n_experts": 8, "top_k": 2, "expert_d_ff": 16_384},
        }
    )


MODELS: dict[str, Callable[[], Architecture]] = {
    "Llama-3.1-8B": lambda: load_model("llama-3.1-8b"),
    # meta-llama/Llama-3.1-70B config.json; Llama 3.3 70B has the same shapes.
    "Llama-3.1-70B": lambda: _llama("llama-3.1-70b", 80, 8192, 64, 8, 28_672, 128_256),
    "Llama-3.3-70B": lambda: _llama("llama-3.3-70b", 80, 8192, 64, 8, 28_672, 128_256),
    "Llama-3.1-405B": lambda: load_model("llama-3.1-405b"),
    "Llama-2-70B": lambda: load_model("llama-2-70b"),
    # meta-llama/Llama-2-13b-hf config.json: 40 layers, 5,120, 40 heads (MHA), SwiGLU 13,824, vocabulary 32,000.
    "Llama-2-13B": lambda: _llama("llama-2-13b", 40, 5120, 40, 40, 13_824, 32_000),
    "Mistral-7B": lambda: load_model("mistral-7b"),
    "Mixtral-8x7B": lambda: load_model("mixtral-8x7b"),
    "Mixtral-8x22B": mixtral_8x22b,
    "Qwen3-235B-A22B": lambda: load_model("qwen3-235b-a22b"),
    "GPT-J-6B": gptj_6b,
}

HARDWARE = {
    "H200": "h200",
    "H100": "h100-sxm",
    "A100-SXM4-80GB": "a100-80gb",
    "A100-PCIE-80GB": "a100-pcie",
    "L40S": "l40s",
}

NO_HARDWARE = {
    "GH200": "GH200 (Grace CPU + H100 with 96 GB HBM3 or 144 GB HBM3e): no hardware preset",
}


@dataclass(frozen=True)
class Case:
    """One holdout row mapped onto the library."""

    name: str
    group: str
    gpu: str
    arch: Architecture
    hardware: Hardware
    setup: ServingSetup
    metric: str
    measured: float
    max_load: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    name: str
    group: str
    reason: str


def load_rows(path: Path = DATA) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The holdout file's sources and rows."""
    doc = json.loads(path.read_text())
    return doc["sources"], doc["rows"]


def _dtypes(precision: str) -> tuple[str, str] | None:
    p = precision.upper()
    if p == "FP8":
        return "fp8", "fp8"
    if p == "FP16":
        return "fp16", "fp16"
    if p == "BF16":
        return "bf16", "bf16"
    return None


def map_row(row: dict[str, Any], sources: dict[str, Any]) -> Case | Skipped:
    """A row as a case gptcalc can predict, or the reason it cannot."""
    name, src = row["name"], row["source"]
    group = GROUPS[src]
    if row.get("note", "").startswith("8 x H200 in the 'max TP/PP/DP config'"):
        return Skipped(name, group, "layout of the 8-GPU system (TP/PP/DP) not published")
    if row["output_len"] < 1:
        return Skipped(name, group, "batch-1 throughput with no output length published")
    dtypes = _dtypes(row["precision"])
    if dtypes is None:
        return Skipped(
            name, group, f"{row['precision']} weights (NVFP4, W4A4): not a gptcalc weight format (fp8/int8/int4 only)"
        )
    gpu = row["hardware"]
    if gpu in NO_HARDWARE:
        return Skipped(name, group, NO_HARDWARE[gpu])
    if gpu not in HARDWARE:
        return Skipped(name, group, f"{gpu}: no hardware preset")
    if row["model"] not in MODELS:
        return Skipped(name, group, f"{row['model']}: no preset or published config mapped")
    arch = MODELS[row["model"]]()
    hardware = load_hardware(HARDWARE[gpu])
    batching = sources[src]["batching"]
    notes: list[str] = []
    data: dict[str, Any] = {
        "tp": row["tp"],
        "prompt": row["input_len"],
        "output": max(row["output_len"], 1),
        "weights_dtype": dtypes[0],
        "kv_dtype": dtypes[1],
        "batching": batching,
        "batch": row["batch"] or 1,
        # Every source is TensorRT-LLM, whose engines keep the whole context on every layer unless
        # max_attention_window_size is set (its default is max_seq_len; none of the tables sets it).
        "kv_window": "full",
    }
    if row["model"] == "Qwen3-235B-A22B":
        # TensorRT-LLM 1.0 runs MoE models with --ep and enable_attention_dp (perf-overview 'For MoE models'):
        # experts spread whole over the 8 GPUs, attention data-parallel over 8 groups of 1.
        data.update(tp=1, ep=row["tp"])
        notes.append("EP8 + attention DP8 (the source's MoE recipe; its ep size not printed per row)")
    measured = float(row["measured"])
    metric = row["metric"]
    if row["unit"] == "output_tokens_per_s_total":
        measured /= row["tp"]
    elif row["unit"] == "ttft_ms":
        measured /= 1e3
    return Case(
        name=name,
        group=group,
        gpu=gpu,
        arch=arch,
        hardware=hardware,
        setup=ServingSetup.model_validate(data),
        metric=metric,
        measured=measured,
        max_load=row["batch"] is None,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class Prediction:
    case: Case
    batch: int
    predicted: float
    ratio: float


def predict(case: Case, max_batch: int | None = None) -> Prediction | Skipped:
    """Predict one case: at max load the batch is the largest that fits (capped at ``max_batch`` if given)."""
    setup = case.setup
    if case.max_load:
        probe = estimate_serving(
            case.arch,
            case.hardware,
            setup.model_copy(update={"batch": setup.min_batch}),
            allow_overflow=True,
            knee=False,
        )
        if probe.max_batch < setup.min_batch:
            return Skipped(case.name, case.group, "does not fit: weights leave no room for one sequence's KV cache")
        batch = probe.max_batch if max_batch is None else min(probe.max_batch, max_batch)
        setup = setup.model_copy(update={"batch": max(batch, setup.min_batch)})
    est = estimate_serving(case.arch, case.hardware, setup, allow_overflow=True, knee=False)
    if case.metric == "ttft_s":
        predicted = est.ttft_s
        ratio = case.measured / predicted
    else:
        predicted = est.output_tokens_per_second_per_gpu
        ratio = predicted / case.measured
    return Prediction(case, setup.batch, predicted, ratio)


@dataclass(frozen=True)
class Holdout:
    groups: list[GroupStats]
    overall: GroupStats
    predictions: list[Prediction]
    skipped: list[Skipped]


def run(path: Path = DATA, max_batch: int | None = None) -> Holdout:
    sources, rows = load_rows(path)
    predictions: list[Prediction] = []
    skipped: list[Skipped] = []
    for row in rows:
        mapped = map_row(row, sources)
        out = predict(mapped, max_batch) if isinstance(mapped, Case) else mapped
        if isinstance(out, Prediction):
            predictions.append(out)
        else:
            skipped.append(out)
    by_group: dict[str, list[float]] = {}
    for p in predictions:
        by_group.setdefault(p.case.group, []).append(p.ratio)
    order = [g for g in GROUPS.values() if g in by_group]
    return Holdout(
        groups=[stats(g, by_group[g]) for g in order],
        overall=stats("overall", [p.ratio for p in predictions]),
        predictions=predictions,
        skipped=skipped,
    )


def _line(s: GroupStats) -> str:
    return (
        f"| {s.name} | {s.n} | {s.median:.3f} | {s.p10:.3f} | {s.p90:.3f} | {s.within:.0%} | {s.median_abs_error:.1%} |"
    )


def table(title: str, groups: Sequence[GroupStats], overall: GroupStats | None) -> str:
    lines = [
        f"| {title} | n | median pred/meas | p10 | p90 | within 0.8-1.25x | median abs. error |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_line(g) for g in groups]
    if overall is not None:
        lines.append(_line(overall.model_copy(update={"name": "**overall**"})))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rows", action="store_true", help="print every row's prediction")
    ap.add_argument("--by-gpu", action="store_true", help="also break the ratios down per GPU and group x GPU")
    ap.add_argument("--max-batch", type=int, default=None, help="cap the max-load batch (default: largest that fits)")
    args = ap.parse_args(argv)
    h = run(max_batch=args.max_batch)
    print(table("source group", h.groups, h.overall))
    if args.by_gpu:
        for key in ("gpu", "group x gpu"):
            cells: dict[str, list[float]] = {}
            for p in h.predictions:
                k = p.case.gpu if key == "gpu" else f"{p.case.group} / {p.case.gpu}"
                cells.setdefault(k, []).append(p.ratio)
            print()
            print(table(key, [stats(k, v) for k, v in cells.items()], None))
    reasons: dict[str, int] = {}
    for s in h.skipped:
        reasons[s.reason] = reasons.get(s.reason, 0) + 1
    print(f"\nNot predicted ({len(h.skipped)} rows):")
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        print(f"- {n} x {reason}")
    if args.rows:
        print()
        for p in h.predictions:
            extra = f" [{'; '.join(p.case.notes)}]" if p.case.notes else ""
            print(
                f"{p.ratio:6.3f}  {p.case.name}  batch {p.batch}  pred {p.predicted:.4g}"
                f"  meas {p.case.measured:.4g} ({p.case.metric}){extra}"
            )


if __name__ == "__main__":
    main()
