"""``gptcalc memory`` and ``gptcalc fit``."""

from typing import Annotated, Any

import typer

from gptcalc.cli import notices, parsing
from gptcalc.cli.app import app
from gptcalc.cli.cmd_step import MatmulEfficiencyOpt, build_layout, step_table, time_model
from gptcalc.cli.options import (
    BatchOpt,
    ContextOpt,
    ConventionOpt,
    GlobalBatchOpt,
    HardwareOpt,
    JsonOpt,
    KvDtypeOpt,
    ModelArg,
    OptimizerOpt,
    PpOpt,
    PrecisionOpt,
    PresetsOpt,
    SeqLenOpt,
    SetOpt,
    TpOpt,
    WeightsDtypeOpt,
    model_and_hardware,
)
from gptcalc.errors import InputError, LayoutError
from gptcalc.fmt import fmt_bytes, fmt_pct
from gptcalc.oddities import input_warnings
from gptcalc.render import assumptions, console, print_json, table
from gptcalc.specs.defaults import DEFAULT_ATTENTION_KERNEL, DEFAULT_RECOMPUTE
from gptcalc.specs.quantities import parse_int

IntOpt = Annotated[str | None, typer.Option()]


def _int(text: str | None, flag: str, default: int, minimum: int = 1) -> int:
    return default if text is None else parse_int(text, name=flag, minimum=minimum)


