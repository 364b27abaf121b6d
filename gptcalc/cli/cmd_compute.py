"""``gptcalc flops``, ``train``, ``scenario``, ``audit``, ``compare``."""

import math
from collections.abc import Callable
from typing import Annotated, Any

import typer

from gptcalc.cli import notices, parsing
from gptcalc.cli.app import app
from gptcalc.cli.options import (
    AttentionModeOpt,
    ConventionOpt,
    GlobalBatchOpt,
    HardwareOpt,
    HeadBackwardOpt,
    JsonOpt,
    ModelArg,
    PresetsOpt,
    PriceOpt,
    ScenarioConventionOpt,
    ScenarioSetOpt,
    SeqLenOpt,
    SetOpt,
    StrictOpt,
    approximate_note,
    dirs,
    model_and_hardware,
)
from gptcalc.errors import InputError
from gptcalc.fmt import fmt_count, fmt_flops, fmt_pct, fmt_seconds, fmt_whole
from gptcalc.render import assumptions, cell, console, print_json, table
from gptcalc.specs.defaults import DEFAULT_RECOMPUTE
from gptcalc.specs.quantities import Range, parse_int, parse_number, parse_range, scale

RecomputeOpt = Annotated[
    str, typer.Option("--recompute", help="Activation recomputation for hardware FLOPs: none, selective, full.")
]
TokensOpt = Annotated[str | None, typer.Option("--tokens", help="Training tokens, e.g. 13T or 12T..14T.")]
GpusOpt = Annotated[str | None, typer.Option("--gpus", help="Accelerator count, e.g. 25k or 20k..25k.")]
DaysOpt = Annotated[str | None, typer.Option("--days", help="Wall-clock days, e.g. 95 or 90..100.")]
MfuOpt = Annotated[str | None, typer.Option("--mfu", help="Model FLOPs utilization, e.g. 0.34, 34% or 0.32..0.36.")]
DtypeOpt = Annotated[str, typer.Option("--dtype", help="Number format of the peak rate: bf16, fp16, fp8, tf32, ...")]
CostModelOpt = Annotated[str | None, typer.Option("--cost-model", help="rental (default) or owned.")]
GpuPriceOpt = Annotated[str | None, typer.Option("--gpu-price", help="Owned: purchase price per accelerator, USD.")]
PueOpt = Annotated[str | None, typer.Option("--pue", help="Data-centre PUE (default 1.2).")]
GridOpt = Annotated[str | None, typer.Option("--grid", help="Grid intensity, kg CO2e/kWh (default 0.37).")]
EnergyPriceOpt = Annotated[str | None, typer.Option("--energy-price", help="USD per kWh (default 0.08).")]
DatasetOpt = Annotated[str | None, typer.Option("--dataset", help="Dataset preset for tokens and sequence length.")]


def _recompute(value: str) -> Any:
    if value not in ("none", "selective", "full"):
        raise InputError(f"--recompute: unknown {value!r}; allowed: none, selective, full")
    return value


