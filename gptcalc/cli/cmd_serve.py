"""``gptcalc serve``: latency, throughput and cost of serving, with a batch sweep."""

from collections.abc import Callable
from typing import Annotated, Any

import typer

from gptcalc.cli import notices, parsing
from gptcalc.cli.app import app
from gptcalc.cli.options import (
    BatchOpt,
    HardwareOpt,
    JsonOpt,
    KvDtypeOpt,
    ModelArg,
    PpOpt,
    PresetsOpt,
    PriceOpt,
    SetOpt,
    TpOpt,
    WeightsDtypeOpt,
    dirs,
    model_and_hardware,
)
from gptcalc.errors import GptcalcError, InfeasibleError, InputError
from gptcalc.fmt import fmt_count, fmt_seconds
from gptcalc.oddities import input_warnings
from gptcalc.render import assumptions, console, print_json, table
from gptcalc.specs.quantities import parse_int, parse_number


def serving_payload(est: Any) -> dict[str, Any]:
    """The JSON object of a serving estimate (shared by serve, scenario and compare)."""
    payload: dict[str, Any] = est.model_dump()
    payload["decode_bound"] = est.decode_bound
    return payload


def print_serving(out: Any, est: Any, title: str) -> None:
    """A serving estimate as a table plus its assumptions."""
    unit = "both pools" if est.prefill_gpus is not None else "replica"
    rows = [
        ["time to first token", fmt_seconds(est.ttft_s)],
        ["time per output token", fmt_seconds(est.tpot_s)],
        ["end-to-end latency", fmt_seconds(est.e2e_s)],
        [f"output tokens/s ({unit}, end to end)", fmt_count(est.output_tokens_per_second)],
        ["output tokens/s per GPU", fmt_count(est.output_tokens_per_second_per_gpu)],
        [f"requests/s ({unit})", f"{est.requests_per_second:.3g}"],
        ["decode-only tokens/s (batch / TPOT, one replica)", fmt_count(est.decode_tokens_per_second)],
        ["output tokens/s per sequence", fmt_count(est.tokens_per_second_per_sequence)],
        ["prompt tokens/s (replica)", fmt_count(est.prefill_tokens_per_second)],
        ["decode is", f"{est.decode_bound}-bound"],
        [
            "compute-bound from batch",
            f"{est.compute_bound_batch:,}" if est.compute_bound_batch else "never (memory-bound)",
        ],
        ["largest batch that fits", f"{est.max_batch:,}"],
        ["$ per 1M input tokens", f"${est.cost_per_million_input_usd:.3g}"],
        ["$ per 1M output tokens", f"${est.cost_per_million_output_usd:.3g}"],
        ["$ per 1M tokens (blended)", f"${est.cost_per_million_tokens_usd:.3g}"],
    ]
    if est.experts_touched is not None:
        rows.insert(8, ["experts read per MoE layer", f"{est.experts_touched:.3g}"])
    if est.tokens_per_step != 1:
        rows.insert(3, ["tokens per decode step (speculation)", f"{est.tokens_per_step:.3g}"])
        if est.decode.draft_s:
            rows.insert(4, ["proposals per step (draft time)", fmt_seconds(est.decode.draft_s)])
    if est.prefill_gpus is not None and est.decode_pool_rps is not None and est.prefill_pool_rps is not None:
        rows += [
            ["prefill pool", f"{est.prefill_gpus:,} GPUs, {est.prefill_pool_rps:.3g} requests/s"],
            ["decode pool", f"{est.decode_gpus:,} GPUs, {est.decode_pool_rps:.3g} requests/s"],
            ["KV transfer per request", fmt_seconds(est.kv_transfer_s or 0.0)],
        ]
    out.print(table(title, ["", ""], rows))
    out.print()
    out.print(assumptions(est.assumptions))


