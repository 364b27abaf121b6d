"""``gptcalc step`` (one training step, predicted per operator) and ``gptcalc calibrate`` (the error table)."""

from typing import Annotated, Any

import typer

from gptcalc.cli import parsing
from gptcalc.cli.app import app
from gptcalc.cli.options import (
    ConventionOpt,
    GlobalBatchOpt,
    HardwareOpt,
    JsonOpt,
    ModelArg,
    PpOpt,
    PrecisionOpt,
    PresetsOpt,
    SeqLenOpt,
    SetOpt,
    TpOpt,
    model_and_hardware,
)
from gptcalc.errors import InputError, LayoutError
from gptcalc.fmt import fmt_pct, fmt_seconds
from gptcalc.render import assumptions, console, print_json, table
from gptcalc.specs.defaults import DEFAULT_ATTENTION_KERNEL, DEFAULT_RECOMPUTE
from gptcalc.specs.quantities import parse_int, parse_number

MatmulEfficiencyOpt = Annotated[
    str | None,
    typer.Option("--matmul-efficiency", help="Large-GEMM fraction of peak (default: the hardware's or the model's)."),
]
BREAKDOWN_LABELS = {
    "compute_s": "compute (GEMMs, attention, memory-bound ops, recompute)",
    "tp_comm_s": "tensor-parallel collectives",
    "cp_comm_s": "context-parallel exchange (exposed)",
    "ep_comm_s": "expert all-to-all",
    "pp_comm_s": "pipeline sends",
    "bubble_s": "pipeline bubble",
    "dp_exposed_s": "data-parallel / FSDP communication (exposed)",
    "optimizer_s": "optimizer step",
    "overhead_s": "fixed per-step overhead",
}


def time_model(efficiency: str | None) -> Any:
    """The time model's constants, with the large-GEMM efficiency overridden when given."""
    from gptcalc.specs.timemodel import TimeModel

    if efficiency is None:
        return TimeModel.defaults()
    value = parse_number(efficiency, name="--matmul-efficiency")
    if not 0.001 <= value <= 1:
        raise InputError(f"--matmul-efficiency: a fraction of the peak, 0.001 to 1, got {efficiency!r}")
    return TimeModel(matmul_fraction=value)


def step_table(step: Any) -> Any:
    """The step's breakdown as a table."""
    rows = [
        [BREAKDOWN_LABELS.get(k, k), fmt_seconds(v), f"{v / step.step_time_s:.0%}"] for k, v in step.breakdown.items()
    ]
    rows += [
        ["step", fmt_seconds(step.step_time_s), ""],
        ["micro-batches per step (m)", f"{step.microbatches:,}", ""],
        ["tokens/s per GPU", f"{step.tokens_per_second_per_gpu:,.0f}", ""],
        ["model TFLOP/s per GPU", f"{step.model_tflops_per_gpu:.1f}", ""],
        ["MFU / HFU", f"{fmt_pct(step.mfu)} / {fmt_pct(step.hfu)}", ""],
    ]
    if step.days is not None:
        rows.append(["days for the tokens (steps only)", f"{step.days:.3g}", ""])
    return table(f"Step of {step.global_batch:,} sequences", ["", "time", "share"], rows)


INT_FLAGS = {  # layout field: (flag, smallest value)
    "tp": ("--tp", 1),
    "cp": ("--cp", 1),
    "pp": ("--pp", 1),
    "dp": ("--dp", 1),
    "ep": ("--ep", 1),
    "expert_tp": ("--expert-tp", 1),
    "zero": ("--zero", 0),
    "micro_batch": ("--micro-batch", 1),
    "virtual_stages": ("--virtual-stages", 1),
}
CHOICE_FLAGS = {  # layout field: (flag, allowed)
    "recompute": ("--recompute", ("none", "selective", "full")),
    "precision": ("--precision", ("bf16", "fp16", "fp8", "fp32")),
    "optimizer": ("--optimizer", ("adam", "adam8bit", "sgd")),
    "attention": ("--attention-kernel", ("flash", "eager")),
}


