"""Options shared by every command, so that the same flag means the same thing everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Change a model field for a what-if, e.g. moe.n_experts=32 (repeatable)."),
]
PresetsOpt = Annotated[
    list[Path] | None,
    typer.Option("--presets", help="Extra preset folder searched before the shipped ones (repeatable)."),
]
ModelArg = Annotated[
    str, typer.Argument(help="Model preset name, preset .toml file, Hugging Face config.json, or hub id owner/name.")
]
HardwareOpt = Annotated[str, typer.Option("--hardware", help="Hardware preset name or alias (h100, a100, ...).")]
SeqLenOpt = Annotated[
    str | None,
    typer.Option("--seq-len", help="Sequence length in tokens; 8k = 8,192. Default: the model's context."),
]
ScenarioSetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Change a scenario field (gpus=30k, costs.pue=1.1, serving.batch=512) or, with model.X / hardware.X,"
        " the presets it names, e.g. model.moe.n_experts=32 (repeatable).",
    ),
]
ScenarioConventionOpt = Annotated[
    str | None,
    typer.Option(
        "--convention",
        help="FLOP counting convention: 6n, causal, palm, 6n-no-head-bwd. Default: the scenario's own (palm for"
        " the shipped training scenarios); 6n for models.",
    ),
]
ConventionOpt = Annotated[
    str | None,
    typer.Option("--convention", help="FLOP counting convention: 6n (default), causal, palm, 6n-no-head-bwd."),
]


StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict", help="Refuse a config.json whose model_type gptcalc does not count exactly (default: approximate)."
    ),
]


def approximate_note(arch: Any) -> dict[str, Any]:
    """For an approximate architecture: a warning line on stderr, and the JSON keys that mark it."""
    if arch.approximate is None:
        return {}
    import sys

    sys.stderr.write(f"gptcalc: warning: {arch.source}: approximate counts: {arch.approximate}\n")
    return {"exact": False, "reason": arch.approximate}


def dirs(presets: list[Path] | None) -> list[Path]:
    return list(presets or [])


def model_and_hardware(model: str, hardware: str, presets: list[Path] | None, sets: list[str] | None) -> Any:
    """The (architecture with --set applied, hardware) pair most commands start from."""
    from gptcalc.adapters.load import load_hardware, load_model

    d = dirs(presets)
    return load_model(model, d, sets or []), load_hardware(hardware, d)


# Shared by memory, fit and serve (and price by train, plan, serve).
TpOpt = Annotated[str | None, typer.Option("--tp", help="Tensor-parallel degree.")]
PpOpt = Annotated[str | None, typer.Option("--pp", help="Pipeline-parallel stages.")]
BatchOpt = Annotated[str | None, typer.Option("--batch", help="Serving: concurrent sequences (default 1).")]
ContextOpt = Annotated[str | None, typer.Option("--context", help="Serving: tokens per sequence, e.g. 8k.")]
WeightsDtypeOpt = Annotated[str, typer.Option("--weights-dtype", help="Serving weights: bf16, fp8, int8, int4.")]
KvDtypeOpt = Annotated[str, typer.Option("--kv-dtype", help="Serving KV cache: bf16, fp8, int8, int4.")]
PrecisionOpt = Annotated[str, typer.Option("--precision", help="Training precision: bf16, fp16, fp8, fp32.")]
OptimizerOpt = Annotated[str, typer.Option("--optimizer", help="adam, adam8bit, sgd.")]
GlobalBatchOpt = Annotated[str | None, typer.Option("--global-batch", help="Sequences per optimizer step.")]
PriceOpt = Annotated[str | None, typer.Option("--price", help="USD per GPU-hour (default: the hardware preset's).")]
AttentionModeOpt = Annotated[
    str | None,
    typer.Option("--attention-flops", help="Override the convention's attention FLOPs: excluded, causal, full."),
]
HeadBackwardOpt = Annotated[
    bool | None,
    typer.Option("--head-backward/--no-head-backward", help="Override whether the output head's backward counts."),
]
