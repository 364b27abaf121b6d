"""Predicted against measured: the step-time model over every calibration case, and its error table.

For each case the ratio is predicted / measured tokens per second per GPU (> 1: the model is too fast). Per
source group and overall: n, median ratio, the 10th and 90th percentiles, the share within 0.8-1.25x and the
median absolute error |ratio - 1|. Percentiles interpolate linearly between order statistics.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from pydantic import Field

from gptcalc.specs.base import Result
from gptcalc.specs.calibration import CalibrationCase, ServingCase
from gptcalc.specs.serving import ServingModel
from gptcalc.specs.timemodel import TimeModel
from gptcalc.steptime import step_time


class CaseResult(Result):
    name: str
    group: str
    measured: float = Field(description="Tokens per second per GPU, measured.")
    predicted: float = Field(description="Tokens per second per GPU, predicted.")
    ratio: float = Field(description="predicted / measured.")


class GroupStats(Result):
    name: str
    n: int
    median: float = Field(description="Median predicted/measured.")
    p10: float
    p90: float
    within: float = Field(description="Share of rows with 0.8 <= ratio <= 1.25.")
    median_abs_error: float = Field(description="Median |ratio - 1|.")


class Calibration(Result):
    kind: str
    groups: list[GroupStats]
    overall: GroupStats
    cases: list[CaseResult]
    unrepresented: list[dict[str, str]] = Field(description="Rows not predicted, with the reason.")


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def stats(name: str, ratios: Sequence[float]) -> GroupStats:
    """The error table's row for ``ratios`` (module docstring)."""
    r = list(ratios)
    return GroupStats(
        name=name,
        n=len(r),
        median=statistics.median(r),
        p10=_quantile(r, 0.1),
        p90=_quantile(r, 0.9),
        within=sum(1 for x in r if 0.8 <= x <= 1.25) / len(r),
        median_abs_error=statistics.median(abs(x - 1) for x in r),
    )


def predict_case(case: CalibrationCase, model: TimeModel | None = None) -> float:
    """Predicted tokens per second per GPU of one case."""
    st = step_time(
        case.arch, case.hardware, case.layout, seq_len=case.seq_len, global_batch=case.global_batch, model=model
    )
    return st.tokens_per_second_per_gpu


def calibrate(
    cases: Sequence[CalibrationCase], unrepresented: Sequence[dict[str, str]] = (), model: TimeModel | None = None
) -> Calibration:
    """Predict every case and summarise the errors per group and overall."""
    results = []
    for case in cases:
        predicted = predict_case(case, model)
        measured = case.measured_tokens_per_s_per_gpu
        results.append(
            CaseResult(
                name=case.name, group=case.group, measured=measured, predicted=predicted, ratio=predicted / measured
            )
        )
    groups: dict[str, list[float]] = {}
    for r in results:
        groups.setdefault(r.group, []).append(r.ratio)
    return Calibration(
        kind="training",
        groups=[stats(g, rs) for g, rs in groups.items()],
        overall=stats("overall", [r.ratio for r in results]),
        cases=results,
        unrepresented=list(unrepresented),
    )


# ------------------------------------------------------------------------------------------------ serving


def predict_serving_case(case: ServingCase, model: ServingModel | None = None) -> float:
    """Predicted value of one serving case in its metric's unit: static-batching output tokens/s per GPU
    (prefill included), TTFT at batch 1 in seconds, or batch-1 decode tokens/s (:mod:`gptcalc.serving`)."""
    from gptcalc.serving import estimate_serving

    est = estimate_serving(case.arch, case.hardware, case.setup, allow_overflow=True, model=model, knee=False)
    if case.metric == "output_tokens_per_s_per_gpu":
        return est.output_tokens_per_second_per_gpu
    if case.metric == "ttft_s":
        return est.ttft_s
    return est.decode_tokens_per_second


def calibrate_serving(
    cases: Sequence[ServingCase],
    unrepresented: Sequence[dict[str, str]] = (),
    model: ServingModel | None = None,
) -> Calibration:
    """Predict every serving case and summarise the errors per group and overall. The ratio is always a speed
    ratio, > 1 when the model is too fast: predicted/measured for throughputs, measured/predicted for TTFT."""
    results = []
    for case in cases:
        predicted = predict_serving_case(case, model)
        ratio = case.measured / predicted if case.metric == "ttft_s" else predicted / case.measured
        results.append(
            CaseResult(name=case.name, group=case.group, measured=case.measured, predicted=predicted, ratio=ratio)
        )
    groups: dict[str, list[float]] = {}
    for r in results:
        groups.setdefault(r.group, []).append(r.ratio)
    return Calibration(
        kind="serving",
        groups=[stats(g, rs) for g, rs in groups.items()],
        overall=stats("overall", [r.ratio for r in results]),
        cases=results,
        unrepresented=list(unrepresented),
    )
