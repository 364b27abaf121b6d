"""Fit search: the fewest GPUs that hold a model, and the layouts that fit, ranked.

Training layouts enumerate tp (powers of two up to the node size that divide the heads and the key/value
heads, or are multiples of the latter), pp (divisors of the layer count), dp (powers of two), ep (divisors
of the experts that divide dp), ZeRO stage 0-3, recomputation none/selective/full and micro-batch 1, 2, 4
or 8, with GPU count = tp x pp x dp. GPU counts are tried from the smallest up and the search stops at the
first count where anything fits (or tries only the count asked for). Memory grows with the micro-batch, with
ZeRO 2 -> 1 -> 0 and from selective to no recomputation (tests/test_memory_properties.py); ZeRO-3 against 2
and full against selective recomputation can go either way (gather buffers, a one-layer stage), so a
(tp, pp, dp, ep) is skipped whole only when none of those four frugal corners fits at micro-batch 1.
Every fitting layout at that count is ranked by the MFU its step time implies
(:mod:`gptcalc.steptime`), then by headroom.

Serving layouts enumerate tp (same rule) x any pp up to the layer count (serving engines split layers
unevenly) and keep those whose weights, KV cache
for batch x context and allowance fit; they are ranked by GPU count, then by the largest batch that fits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from itertools import product
from typing import TYPE_CHECKING, Any

from pydantic import Field

from gptcalc.errors import InfeasibleError, InputError
from gptcalc.memory import (
    ACTIVATION_FIELDS,
    OVERHEAD_FRACTION,
    OVERHEAD_GIB,
    Activations,
    ModelSizes,
    Stage,
    distinct_stages,
    layer_activations,
    overhead_bytes,
    serving_memory,
    stages,
    state_bytes_per_param,
    worst_stage,
)
from gptcalc.parallel import divisors
from gptcalc.params import count_params
from gptcalc.specs.arch import Architecture, LatentAttention
from gptcalc.specs.base import Result, trusted
from gptcalc.specs.conventions import FlopsConvention
from gptcalc.specs.defaults import DEFAULT_DTYPE, DEFAULT_OPTIMIZER
from gptcalc.specs.hardware import GIB, Hardware
from gptcalc.specs.layout import TrainLayout
from gptcalc.specs.timemodel import TimeModel
from gptcalc.steptime import step_time

if TYPE_CHECKING:  # a serving setup reaches fewest_gpus_setup already built; fit's callers need no import of it
    from gptcalc.specs.serving import ServingSetup

RECOMPUTE_ORDER = ("none", "selective", "full")  # least to most frugal
MICRO_BATCHES = (1, 2, 4, 8)


def tp_options(arch: Architecture, hardware: Hardware) -> list[int]:
    """Tensor-parallel degrees a framework accepts: powers of two within a node dividing the heads."""
    att = arch.attention
    out = []
    t = 1
    while t <= hardware.devices_per_node and t <= att.n_heads:
        kv_ok = isinstance(att, LatentAttention) or att.kv_heads % t == 0 or t % att.kv_heads == 0
        if att.n_heads % t == 0 and kv_ok:
            out.append(t)
        t *= 2
    return out


def ep_options(arch: Architecture, dp: int) -> list[int]:
    if arch.moe is None:
        return [1]
    return [e for e in divisors(arch.moe.n_experts) if dp % e == 0]


class FitRow(Result):
    """One layout that fits."""

    gpus: int
    tp: int
    pp: int
    dp: int
    ep: int
    zero: int
    recompute: str
    micro_batch: int
    per_gpu_bytes: float
    headroom_bytes: float
    mfu: float | None = Field(default=None, description="Implied MFU from the step time (training).")
    max_batch: int | None = Field(default=None, description="Largest batch at the context (serving).")


class FitResult(Result):
    mode: str
    model: str
    hardware: str
    capacity_bytes: float
    fewest_gpus: int
    evaluated: int = Field(description="Layouts whose memory was computed.")
    rows: list[FitRow]
    notes: list[str]


def _dp_options(max_dp: int) -> list[int]:
    out, d = [], 1
    while d <= max_dp:
        out.append(d)
        d *= 2
    return out


def fit_training(
    arch: Architecture,
    hardware: Hardware,
    *,
    seq_len: int,
    max_gpus: int = 65_536,
    gpus: int | None = None,
    global_batch: int | None = None,
    precision: str = DEFAULT_DTYPE,
    optimizer: str = DEFAULT_OPTIMIZER,
    dtype: str = DEFAULT_DTYPE,
    top: int = 10,
    convention: FlopsConvention | None = None,
) -> FitResult:
    """The fewest GPUs whose layout fits ``arch`` for training, and the best-ranked fitting layouts.

    With ``gpus`` only layouts of exactly that many GPUs are considered. ``global_batch`` (sequences)
    is used for the step time; by default 8 micro-batches per pipeline stage.
    """
    if seq_len <= 0:
        raise InputError(f"seq_len: must be a positive number of tokens, got {seq_len}")
    sizes = ModelSizes.of(arch)
    capacity = float(hardware.memory_bytes)
    tps = tp_options(arch, hardware)
    pps = divisors(arch.n_layers)
    # Only the first stage of each kind can be the most loaded (memory.distinct_stages): found once per pp.
    stage_cache = {pp: distinct_stages(stages(arch, pp)) for pp in pps}
    memo: dict[tuple[Any, ...], Activations] = {}
    evaluated = 0
    fitting: list[tuple[TrainLayout, float]] = []
    limit = gpus or max_gpus
    # Every (tp, pp, dp) within the limit, grouped by GPU count: the search stops at the first count that fits.
    by_count: dict[int, list[tuple[int, int, int]]] = {}
    for tp, pp in product(tps, pps):
        if tp * pp > limit:
            continue
        # With a GPU count given, dp fills it exactly (any whole number); otherwise powers of two.
        dps = _dp_options(limit // (tp * pp)) if gpus is None else [gpus // (tp * pp)] * (gpus % (tp * pp) == 0)
        for dp in dps:
            if gpus is None or tp * pp * dp == gpus:
                by_count.setdefault(tp * pp * dp, []).append((tp, pp, dp))
    # A lower bound for every layout of N GPUs: the model states (weights, gradients, optimizer) exist at least
    # once across the N GPUs however they are split or sharded (ZeRO-3 over everything is the floor), so the most
    # loaded GPU holds at least states / N, plus the overhead allowance. Counts below it are not evaluated.
    states = count_params(arch).total * state_bytes_per_param(precision, optimizer)
    floor = states * (1 + OVERHEAD_FRACTION) / max(capacity - OVERHEAD_GIB * GIB, 1.0)
    # Every layout here has valid field values: the defaults, and tp/pp/dp/ep/zero/recompute/micro-batch from the
    # enumeration above (check_layout's cross-field rules are applied by step_time to each fitting layout).
    defaults = {**_defaults(), "precision": precision, "optimizer": optimizer}
    for count in sorted(by_count):
        if count < floor:
            continue
        for tp, pp, dp in by_count[count]:
            for ep in ep_options(arch, dp):
                group = _Group(
                    {**defaults, "tp": tp, "pp": pp, "dp": dp, "ep": ep},
                    partial(_total, arch, sizes, seq_len=seq_len, stage_list=stage_cache[pp], memo=memo),
                )
                # The most frugal settings: ZeRO-2 or -3 (FSDP's gather buffers can outweigh its sharding when a
                # block is large next to the whole), full or selective recomputation (a one-layer stage keeps
                # more under full), micro-batch 1. If none fits, nothing in the group does.
                fits = any(group.total(z, rc, 1)[1] <= capacity for z in (3, 2) for rc in ("full", "selective"))
                if not fits:
                    evaluated += group.evaluated
                    continue
                # Memory rises with the micro-batch and, below ZeRO-2 and from selective to none, with each step
                # away from the frugal end: walk from it and stop at the first setting that no longer fits.
                for zero in (3, 2, 1, 0):
                    fits_any = False
                    for rc in reversed(RECOMPUTE_ORDER):
                        fits_rc = False
                        for mb in MICRO_BATCHES:
                            layout, total = group.total(zero, rc, mb)
                            if total > capacity:
                                break
                            fitting.append((layout, total))
                            fits_rc = True
                        if not fits_rc and rc == "none":
                            break
                        fits_any = fits_any or fits_rc
                    if not fits_any and zero <= 2:
                        break
                evaluated += group.evaluated
        if fitting:
            break
    if not fitting:
        where = f"exactly {gpus}" if gpus else f"up to {max_gpus}"
        raise InfeasibleError(
            f"no training layout with {where} {hardware.name} GPUs fits {arch.name} at seq_len {seq_len}"
        )
    fewest = fitting[0][0].gpus  # every fitting layout has the first GPU count that fits
    rows = []
    for layout, total in fitting:
        gb = global_batch or layout.default_global_batch
        try:
            st = step_time(arch, hardware, layout, seq_len=seq_len, global_batch=gb, dtype=dtype, convention=convention)
            mfu: float | None = st.mfu
        except InputError:
            mfu = None
        rows.append(_row(layout, total, capacity, mfu=mfu))
    rows.sort(key=lambda r: (-(r.mfu or 0.0), -r.headroom_bytes))
    return FitResult(
        mode="train",
        model=arch.name,
        hardware=hardware.name,
        capacity_bytes=capacity,
        fewest_gpus=fewest,
        evaluated=evaluated,
        rows=rows[:top],
        notes=[
            "GPU count = tp x pp x dp; ep divides dp; tp within a node divides the heads",
            "ranked by the MFU of the predicted step time (gptcalc step; 8 micro-batches per stage"
            " unless --global-batch is given)",
            f"{precision} mixed precision, {optimizer}; memory includes the stated overhead allowance",
            f"GPU counts below {math.ceil(floor):,} not evaluated: the model states ({states / GIB:,.0f} GiB) do not"
            " fit them even sharded over every GPU",
        ],
    )


class _Group:
    """The layouts of one (tp, pp, dp, ep): each (ZeRO stage, recomputation, micro-batch) is built and its memory
    evaluated once, whether the frugal check or the walk asks first."""

    def __init__(self, base: dict[str, Any], evaluate: Callable[[TrainLayout], float]) -> None:
        self.base, self.evaluate = base, evaluate
        self.seen: dict[tuple[int, str, int], tuple[TrainLayout, float]] = {}

    @property
    def evaluated(self) -> int:
        return len(self.seen)

    def total(self, zero: int, recompute: str, micro_batch: int) -> tuple[TrainLayout, float]:
        key = (zero, recompute, micro_batch)
        hit = self.seen.get(key)
        if hit is None:
            values = {**self.base, "zero": zero, "recompute": recompute, "micro_batch": micro_batch}
            layout = trusted(TrainLayout, values)
            hit = self.seen[key] = (layout, self.evaluate(layout))
        return hit


def _defaults() -> dict[str, Any]:
    return {name: field.default for name, field in TrainLayout.model_fields.items()}


def _total(
    arch: Architecture,
    sizes: ModelSizes,
    layout: TrainLayout,
    seq_len: int,
    stage_list: Sequence[Stage],
    memo: dict[tuple[Any, ...], Activations] | None = None,
) -> float:
    """Memory of the most loaded GPU, overhead included; ``memo`` keeps the activation terms of the layouts
    seen so far, by the fields they depend on."""
    activations = None
    if memo is not None:
        key = tuple(getattr(layout, f) for f in ACTIVATION_FIELDS)
        activations = memo.get(key)
        if activations is None:
            activations = memo[key] = layer_activations(arch, layout, seq_len)
    worst = worst_stage(arch, sizes, layout, seq_len, max(layout.pp, 1), stage_list, activations)
    return worst.allocated + overhead_bytes(worst.allocated)


def _row(
    layout: TrainLayout, total: float, capacity: float, *, mfu: float | None = None, max_batch: int | None = None
) -> FitRow:
    return FitRow(
        gpus=layout.gpus,
        tp=layout.tp,
        pp=layout.pp,
        dp=layout.dp,
        ep=layout.ep,
        zero=layout.zero,
        recompute=layout.recompute,
        micro_batch=layout.micro_batch,
        per_gpu_bytes=total,
        headroom_bytes=capacity - total,
        mfu=mfu,
        max_batch=max_batch,
    )


def fit_serving(
    arch: Architecture,
    hardware: Hardware,
    *,
    batch: int,
    context: int,
    weights_dtype: str = DEFAULT_DTYPE,
    kv_dtype: str = DEFAULT_DTYPE,
    max_gpus: int = 1024,
    gpus: int | None = None,
    top: int = 10,
) -> FitResult:
    """The fewest GPUs (tp x pp) that serve ``batch`` sequences of ``context`` tokens, and the layouts that fit
    (with ``gpus``, only layouts of exactly that many)."""
    capacity = float(hardware.memory_bytes)
    rows = []
    evaluated = 0
    # Serving engines split layers unevenly, so any stage count up to the layer count is a candidate.
    for tp, pp in product(tp_options(arch, hardware), range(1, arch.n_layers + 1)):
        if tp * pp > (gpus or max_gpus) or (gpus is not None and tp * pp != gpus):
            continue
        evaluated += 1
        mem = serving_memory(
            arch, hardware, batch=batch, context=context, weights_dtype=weights_dtype, kv_dtype=kv_dtype, tp=tp, pp=pp
        )
        if mem.fits:
            layout = TrainLayout.model_construct(**{**_defaults(), "tp": tp, "pp": pp, "dp": 1})
            rows.append(_row(layout, mem.per_gpu_bytes, capacity, max_batch=mem.max_batch))
    if not rows:
        where = f"exactly {gpus}" if gpus else f"up to {max_gpus}"
        raise InfeasibleError(
            f"no serving layout of {where} {hardware.name} GPUs holds {arch.name} with batch {batch}"
            f" x {context:,} tokens in {weights_dtype}"
        )
    rows.sort(key=lambda r: (r.gpus, -(r.max_batch or 0)))
    return FitResult(
        mode="serve",
        model=arch.name,
        hardware=hardware.name,
        capacity_bytes=capacity,
        fewest_gpus=rows[0].gpus,
        evaluated=evaluated,
        rows=rows[:top],
        notes=[
            f"weights {weights_dtype}, KV cache {kv_dtype}, batch {batch} x {context:,} tokens",
            "GPU count = tp x pp; tp within a node divides the heads; stages may hold uneven layer counts",
            "allowance 2 GiB + 5% for context, buffers and fragmentation",
        ],
    )


class PredictedMfu(Result):
    """The utilization a run reaches, predicted from its layout instead of assumed."""

    layout: TrainLayout = Field(description="The layout given, or the best-ranked one fit_training finds.")
    chosen_by_fit: bool
    global_batch: int
    step_mfu: float = Field(description="MFU of one step (gptcalc.steptime).")
    goodput: float = Field(description="Share of wall time spent on useful steps.")
    run_mfu: float = Field(description="step_mfu x goodput: the run-average MFU the run identity uses.")
    step_time_s: float


def predict_mfu(
    arch: Architecture,
    hardware: Hardware,
    *,
    gpus: int,
    seq_len: int,
    layout: TrainLayout | None = None,
    global_batch: int | None = None,
    model: TimeModel | None = None,
    dtype: str | None = None,
    convention: FlopsConvention | None = None,
) -> PredictedMfu:
    """MFU of a run on ``gpus`` GPUs from its layout (or the best layout :func:`fit_training` finds at exactly
    that count), times the time model's goodput for restarts, checkpoints and failures."""
    model = model or TimeModel.defaults()
    chosen = layout is None
    if layout is None:
        fit = fit_training(arch, hardware, seq_len=seq_len, gpus=gpus, top=1, convention=convention)
        row = fit.rows[0]
        layout = TrainLayout(
            tp=row.tp,
            pp=row.pp,
            dp=row.dp,
            ep=row.ep,
            zero=row.zero,
            recompute=row.recompute,
            micro_batch=row.micro_batch,
        )
    elif layout.gpus != gpus:
        raise InputError(f"layout: {layout.gpus} GPUs (tp x cp x pp x dp) where the run has {gpus}")
    gb = global_batch or layout.default_global_batch
    st = step_time(
        arch, hardware, layout, seq_len=seq_len, global_batch=gb, model=model, dtype=dtype, convention=convention
    )
    return PredictedMfu(
        layout=layout,
        chosen_by_fit=chosen,
        global_batch=gb,
        step_mfu=st.mfu,
        goodput=model.goodput,
        run_mfu=st.mfu * model.goodput,
        step_time_s=st.step_time_s,
    )


