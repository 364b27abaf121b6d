"""Published training measurements into specs: each row of ``gptcalc/data/calibration_training.json`` becomes a
case (architecture, hardware, layout, batch, measured tokens per second per GPU) or a stated reason why it cannot.

The rows come from ``shared/calibration/measured.json`` (their README: sources, confidence, the FLOP count
each source uses). Throughputs are brought to one convention-free unit, tokens per second per GPU:

* Megatron-LM 2021 TFLOP/s (Narayanan et al. 2021, Eq. 3, full recomputation): per token
  ``96 l h^2 (1 + s/(6h) + V/(16 l h))`` FLOPs;
* Korthikanti et al. 2022 MFU: per token ``72 l h^2 (1 + s/(6h) + V/(12 l h))`` at 312 TFLOP/s;
* iteration times: global batch x sequence / (time x GPUs); tokens/s as published otherwise.

Model shapes: Megatron GPT (GELU 4h MLP, biases, LayerNorm, learned positions, tied embeddings; vocabulary 51,200),
llm-foundry's MPT benchmark configs (the same block, vocabulary 50,368, learned positions of max_seq_len:
checked against each row's ``num_params`` in the tests), NeMo's GPT-3, Llama and Nemotron configs, and the
presets for Llama 2, Llama 3.1 8B and PaLM.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import validate_spec
from gptcalc.specs.calibration import CalibrationCase, Unrepresented
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.layout import TrainLayout

GROUPS = {
    "A1a": "Megatron-LM 2021 weak scaling (Narayanan T1)",
    "A1b": "Megatron-LM 2021 PTD-P (Narayanan T2)",
    "A1b-zero3": "DeepSpeed ZeRO-3 2021 (Narayanan T2)",
    "A2a": "Megatron-LM 2022 recompute (Korthikanti T5)",
    "A2b": "Megatron-LM 2022 530B at scale",
    "A3": "MT-NLG 530B",
    "A5": "PaLM 540B",
    "A7a": "BLOOM 176B",
    "A7c": "NeMo 24.07 FP8 (H100)",
    "A7f": "llm-foundry MPT (FSDP)",
}


def gpt(
    layers: int, hidden: int, heads: int, *, vocab: int = 51_200, seq: int = 2048, name: str = "gpt"
) -> Architecture:
    """A GPT-3-style block as Megatron-LM and llm-foundry build it: GELU MLP of 4h with biases, LayerNorm,
    learned positions, tied embeddings (Brown et al. 2020; Shoeybi et al. 2019)."""
    return validate_spec(
        Architecture,
        {
            "name": name,
            "n_layers": layers,
            "hidden_size": hidden,
            "vocab_size": vocab,
            "attention": {"n_heads": heads, "qkv_bias": True, "out_bias": True},
            "mlp": {"activation": "gelu", "d_ff": 4 * hidden, "bias": True},
            "norm": "layernorm",
            "position_embedding": "learned",
            "max_position_embeddings": seq,
            "context_length": seq,
            "tie_embeddings": True,
        },
        name,
    )


def llama(
    layers: int, hidden: int, heads: int, kv: int, d_ff: int, vocab: int, *, act: str = "swiglu", name: str = "llama"
) -> Architecture:
    """A Llama-style block (RMSNorm, rotary, no biases, untied head; Touvron et al. 2023); Nemotron uses a
    squared-ReLU 2-matrix MLP (``act='relu'``) and NeMo's GPT-3 a GELU one."""
    return validate_spec(
        Architecture,
        {
            "name": name,
            "n_layers": layers,
            "hidden_size": hidden,
            "vocab_size": vocab,
            "attention": {"n_heads": heads, "n_kv_heads": kv},
            "mlp": {"activation": act, "d_ff": d_ff},
        },
        name,
    )