def _speculation(arch: Any, flags: dict[str, Any]) -> dict[str, Any] | None:
    """The speculation spec's data from --draft / --accept / --draft-tokens (None without --draft)."""
    draft = flags.get("draft")
    if draft is None:
        for key, flag in (("accept", "--accept"), ("draft_tokens", "--draft-tokens")):
            if flags.get(key) is not None:
                raise InputError(f"{flag}: only with --draft (a MODEL, ngram or mtp)")
        return None
    if flags.get("speculative") is not None:
        raise InputError("--speculative: give either --speculative (tokens per step, no draft cost) or --draft")
    data: dict[str, Any] = {}
    if draft in ("ngram", "mtp"):
        data["method"] = draft
    else:
        from gptcalc.adapters.load import load_model

        data["method"] = "draft"
        try:
            data["draft"] = load_model(draft, flags["dirs"], [])
        except GptcalcError as err:  # name the flag, not the positional MODEL
            raise type(err)("--draft: " + str(err).removeprefix("model: ")) from None
    if flags.get("accept") is not None:
        data["accept"] = parse_number(flags["accept"], name="--accept")
        if not 0 < data["accept"] < 1:
            raise InputError(
                f"--accept: the chance one proposed token is accepted, between 0 and 1; got {flags['accept']}"
            )
    if flags.get("draft_tokens") is not None:
        value = parse_number(flags["draft_tokens"], name="--draft-tokens")
        if not (1 <= value <= 32 and value == int(value)):
            raise InputError(f"--draft-tokens: proposals per step, a whole number 1 to 32; got {flags['draft_tokens']}")
        data["tokens"] = int(value)
    return data


def setup_from_flags(arch: Any, hw: Any, flags: dict[str, Any]) -> Any:
    """A ServingSetup from the serve command's flags (max(tp, ep) x pp must equal --gpus when all are given)."""
    from gptcalc.parallel import serving_degrees
    from gptcalc.specs.base import validate_spec
    from gptcalc.specs.serving import ServingSetup

    gpus = None if flags["gpus"] is None else parse_int(flags["gpus"], name="--gpus")
    tp = None if flags["tp"] is None else parse_int(flags["tp"], name="--tp")
    pp = None if flags["pp"] is None else parse_int(flags["pp"], name="--pp")
    ep = None if flags.get("ep") is None else parse_int(flags["ep"], name="--ep", maximum=1 << 16)  # MoE.n_experts
    if ep is not None and ep > 1:
        # Experts over ep GPUs; attention data-parallel over ep/tp groups (tp 1 unless given, DeepSeek-V3's way).
        tp = tp or 1
        if pp is None:
            pp = gpus // max(tp, ep) if gpus else 1
        if gpus is not None and max(tp, ep) * pp != gpus:
            raise InputError(f"--gpus: {gpus} is not max(tp, ep) x pp = {max(tp, ep)} x {pp}")
    else:
        tp, pp = serving_degrees(gpus, tp, pp, hw.devices_per_node)
    data: dict[str, Any] = {"tp": tp, "pp": pp}
    if ep is not None:
        data["ep"] = ep
    for key, flag in (
        ("batch", "--batch"),
        ("prefill_gpus", "--prefill-gpus"),
        ("decode_gpus", "--decode-gpus"),
    ):
        if flags.get(key) is not None:
            data[key] = parse_int(flags[key], name=flag)
    for key, flag in (("prompt", "--prompt"), ("output", "--output")):
        if flags[key] is not None:
            data[key] = parsing.length(flags[key], flag)
    for key, flag in (
        ("compute_efficiency", "--compute-efficiency"),
        ("bandwidth_efficiency", "--bandwidth-efficiency"),
        ("speculative", "--speculative"),
    ):
        if flags[key] is not None:
            data[key] = parse_number(flags[key], name=flag)
    spec = _speculation(arch, flags)
    if spec is not None:
        data["speculation"] = spec
    if flags["price"] is not None:
        data["price_per_gpu_hour"] = parsing.value(flags["price"], "--price")
    if flags["utilization"] is not None:
        data["utilization"] = parsing.value(flags["utilization"], "--utilization")
    if flags.get("batching") is not None:
        data["batching"] = flags["batching"]
    if flags.get("kv_window") is not None:
        if flags["kv_window"] not in ("model", "full"):
            raise InputError(f"--kv-window: {flags['kv_window']!r} is not a window rule; allowed: model, full")
        data["kv_window"] = flags["kv_window"]
    data["weights_dtype"] = flags["weights_dtype"]
    data["kv_dtype"] = flags["kv_dtype"]
    return validate_spec(ServingSetup, data, "serving options")


