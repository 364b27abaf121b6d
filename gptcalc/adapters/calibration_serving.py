"""Published serving measurements into specs: each row of ``gptcalc/data/calibration_serving.json`` becomes a
case (architecture, hardware, serving setup, what was measured) or a stated reason why it cannot.

Sections (``shared/calibration/README.md``):

* **B2a** TensorRT-LLM 0.9 static batching: output tokens/s per GPU over the whole request time (prefill
  included) at a fixed batch, TP as published;
* **B2b** TensorRT-LLM 0.9 time to first token at batch 1;
* **B3a** gpt-fast (torch.compile) batch-1 decode tokens/s on A100-80GB power-capped at 330 W and one MI250X
  GCD, prompt of 5 tokens; its speculative row is not predicted (acceptance rate and GPU count not published).

Model shapes: the presets (Llama 2 7B/70B, Llama 3.1 8B/405B, Mistral 7B, Mixtral 8x7B) and, where no preset
exists, the published configs: GPT-J 6B (EleutherAI/gpt-j-6b config.json: 28 layers, d_model 4,096, 16 heads
of 256, GELU MLP 16,384 with biases, one LayerNorm per parallel block, rotary, untied head with bias, vocabulary
50,400), Falcon 180B (tiiuae/falcon-180B config.json: 80 layers, d_model 14,848, 232 query and 8 key/value
heads of 64, GELU MLP 4 x d_model without biases, two LayerNorms per parallel block, vocabulary 65,024) and
Llama 3.1 70B (meta-llama/Llama-3.1-70B config.json: 80 layers, 8,192, 64/8 heads, SwiGLU 28,672, vocabulary
128,256). Hardware: "A100 (variant not stated)" is read as the A100 SXM4 80GB (the TensorRT-LLM performance
pages' A100 runs used DGX A100 80GB); the 330 W power cap of the gpt-fast A100 is not modelled.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from gptcalc.adapters.calibration import llama
from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import validate_spec
from gptcalc.specs.calibration import Metric, ServingCase, Unrepresented
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.serving import ServingSetup

GROUPS = {
    "B2a": "TRT-LLM 0.9 static-batching throughput",
    "B2b": "TRT-LLM 0.9 batch-1 TTFT",
    "B3a": "gpt-fast batch-1 decode",
}


def gptj_6b() -> Architecture:
    return validate_spec(
        Architecture,
        {
            "name": "gpt-j-6b",
            "n_layers": 28,
            "hidden_size": 4096,
            "vocab_size": 50_400,
            "attention": {"n_heads": 16},
            "mlp": {"activation": "gelu", "d_ff": 16_384, "bias": True},
            "norm": "layernorm",
            "norms_per_layer": 1,
            "output_bias": True,
        },
        "gpt-j-6b",
    )


def falcon_180b() -> Architecture:
    return validate_spec(
        Architecture,
        {
            "name": "falcon-180b",
            "n_layers": 80,
            "hidden_size": 14_848,
            "vocab_size": 65_024,
            "attention": {"n_heads": 232, "n_kv_heads": 8},
            "mlp": {"activation": "gelu", "d_ff": 4 * 14_848},
            "norm": "layernorm",
        },
        "falcon-180b",
    )


def mi250x_gcd() -> Hardware:
    return validate_spec(
        Hardware,
        {
            "name": "mi250x-gcd",
            "description": "One graphics compute die of an AMD Instinct MI250X (half the card)",
            "source": "AMD Instinct MI250X datasheet (2021): 383 TFLOP/s bf16/fp16 dense, 3.2 TB/s HBM2e, 128 GB,"
            " 220 CUs per card; one GCD is half of each. Infinity Fabric between GCDs not used (TP 1).",
            "peak_tflops": {"bf16": 191.5, "fp16": 191.5, "fp32": 47.9, "int8": 191.5},
            "memory_gib": 64,
            "memory_bandwidth_gb_s": 1600,
            "intra_node_gb_s": 50,
            "inter_node_gb_s": 25,
            "compute_units": 110,
            "tdp_w": 280,
            "price_per_hour": 1.0,
            "price_date": "n/a",
            "price_source": "not used by the calibration",
        },
        "mi250x-gcd",
    )


MODELS: dict[str, Any] = {
    "GPT-J 6B": gptj_6b,
    "Falcon 180B": falcon_180b,
    "Llama-2-7B": lambda: load_model("llama-2-7b"),
    "Llama-2-70B": lambda: load_model("llama-2-70b"),
    "Mistral 7B": lambda: load_model("mistral-7b"),
    "Mixtral 8x7B": lambda: load_model("mixtral-8x7b"),
    "Llama-3.1-8B": lambda: load_model("llama-3.1-8b"),
    "Llama-3.1-70B": lambda: llama(80, 8192, 64, 8, 28_672, 128_256, name="llama-3.1-70b"),
    "Llama-3.1-405B": lambda: load_model("llama-3.1-405b"),
}


def _hardware(text: str) -> Hardware:
    t = text.lower()
    if "mi250x" in t:
        return mi250x_gcd()
    for key, preset in (("h200", "h200"), ("h100", "h100-sxm"), ("l40s", "l40s")):
        if key in t:
            return load_hardware(preset)
    return load_hardware("a100-80gb")


def _dtypes(precision: str) -> tuple[str, str]:
    """(weights, KV cache) formats of a row's precision text."""
    p = precision.lower()
    if p.startswith("fp8"):
        return "fp8", "fp8"
    if "int8" in p:
        return "int8", "bf16"
    if "int4" in p:
        return "int4", "bf16"
    if "fp16" in p:
        return "fp16", "fp16"
    return "bf16", "bf16"