# llm-foundry benchmark configs (scripts/train/yamls/pretrain/mpt-*.yaml): (d_model, n_heads, n_layers).
MPT = {
    "MPT-125m": (768, 12, 12),
    "MPT-350m": (1024, 16, 24),
    "MPT-760m": (1536, 12, 24),
    "MPT-1b": (2048, 16, 24),
    "MPT-3b": (2560, 20, 32),
    "MPT-7b": (4096, 32, 32),
    "MPT-13b": (5120, 40, 40),
    "MPT-30b": (7168, 56, 48),
    "MPT-70b": (8192, 64, 80),
}
# NeMo 24.07 performance configs (examples/.../conf and the NeMo performance summary's models).
NEMO: dict[str, Any] = {
    "GPT3-5B": lambda: llama(24, 4096, 32, 32, 16384, 50_304, act="gelu", name="gpt3-5b"),
    "GPT3-20B": lambda: llama(44, 6144, 48, 48, 24576, 50_304, act="gelu", name="gpt3-20b"),
    "GPT3-175B": lambda: llama(96, 12288, 96, 96, 49152, 50_304, act="gelu", name="gpt3-175b"),
    "LLAMA2-7B": lambda: load_model("llama-2-7b"),
    "LLAMA2-13B": lambda: llama(40, 5120, 40, 40, 13824, 32_000, name="llama-2-13b"),
    "LLAMA2-70B": lambda: load_model("llama-2-70b"),
    "LLAMA3-8B": lambda: load_model("llama-3.1-8b"),
    "LLAMA3-70B": lambda: llama(80, 8192, 64, 8, 28672, 128_256, name="llama-3-70b"),
    "Nemotron-8B": lambda: llama(32, 4096, 32, 32, 16384, 256_000, act="relu", name="nemotron-8b"),
    "Nemotron-22B": lambda: llama(40, 6144, 48, 48, 24576, 256_000, act="relu", name="nemotron-22b"),
    "Nemotron-340B": lambda: llama(96, 18432, 96, 8, 73728, 256_000, act="relu", name="nemotron-340b"),
}
SHAPES_BY_BILLIONS = {175: (96, 12288, 96), 530: (105, 20480, 128)}  # Narayanan T2 / Korthikanti T3 shapes
# Jean Zay's A100 partition, where BLOOM trained: four Omni-Path links of 100 Gb/s per node of 8 GPUs, i.e.
# 4 x 12.5 GB/s / 8 = 6.25 GB/s per GPU, a quarter of a DGX A100's one 200 Gb/s HDR NIC per GPU (Le Scao et al. 2022,
# 'BLOOM', arXiv:2211.05100, Sec. 3.4.1: "4 Omni-Path 100 Gbps links per node"; bigscience-workshop/bigscience
# train/tr11-176B-ml/README.md 'Hardware': "4 OmniPath links", and jz/frameworks/megatron-lm.md: 400 Gb/s a node).
JEAN_ZAY_INTER_NODE_GB_S = 4 * 100 / 8 / 8
# DeepSpeed's pipeline engine (Megatron-DeepSpeed: MT-NLG, BLOOM) reduces the gradients after the last micro-batch's
# backward: TrainSchedule.steps() appends ReduceTiedGrads, ReduceGrads and OptimizerStep to the schedule's final step
# (microsoft/DeepSpeed deepspeed/runtime/pipe/schedule.py), so none of the data-parallel traffic overlaps compute.
DEEPSPEED_PIPELINE = {"overlap_dp": False}
# Narayanan et al.'s Table 1 runs as their reproduction script sets them (NVIDIA/Megatron-LM
# examples/sc21/run_table_1.sh, commit de7dc40, 2021-08-10), keyed by the models' layer counts: the micro-batch
# (MBS) and the interleaved pipeline chunks a stage (--num-layers-per-virtual-pipeline-stage 5, 5, 3, 1 for the
# 76B, 145B, 310B and 530B models: 15, 10, 6 and 3 layers a stage, v = 3, 2, 2, 3; none for the others).
SC21_TABLE_1 = {
    24: (16, 1),
    30: (16, 1),
    36: (16, 1),
    40: (8, 1),
    48: (4, 1),
    60: (2, 3),
    80: (2, 2),
    96: (1, 2),
    105: (1, 3),
    128: (1, 1),
}
# Gradient accumulation as each framework ran it (TrainLayout.grad_accumulation): Megatron-LM 2021 added each
# micro-batch's gradients into main_grad in a backward hook (megatron/model/distributed.py, commit 386923b,
# 2021-10; fp16 buffers for fp16 runs; the fused form arrived in 83b1e42, 2022-02); DeepSpeed's fp16 pipeline
# engine (MT-NLG) leaves it to autograd's in-place .grad add; its BF16_Optimizer (BLOOM) casts each gradient to fp32
# and adds it into the fp32 accumulator after every micro-batch (runtime/pipe/engine.py _exec_backward_pass and
# runtime/bf16_optimizer.py update_hp_grads, 2022). Korthikanti et al. 2022 is taken as fused (not verified).
GRAD_ACCUMULATION = {"A1a": "add", "A1b": "add", "A3": "add", "A7a": "cast-add"}