@app.command("serve", rich_help_panel="Serving")
def serve_cmd(
    model: ModelArg,
    hardware: HardwareOpt = "h100",
    gpus: Annotated[str | None, typer.Option("--gpus", help="GPUs per replica (tp x pp).")] = None,
    tp: TpOpt = None,
    pp: PpOpt = None,
    batch: BatchOpt = None,
    prompt: Annotated[str | None, typer.Option("--prompt", help="Prompt tokens, e.g. 2k (default 2048).")] = None,
    output: Annotated[str | None, typer.Option("--output", help="Output tokens (default 512).")] = None,
    price: PriceOpt = None,
    utilization: Annotated[str | None, typer.Option("--utilization", help="Share of paid time serving.")] = None,
    weights_dtype: WeightsDtypeOpt = "bf16",
    kv_dtype: KvDtypeOpt = "bf16",
    speculative: Annotated[
        str | None, typer.Option("--speculative", help="Tokens accepted per step, draft cost excluded.")
    ] = None,
    draft: Annotated[
        str | None, typer.Option("--draft", help="Speculative decoding: a draft MODEL, ngram or mtp (cost counted).")
    ] = None,
    accept: Annotated[
        str | None, typer.Option("--accept", help="With --draft: chance a proposed token is accepted (0.7).")
    ] = None,
    draft_tokens: Annotated[
        str | None, typer.Option("--draft-tokens", help="With --draft: proposals per step (default 4).")
    ] = None,
    ep: Annotated[
        str | None, typer.Option("--ep", help="MoE: experts over ep GPUs; ep > tp runs attention data-parallel.")
    ] = None,
    kv_window: Annotated[
        str | None,
        typer.Option("--kv-window", help="model (sliding windows as the model says) or full (engine keeps all)."),
    ] = None,
    prefill_gpus: Annotated[
        str | None, typer.Option("--prefill-gpus", help="Disaggregated: GPUs of the prefill pool.")
    ] = None,
    decode_gpus: Annotated[
        str | None, typer.Option("--decode-gpus", help="Disaggregated: GPUs of the decode pool.")
    ] = None,
    compute_efficiency: Annotated[
        str | None, typer.Option("--compute-efficiency", help="Override the GEMM efficiency (serving model's).")
    ] = None,
    bandwidth_efficiency: Annotated[
        str | None, typer.Option("--bandwidth-efficiency", help="Override the HBM efficiency (default 0.8).")
    ] = None,
    batching: Annotated[
        str | None, typer.Option("--batching", help="continuous (default: in-flight, chunked prefill) or static.")
    ] = None,
    max_load: Annotated[
        bool, typer.Option("--max-load", help="Batch = the largest that fits (saturation throughput).")
    ] = False,
    max_concurrency: Annotated[
        str | None, typer.Option("--max-concurrency", help="Cap on sequences in flight; batch = min(cap, fits).")
    ] = None,
    rate: Annotated[str | None, typer.Option("--rate", help="Poisson arrivals, requests/s: TTFT p50/p90.")] = None,
    ttft_slo: Annotated[str | None, typer.Option("--ttft-slo", help="p90 TTFT bound, seconds: highest rate.")] = None,
    tpot_slo: Annotated[str | None, typer.Option("--tpot-slo", help="TPOT bound, seconds: highest rate.")] = None,
    target_rate: Annotated[
        str | None, typer.Option("--target-rate", help="Requests/s to serve within the SLOs: GPUs needed.")
    ] = None,
    target: Annotated[str | None, typer.Option("--target-tps", help="Output tokens/s to serve: GPUs needed.")] = None,
    sweep_batch: Annotated[str | None, typer.Option("--sweep-batch", help="Batch range, e.g. 1..512.")] = None,
    set_: SetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Latency, throughput and cost per million tokens of serving a model (roofline per phase)."""
    from gptcalc.serving import estimate_serving

    arch, hw = model_and_hardware(model, hardware, presets, set_)
    flags = dict(
        gpus=gpus,
        tp=tp,
        pp=pp,
        batch=batch,
        prompt=prompt,
        output=output,
        price=price,
        utilization=utilization,
        weights_dtype=weights_dtype,
        kv_dtype=kv_dtype,
        speculative=speculative,
        draft=draft,
        accept=accept,
        draft_tokens=draft_tokens,
        ep=ep,
        kv_window=kv_window,
        prefill_gpus=prefill_gpus,
        decode_gpus=decode_gpus,
        dirs=dirs(presets),
        compute_efficiency=compute_efficiency,
        bandwidth_efficiency=bandwidth_efficiency,
        batching=batching,
    )
    if batching is not None and batching not in ("static", "continuous"):
        raise InputError(f"--batching: {batching!r} is not a batching mode; allowed: static, continuous")
    setup = setup_from_flags(arch, hw, flags)
    note = None
    if gpus is None and tp is None and pp is None and ep is None:
        from gptcalc.fit import fewest_gpus_setup

        setup, note = fewest_gpus_setup(arch, hw, setup)
        if setup.prefill_gpus is not None:  # the pools must be whole replicas of the shape just chosen
            from gptcalc.specs.base import validate_spec
            from gptcalc.specs.serving import ServingSetup

            setup = validate_spec(ServingSetup, setup.model_dump(), "serving options")
    cap = None if max_concurrency is None else parse_int(max_concurrency, name="--max-concurrency")
    if max_load or cap is not None:
        flag = "--max-load" if max_load else "--max-concurrency"
        if batch is not None:
            raise InputError(f"{flag}: sets the batch itself; drop --batch")
        probe = setup.model_copy(update={"batch": max(setup.batch, setup.min_batch)})
        top = estimate_serving(arch, hw, probe, allow_overflow=True, knee=False).max_batch
        if top < setup.min_batch:
            raise InfeasibleError(f"{flag}: no batch of {setup.prompt + setup.output} tokens fits")
        chosen = top if cap is None else min(cap, top)
        if chosen < setup.min_batch:
            raise InputError(
                f"--max-concurrency: {cap} is below the {setup.min_batch} sequences the replica's"
                " stages and attention groups need"
            )
        setup = setup.model_copy(update={"batch": chosen})
        which = "the KV cache" if cap is None or top <= cap else "--max-concurrency"
        note = (note + "; " if note else "") + f"concurrency {chosen:,}, limited by {which} (fits {top:,})"
    if ttft_slo is not None or tpot_slo is not None:
        _slo(arch, hw, setup, ttft_slo, tpot_slo, target_rate, json_out)
        return
    if sweep_batch is not None:
        _sweep(arch, hw, setup, sweep_batch, json_out)
        return
    notices.warn(input_warnings(arch=arch, seq_len=setup.prompt + setup.output))
    est = estimate_serving(arch, hw, setup)
    load = None
    if rate is not None:
        from gptcalc.serving_load import under_load

        load = under_load(est, parse_number(rate, name="--rate"))
    if note is not None:
        est = est.model_copy(update={"assumptions": [note, *est.assumptions]})
    needed = None
    if target is not None:
        from gptcalc.serving_load import gpus_for_throughput

        needed = gpus_for_throughput(est, parse_number(target, name="--target-tps"))
    if json_out:
        payload = serving_payload(est)
        if needed is not None:
            payload["gpus_for_target"] = needed
        if load is not None:
            payload["under_load"] = load.model_dump()
            payload["ttft_p90_s"] = load.ttft_p90_s
            payload["e2e_p90_s"] = load.e2e_p90_s
        print_json(payload)
        return
    out = console()
    print_serving(
        out,
        est,
        f"Serving {arch.name} on {setup.gpus:,} x {hw.name} ({_shape(setup)}),"
        f" batch {setup.batch:,}, {setup.prompt:,} + {setup.output:,} tokens",
    )
    if load is not None:
        out.print(
            f"\nAt {load.rate_rps:g} requests/s ({load.load:.0%} of capacity {load.capacity_rps:.3g}/s, M/D/1):"
            f" TTFT p50 {fmt_seconds(load.ttft_p50_s)}, p90 {fmt_seconds(load.ttft_p90_s)};"
            f" end to end p50 {fmt_seconds(load.e2e_p50_s)}, p90 {fmt_seconds(load.e2e_p90_s)}"
        )
    if needed is not None:
        out.print(f"\nGPUs for {target} output tokens/s: [bold]{needed:,}[/] ({needed // setup.gpus} replicas)")


def _shape(setup: Any) -> str:
    """The replica's layout in words: tp, pp, ep, and the pools when disaggregated."""
    shape = f"tp {setup.tp}, pp {setup.pp}" + (f", ep {setup.ep}" if setup.ep > 1 else "")
    if setup.disaggregated:
        shape += f"; {setup.prefill_gpus:,} prefill + {setup.decode_gpus:,} decode GPUs"
    return shape


def _sweep(arch: Any, hw: Any, setup: Any, spec: str, json_out: bool) -> None:
    from gptcalc.charts import line_chart
    from gptcalc.serving import estimate_serving
    from gptcalc.serving_load import batch_grid
    from gptcalc.specs.quantities import as_range

    rng = as_range(parsing.value(spec, "--sweep-batch") or 0.0)
    batches = batch_grid(rng.low, rng.high, setup.min_batch)
    rows = []
    for b in batches:
        update = {"batch": b}
        est = estimate_serving(arch, hw, setup.model_copy(update=update), allow_overflow=True, knee=b == batches[0])
        rows.append(est)
    if json_out:
        print_json({"batches": batches, "points": [serving_payload(e) for e in rows]})
        return
    out = console()
    knee = rows[0].compute_bound_batch
    table_rows = [
        [
            f"{e.batch:,}",
            fmt_seconds(e.tpot_s),
            fmt_count(e.tokens_per_second),
            e.decode_bound,
            "yes" if e.fits else "[red]no[/]",
            f"${e.cost_per_million_output_usd:.3g}",
        ]
        for e in rows
    ]
    out.print(
        table(
            f"{arch.name} on {setup.gpus:,} x {hw.name}: decode against batch",
            ["batch", "TPOT", "tokens/s", "bound", "fits", "$/1M out"],
            table_rows,
        )
    )
    out.print()
    xs = [float(e.batch) for e in rows]
    curves: list[tuple[str, list[float], Callable[[float], str]]] = [
        ("output tokens/s", [e.tokens_per_second for e in rows], fmt_count),
        ("time per output token", [e.tpot_s for e in rows], fmt_seconds),
    ]
    for label, ys, y_fmt in curves:
        chart = line_chart(xs, {label: ys}, log_x=True, log_y=True, x_fmt=lambda v: f"batch {v:g}", y_fmt=y_fmt)
        out.print(chart, markup=False)
    where = f"batch {knee:,}" if knee else "no batch (KV-cache reads keep it memory-bound)"
    out.print(f"\nMemory-bound to compute-bound knee: {where}; largest batch that fits: {rows[0].max_batch:,}.")


def _slo(
    arch: Any, hw: Any, setup: Any, ttft: str | None, tpot: str | None, target: str | None, json_out: bool
) -> None:
    """--ttft-slo / --tpot-slo: the highest rate per replica meeting them, GPUs for a target rate, $ there."""
    from gptcalc.serving_load import slo_search

    res = slo_search(
        arch,
        hw,
        setup,
        ttft_slo=None if ttft is None else parse_number(ttft, name="--ttft-slo"),
        tpot_slo=None if tpot is None else parse_number(tpot, name="--tpot-slo"),
        target_rps=None if target is None else parse_number(target, name="--target-rate"),
    )
    if not res.reachable:  # the same one line and exit 2 with --json: a script sees the failure in the exit code
        raise InfeasibleError(f"--ttft-slo/--tpot-slo: not reachable: {res.reason}")
    if json_out:
        print_json(res)
        return
    out = console()
    rows = [
        ["batch", f"{res.batch:,}" if res.batch is not None else "-"],
        ["highest rate per replica", f"{res.rate_rps:.3g} requests/s"],
        ["output tokens/s there", fmt_count(res.output_tokens_per_second)],
        ["TTFT p90 there", fmt_seconds(res.ttft_p90_s or 0.0)],
        ["TPOT", fmt_seconds(res.tpot_s or 0.0)],
        ["$ per 1M output tokens there", f"${res.cost_per_million_output_usd or 0.0:.3g}"],
    ]
    if res.gpus_for_target is not None:
        rows.append([f"GPUs for {target} requests/s", str(res.gpus_for_target)])
    out.print(table(f"{arch.name} on {setup.gpus} x {hw.name}: operating point within the SLOs", ["", ""], rows))
    out.print(assumptions(["Poisson arrivals, replica as an M/D/1 server; TTFT SLO on the p90"]))