@app.command("flops", rich_help_panel="Compute, time and cost")
def flops_cmd(
    model: ModelArg,
    seq_len: SeqLenOpt = None,
    convention: ConventionOpt = None,
    attention: AttentionModeOpt = None,
    head_backward: HeadBackwardOpt = None,
    recompute: RecomputeOpt = DEFAULT_RECOMPUTE,
    tokens: TokensOpt = None,
    set_: SetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
    strict: StrictOpt = False,
) -> None:
    """FLOPs per token: forward, backward, training, dense-equivalent, under a printed convention."""
    from gptcalc.adapters.load import load_model
    from gptcalc.flops import compare_conventions, flops_per_token
    from gptcalc.oddities import input_warnings
    from gptcalc.specs.conventions import CONVENTIONS
    from gptcalc.specs.defaults import DEFAULT_CONVENTION

    arch = load_model(model, dirs(presets), set_ or [], strict=strict)
    marks = approximate_note(arch)
    length = arch.seq_len(parsing.length(seq_len, "--seq-len"))
    notices.warn(input_warnings(arch=arch, seq_len=length))
    conv = parsing.convention(convention, attention, head_backward)
    result = flops_per_token(arch, length, conv, _recompute(recompute))
    rows = compare_conventions(arch, length)
    total_tokens = parsing.value(tokens, "--tokens")
    least = total_tokens.low if isinstance(total_tokens, Range) else total_tokens
    if least is not None and least < 1:
        raise InputError(f"--tokens: at least one token, got {tokens}")
    most = total_tokens.high if isinstance(total_tokens, Range) else total_tokens
    if most is not None and not math.isfinite(most * result.training_per_token):
        raise InputError(
            f"--tokens: {tokens} tokens x {result.training_per_token:.3g} FLOPs each is beyond floating-point range"
        )
    if json_out:
        payload: dict[str, Any] = result.model_dump()
        payload["conventions"] = [r.model_dump() for r in rows]
        payload.update(marks)
        if total_tokens is not None:
            payload["tokens"] = total_tokens
            payload["training_flops"] = scale(total_tokens, result.training_per_token)
        print_json(payload)
        return
    out = console()
    body = [
        ["blocks (2 x active weights)", fmt_flops(result.layers_matmul_forward)],
        ["router", fmt_flops(result.router_forward)],
        ["output head", fmt_flops(result.head_forward)],
        ["matmul forward (2N)", fmt_flops(result.matmul_forward)],
        [
            f"attention scores+context ({'included' if result.attention_included else 'shown apart'})",
            fmt_flops(result.attention_forward),
        ],
        ["forward", fmt_flops(result.forward_per_token)],
        ["backward", fmt_flops(result.backward_per_token)],
        ["training (model FLOPs)", fmt_flops(result.training_per_token)],
        [f"training, hardware FLOPs (recompute: {recompute})", fmt_flops(result.hardware_training_per_token)],
        ["dense-equivalent forward (all experts)", fmt_flops(result.dense_forward_per_token)],
        ["dense-equivalent training", fmt_flops(result.dense_training_per_token)],
    ]
    if total_tokens is not None:
        body.append(
            [
                f"training FLOPs for {cell(total_tokens, fmt_count)} tokens",
                cell(scale(total_tokens, result.training_per_token), fmt_flops),
            ]
        )
    out.print(table(f"FLOPs per token of {arch.name} at {length:,} tokens", ["", "FLOPs"], body))
    out.print()
    conv_rows = [
        [
            r.convention + (" (default)" if r.convention == DEFAULT_CONVENTION else ""),
            fmt_flops(r.forward_per_token),
            fmt_flops(r.training_per_token),
            f"{r.change_vs_default:+.1%}",
        ]
        for r in rows
    ]
    out.print(table("What each convention changes", ["convention", "forward", "training", "vs 6n"], conv_rows))
    out.print()
    notes = [f"convention {result.convention.describe()}"] + [
        f"{c.name}: {c.describe().split(': ', 1)[1]}" for c in CONVENTIONS.values() if c.name != result.convention.name
    ]
    notes.append(
        "causal attention counts s/2 keys per query (w - w^2/2s with a sliding window w); full counts s"
        " (min(s, w) on sliding-window layers)"
    )
    out.print(assumptions(notes))


def _estimate_json(est: Any) -> dict[str, Any]:
    notices.warn(est.warnings)

    from gptcalc.training import TrainingRun

    keep = (*TrainingRun.model_fields, "price_per_gpu_hour")
    payload = {k: getattr(est, k) for k in keep}
    payload.update(
        model=est.model,
        hardware=est.hardware,
        dtype=est.dtype,
        seq_len=est.seq_len,
        solved_for=est.solved_for,
        cost_model=est.cost_model,
        convention=est.flops_per_token.convention,
        flops_per_token=est.flops_per_token.training_per_token,
        assumptions=est.assumptions,
    )
    return payload