def _hardware(text: str) -> Hardware:
    t = text.lower()
    if "omni-path" in t:
        a100 = load_hardware("a100-80gb")
        return a100.model_copy(
            update={
                "name": "a100-80gb-jean-zay",
                "description": "A100 SXM4 80GB nodes of Jean Zay (IDRIS), 8 GPUs and 4 x 100 Gb/s Omni-Path a node",
                "source": f"{a100.source} Network: Le Scao et al. 2022 (BLOOM) Sec. 3.4.1, 4 x 100 Gb/s a node.",
                "inter_node_gb_s": JEAN_ZAY_INTER_NODE_GB_S,
            }
        )
    if "tpu v4" in t:
        return load_hardware("tpu-v4")
    if "h100" in t:
        return load_hardware("h100-sxm")
    if "40gb" in t:
        return load_hardware("a100-40gb")
    return load_hardware("a100-80gb")


def megatron_tokens(tflops: float, layers: int, hidden: int, seq: int, vocab: int = 51_200) -> float:
    """Tokens/s/GPU behind a Megatron-LM 2021 TFLOP/s figure (Narayanan et al. 2021, Eq. 3, with recompute)."""
    per_token = 96 * layers * hidden**2 * (1 + seq / (6 * hidden) + vocab / (16 * layers * hidden))
    return tflops * 1e12 / per_token


def _precision(text: str) -> str:
    t = text.lower()
    if "fp8" in t:
        return "fp8"
    if "bf16" in t:
        return "bf16"
    return "fp16"


