"""Training runs: FLOPs, wall-clock days, GPU-hours, cost (rental or owned), energy and emissions.

The run identity (Kaplan et al. 2020 Sec. 2.1; PaLM, Chowdhery et al. 2022, App. B)::

    FLOPs = tokens * training FLOPs per token = gpus * peak FLOP/s * MFU * days * 86,400

links four unknowns: any three give the fourth (:func:`training_run`). Then

* GPU-hours = gpus * days * 24
* rental cost = GPU-hours * $/GPU-hour
* owned cost (Cottier et al. 2024, 'The rising costs of training frontier AI models', arXiv:2405.21015,
  Sec. 2: amortized hardware CapEx + energy) = GPU-hours / 8,760 * purchase price * overhead * r ln 10
  + energy * $/kWh, where the hardware loses value at r = 0.14 orders of magnitude a year (their fitted
  price-performance trend) and ``overhead`` adds servers and cluster interconnect on top of the accelerator
  (they find server components 15-22% and interconnect 9-13% of the cost; 1.45 x the accelerator price
  by default). The hardware is valued new at the start of the run; staff costs are left out.
* energy = GPU-hours * TDP * PUE (accelerators at board power all run long; CPUs, storage and networking
  enter only through PUE), emissions = energy * grid carbon intensity.

Every function is scalar; ranges are lifted by :func:`gptcalc.uncertainty.propagate`. Each output is
monotonic in each input (products and quotients of positive numbers), so corners bound it exactly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from gptcalc.accel import numpy_or_none
from gptcalc.errors import InfeasibleError, InputError
from gptcalc.flops import FlopsPerToken, flops_per_token
from gptcalc.oddities import input_warnings
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result, trusted
from gptcalc.specs.conventions import FlopsConvention, RecomputeMode
from gptcalc.specs.costs import CostAssumptions
from gptcalc.specs.defaults import DEFAULT_DTYPE
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.layout import TrainLayout
from gptcalc.specs.quantities import Range, Value, as_range, scale
from gptcalc.specs.run import unknown_of, unknowns_message
from gptcalc.specs.timemodel import TimeModel
from gptcalc.uncertainty import propagate

SECONDS_PER_HOUR = 3_600.0
HOURS_PER_DAY = 24.0
HOURS_PER_YEAR = 8_760.0


class TrainingRun(Result):
    """One evaluated run (scalars); see :class:`TrainingEstimate` for the ranged version."""

    tokens: float = Field(description="Training tokens.")
    flops: float = Field(description="Model FLOPs of the run (the convention's count; MFU's numerator).")
    hardware_flops: float = Field(description="FLOPs executed including recomputation (HFU's numerator).")
    gpus: float = Field(description="Accelerators (fractional when solved for).")
    days: float = Field(description="Wall-clock days.")
    mfu: float = Field(description="Model FLOPs utilization.")
    hfu: float = Field(description="Hardware FLOPs utilization (with recomputation).")
    gpu_hours: float = Field(description="Accelerator-hours.")
    cost_usd: float = Field(description="Cost under the chosen cost model.")
    rental_cost_usd: float = Field(description="GPU-hours x $/GPU-hour.")
    owned_cost_usd: float = Field(description="Amortized hardware plus energy (Cottier et al. 2024).")
    energy_mwh: float = Field(description="GPU-hours x TDP x PUE, MWh.")
    emissions_t: float = Field(description="Tonnes CO2e at the grid intensity.")


def delivered_flops(gpu_hours: float, peak_flops: float, mfu: float) -> float:
    """FLOPs that ``gpu_hours`` deliver at ``mfu`` of a ``peak_flops`` accelerator: GPU-hours x 3,600 x peak x MFU.

    With :func:`gpu_hours_for` and :func:`mfu_for`, the run identity (module docstring) solved each way; every
    module that relates FLOPs, time and utilization calls these three.
    """
    return gpu_hours * SECONDS_PER_HOUR * peak_flops * mfu


def gpu_hours_for(flops: float, peak_flops: float, mfu: float) -> float:
    """GPU-hours that ``flops`` take at ``mfu`` of ``peak_flops``: FLOPs / (3,600 x peak x MFU)."""
    return flops / (SECONDS_PER_HOUR * peak_flops * mfu)


def mfu_for(flops: float, gpu_hours: float, peak_flops: float) -> float:
    """The MFU at which ``gpu_hours`` deliver ``flops``: FLOPs / (GPU-hours x 3,600 x peak)."""
    return flops / (gpu_hours * SECONDS_PER_HOUR * peak_flops)


def run_numbers(
    *,
    flops_per_token: float,
    hardware_flops_per_token: float,
    peak_flops: float,
    tdp_w: float,
    price_per_gpu_hour: float,
    gpu_price_usd: float,
    hardware_overhead: float,
    depreciation_oom_per_year: float,
    energy_usd_per_kwh: float,
    pue: float,
    grid_kg_per_kwh: float,
    owned: bool = False,
    tokens: float | None = None,
    gpus: float | None = None,
    days: float | None = None,
    mfu: float | None = None,
    check_hfu: bool = True,
) -> dict[str, float]:
    """Solve ``tokens * flops_per_token = gpus * peak * mfu * days * 86400`` for the one unknown, then cost it.

    Exactly one of ``tokens``, ``gpus``, ``days``, ``mfu`` must be None. Plain floats in, a dict of the
    :class:`TrainingRun` fields out: the scalar core that estimates, ranges and sweeps all call.
    """
    missing = [k for k, v in (("tokens", tokens), ("gpus", gpus), ("days", days), ("mfu", mfu)) if v is None]
    if len(missing) != 1:
        raise InputError(unknowns_message(missing))
    try:
        if tokens is None:
            assert gpus is not None and days is not None and mfu is not None
            tokens = delivered_flops(gpus * days * HOURS_PER_DAY, peak_flops, mfu) / flops_per_token
        flops = tokens * flops_per_token
        if gpus is None:
            assert days is not None and mfu is not None
            gpus = gpu_hours_for(flops, peak_flops, mfu) / (days * HOURS_PER_DAY)
        elif days is None:
            assert mfu is not None
            days = gpu_hours_for(flops, peak_flops, mfu) / (gpus * HOURS_PER_DAY)
        elif mfu is None:
            mfu = mfu_for(flops, gpus * days * HOURS_PER_DAY, peak_flops)
        gpu_hours = gpus * days * HOURS_PER_DAY
        energy_kwh = gpu_hours * tdp_w * pue / 1000.0
        rental = gpu_hours * price_per_gpu_hour
        yearly_capex = gpu_price_usd * hardware_overhead * depreciation_oom_per_year * math.log(10)
        owned_cost = gpu_hours / HOURS_PER_YEAR * yearly_capex + energy_kwh * energy_usd_per_kwh
        hardware_flops = tokens * hardware_flops_per_token
        out = {
            "tokens": tokens,
            "flops": flops,
            "hardware_flops": hardware_flops,
            "gpus": gpus,
            "days": days,
            "mfu": mfu,
            "hfu": mfu * hardware_flops / flops,
            "gpu_hours": gpu_hours,
            "cost_usd": owned_cost if owned else rental,
            "rental_cost_usd": rental,
            "owned_cost_usd": owned_cost,
            "energy_mwh": energy_kwh / 1000.0,
            "emissions_t": energy_kwh * grid_kg_per_kwh / 1000.0,
        }
    except (ZeroDivisionError, OverflowError):
        out = {"flops": math.inf}
    if not all(math.isfinite(v) for v in out.values()):
        raise InputError(
            "run: the inputs put a result out of floating-point range; check for extreme values"
            " (tokens, gpus, days, mfu, prices)"
        )
    zero = [k for k in _MUST_BE_POSITIVE if not out[k] > 0]
    if zero:
        raise InputError(
            f"run: {missing[0]} comes out as {out[missing[0]]:.3g} and {zero[0]} as {out[zero[0]]:.3g}: the inputs"
            " are beyond any physical scale; check for extreme values (tokens, gpus, days, mfu)"
        )
    if out["mfu"] > 1:  # only a solved MFU can: a given one is checked to be at most 1
        raise InputError(
            f"mfu: the run needs {out['mfu']:.3g} x the GPUs' peak FLOP/s ({out['mfu']:.0%} MFU), more than any"
            " hardware delivers; give more days or GPUs, or fewer tokens"
        )
    if check_hfu and out["hfu"] > 1:
        raise _hfu_error(out["mfu"], out["hfu"])
    return out


def _hfu_error(mfu: float, hfu: float) -> InputError:
    return InputError(
        f"mfu: {mfu:.3g} with recomputation makes the hardware run {hfu:.3g} x its peak (HFU above 100%); give an"
        f" MFU of at most {mfu / hfu:.3g} or less recomputation"
    )


_RUN_FIELDS = frozenset(TrainingRun.model_fields)

# A solved run quantity that underflows to zero is nonsense, never "0 GPUs" or "$0".
_MUST_BE_POSITIVE = ("tokens", "flops", "gpus", "days", "mfu", "gpu_hours")


Column = float | list[float]


class _Monomial:
    """``coef x prod(column_i ** power_i)`` over the varied input columns, kept symbolic until the end: every
    run output is such a product (or, for the owned cost, a sum of two), so each output costs one pass over
    the points however many operations lead to it."""

    __slots__ = ("coef", "powers")

    def __init__(self, coef: float, powers: dict[int, int]) -> None:
        self.coef = coef
        self.powers = powers

    def __mul__(self, other: _Monomial) -> _Monomial:
        return _Monomial(self.coef * other.coef, _combine(self.powers, other.powers, 1))

    def __truediv__(self, other: _Monomial) -> _Monomial:
        return _Monomial(self.coef / other.coef, _combine(self.powers, other.powers, -1))


def _combine(a: dict[int, int], b: dict[int, int], sign: int) -> dict[int, int]:
    out = dict(a)
    for key, power in b.items():
        out[key] = out.get(key, 0) + sign * power
        if not out[key]:
            del out[key]
    return out


def run_columns(
    outputs: Sequence[str],
    *,
    flops_per_token: Column,
    hardware_flops_per_token: Column,
    peak_flops: Column,
    tdp_w: Column,
    price_per_gpu_hour: Column,
    gpu_price_usd: Column,
    hardware_overhead: Column,
    depreciation_oom_per_year: Column,
    energy_usd_per_kwh: Column,
    pue: Column,
    grid_kg_per_kwh: Column,
    owned: bool = False,
    tokens: Column | None = None,
    gpus: Column | None = None,
    days: Column | None = None,
    mfu: Column | None = None,
    arrays: dict[str, Any] | None = None,
) -> dict[str, Column]:
    """:func:`run_numbers` on whole columns: each input is a number (the same at every point) or a list of
    positive values (one per point, all lists the same length); each requested output comes back as a list, or
    a number when no varied input reaches it.

    The formulas are those of :func:`run_numbers`; each output is a product of powers of the inputs (the owned
    cost a sum of two), built symbolically and evaluated in one pass over the points, so a million-point sweep
    costs one list comprehension per requested output. The checks are :func:`run_numbers`' own, run at the
    corners of the varied inputs (each quantity is monotonic in each input, so the corners hold its extremes).
    Big columns go through numpy when it is installed (:mod:`gptcalc.accel`; the same floats); ``arrays``, when
    given, receives each output computed that way as its numpy array too, and each varied input as the array made
    of it.
    """
    missing = [k for k, v in (("tokens", tokens), ("gpus", gpus), ("days", days), ("mfu", mfu)) if v is None]
    if len(missing) != 1:
        raise InputError(unknowns_message(missing))
    named: dict[str, Column | None] = {
        "flops_per_token": flops_per_token,
        "hardware_flops_per_token": hardware_flops_per_token,
        "peak_flops": peak_flops,
        "tdp_w": tdp_w,
        "price_per_gpu_hour": price_per_gpu_hour,
        "gpu_price_usd": gpu_price_usd,
        "hardware_overhead": hardware_overhead,
        "depreciation_oom_per_year": depreciation_oom_per_year,
        "energy_usd_per_kwh": energy_usd_per_kwh,
        "pue": pue,
        "grid_kg_per_kwh": grid_kg_per_kwh,
        "tokens": tokens,
        "gpus": gpus,
        "days": days,
        "mfu": mfu,
    }
    # Every output and every intermediate is monotonic in each input, so run_numbers at the corners of the
    # varied inputs' ranges meets each extreme: its checks there are the checks of every point.
    np = numpy_or_none(max((len(c) for c in named.values() if isinstance(c, list)), default=0))
    # Big columns become arrays once (gptcalc.accel): their extremes, the evaluation below and the caller's
    # ``arrays`` all read them.
    converted = {k: np.asarray(c, dtype=np.float64) for k, c in named.items() if isinstance(c, list)} if np else {}
    varied = {
        k: (float(converted[k].min()), float(converted[k].max())) if k in converted else (min(c), max(c))
        for k, c in named.items()
        if isinstance(c, list)
    }
    scalars = {k: c for k, c in named.items() if c is not None and not isinstance(c, list)}
    for corner in itertools.product(*varied.values()):
        # HFU mixes two FLOP counts that vary together with the model (a corner would pair one model's hardware
        # FLOPs with another's model FLOPs): it is checked on the points themselves below.
        run_numbers(**scalars, **dict(zip(varied, corner, strict=True)), owned=owned, check_hfu=False)
    lists: dict[int, list[float]] = {}
    as_array: dict[int, Any] = {}
    array_of = {id(named[k]): a for k, a in converted.items()}

    def lift(value: Column) -> _Monomial:
        if isinstance(value, list):
            key = len(lists)
            lists[key] = value
            if id(value) in array_of:
                as_array[key] = array_of[id(value)]
            return _Monomial(1.0, {key: 1})
        return _Monomial(float(value), {})

    def const(value: float) -> _Monomial:
        return _Monomial(value, {})

    given = {"tokens": tokens, "gpus": gpus, "days": days, "mfu": mfu}
    v: dict[str, _Monomial] = {k: lift(x) for k, x in given.items() if x is not None}
    fpt, hw_fpt, peak = lift(flops_per_token), lift(hardware_flops_per_token), lift(peak_flops)
    hours = const(HOURS_PER_DAY)
    if tokens is None:
        v["tokens"] = v["gpus"] * v["days"] * hours * const(SECONDS_PER_HOUR) * peak * v["mfu"] / fpt
    v["flops"] = v["tokens"] * fpt
    if gpus is None:
        v["gpus"] = v["flops"] / (const(SECONDS_PER_HOUR) * peak * v["mfu"]) / (v["days"] * hours)
    elif days is None:
        v["days"] = v["flops"] / (const(SECONDS_PER_HOUR) * peak * v["mfu"]) / (v["gpus"] * hours)
    elif mfu is None:
        v["mfu"] = v["flops"] / (v["gpus"] * v["days"] * hours * const(SECONDS_PER_HOUR) * peak)
    v["gpu_hours"] = v["gpus"] * v["days"] * hours
    energy_kwh = v["gpu_hours"] * lift(tdp_w) * lift(pue) / const(1000.0)
    v["rental_cost_usd"] = v["gpu_hours"] * lift(price_per_gpu_hour)
    yearly = lift(gpu_price_usd) * lift(hardware_overhead) * lift(depreciation_oom_per_year) * const(math.log(10))
    owned_terms = (v["gpu_hours"] / const(HOURS_PER_YEAR) * yearly, energy_kwh * lift(energy_usd_per_kwh))
    v["hardware_flops"] = v["tokens"] * hw_fpt
    v["hfu"] = v["mfu"] * v["hardware_flops"] / v["flops"]
    v["energy_mwh"] = energy_kwh / const(1000.0)
    v["emissions_t"] = energy_kwh * lift(grid_kg_per_kwh) / const(1000.0)

    if arrays is not None:
        arrays.update(converted)  # the varied inputs as arrays too (a sweep's axis columns)

    def evaluate(m: _Monomial) -> Column:
        if not m.powers:
            return m.coef
        (first, power), *rest = sorted(m.powers.items(), key=lambda kp: -kp[1])
        if np is not None:
            # The same operations in the same order over whole arrays (gptcalc.accel): identical floats.
            for key in m.powers:
                if key not in as_array:
                    as_array[key] = np.asarray(lists[key], dtype=np.float64)
            x = as_array[first]
            if power == 1:
                acc = m.coef * x
            elif power == -1:
                acc = m.coef / x
            else:
                acc = m.coef * x**power
            for key, power in rest:
                y = as_array[key]
                if power == 1:
                    acc = acc * y
                elif power == -1:
                    acc = acc / y
                else:
                    acc = acc * y**power
            return acc  # type: ignore[no-any-return]  # an array: made a list (and kept, if asked) below
        c, column = m.coef, lists[first]
        if power == 1:
            out = [c * x for x in column]
        elif power == -1:
            out = [c / x for x in column]
        else:
            out = [c * x**power for x in column]
        for key, power in rest:
            other = lists[key]
            if power == 1:
                out = [x * y for x, y in zip(out, other, strict=True)]
            elif power == -1:
                out = [x / y for x, y in zip(out, other, strict=True)]
            else:
                out = [x * y**power for x, y in zip(out, other, strict=True)]
        return out

    hfu = evaluate(v["hfu"])
    worst = max(hfu) if isinstance(hfu, list) else float(hfu) if isinstance(hfu, float) else float(hfu.max())
    if worst > 1:
        raise InputError(
            f"mfu: with recomputation the hardware would run at up to {worst:.3g} x its peak (HFU above 100%); give a"
            " lower MFU or less recomputation"
        )
    result: dict[str, Column] = {}
    for name in outputs:
        if name == "owned_cost_usd" or (name == "cost_usd" and owned):
            a, b = (evaluate(t) for t in owned_terms)
            if np is not None and (isinstance(a, np.ndarray) or isinstance(b, np.ndarray)):
                result[name] = a + b  # type: ignore[operator]
            elif isinstance(a, list) and isinstance(b, list):
                result[name] = [x + y for x, y in zip(a, b, strict=True)]
            elif isinstance(a, list):
                result[name] = [x + b for x in a]  # type: ignore[operator]
            elif isinstance(b, list):
                result[name] = [a + y for y in b]
            else:
                result[name] = a + b
        elif name == "cost_usd":
            result[name] = evaluate(v["rental_cost_usd"])
        else:
            result[name] = evaluate(v[name])
    if np is not None:
        for name, value in result.items():
            if isinstance(value, np.ndarray):
                if arrays is not None:
                    arrays[name] = value
                result[name] = value.tolist()
    return result


def training_run(**inputs: Any) -> TrainingRun:
    """:func:`run_numbers` as a :class:`TrainingRun` model."""
    return TrainingRun(**run_numbers(**inputs))


def check_run_inputs(
    tokens: Value | None, gpus: Value | None, days: Value | None, mfu: Value | None, *, flags: bool = False
) -> str:
    """Validate the four run unknowns and return the one to solve for (``flags``: name them as CLI flags and
    only check the values given, not how many; otherwise the :class:`gptcalc.specs.run.Run` rule applies)."""
    given = {"tokens": tokens, "gpus": gpus, "days": days, "mfu": mfu}
    for key, value in given.items():
        if value is None:
            continue
        name = f"--{key}" if flags else key
        low = value.low if isinstance(value, Range) else float(value)
        high = value.high if isinstance(value, Range) else float(value)
        if not low > 0:
            raise InputError(f"{name}: must be > 0, got {value}")
        if key == "tokens" and low < 1:
            raise InputError(f"{name}: a run trains on at least one token, got {value}")
        if key == "gpus" and any(v != int(v) for v in (low, high)):
            raise InputError(f"{name}: whole GPUs only, got {value}")
        if key == "mfu" and high > 1:
            raise InputError(f"{name}: must be in (0, 1], got {value}")
    if flags:
        return ""
    try:
        return unknown_of(given)  # the Run spec's rule, without building the spec in this hot path
    except ValueError as err:
        raise InputError(str(err)) from None


class TrainingEstimate(Result):
    """A training run with every output as a low/mid/high :class:`Range` (exact inputs give low == high)."""

    model: str
    hardware: str
    dtype: str
    seq_len: int
    solved_for: str = Field(description="Which of tokens, gpus, days, mfu was derived from the other three.")
    cost_model: str
    flops_per_token: FlopsPerToken
    peak_flops: float = Field(description="Dense peak FLOP/s of one accelerator in this dtype.")
    price_per_gpu_hour: Range
    tokens: Range
    flops: Range
    hardware_flops: Range
    gpus: Range
    days: Range
    mfu: Range
    hfu: Range
    gpu_hours: Range
    cost_usd: Range
    rental_cost_usd: Range
    owned_cost_usd: Range
    energy_mwh: Range
    emissions_t: Range
    assumptions: list[str]
    warnings: list[str] = Field(
        default_factory=list, description="Physically odd but legal inputs (gptcalc.oddities): PUE < 1, ..."
    )


_ESTIMATE_FIELDS = tuple(TrainingEstimate.model_fields)


def run_context(
    arch: Architecture,
    hardware: Hardware,
    *,
    seq_len: int,
    dtype: str = DEFAULT_DTYPE,
    convention: FlopsConvention | None = None,
    recompute: RecomputeMode = "none",
    costs: CostAssumptions | None = None,
) -> tuple[FlopsPerToken, dict[str, Any], dict[str, Value]]:
    """What :func:`run_numbers` needs besides the four run unknowns: FLOPs per token, the fixed hardware
    inputs, and the (possibly ranged) cost inputs with the hardware preset's defaults filled in."""
    costs = costs or CostAssumptions()
    fpt = flops_per_token(arch, seq_len, convention, recompute)
    owned = costs.cost_model == "owned"
    gpu_price = costs.gpu_price_usd if costs.gpu_price_usd is not None else hardware.purchase_price_usd
    if gpu_price is None:
        if owned:
            raise InputError(f"gpu_price_usd: {hardware.name} has no purchase price; give one for the owned cost model")
        gpu_price = 0.0
    fixed: dict[str, Any] = {
        "flops_per_token": fpt.training_per_token,
        "hardware_flops_per_token": fpt.hardware_training_per_token,
        "peak_flops": hardware.peak_flops(dtype),
        "tdp_w": hardware.tdp_w,
        "owned": owned,
    }
    price = costs.price_per_gpu_hour if costs.price_per_gpu_hour is not None else hardware.price_per_hour
    inputs: dict[str, Value] = {
        "price_per_gpu_hour": price,
        "gpu_price_usd": gpu_price,
        "hardware_overhead": costs.hardware_overhead,
        "depreciation_oom_per_year": costs.depreciation_oom_per_year,
        "energy_usd_per_kwh": costs.energy_usd_per_kwh,
        "pue": costs.pue,
        "grid_kg_per_kwh": costs.grid_kg_per_kwh,
    }
    return fpt, fixed, inputs