def _case(row: dict[str, Any]) -> ServingCase | Unrepresented:
    name, section, c, meas = row["name"], row["section"], row["config"], row["measured"]
    if c.get("model") not in MODELS:
        return Unrepresented(
            name=name,
            section=section,
            reason="speculative decoding: acceptance rate and GPU count not published (the draft's cost is"
            " modelled: serve --draft)",
        )
    notes: list[str] = []
    weights, kv = _dtypes(str(c.get("precision", "bf16")))
    if "variant not stated" in str(c.get("hardware")):
        notes.append("A100 read as SXM4 80GB")
    if "330 W" in str(c.get("hardware")):
        notes.append("330 W power cap not modelled")
    data: dict[str, Any] = {
        "tp": int(c.get("tp", 1)),
        "batch": int(c["batch_size"]),
        "prompt": int(c["input_len"]),
        "weights_dtype": weights,
        "kv_dtype": kv,
        "batching": "static",
    }
    metric: Metric
    if section == "B2a":
        data["output"] = int(c["output_len"])
        metric, value = "output_tokens_per_s_per_gpu", float(meas["output_tokens_per_s_per_gpu"])
    elif section == "B2b":
        data["output"] = 1
        metric, value = "ttft_s", float(meas["ttft_ms"]) / 1e3
    else:
        data["output"] = 200  # gpt-fast's benchmark generates 200 tokens (generate.py --max_new_tokens default)
        metric, value = "decode_tokens_per_s", float(meas["tokens_per_s"])
    return ServingCase(
        name=name,
        section=section,
        group=GROUPS[section],
        arch=MODELS[c["model"]](),
        hardware=_hardware(str(c.get("hardware", ""))),
        setup=validate_spec(ServingSetup, data, name),
        metric=metric,
        measured=value,
        source=row["source"],
        notes=notes,
    )


def load_serving_cases() -> tuple[list[ServingCase], list[Unrepresented]]:
    """Every serving row of the shipped calibration set, as cases or reasons."""
    text = resources.files("gptcalc").joinpath("data/calibration_serving.json").read_text()
    cases: list[ServingCase] = []
    skipped: list[Unrepresented] = []
    for row in json.loads(text)["rows"]:
        out = _case(row)
        if isinstance(out, ServingCase):
            cases.append(out)
        else:
            skipped.append(out)
    return cases, skipped