def build_layout(
    *, gpus: str | None = None, pp_layers: str | None = None, attention_kernel: str | None = None, **flags: Any
) -> Any:
    """A TrainLayout from the layout flags of ``step`` and ``memory`` (text as typed; None: the spec's default).

    dp defaults to what is left of --gpus after tp x cp x pp (1 without --gpus); --gpus must equal the product.
    """
    from gptcalc.specs.base import validate_spec
    from gptcalc.specs.layout import TrainLayout

    flags["attention"] = attention_kernel
    data: dict[str, Any] = {}
    for key, value in flags.items():
        if value is None:
            continue
        if key in INT_FLAGS:
            flag, minimum = INT_FLAGS[key]
            data[key] = parse_int(value, name=flag, minimum=minimum)
        elif key in CHOICE_FLAGS:
            flag, allowed = CHOICE_FLAGS[key]
            if value not in allowed:
                raise InputError(f"{flag}: unknown {value!r}; allowed: {', '.join(allowed)}")
            data[key] = value
        elif key == "capacity_factor":
            data[key] = parse_number(value, name="--capacity-factor")
        else:
            data[key] = value
    inner = data.get("tp", 1) * data.get("cp", 1) * data.get("pp", 1)
    total = None if gpus is None else parse_int(gpus, name="--gpus")
    if "dp" not in data and total is not None:
        if total % inner:
            raise LayoutError(f"--gpus: {total} is not a multiple of tp x cp x pp = {inner}")
        data["dp"] = total // inner
    if pp_layers is not None:
        data["pp_layers"] = tuple(parse_int(x, name="--pp-layers") for x in pp_layers.split(",") if x.strip())
    layout = validate_spec(TrainLayout, data, "layout")
    if total is not None and total != layout.gpus:
        raise LayoutError(
            f"--gpus: {total} is not tp x cp x pp x dp = {layout.tp} x {layout.cp} x {layout.pp} x {layout.dp}"
            f" = {layout.gpus}"
        )
    return layout


def check_fits(arch: Any, hw: Any, layout: Any, seq_len: int, global_batch: int) -> None:
    """A layout whose memory does not fit cannot run: say so in one line, with layouts of the same GPU count
    that do fit (gptcalc fit's best)."""
    from gptcalc.errors import InfeasibleError
    from gptcalc.fit import fit_training
    from gptcalc.fmt import fmt_bytes
    from gptcalc.memory import training_memory

    mem = training_memory(arch, hw, layout, seq_len, global_batch)
    if mem.fits:
        return
    try:
        rows = fit_training(arch, hw, seq_len=seq_len, gpus=layout.gpus, top=3).rows
        options = "; ".join(
            f"tp {r.tp} pp {r.pp} dp {r.dp} ep {r.ep} ZeRO-{r.zero} {r.recompute} recompute micro-batch {r.micro_batch}"
            for r in rows
        )
        hint = f"layouts of {layout.gpus:,} GPUs that fit: {options}"
    except InfeasibleError:
        hint = f"no layout of {layout.gpus:,} GPUs fits (gptcalc fit {arch.name} finds the fewest GPUs that do)"
    raise InfeasibleError(
        f"layout: needs {fmt_bytes(mem.per_gpu_bytes)} per GPU, {hw.name} has {fmt_bytes(mem.capacity_bytes)}; {hint}"
        " (--no-memory-check times it anyway)"
    )


def _int(text: str | None, flag: str, default: int | None = None, minimum: int = 1) -> Any:
    return default if text is None else parse_int(text, name=flag, minimum=minimum)