def _case(row: dict[str, Any]) -> CalibrationCase | Unrepresented:
    name, section, c, meas = row["name"], row["section"], row["config"], row["measured"]

    def no(reason: str) -> Unrepresented:
        return Unrepresented(name=name, section=section, reason=reason)

    notes: list[str] = []
    zero3 = section == "A1b" and "ZeRO-3" in str(c.get("scheme"))
    group = GROUPS["A1b-zero3"] if zero3 else GROUPS.get(section, section)
    base = {"name": name, "section": section, "group": group, "source": row["source"]}
    if section in ("A1c",):
        return no("an estimate from an assumed throughput (8TP/(nX)), not a measurement")
    if section == "A2c":
        return no("activation memory, not throughput (tests/test_memory.py checks Korthikanti's Table 2 formulas)")
    if section == "A5" and "PaLM 540B" not in c.get("model", ""):
        return no("MFU quoted by PaLM Table 3 without the layout, batch or hardware details")
    if section == "A7a" and "BLOOM" not in c.get("model", ""):
        return no("layout unverified and global batch not published")
    hw = _hardware(str(c.get("hardware", "")))
    seq = int(c.get("seq_len", 2048))
    lay: dict[str, Any] = {}
    if section in ("A1a", "A1b", "A2a", "A2b", "A3"):
        if "layers" in c:
            layers, hidden, heads = int(c["layers"]), int(c["hidden"]), int(c["heads"])
        else:
            named = re.search(r"(\d+)B", str(c.get("model", "")))
            billions = round(float(c.get("params_billion", named.group(1) if named else 0)))
            layers, hidden, heads = SHAPES_BY_BILLIONS[billions]
        arch = gpt(layers, hidden, heads, seq=seq, name=c.get("model", f"GPT {c.get('params_billion')}B"))
        recompute = str(c.get("recompute", "full"))
        sp = bool(c.get("sequence_parallel", "sequence parallel" in recompute))
        lay = {
            "tp": c["tp"],
            "pp": c["pp"],
            "dp": c["dp"],
            "micro_batch": int(c.get("micro_batch", 1)),
            "recompute": "selective" if "selective" in recompute else "full",
            "sequence_parallel": sp,
            "precision": _precision(str(c.get("precision", "fp16"))),
            "attention": "eager",
            "dropout": True,
            "zero": int(c.get("zero_stage", 1 if section in ("A1b",) else 0)),
        }
        if section in GRAD_ACCUMULATION and not zero3:
            lay["grad_accumulation"] = GRAD_ACCUMULATION[section]
        if section == "A1a" and layers in SC21_TABLE_1:
            lay["micro_batch"], lay["virtual_stages"] = SC21_TABLE_1[layers]
            notes.append(
                f"micro-batch {lay['micro_batch']}, {lay['virtual_stages']} pipeline chunk(s) a stage (sc21 script)"
            )
        if section == "A3":
            lay.update(DEEPSPEED_PIPELINE)
            notes.append("DeepSpeed pipeline engine: gradients reduced after the last backward, not overlapped")
        if zero3:
            # DeepSpeed's 2021 ZeRO-3 gathers each parameter tensor and does not overlap them with compute.
            lay.update(zero3_unit="tensor", overlap_dp=False)
            notes.append("DeepSpeed ZeRO-3: per-tensor gathers, not overlapped")
        if "micro_batch" not in c and not (section == "A1a" and layers in SC21_TABLE_1):
            notes.append("micro-batch 1 (not published)")
        gb = c.get("global_batch")
        if gb is None:
            gb = 2240 if section == "A2b" else 0
            notes.append("global batch 2,240 (= 8 x the 280-GPU run of Table 3; not published)")
        if "iteration_time_s" in meas:
            tokens = gb * seq / (meas["iteration_time_s"] * c["gpus"])
            how = f"iteration time {meas['iteration_time_s']} s"
        elif "tflops_per_gpu" in meas:
            tokens = megatron_tokens(meas["tflops_per_gpu"], layers, hidden, seq)
            how = f"{meas['tflops_per_gpu']} TFLOP/s per GPU under Narayanan Eq. 3 (with recompute)"
        else:
            per_token = 72 * layers * hidden**2 * (1 + seq / (6 * hidden) + 51_200 / (12 * layers * hidden))
            tokens = meas["mfu_pct"] / 100 * 312e12 / per_token
            how = f"MFU {meas['mfu_pct']}% under Korthikanti's count at 312 TFLOP/s"
    elif section == "A5":
        arch = load_model("palm-540b")
        lay = {"tp": 12, "dp": 512, "zero": 3, "recompute": "full", "precision": "bf16", "micro_batch": 1}
        gb, seq = 2048, 2048
        tokens = meas["tokens_per_s"] / c["chips"]
        how = "tokens/s over 6,144 chips"
        notes.append("12-way model parallelism as tp, 2 x 256-way FSDP as ZeRO-3 dp 512, micro-batch 1")
    elif section == "A7a":
        arch = validate_spec(
            Architecture,
            {
                "name": "bloom-176b",
                "n_layers": 70,
                "hidden_size": 14336,
                "vocab_size": 250_880,
                "attention": {"n_heads": 112, "qkv_bias": True, "out_bias": True},
                "mlp": {"activation": "gelu", "d_ff": 4 * 14336, "bias": True},
                "norm": "layernorm",
                "position_embedding": "alibi",
                "tie_embeddings": True,
            },
            "bloom",
        )
        lay = {
            "tp": 4,
            "pp": 12,
            "pp_layers": (5, *([6] * 10), 5),  # Megatron-DeepSpeed counts the embedding and head as layers
            "dp": 8,
            "micro_batch": 2,
            "recompute": "full",
            "precision": "bf16",
            "attention": "eager",
            # tr11-176B-ml.slurm passes no --sequence-parallel (Megatron-DeepSpeed had none in 2022).
            "sequence_parallel": False,
            "zero": 1,
            "grad_accumulation": GRAD_ACCUMULATION["A7a"],
            **DEEPSPEED_PIPELINE,
        }
        notes.append(
            "DeepSpeed pipeline engine: gradients reduced after the last backward, not overlapped; Jean Zay's"
            f" {JEAN_ZAY_INTER_NODE_GB_S:g} GB/s per GPU between nodes (4 x 100 Gb/s Omni-Path a node)"
        )
        gb = int(c["global_batch"])
        tokens = gb * seq / (meas["iteration_time_s"] * c["gpus"])
        how = f"iteration time {meas['iteration_time_s']} s"
    elif section == "A7c":
        arch = NEMO[c["model"]]()
        lay = {
            "tp": c["tp"],
            "pp": c["pp"],
            "cp": c["cp"],
            "dp": c["dp"],
            "virtual_stages": max(int(c["vp"]), 1),
            "micro_batch": c["micro_batch"],
            "precision": "fp8",
            "zero": 1,
            "overlap_tp": c["tp"] > 1,
        }
        gb = int(c["global_batch"])
        tokens = meas["tokens_per_s_per_gpu"]
        how = "tokens/s per GPU as published"
        notes.append(
            "distributed optimizer (ZeRO-1), no recomputation, flash attention, tensor-parallel communication"
            " overlap where tp > 1 (NeMo performance configs)"
        )
    elif section == "A7f":
        d_model, heads, layers = MPT[c["model"]]
        arch = gpt(layers, d_model, heads, vocab=50_368, seq=seq, name=c["model"])
        prec = str(c["precision"])
        lay = {
            "dp": c["gpus"],
            "micro_batch": c["micro_batch"],
            "zero": 3 if c["sharding"] == "FULL_SHARD" else 2,
            "recompute": "full" if c["activation_checkpointing"] else "none",
            "precision": "fp8" if "fp8" in prec else "bf16",
        }
        gb = int(c["global_batch"])
        tokens = meas["tokens_per_s_per_gpu"]
        how = "tokens/s per GPU as published"
    else:
        return no(f"section {section} has no mapping")
    layout = validate_spec(TrainLayout, lay, name)
    m = gb / (layout.dp * layout.micro_batch)
    if m < 1 or not float(m).is_integer():
        return no(f"global batch {gb} does not split into micro-batches of {layout.micro_batch} over dp {layout.dp}")
    return CalibrationCase(
        **base,
        arch=arch,
        hardware=hw,
        layout=layout,
        seq_len=seq,
        global_batch=int(gb),
        measured_tokens_per_s_per_gpu=float(tokens),
        measured_as=how,
        notes=notes,
    )


def load_training_cases() -> tuple[list[CalibrationCase], list[Unrepresented]]:
    """Every training row of the shipped calibration set, as cases or reasons."""
    text = resources.files("gptcalc").joinpath("data/calibration_training.json").read_text()
    cases: list[CalibrationCase] = []
    skipped: list[Unrepresented] = []
    for row in json.loads(text)["rows"]:
        out = _case(row)
        (cases if isinstance(out, CalibrationCase) else skipped).append(out)  # type: ignore[arg-type]
    return cases, skipped