def fewest_gpus_setup(arch: Architecture, hardware: Hardware, setup: ServingSetup) -> tuple[ServingSetup, str]:
    """``setup`` on the fewest GPUs (tp x pp) that hold the model and its KV cache (:func:`fit_serving`), with
    the note that says so: what ``gptcalc serve`` does when no GPU count is given."""
    context = setup.prompt + setup.output
    fit = fit_serving(
        arch,
        hardware,
        batch=setup.batch,
        context=context,
        weights_dtype=setup.weights_dtype,
        kv_dtype=setup.kv_dtype,
        top=1 << 30,
    )
    # A pipeline needs a micro-batch per stage: the fewest GPUs whose pp the batch can fill.
    usable = [r for r in fit.rows if r.pp <= setup.batch]
    if not usable:
        raise InfeasibleError(
            f"gpus: every layout that holds {arch.name} needs more pipeline stages than batch {setup.batch:,};"
            " give --gpus, --tp or --batch"
        )
    row = usable[0]
    note = (
        f"no GPU count given: {row.gpus:,} x {hardware.name} (tp {row.tp}, pp {row.pp}), the fewest that hold the"
        f" {setup.weights_dtype} weights and the KV cache of batch {setup.batch:,} x {context:,} tokens"
    )
    return setup.model_copy(update={"tp": row.tp, "pp": row.pp}), note