@app.command("step", rich_help_panel="Compute, time and cost")
def step_cmd(
    model: ModelArg,
    hardware: HardwareOpt = "h100",
    gpus: Annotated[str | None, typer.Option("--gpus", help="Total GPUs; must equal tp x cp x pp x dp.")] = None,
    tp: TpOpt = None,
    pp: PpOpt = None,
    dp: Annotated[
        str | None, typer.Option("--dp", help="Data-parallel replicas (default: the rest of --gpus).")
    ] = None,
    cp: Annotated[str | None, typer.Option("--cp", help="Context-parallel degree (splits the sequence).")] = None,
    ep: Annotated[str | None, typer.Option("--ep", help="Expert-parallel degree.")] = None,
    expert_tp: Annotated[str | None, typer.Option("--expert-tp", help="Tensor parallelism inside experts.")] = None,
    zero: Annotated[str | None, typer.Option("--zero", help="ZeRO stage 0-3 (3 = FSDP).")] = None,
    micro_batch: Annotated[str | None, typer.Option("--micro-batch", help="Sequences per micro-batch.")] = None,
    global_batch: GlobalBatchOpt = None,
    seq_len: SeqLenOpt = None,
    recompute: Annotated[str, typer.Option("--recompute", help="none, selective, full.")] = DEFAULT_RECOMPUTE,
    precision: PrecisionOpt = "bf16",
    virtual_stages: Annotated[str | None, typer.Option("--virtual-stages", help="Interleaved chunks (v).")] = None,
    pp_layers: Annotated[
        str | None, typer.Option("--pp-layers", help="Uneven stage sizes, e.g. 7,8,8,...,7 (must sum to the layers).")
    ] = None,
    attention_kernel: Annotated[
        str, typer.Option("--attention-kernel", help="flash or eager (scores materialized).")
    ] = DEFAULT_ATTENTION_KERNEL,
    sequence_parallel: Annotated[bool, typer.Option("--sp/--no-sp", help="Sequence parallelism.")] = True,
    efficiency: MatmulEfficiencyOpt = None,
    memory_check: Annotated[
        bool,
        typer.Option("--memory-check/--no-memory-check", help="Refuse layouts whose memory estimate does not fit."),
    ] = True,
    tokens: Annotated[str | None, typer.Option("--tokens", help="Training tokens, for days.")] = None,
    convention: ConventionOpt = None,
    set_: SetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """One training step predicted per operator: its time, breakdown, tokens/s, MFU (no MFU guess needed)."""
    from gptcalc.steptime import step_time

    arch, hw = model_and_hardware(model, hardware, presets, set_)
    layout = build_layout(
        gpus=gpus,
        tp=tp,
        cp=cp,
        pp=pp,
        dp=dp,
        ep=ep,
        expert_tp=expert_tp,
        zero=zero,
        micro_batch=micro_batch,
        virtual_stages=virtual_stages,
        pp_layers=pp_layers,
        recompute=recompute,
        precision=precision,
        attention_kernel=attention_kernel,
        sequence_parallel=sequence_parallel,
    )
    t, c, p = layout.tp, layout.cp, layout.pp
    length = arch.seq_len(parsing.length(seq_len, "--seq-len"))
    gb = _int(global_batch, "--global-batch", layout.default_global_batch)
    if memory_check:
        check_fits(arch, hw, layout, length, gb)
    step = step_time(
        arch,
        hw,
        layout,
        seq_len=length,
        global_batch=gb,
        tokens=parsing.scalar(tokens, "--tokens") if tokens else None,
        model=time_model(efficiency),
        convention=parsing.convention(convention),
    )
    if json_out:
        payload = step.model_dump()
        payload.update(model=arch.name, hardware=hw.name, gpus=layout.gpus, seq_len=length, layout=layout.model_dump())
        print_json(payload)
        return
    out = console()
    out.print(
        f"[bold]{arch.name} on {layout.gpus:,} x {hw.name}[/] (tp {t}, cp {c}, pp {p}, dp {layout.dp}, ep {layout.ep},"
        f" ZeRO-{layout.zero}, {layout.recompute} recompute, micro-batch {layout.micro_batch}, {length:,} tokens,"
        f" {layout.precision})"
    )
    out.print(step_table(step))
    out.print()
    out.print(assumptions(step.assumptions))


@app.command("calibrate", rich_help_panel="Compute, time and cost")
def calibrate_cmd(
    kind: Annotated[str, typer.Option("--kind", help="training or serving.")] = "training",
    verbose: Annotated[bool, typer.Option("--rows", help="Also list every row's ratio.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Predict every published measurement of the calibration set and print the error table per source group."""
    if kind == "training":
        from gptcalc.adapters.calibration import load_training_cases
        from gptcalc.calibrate import calibrate

        cases, skipped = load_training_cases()
        result: Any = calibrate(cases, [s.model_dump() for s in skipped])
        title = "Predicted / measured training throughput (tokens/s per GPU)"
        constants = "gptcalc/specs/timemodel.py"
    elif kind == "serving":
        from gptcalc.adapters.calibration_serving import load_serving_cases
        from gptcalc.calibrate import calibrate_serving

        serving_cases, serving_skipped = load_serving_cases()
        result = calibrate_serving(serving_cases, [s.model_dump() for s in serving_skipped])
        title = "Predicted / measured serving speed (TTFT: measured / predicted)"
        constants = "gptcalc/specs/serving.py"
    else:
        raise InputError(f"--kind: {kind!r} is not predicted; allowed: training, serving")
    if json_out:
        print_json(result)
        return
    out = console()
    cols = ["source group", "n", "median", "p10", "p90", "within 0.8-1.25x", "median |err|"]
    rows = [
        [
            g.name,
            f"{g.n:,}",
            f"{g.median:.3f}",
            f"{g.p10:.3f}",
            f"{g.p90:.3f}",
            f"{g.within:.0%}",
            f"{g.median_abs_error:.1%}",
        ]
        for g in [*result.groups, result.overall]
    ]
    out.print(table(title, cols, rows))
    if verbose:
        out.print(table("Rows", ["ratio", "row"], [[f"{c.ratio:.3f}", c.name] for c in result.cases]))
    out.print(
        assumptions(
            [f"not predicted: {u['name']} ({u['reason']})" for u in result.unrepresented]
            + [f"ratio > 1: the model is too fast; constants and their fitting rows: {constants}"]
        )
    )
