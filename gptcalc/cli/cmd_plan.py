"""``gptcalc plan``, ``solve``, ``sweep``, ``sensitivity``."""

import json
import sys
from functools import partial
from typing import Annotated, Any

import typer

from gptcalc.cli.app import app
from gptcalc.cli.options import (
    HardwareOpt,
    JsonOpt,
    PresetsOpt,
    PriceOpt,
    ScenarioSetOpt,
    dirs,
)
from gptcalc.errors import InputError
from gptcalc.fmt import fmt_count, fmt_flops, fmt_pct, fmt_usd, fmt_whole, sig3
from gptcalc.render import assumptions, console, print_json, table, to_jsonable
from gptcalc.specs.quantities import parse_int, parse_number

FitOpt = Annotated[
    str, typer.Option("--fit", help="Scaling-law fit: besiroglu (default), hoffmann, hoffmann-unrounded.")
]


def _num(text: str | None, flag: str) -> float | None:
    return None if text is None else parse_number(text, name=flag)


@app.command("plan", rich_help_panel="Planning")
def plan_cmd(
    budget: Annotated[str | None, typer.Option("--budget", help="Money to spend, USD (e.g. 10M).")] = None,
    hardware: HardwareOpt = "h100",
    price: PriceOpt = None,
    gpus: Annotated[str | None, typer.Option("--gpus", help="GPUs available.")] = None,
    days: Annotated[str | None, typer.Option("--days", help="Days available.")] = None,
    flops: Annotated[str | None, typer.Option("--flops", help="A FLOP budget, e.g. 5.76e23.")] = None,
    mfu: Annotated[str, typer.Option("--mfu", help="Expected MFU.")] = "0.4",
    dtype: Annotated[str, typer.Option("--dtype", help="Peak-rate number format.")] = "bf16",
    fit: FitOpt = "besiroglu",
    reference: Annotated[str, typer.Option("--reference", help="Model preset shown beside the optimum.")] = "gpt-4",
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The compute-optimal model a budget, GPU count or deadline buys (Chinchilla scaling law)."""
    from gptcalc.adapters.load import load_hardware
    from gptcalc.plan import plan
    from gptcalc.scaling import get_fit

    d = dirs(presets)
    hw = load_hardware(hardware, d)
    chosen = get_fit(fit)
    p = plan(
        hw,
        mfu=parse_number(mfu, name="--mfu"),
        price_per_gpu_hour=_num(price, "--price"),
        budget_usd=_num(budget, "--budget"),
        gpus=_num(gpus, "--gpus"),
        days=_num(days, "--days"),
        flops=_num(flops, "--flops"),
        dtype=dtype,
        fit=chosen,
    )
    ref = None
    if reference:
        from gptcalc.adapters.load import load_dataset, load_model
        from gptcalc.plan import reference_row

        # A model preset and the dataset preset of the same name (`--reference ""` leaves the row out).
        ref = reference_row(load_model(reference, d), load_dataset(reference, d), chosen)
    if json_out:
        payload = p.model_dump()
        payload["reference"] = ref
        print_json(payload)
        return
    out = console()
    a = p.architecture
    rows = [
        *[
            [f"FLOP budget from {k}", fmt_flops(v) + ("  ← binding" if k == p.binding else "")]
            for k, v in p.limits.items()
        ],
        ["compute-optimal parameters (fit)", fmt_count(p.optimal_params)],
        ["compute-optimal tokens (fit)", fmt_count(p.optimal_tokens)],
        [
            "suggested architecture",
            f"{a.n_layers} layers, d_model {a.hidden_size}, {a.attention.n_heads} heads"
            f" ({getattr(a.attention, 'kv_heads', a.attention.n_heads)} kv), d_ff {a.mlp.d_ff}, vocab {a.vocab_size}",
        ],
        ["its exact parameters", f"{fmt_count(p.params)} ({p.params:,})"],
        ["tokens to spend the budget", fmt_count(p.tokens)],
        ["tokens per parameter", sig3(p.tokens_per_param)],
        ["predicted loss (nats/token)", f"{p.loss:.3f}"],
        ["GPU-hours", fmt_count(p.gpu_hours)],
        ["cost", fmt_usd(p.cost_usd)],
    ]
    if p.gpus is not None:
        rows.append([f"GPUs to finish in {days} days", fmt_whole(p.gpus)])
    if p.days is not None:
        rows.append([f"days on {gpus} GPUs", sig3(p.days)])
    out.print(table(f"Plan on {hw.name} at {fmt_pct(p.mfu)} MFU", ["", ""], rows))
    out.print()
    if ref:
        out.print(
            f"For reference, {ref['model']}: {fmt_count(ref['tokens'])} tokens / {fmt_count(ref['active'])} active"
            f" parameters = [bold]{ref['tokens_per_active_param']:.3g}[/] tokens per active parameter; the"
            f" {chosen.name} optimum at its {fmt_flops(ref['flops'])} is {ref['optimal_tokens_per_param']:.3g}.\n"
        )
    out.print(
        assumptions(
            [
                f"fit: {chosen.name} ({chosen.source}); L = E + A/N^alpha + B/D^beta, C = 6ND",
                f"{hw.name} dense {dtype} peak x MFU {p.mfu:g}; {p.price_per_gpu_hour:g} $/GPU-hour",
                "architecture: Llama-style (SwiGLU 8h/3, GQA 8 kv heads of 128, RMSNorm, rotary, untied 128k"
                " vocabulary), d_model/layers near 128; tokens set so that 6 x exact params x tokens = the budget",
            ]
        )
    )


@app.command("solve", rich_help_panel="Planning")
def solve_cmd(
    total: Annotated[str | None, typer.Option("--total", help="Claimed total parameters, e.g. 1.8T.")] = None,
    layers: Annotated[str, typer.Option("--layers", help="Layer count.")] = "120",
    experts: Annotated[str | None, typer.Option("--experts", help="Routed experts (MoE).")] = None,
    top_k: Annotated[str | None, typer.Option("--top-k", help="Experts per token.")] = None,
    expert_params: Annotated[str | None, typer.Option("--expert-params", help="Claimed size of one expert.")] = None,
    attention_params: Annotated[str | None, typer.Option("--attention-params", help="Claimed attention size.")] = None,
    active: Annotated[str | None, typer.Option("--active", help="Claimed active parameters.")] = None,
    ffn_ratio: Annotated[str, typer.Option("--ffn-ratio", help="d_ff / d_model.")] = "4",
    vocab: Annotated[str, typer.Option("--vocab", help="Vocabulary size, e.g. 100k.")] = "100k",
    activation: Annotated[str, typer.Option("--activation", help="gelu (2 matrices) or swiglu (3).")] = "gelu",
    attention: Annotated[str, typer.Option("--attention", help="mha, gqa or mqa.")] = "mha",
    kv_heads: Annotated[str | None, typer.Option("--kv-heads", help="Key/value heads for gqa.")] = None,
    multiple: Annotated[str, typer.Option("--multiple", help="Hidden size rounding rule.")] = "128",
    json_out: JsonOpt = False,
) -> None:
    """The hidden size whose exact counts best match rumoured totals (e.g. the GPT-4 leak)."""
    from gptcalc.solve import solve
    from gptcalc.specs.base import validate_spec
    from gptcalc.specs.solve import SolveShape, SolveTargets

    if attention not in ("mha", "gqa", "mqa"):
        raise InputError(f"--attention: unknown {attention!r}; allowed: mha, gqa, mqa")
    if activation not in ("gelu", "relu", "silu", "swiglu", "geglu"):
        raise InputError(f"--activation: unknown {activation!r}; allowed: gelu, relu, silu, swiglu, geglu")
    targets = validate_spec(
        SolveTargets,
        {
            "total": _num(total, "--total"),
            "expert": _num(expert_params, "--expert-params"),
            "attention": _num(attention_params, "--attention-params"),
            "active": _num(active, "--active"),
        },
        "targets",
    )
    shape = validate_spec(
        SolveShape,
        {
            "layers": parse_int(layers, name="--layers"),
            "experts": None if experts is None else parse_int(experts, name="--experts"),
            "top_k": None if top_k is None else parse_int(top_k, name="--top-k"),
            "ffn_ratio": parse_number(ffn_ratio, name="--ffn-ratio"),
            "vocab": parse_int(vocab, name="--vocab"),
            "activation": activation,
            "attention": attention,
            "kv_heads": None if kv_heads is None else parse_int(kv_heads, name="--kv-heads"),
            "multiple": parse_int(multiple, name="--multiple"),
        },
        "shape",
    )
    result = solve(targets, shape)
    if json_out:
        payload = result.model_dump(exclude={"counts"})
        payload.update(
            heads=result.architecture.attention.n_heads,
            head_dim=result.architecture.head_dim,
            d_ff=result.architecture.mlp.d_ff,
        )
        print_json(payload)
        return
    out = console()
    a = result.architecture
    out.print(
        f"Hidden size: continuous optimum [bold]{result.hidden_continuous:,.0f}[/], nearest valid (multiple of"
        f" {shape.multiple}): [bold]{result.hidden}[/] -> {a.attention.n_heads} heads of {a.head_dim},"
        f" d_ff {a.mlp.d_ff}, {a.n_layers} layers\n"
    )
    rows = [
        [
            r.quantity,
            fmt_count(r.claimed) if r.claimed else "–",
            fmt_count(r.at_continuous),
            fmt_count(r.at_valid),
            f"{r.valid_error:+.1%}" if r.valid_error is not None else "–",
        ]
        for r in result.rows
    ]
    out.print(
        table("Counts against the claims", ["quantity", "claimed", "continuous", f"h = {result.hidden}", "error"], rows)
    )
    out.print()
    out.print(
        assumptions(
            [
                result.objective,
                f"{shape.activation} MLP with d_ff = {shape.ffn_ratio:g} x d_model"
                + (f", every layer an MoE of {shape.experts} experts (top-{shape.top_k})" if shape.experts else ""),
                f"{shape.attention.upper()} attention (MHA heads: a multiple of 8 with width nearest 128),"
                f" vocab {shape.vocab}, {shape.norm}, biases, learned positions at {shape.context}, untied embeddings",
            ]
        )
    )


@app.command("sweep", rich_help_panel="Planning")
def sweep_cmd(
    name: Annotated[str, typer.Argument(help="Training scenario preset name or file.")],
    vary: Annotated[list[str], typer.Option("--vary", help="field=low..high:step or field=a,b,c (repeatable).")],
    metric: Annotated[list[str] | None, typer.Option("--metric", help="Output to show (default cost_usd).")] = None,
    csv: Annotated[str | None, typer.Option("--csv", help="Write every point to this CSV file.")] = None,
    png: Annotated[str | None, typer.Option("--png", help="Draw the chart to this PNG (needs the plot extra).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Allow more than 10 million points.")] = False,
    set_: ScenarioSetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Evaluate a scenario over a grid of its fields; table, terminal chart, CSV, JSON or PNG."""
    from gptcalc.cli.output import check_target, write_csv
    from gptcalc.sweep import grid_size, parse_axis, series, sweep

    resolved = _training_scenario("sweep", name, presets, set_, " (use gptcalc serve --sweep-batch for serving)")
    axes = [parse_axis(v) for v in vary]
    metrics = list(metric or ["cost_usd"])
    extra = [m for m in ("days", "gpu_hours", "mfu", "energy_mwh") if m not in metrics]
    n = grid_size(axes)
    if n > 10_000_000 and not force:
        raise InputError(f"sweep: {n:,} points is more than 10,000,000; narrow the axes or pass --force")
    for target in (csv, png):  # refuse an unwritable target before the work, not after it
        if target is not None:
            check_target(target)
    if png is not None:
        _require_matplotlib()
    progress = None
    if not json_out and sys.stdout.isatty() and n > 200_000:
        from rich.progress import Progress

        bar = Progress(transient=True)
        task = bar.add_task("sweeping", total=n)
        bar.start()
        progress = lambda done: bar.update(task, completed=done)  # noqa: E731
    try:
        result = sweep(resolved, axes, [*metrics, *extra], force=force, progress=progress)
    finally:
        if progress is not None:
            bar.stop()
    if csv is not None:
        write_csv(result, csv)
    shown = metrics[0] if metrics[0] in result.columns else result.metrics[0]
    claim = _claim(resolved.scenario.claims, shown)
    if png is not None:
        _draw_png(result, shown, claim, png)
    if json_out:
        payload = {
            "scenario": result.scenario,
            "points": result.points,
            "solved_for": result.solved_for,
            "axes": [a.model_dump() for a in result.axes],
            "metrics": result.metrics,
            "notes": result.notes,
        }
        if result.points <= 100_000:
            payload["columns"] = result.columns
        else:
            payload["columns_omitted"] = "more than 100,000 points: use --csv for every point"
        sys.stdout.write(json.dumps(to_jsonable(payload)) + "\n")
        return
    out = console()
    names = list(result.columns)
    step = max(result.points // 25, 1)
    rows = [[_fmt(k, result.columns[k][i]) for k in names] for i in range(0, result.points, step)]
    title = f"{result.scenario}: {result.points:,} points" + (f" (every {step}th shown)" if step > 1 else "")
    out.print(table(title, names, rows))
    out.print()
    from gptcalc.charts import line_chart

    xs, ys = series(result, shown)
    marks = {f"claim {_fmt(shown, claim)}": claim} if claim else None
    out.print(
        line_chart(
            xs, ys, x_fmt=lambda v: f"{result.axes[0].field}={v:g}", y_fmt=lambda v: _fmt(shown, v), marks=marks
        ),
        markup=False,
    )
    out.print()
    written = [f"wrote {p}" for p in (csv, png) if p]
    out.print(assumptions([*result.notes, *written]))


def _training_scenario(command: str, name: str, presets: Any, sets: list[str] | None, hint: str = "") -> Any:
    """Load, override and resolve a training scenario; a serving one is a one-line error."""
    from gptcalc.adapters.scenarios import load_scenario, override_scenario, resolve
    from gptcalc.specs.scenario import TrainingScenario

    d = dirs(presets)
    base = load_scenario(name, d)
    if not isinstance(base, TrainingScenario):
        raise InputError(f"{command}: {name} is a serving scenario; {command} covers training scenarios{hint}")
    return resolve(override_scenario(base, list(sets or [])), d)


def _claim(claims: Any, metric: str) -> float | None:
    value = getattr(claims, metric, None)
    if value is None:
        return None
    return float(value.mid if hasattr(value, "mid") else value)


def _fmt(key: str, value: float) -> str:
    if key in (
        "cost_usd",
        "rental_cost_usd",
        "owned_cost_usd",
        "price",
        "price_per_gpu_hour",
        "gpu_price_usd",
        "gpu_price",
        "energy_usd_per_kwh",
        "energy_price",
    ):
        return fmt_usd(value)
    if key in ("mfu", "hfu"):
        return fmt_pct(value)
    if key in ("flops", "hardware_flops"):
        return fmt_flops(value)
    if abs(value) >= 1000:
        return fmt_count(value)
    return str(int(value)) if float(value).is_integer() else sig3(value)


def _require_matplotlib() -> None:
    import logging

    # matplotlib logs its own setup notes (an unwritable MPLCONFIGDIR) on stderr: the CLI's stderr is for errors.
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("--png needs matplotlib: pip install 'gptcalc[plot]'") from None
    except (ValueError, RuntimeError) as err:  # e.g. MPLBACKEND naming no backend: rcParams refuse it on import
        raise InputError(f"--png: matplotlib cannot start: {' '.join(str(err).split())[:200]}") from None


def _draw_png(result: Any, metric: str, claim: float | None, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gptcalc.cli.output import write_atomic
    from gptcalc.sweep import series

    xs, ys = series(result, metric)
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    for label, values in ys.items():
        ax.plot(xs, values, marker="o", label=label)
    if claim:
        ax.axhline(claim, color="red", linestyle="--", label=f"claim {_fmt(metric, claim)}")
    ax.set_xlabel(result.axes[0].field)
    ax.set_ylabel(metric)
    ax.set_title(f"{result.scenario}: {metric} against {result.axes[0].field}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    write_atomic(path, lambda handle: fig.savefig(handle, format="png"), binary=True)
    plt.close(fig)


@app.command("sensitivity", rich_help_panel="Planning")
def sensitivity_cmd(
    name: Annotated[str, typer.Argument(help="Training scenario preset name or file.")],
    metric: Annotated[list[str] | None, typer.Option("--metric", help="Outputs (default cost_usd and days).")] = None,
    swing: Annotated[str, typer.Option("--swing", help="Move for inputs without a range.")] = "20%",
    set_: ScenarioSetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Tornado chart: each uncertain input across its range (or +-20%), largest effect first."""
    from gptcalc.charts import tornado
    from gptcalc.sensitivity import sensitivity

    resolved = _training_scenario("sensitivity", name, presets, set_)
    result = sensitivity(resolved, metric or ["cost_usd", "days"], parse_number(swing, name="--swing"))
    if json_out:
        print_json(result)
        return
    out = console()
    for m in result.metrics:
        rows = [
            (f"{r.input} {_fmt(r.input, r.low)}..{_fmt(r.input, r.high)}", r.at_low[m], r.at_high[m])
            for r in sorted(result.rows, key=lambda r: -abs(r.at_high[m] - r.at_low[m]))
            if r.at_low[m] != r.at_high[m]
        ]
        out.print(f"[bold]{m}[/] of {result.scenario} (centre {_fmt(m, result.base[m])})")
        out.print(tornado(rows, result.base[m], partial(_fmt, m)), markup=False)
        out.print()
    out.print(
        assumptions(
            [
                "one input at a time, the others at their central values",
                f"inputs with a range in the scenario use it; the others move by ±{result.swing:.0%}",
            ]
        )
    )