def _choice(value: str, flag: str, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise InputError(f"{flag}: unknown {value!r}; allowed: {', '.join(allowed)}")
    return value


@app.command("memory", rich_help_panel="Memory and capacity")
def memory_cmd(
    model: ModelArg,
    hardware: HardwareOpt = "h100",
    train: Annotated[bool, typer.Option("--train/--serve", help="Training (default) or serving memory.")] = True,
    tp: TpOpt = None,
    pp: PpOpt = None,
    ep: Annotated[str | None, typer.Option("--ep", help="Expert-parallel degree (divides dp).")] = None,
    dp: Annotated[str | None, typer.Option("--dp", help="Data-parallel replicas.")] = None,
    gpus: Annotated[str | None, typer.Option("--gpus", help="Total GPUs; must equal tp x pp x dp.")] = None,
    zero: Annotated[str | None, typer.Option("--zero", help="ZeRO stage 0-3.")] = None,
    recompute: Annotated[str, typer.Option("--recompute", help="none, selective, full.")] = DEFAULT_RECOMPUTE,
    micro_batch: Annotated[str | None, typer.Option("--micro-batch", help="Sequences per micro-batch.")] = None,
    global_batch: GlobalBatchOpt = None,
    virtual_stages: Annotated[str | None, typer.Option("--virtual-stages", help="Interleaved chunks.")] = None,
    seq_len: SeqLenOpt = None,
    precision: PrecisionOpt = "bf16",
    optimizer: OptimizerOpt = "adam",
    attention_kernel: Annotated[
        str, typer.Option("--attention-kernel", help="Attention kernel for activation memory: flash or eager.")
    ] = DEFAULT_ATTENTION_KERNEL,
    sequence_parallel: Annotated[bool, typer.Option("--sp/--no-sp", help="Sequence parallelism.")] = True,
    dropout: Annotated[bool, typer.Option("--dropout/--no-dropout", help="Store dropout masks.")] = False,
    capacity_factor: Annotated[str, typer.Option("--capacity-factor", help="MoE capacity factor.")] = "1.25",
    tokens: Annotated[str | None, typer.Option("--tokens", help="Training tokens, for run days.")] = None,
    efficiency: MatmulEfficiencyOpt = None,
    batch: BatchOpt = None,
    context: ContextOpt = None,
    weights_dtype: WeightsDtypeOpt = "bf16",
    kv_dtype: KvDtypeOpt = "bf16",
    dtype: Annotated[str, typer.Option("--dtype", help="Peak rate used for step time.")] = "bf16",
    convention: ConventionOpt = None,
    set_: SetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Memory per GPU for a layout, as a table and a bar chart; marks whether it fits."""
    from gptcalc.memory import serving_memory, training_memory
    from gptcalc.steptime import step_time

    arch, hw = model_and_hardware(model, hardware, presets, set_)
    t, p = _int(tp, "--tp", 1), _int(pp, "--pp", 1)
    out = console()
    if not train:
        ctx = arch.serving_context(parsing.length(context, "--context"))
        notices.warn(input_warnings(arch=arch, seq_len=ctx))
        b = _int(batch, "--batch", 1)
        served = serving_memory(
            arch, hw, batch=b, context=ctx, weights_dtype=weights_dtype, kv_dtype=kv_dtype, tp=t, pp=p
        )
        if gpus is not None and parse_int(gpus, name="--gpus") != t * p:
            raise LayoutError(f"--gpus: {gpus} is not tp x pp = {t * p}")
        if json_out:
            payload = served.model_dump()
            payload.update(mode="serve", model=arch.name, hardware=hw.name, tp=t, pp=p, batch=b, context=ctx)
            print_json(payload)
            return
        _print_breakdown(
            out,
            f"Serving {arch.name} on {t * p} x {hw.name} (tp {t}, pp {p})",
            served.breakdown,
            served.per_gpu_bytes,
            served.capacity_bytes,
            served.fits,
        )
        out.print(
            f"KV cache: {fmt_bytes(served.kv_bytes_per_token)} per token per GPU; largest batch at {ctx} tokens:"
            f" [bold]{served.max_batch}[/] ({served.max_tokens:,} cached tokens)"
        )
        if not served.fits:
            out.print(f"[bold red]Batch {b} x {ctx} does not fit; the largest that does is {served.max_batch}.[/]")
        out.print(
            assumptions(
                [
                    f"weights {weights_dtype} (int4: fp16 scale and zero per 128 weights), KV cache {kv_dtype}",
                    "embeddings and norms stay bf16; KV heads split over tp (replicated when tp > kv heads)",
                    "allowance: 2 GiB + 5% for CUDA context, buffers and fragmentation",
                ]
            )
        )
        return
    layout = build_layout(
        gpus=gpus,
        tp=tp,
        pp=pp,
        dp=dp,
        ep=ep,
        zero=zero,
        micro_batch=micro_batch,
        virtual_stages=virtual_stages,
        recompute=recompute,
        precision=precision,
        optimizer=optimizer,
        attention_kernel=attention_kernel,
        sequence_parallel=sequence_parallel,
        dropout=dropout,
        capacity_factor=capacity_factor,
    )
    t, p = layout.tp, layout.pp
    length = arch.seq_len(parsing.length(seq_len, "--seq-len"))
    notices.warn(input_warnings(arch=arch, seq_len=length))
    gb = _int(global_batch, "--global-batch", layout.default_global_batch)
    mem = training_memory(arch, hw, layout, length, gb)
    step = step_time(
        arch,
        hw,
        layout,
        seq_len=length,
        global_batch=gb,
        dtype=dtype,
        tokens=parsing.scalar(tokens, "--tokens"),
        model=time_model(efficiency),
        convention=parsing.convention(convention),
    )
    if json_out:
        payload = mem.model_dump()
        payload.update(
            mode="train",
            model=arch.name,
            hardware=hw.name,
            layout=layout.model_dump(),
            gpus=layout.gpus,
            seq_len=length,
            step=step.model_dump(),
        )
        print_json(payload)
        return
    _print_breakdown(
        out,
        f"Training {arch.name} on {layout.gpus:,} x {hw.name} (tp {t}, pp {p}, dp {layout.dp},"
        f" ep {layout.ep}, ZeRO-{layout.zero}, {layout.recompute} recompute, micro-batch"
        f" {layout.micro_batch:,}, {length:,} tokens)",
        mem.breakdown,
        mem.per_gpu_bytes,
        mem.capacity_bytes,
        mem.fits,
    )
    out.print(step_table(step))
    out.print()
    out.print(
        assumptions(
            [
                *mem.notes,
                f"{layout.precision} mixed precision with {layout.optimizer};"
                f" ZeRO-{layout.zero} over dp (experts over dp/ep)",
                f"activations after Korthikanti et al. 2022 with {layout.attention} attention,"
                f" {'sequence parallel' if layout.sp else 'no sequence parallelism'},"
                f" {'with' if layout.dropout else 'no'} dropout masks, MoE capacity factor {layout.capacity_factor}",
                *step.assumptions,
            ]
        )
    )


def _print_breakdown(
    out: Any, title: str, breakdown: dict[str, float], total: float, capacity: float, fits: bool
) -> None:
    from gptcalc.charts import bar_chart

    rows = [[k.replace("_", " "), fmt_bytes(v), f"{v / total:.0%}"] for k, v in breakdown.items()]
    rows.append(["total per GPU", fmt_bytes(total), ""])
    rows.append(["capacity", fmt_bytes(capacity), ""])
    out.print(f"[bold]{title}[/]")
    out.print(table("Memory per GPU", ["component", "bytes", "share"], rows))
    out.print()
    items = [(k.replace("_", " "), v) for k, v in breakdown.items()] + [("total", total)]
    out.print(bar_chart(items, max(total, capacity), fmt_bytes, marker=capacity), markup=False)
    verdict = "[bold green]fits[/]" if fits else "[bold red]does not fit[/]"
    out.print(f"\n{verdict}: {fmt_bytes(total)} of {fmt_bytes(capacity)} ({fmt_bytes(capacity - total)} headroom)\n")


@app.command("fit", rich_help_panel="Memory and capacity")
def fit_cmd(
    model: ModelArg,
    hardware: HardwareOpt = "h100",
    train: Annotated[bool, typer.Option("--train/--serve", help="Training (default) or serving layouts.")] = True,
    gpus: Annotated[str | None, typer.Option("--gpus", help="Only layouts of exactly this many GPUs.")] = None,
    max_gpus: Annotated[str | None, typer.Option("--max-gpus", help="Search limit.")] = None,
    seq_len: SeqLenOpt = None,
    global_batch: GlobalBatchOpt = None,
    batch: BatchOpt = None,
    context: ContextOpt = None,
    weights_dtype: WeightsDtypeOpt = "bf16",
    kv_dtype: KvDtypeOpt = "bf16",
    precision: PrecisionOpt = "bf16",
    optimizer: OptimizerOpt = "adam",
    top: Annotated[str, typer.Option("--top", help="Rows in the ranked table.")] = "10",
    set_: SetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The fewest GPUs that hold a model, and a ranked table of the layouts that fit."""
    from gptcalc.fit import fit_serving, fit_training

    arch, hw = model_and_hardware(model, hardware, presets, set_)
    n_top = parse_int(top, name="--top")
    if train:
        result = fit_training(
            arch,
            hw,
            seq_len=arch.seq_len(parsing.length(seq_len, "--seq-len")),
            max_gpus=_int(max_gpus, "--max-gpus", 65_536),
            gpus=_int(gpus, "--gpus", 0) or None,
            global_batch=None if global_batch is None else parse_int(global_batch, name="--global-batch"),
            precision=_choice(precision, "--precision", ("bf16", "fp16", "fp8", "fp32")),
            optimizer=_choice(optimizer, "--optimizer", ("adam", "adam8bit", "sgd")),
            top=n_top,
        )
    else:
        result = fit_serving(
            arch,
            hw,
            batch=_int(batch, "--batch", 1),
            context=arch.serving_context(parsing.length(context, "--context")),
            weights_dtype=weights_dtype,
            kv_dtype=kv_dtype,
            max_gpus=_int(max_gpus, "--max-gpus", 1024),
            gpus=None if gpus is None else parse_int(gpus, name="--gpus"),
            top=n_top,
        )
    if json_out:
        print_json(result)
        return
    out = console()
    out.print(
        f"Fewest {hw.name} GPUs that {'train' if train else 'serve'} {arch.name}: [bold]{result.fewest_gpus}[/]"
        f" ({result.evaluated:,} layouts evaluated)\n"
    )
    if train:
        cols = ["GPUs", "tp", "pp", "dp", "ep", "ZeRO", "recompute", "micro batch", "per GPU", "headroom", "MFU"]
        rows = [
            [
                f"{r.gpus:,}",
                str(r.tp),
                str(r.pp),
                str(r.dp),
                str(r.ep),
                str(r.zero),
                r.recompute,
                str(r.micro_batch),
                fmt_bytes(r.per_gpu_bytes),
                fmt_bytes(r.headroom_bytes),
                fmt_pct(r.mfu) if r.mfu is not None else "–",
            ]
            for r in result.rows
        ]
    else:
        cols = ["GPUs", "tp", "pp", "per GPU", "headroom", "max batch"]
        rows = [
            [
                f"{r.gpus:,}",
                str(r.tp),
                str(r.pp),
                fmt_bytes(r.per_gpu_bytes),
                fmt_bytes(r.headroom_bytes),
                str(r.max_batch),
            ]
            for r in result.rows
        ]
    out.print(table("Layouts that fit, best first", cols, rows, highlight=0))
    out.print()
    out.print(assumptions(result.notes))