@app.command("train", rich_help_panel="Compute, time and cost")
def train_cmd(
    model: ModelArg,
    hardware: HardwareOpt = "h100",
    tokens: TokensOpt = None,
    dataset: DatasetOpt = None,
    epochs: Annotated[
        str | None, typer.Option("--epochs", help="Passes over --tokens (unique tokens x epochs).")
    ] = None,
    gpus: GpusOpt = None,
    days: DaysOpt = None,
    mfu: MfuOpt = None,
    price: PriceOpt = None,
    dtype: DtypeOpt = "bf16",
    seq_len: SeqLenOpt = None,
    convention: ConventionOpt = None,
    attention: AttentionModeOpt = None,
    head_backward: HeadBackwardOpt = None,
    flops: Annotated[
        str | None, typer.Option("--flops", help="Training FLOPs instead of --tokens (tokens = FLOPs / per token).")
    ] = None,
    recompute: RecomputeOpt = DEFAULT_RECOMPUTE,
    cost_model: CostModelOpt = None,
    gpu_price: GpuPriceOpt = None,
    pue: PueOpt = None,
    grid: GridOpt = None,
    energy_price: EnergyPriceOpt = None,
    tp: Annotated[str | None, typer.Option("--tp", help="Layout for the predicted MFU: tensor parallelism.")] = None,
    pp: Annotated[str | None, typer.Option("--pp", help="Layout for the predicted MFU: pipeline stages.")] = None,
    micro_batch: Annotated[str | None, typer.Option("--micro-batch", help="Layout: sequences per micro-batch.")] = None,
    global_batch: GlobalBatchOpt = None,
    goodput: Annotated[
        str | None, typer.Option("--goodput", help="Share of wall time on useful steps (default 0.9 when predicting).")
    ] = None,
    set_: SetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A training run: give three of --tokens, --gpus, --days, --mfu; get the fourth, GPU-hours, cost, energy.

    With --tokens and --gpus alone the MFU is predicted from the layout (--tp/--pp, or the best one fit finds)."""
    from gptcalc.adapters.load import load_dataset
    from gptcalc.cli.report import print_estimate
    from gptcalc.training import estimate_training, tokens_for_flops

    arch, hw = model_and_hardware(model, hardware, presets, set_)
    data = load_dataset(dataset, dirs(presets)) if dataset else None
    total_tokens = parsing.value(tokens, "--tokens")
    if total_tokens is None and data is not None:
        total_tokens = data.total_tokens
    if epochs is not None:
        if total_tokens is None:
            raise InputError("--epochs: give --tokens (unique tokens) or --dataset to repeat")
        passes = parse_number(epochs, name="--epochs")
        if not passes > 0:
            raise InputError(f"--epochs: must be > 0, got {epochs!r}")
        total_tokens = scale(total_tokens, passes)
    length = arch.seq_len(parsing.length(seq_len, "--seq-len"), data.seq_len if data else None)
    conv = parsing.convention(convention, attention, head_backward)
    if flops is not None:
        if total_tokens is not None:
            raise InputError("--flops: give either --flops or --tokens/--dataset, not both")
        budget = parsing.value(flops, "--flops")
        assert budget is not None  # flops was given
        total_tokens = tokens_for_flops(arch, length, budget, conv)
    layout = None
    if tp is not None or pp is not None or micro_batch is not None:
        from gptcalc.specs.base import validate_spec
        from gptcalc.specs.layout import TrainLayout

        count = parse_int(gpus, name="--gpus") if gpus is not None else 0
        t = parse_int(tp, name="--tp") if tp else 1
        p = parse_int(pp, name="--pp") if pp else 1
        if not count or count % (t * p):
            raise InputError(f"--tp/--pp: give --gpus as a whole multiple of tp x pp = {t * p}")
        fields: dict[str, Any] = {"tp": t, "pp": p, "dp": count // (t * p), "recompute": _recompute(recompute)}
        if micro_batch is not None:
            fields["micro_batch"] = parse_int(micro_batch, name="--micro-batch")
        layout = validate_spec(TrainLayout, fields, "layout")
    est = estimate_training(
        arch,
        hw,
        seq_len=length,
        layout=layout,
        global_batch=parse_int(global_batch, name="--global-batch") if global_batch else None,
        goodput=parse_number(goodput, name="--goodput") if goodput else None,
        tokens=total_tokens,
        gpus=parsing.value(gpus, "--gpus"),
        days=parsing.value(days, "--days"),
        mfu=parsing.value(mfu, "--mfu"),
        dtype=dtype,
        convention=conv,
        recompute=_recompute(recompute),
        costs=parsing.costs(
            price=price, cost_model=cost_model, gpu_price=gpu_price, pue=pue, grid=grid, energy_price=energy_price
        ),
    )
    if json_out:
        print_json(_estimate_json(est))
        return
    print_estimate(console(), est, f"Training {arch.name} on {hw.name}")


def _scenario(name: str, presets: Any, sets: list[str], flags: dict[str, str | None]) -> Any:
    from gptcalc.adapters.scenarios import load_scenario, override_scenario, resolve
    from gptcalc.specs.scenario import TrainingScenario

    d = dirs(presets)
    sc = load_scenario(name, d)
    if not isinstance(sc, TrainingScenario):  # callers dispatch serving scenarios before this
        raise InputError(f"{name}: a serving scenario, not a training run")
    assignments = list(sets)
    for key, text in flags.items():
        if text is not None:
            assignments.append(f"{key}={text}")
    return resolve(override_scenario(sc, assignments), d)


@app.command("scenario", rich_help_panel="Compute, time and cost")
def scenario_cmd(
    name: Annotated[str, typer.Argument(help="Scenario preset name or file.")],
    gpus: GpusOpt = None,
    days: DaysOpt = None,
    mfu: MfuOpt = None,
    tokens: TokensOpt = None,
    hardware: Annotated[str | None, typer.Option("--hardware", help="Replace the scenario's hardware.")] = None,
    price: PriceOpt = None,
    dtype: Annotated[str | None, typer.Option("--dtype", help="Replace the scenario's dtype.")] = None,
    convention: ScenarioConventionOpt = None,
    set_: ScenarioSetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Evaluate a named scenario; any field can be changed with flags or --set (model.X changes the model).

    Setting one of --gpus/--days/--mfu keeps three of tokens, gpus, days, mfu fixed by letting go of one the
    scenario had set, in the order mfu, days, gpus (the GPU count is the most physical of the three).
    Serving scenarios take --hardware, --price and --set serving.X=... (e.g. serving.batch=512).
    """
    from gptcalc.adapters.scenarios import load_scenario
    from gptcalc.cli.report import print_estimate
    from gptcalc.scenario import evaluate, fields_to_release
    from gptcalc.specs.scenario import TrainingScenario

    d = dirs(presets)
    base = load_scenario(name, d)
    sets = list(set_ or [])
    if not isinstance(base, TrainingScenario):
        _serving_scenario(
            base,
            d,
            sets,
            hardware,
            price,
            json_out,
            training_flags={
                "--gpus": gpus,
                "--days": days,
                "--mfu": mfu,
                "--tokens": tokens,
                "--dtype": dtype,
                "--convention": convention,
            },
        )
        return
    flags = {
        "hardware": hardware,
        "costs.price_per_gpu_hour": price,
        "dtype": dtype,
        "convention": convention,
        "tokens": tokens,
    }
    run_flags = {"gpus": gpus, "days": days, "mfu": mfu}
    # Read the run flags here so that a bad value names its flag, not the --set it becomes.
    from gptcalc.training import check_run_inputs

    parsed = {k: parsing.value(v, f"--{k}") for k, v in run_flags.items() if v is not None}
    if parsed:
        check_run_inputs(None, parsed.get("gpus"), parsed.get("days"), parsed.get("mfu"), flags=True)
    given = set(parsed)
    if given:
        sets.extend(f"{k}=none" for k in fields_to_release(base, given))
        flags.update(run_flags)
    resolved = _scenario(name, presets, sets, flags)
    est = evaluate(resolved)
    s = resolved.scenario
    if json_out:
        payload = _estimate_json(est)
        payload.update(scenario=s.name, kind="training", description=" ".join(s.description.split()), source=s.source)
        print_json(payload)
        return
    out = console()
    out.print(f"[bold]{s.name}[/]: {' '.join(s.description.split())}")
    out.print(f"[dim]Source: {s.source}[/dim]\n")
    print_estimate(out, est, f"{s.model} on {fmt_whole(est.gpus.mid)} x {est.hardware}")


def _serving_scenario(
    base: Any,
    d: Any,
    sets: list[str],
    hardware: str | None,
    price: str | None,
    json_out: bool,
    training_flags: dict[str, str | None],
) -> None:
    from gptcalc.adapters.scenarios import override_scenario, resolve_serving
    from gptcalc.cli.cmd_serve import print_serving, serving_payload
    from gptcalc.serving import estimate_serving
    from gptcalc.serving_load import implied_by_cost

    wrong = [flag for flag, value in training_flags.items() if value is not None]
    if wrong:
        raise InputError(
            f"{wrong[0]}: applies to training scenarios; {base.name} is a serving scenario"
            " (use --set serving.batch=..., serving.tp=..., ...)"
        )
    if hardware is not None:
        sets.append(f"hardware={hardware}")
    if price is not None:
        sets.append(f"serving.price_per_gpu_hour={price}")
    sc = override_scenario(base, sets)
    arch, hw, setup = resolve_serving(sc, d)
    est = estimate_serving(arch, hw, setup)
    implied = None
    if sc.claims.cost_per_1k_tokens is not None:
        claim = sc.claims.cost_per_1k_tokens
        implied = implied_by_cost(arch, hw, setup, claim if isinstance(claim, float) else claim.mid, sc.claims.basis)
    if json_out:
        payload = serving_payload(est)
        payload.update(
            scenario=sc.name,
            kind="serving",
            description=" ".join(sc.description.split()),
            source=sc.source,
            implied=implied.model_dump() if implied else None,
        )
        print_json(payload)
        return
    out = console()
    out.print(f"[bold]{sc.name}[/]: {' '.join(sc.description.split())}")
    out.print(f"[dim]Source: {sc.source}[/dim]\n")
    print_serving(
        out, est, f"{sc.model} on {setup.gpus:,} x {hw.name} (tp {setup.tp}, pp {setup.pp}), batch {setup.batch:,}"
    )
    if implied is not None:
        out.print()
        _print_implied(out, implied)


def _print_implied(out: Any, implied: Any) -> None:
    rows = [
        [f"claimed $ per 1k tokens ({implied.basis})", f"${implied.claim_per_1k_usd:.3g}"],
        ["this setup at 100% utilization", f"${implied.at_full_utilization_per_1k_usd:.3g}"],
        [
            "utilization the claim implies",
            fmt_pct(implied.implied_utilization)
            + (" (impossible: above 100%)" if implied.implied_utilization > 1 else ""),
        ],
        [
            "batch the claim needs at 100% utilization",
            "none up to 65,536"
            if implied.batch_for_claim is None
            else f"{implied.batch_for_claim:,} ({'fits' if implied.batch_for_claim_fits else 'does not fit'};"
            f" largest that fits {implied.max_batch:,})",
        ],
    ]
    out.print(table("What the claimed price implies", ["", ""], rows))


@app.command("audit", rich_help_panel="Compute, time and cost")
def audit_cmd(
    name: Annotated[str, typer.Argument(help="Scenario preset name or file.")],
    tolerance: Annotated[str, typer.Option("--tolerance", help="Relative slack for agreement.")] = "5%",
    set_: ScenarioSetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Each claimed figure of a scenario beside what the model and the other claims imply."""
    from gptcalc.adapters.scenarios import load_scenario, override_scenario, resolve_serving
    from gptcalc.audit import audit
    from gptcalc.specs.scenario import TrainingScenario

    tol = parse_range(tolerance, name="--tolerance")
    if not isinstance(tol, float) or not 0 <= tol < 1:
        raise InputError(f"--tolerance: a single fraction in [0, 1), got {tolerance!r}")
    base = load_scenario(name, dirs(presets))
    if not isinstance(base, TrainingScenario):
        from gptcalc.serving_load import implied_by_cost

        sc = override_scenario(base, list(set_ or []))
        if sc.claims.cost_per_1k_tokens is None:
            raise InputError(f"audit: serving scenario {sc.name} claims no cost_per_1k_tokens")
        arch, hw, setup = resolve_serving(sc, dirs(presets))
        claim = sc.claims.cost_per_1k_tokens
        implied = implied_by_cost(arch, hw, setup, claim if isinstance(claim, float) else claim.mid, sc.claims.basis)
        if json_out:
            print_json({"scenario": sc.name, "kind": "serving", "implied": implied.model_dump()})
            return
        _print_implied(console(), implied)
        return
    resolved = _scenario(name, presets, list(set_ or []), {})
    result = audit(resolved, tol)
    if json_out:
        payload = result.model_dump()
        payload["disagreements"] = [r.quantity for r in result.disagreements]
        print_json(payload)
        return
    out = console()
    fmts = {
        "flops": fmt_flops,
        "days": lambda x: f"{x:.3g}",
        "gpus": fmt_whole,
        "mfu": fmt_pct,
        "gpu_hours": fmt_count,
        "cost_usd": lambda x: "$" + fmt_count(x),
    }
    rows = []
    for r in result.rows:
        fmt = fmts[r.quantity.split(" ")[0]]
        verdict = "–" if r.agrees is None else ("[green]agrees[/]" if r.agrees else "[bold red]DISAGREES[/]")
        rows.append(
            [r.quantity, cell(r.claimed, fmt) if r.claimed else "–", cell(r.derived, fmt), verdict, r.derived_from]
        )
    out.print(
        table(f"Audit of {result.scenario}", ["quantity", "claimed", "derived", "", "derived from"], rows, wrap=[3, 4])
    )
    out.print()
    n = len(result.disagreements)
    out.print(
        f"{n} claim{'s' if n != 1 else ''} disagree beyond {tol:.0%}." if n else f"All claims agree within {tol:.0%}."
    )
    out.print(
        assumptions(
            [
                f"run FLOPs use the scenario's '{result.convention}' convention; claimed FLOPs are checked under"
                f" '{resolved.scenario.claims.flops_convention}'",
                "agreement: the claimed and derived ranges overlap after widening each by the tolerance",
                "derived ranges come from evaluating every corner of the ranged claims (the formulas are monotonic)",
            ]
        )
    )


@app.command("compare", rich_help_panel="Compute, time and cost")
def compare_cmd(
    refs: Annotated[list[str], typer.Argument(help="Models or scenarios (prefix model: or scenario: to choose).")],
    seq_len: SeqLenOpt = None,
    convention: ScenarioConventionOpt = None,
    hardware: Annotated[str | None, typer.Option("--hardware", help="Run every model on this hardware.")] = None,
    tokens: TokensOpt = None,
    gpus: GpusOpt = None,
    days: DaysOpt = None,
    mfu: MfuOpt = None,
    price: PriceOpt = None,
    dtype: DtypeOpt = "bf16",
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Models or scenarios side by side; the cheapest and fastest runs are highlighted."""
    from gptcalc.adapters.load import load_hardware
    from gptcalc.adapters.scenarios import load_comparands
    from gptcalc.cli.report import cells
    from gptcalc.compare import compare
    from gptcalc.specs.arch import Architecture
    from gptcalc.specs.run import RunForModels

    if len(refs) < 2:
        raise InputError("compare: give at least two models or scenarios")
    d = dirs(presets)
    run = None
    if hardware is None:
        given = [f for f, v in (("--tokens", tokens), ("--gpus", gpus), ("--days", days), ("--mfu", mfu)) if v]
        if price is not None:
            given.append("--price")
        if given:  # they would be ignored: a run needs the hardware it runs on
            raise InputError(
                f"{given[0]}: a run of the models needs --hardware (and three of --tokens/--gpus/--days/--mfu)"
            )
    else:
        run = RunForModels(
            hardware=load_hardware(hardware, d),
            tokens=parsing.value(tokens, "--tokens"),
            gpus=parsing.value(gpus, "--gpus"),
            days=parsing.value(days, "--days"),
            mfu=parsing.value(mfu, "--mfu"),
            dtype=dtype,
            costs=parsing.costs(price=price),
        )
    comparands = load_comparands(refs, d)
    if run is not None and not any(isinstance(item, Architecture) for _, item in comparands):
        # The run flags apply to models only; scenarios bring their own hardware, run and price.
        raise InputError(
            "--hardware: the run flags apply to models, and every item here is a scenario with its own hardware,"
            " run and price; change those with the scenario's --set"
        )
    result = compare(
        comparands,
        seq_len=parsing.length(seq_len, "--seq-len"),
        convention=parsing.convention(convention),
        run=run,
    )
    if json_out:
        entries = []
        for e in result.entries:
            item: dict[str, Any] = {
                "name": e.name,
                "kind": e.kind,
                "total": e.params.total,
                "active": e.params.active,
                "forward_per_token": e.flops.forward_per_token,
                "training_per_token": e.flops.training_per_token,
            }
            if e.training is not None:
                item.update(_estimate_json(e.training))
            if e.serving is not None:
                item.update(e.serving.model_dump())
            entries.append(item)
        print_json(
            {
                "entries": entries,
                "cheapest": result.cheapest,
                "fastest": result.fastest,
                "cheapest_serving": result.cheapest_serving,
            }
        )
        return
    out = console()
    names = [
        e.name + (" ★$" if e.name == result.cheapest else "") + (" ★⏱" if e.name == result.fastest else "")
        for e in result.entries
    ]
    lines: list[list[str]] = [
        ["kind", *[e.kind for e in result.entries]],
        ["total params", *[fmt_count(e.params.total) for e in result.entries]],
        [
            "active params",
            *[fmt_count(e.params.active) if e.params.active is not None else "unknown" for e in result.entries],
        ],
        ["forward FLOPs/token", *[fmt_flops(e.flops.forward_per_token) for e in result.entries]],
        ["training FLOPs/token", *[fmt_flops(e.flops.training_per_token) for e in result.entries]],
    ]
    if any(e.training for e in result.entries):
        for label, key in (
            ("hardware", None),
            ("training FLOPs", "flops"),
            ("GPUs", "gpus"),
            ("days", "days"),
            ("MFU", "mfu"),
            ("GPU-hours", "gpu_hours"),
            ("cost", "cost_usd"),
            ("energy (MWh)", "energy_mwh"),
        ):
            row = [label]
            for e in result.entries:
                if e.training is None:
                    row.append("–")
                elif key is None:
                    row.append(e.training.hardware)
                else:
                    row.append(cells(e.training, key))
            lines.append(row)
    served = [e.serving for e in result.entries if e.serving is not None]
    if served:
        floor = min(x.cost_per_million_tokens_usd for x in served)
        names = [
            n + (" ★$" if e.name == result.cheapest_serving else "") for n, e in zip(names, result.entries, strict=True)
        ]
        serving_rows: list[tuple[str, Callable[[Any], str]]] = [
            ("serving hardware", lambda x: f"{x.gpus:,} x {x.hardware}"),
            ("batch", lambda x: f"{x.batch:,}"),
            ("time per output token", lambda x: fmt_seconds(x.tpot_s)),
            ("output tokens/s per GPU", lambda x: fmt_count(x.tokens_per_second_per_gpu)),
            ("$ per 1M input", lambda x: f"${x.cost_per_million_input_usd:.3g}"),
            ("$ per 1M output", lambda x: f"${x.cost_per_million_output_usd:.3g}"),
            ("$ per 1M blended", lambda x: f"${x.cost_per_million_tokens_usd:.3g}"),
            ("blended cost vs cheapest", lambda x: f"{x.cost_per_million_tokens_usd / floor:.2f}x"),
        ]
        for label, fn in serving_rows:
            lines.append([label, *[fn(e.serving) if e.serving is not None else "–" for e in result.entries]])
    out.print(table("Comparison", ["", *names], lines))
    out.print()
    notes = [
        "★$ lowest central cost (training) or blended $ per token (serving); ★⏱ fewest central days",
        "models without a run show parameters and FLOPs only; add --hardware and three of --tokens/--gpus/--days/--mfu",
    ]
    out.print(assumptions(notes))