def estimate_training(
    arch: Architecture,
    hardware: Hardware,
    *,
    seq_len: int,
    tokens: Value | None = None,
    gpus: Value | None = None,
    days: Value | None = None,
    mfu: Value | None = None,
    dtype: str = DEFAULT_DTYPE,
    convention: FlopsConvention | None = None,
    recompute: RecomputeMode = "none",
    costs: CostAssumptions | None = None,
    layout: TrainLayout | None = None,
    global_batch: int | None = None,
    goodput: float | None = None,
    time_model: TimeModel | None = None,
) -> TrainingEstimate:
    """Estimate a training run of ``arch`` on ``hardware``: give three of tokens, gpus, days, mfu.

    FLOPs per token come from :func:`gptcalc.flops.flops_per_token`; the run identity, costs and energy
    from :func:`training_run`; ranges are lifted by corners (:mod:`gptcalc.uncertainty`).

    With tokens and a whole GPU count but neither days nor MFU, the MFU is predicted: the step MFU of
    ``layout`` (or of the best layout :func:`gptcalc.fit.fit_training` finds at that count) from
    :func:`gptcalc.steptime.step_time`, times ``goodput`` (default: the time model's, from published large
    runs) for the wall time lost to restarts, checkpoints and failures. A given MFU is taken as a run average;
    ``goodput``, when given, scales it too.
    """
    costs = costs or CostAssumptions()
    if goodput is not None and not 0 < goodput <= 1:
        raise InputError(f"goodput: the share of wall time spent on useful steps must be in (0, 1], got {goodput:g}")
    predicted = None
    if mfu is None and days is None and tokens is not None and gpus is not None:
        from gptcalc.fit import predict_mfu  # the step-time model; imported only when it is needed

        count = as_range(gpus)
        if not count.is_exact or not float(count.mid).is_integer():
            raise InputError(f"--gpus: predicting the MFU needs one whole GPU count, got {gpus}")
        model = time_model or TimeModel.defaults()
        if goodput is not None:
            model = model.model_copy(update={"goodput": goodput})
        predicted = predict_mfu(
            arch,
            hardware,
            gpus=int(count.mid),
            seq_len=seq_len,
            layout=layout,
            global_batch=global_batch,
            model=model,
            dtype=dtype,
            convention=convention,
        )
        mfu = predicted.run_mfu
        recompute = predicted.layout.recompute
    elif goodput is not None and mfu is not None:
        mfu = scale(mfu, goodput)
    solved = check_run_inputs(tokens, gpus, days, mfu)
    fpt, fixed, inputs = run_context(
        arch, hardware, seq_len=seq_len, dtype=dtype, convention=convention, recompute=recompute, costs=costs
    )
    peak = fixed["peak_flops"]
    price = inputs["price_per_gpu_hour"]
    owned = bool(fixed["owned"])
    inputs.update(
        {k: v for k, v in {"tokens": tokens, "gpus": gpus, "days": days, "mfu": mfu}.items() if v is not None}
    )

    def run(**kw: Any) -> dict[str, float]:
        return run_numbers(**fixed, **kw)  # a plain dict: no model built per corner

    ranged = propagate(run, inputs)
    if solved == "gpus" and ranged["gpus"].low < 1:
        one_gpu_days = ranged["gpu_hours"].mid / HOURS_PER_DAY
        raise InfeasibleError(
            f"gpus: fewer than one GPU ({ranged['gpus'].low:.3g}) finishes in the days given;"
            f" one GPU takes {one_gpu_days:.3g} days (give --gpus 1 to solve for days)"
        )
    conv = fpt.convention
    notes = [
        f"FLOPs: {conv.describe()}; recompute {recompute} (hardware FLOPs only)",
        f"{hardware.name}: dense {dtype} peak {peak / 1e12:g} TFLOP/s, TDP {hardware.tdp_w:g} W",
        f"solved for {solved} from the other three of tokens, gpus, days, mfu",
    ]
    if owned:
        notes.append(
            "owned cluster (Cottier et al. 2024): purchase price x overhead x r ln10 per year of GPU time,"
            " r = depreciation in orders of magnitude per year, plus energy"
        )
    else:
        origin = (
            "given"
            if costs.price_per_gpu_hour is not None
            else f"{hardware.name} preset, {hardware.price_date}: {_first_words(hardware.price_source, 70)}"
        )
        notes.append(f"rental at {price} $/GPU-hour ({origin})")
    notes.append(f"energy = GPU-hours x TDP x PUE {costs.pue}; emissions at {costs.grid_kg_per_kwh} kg CO2e/kWh")
    if predicted is not None:
        lay = predicted.layout
        notes.insert(
            2,
            f"MFU predicted, not assumed: step MFU {predicted.step_mfu:.1%} of the layout tp {lay.tp} x cp {lay.cp}"
            f" x pp {lay.pp} x dp {lay.dp}, ep {lay.ep}, ZeRO-{lay.zero}, {lay.recompute} recompute, micro-batch"
            f" {lay.micro_batch}, global batch {predicted.global_batch:,}"
            f" ({'the best fit_training finds' if predicted.chosen_by_fit else 'given'}; gptcalc step shows its"
            f" breakdown) x goodput {predicted.goodput:.0%} = run MFU {predicted.run_mfu:.1%}",
        )
    elif goodput is not None:
        notes.insert(2, f"goodput {goodput:.0%}: the given MFU is scaled by the share of wall time spent on steps")
    odd = input_warnings(arch=arch, seq_len=seq_len, mfu=ranged["mfu"], pue=costs.pue)
    values: dict[str, Any] = {
        "warnings": odd,
        "model": arch.name,
        "hardware": hardware.name,
        "dtype": dtype,
        "seq_len": seq_len,
        "solved_for": solved,
        "cost_model": costs.cost_model,
        "flops_per_token": fpt,
        "peak_flops": float(peak),
        "price_per_gpu_hour": price if isinstance(price, Range) else Range.exact(float(price)),
        "assumptions": notes,
        **{k: v for k, v in ranged.items() if k in _RUN_FIELDS},
    }
    # Every value was just computed and checked (run_numbers: finite, positive; ranges ordered by construction):
    # built without a second validation of its fourteen ranges.
    return trusted(TrainingEstimate, {name: values[name] for name in _ESTIMATE_FIELDS})


def tokens_for_flops(
    arch: Architecture, seq_len: int, flops: Value, convention: FlopsConvention | None = None
) -> Value:
    """The training tokens a FLOP budget (a number or a range) buys: FLOPs / training FLOPs per token under
    ``convention`` (the run identity of the module docstring read backwards)."""
    return scale(flops, 1.0 / flops_per_token(arch, seq_len, convention).training_per_token)


def _first_words(text: str, limit: int) -> str:
    """The first clause of a source note, cut at a word boundary."""
    clause = text.split(";")[0].strip()
    if len(clause) <= limit:
        return clause
    return clause[:limit].rsplit(" ", 1)[0] + "…"
