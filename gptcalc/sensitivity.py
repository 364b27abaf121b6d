"""One-at-a-time sensitivity: move each input across its range and watch cost and days.

Every fixed run input (tokens, gpus, days, mfu, whichever the scenario fixes) and every cost input the cost
model uses is moved to its low and high end while the others stay at their central values; an input the
scenario gives as a range uses that range, any other moves by +-20% (MFU capped at 1). Inputs that change
none of the metrics are left out. Rows are sorted by the swing they cause in the first metric: the order of a
tornado chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from gptcalc.errors import InputError
from gptcalc.scenario import scenario_run_context
from gptcalc.specs.base import Result
from gptcalc.specs.quantities import Range, Value, mid
from gptcalc.specs.scenario import ResolvedScenario
from gptcalc.training import TrainingRun, run_numbers

DEFAULT_SWING = 0.2


class SensitivityRow(Result):
    input: str
    low: float
    high: float
    from_range: bool = Field(description="True when low/high come from the scenario's range, not +-swing.")
    at_low: dict[str, float]
    at_high: dict[str, float]


class Sensitivity(Result):
    scenario: str
    metrics: list[str]
    base: dict[str, float]
    swing: float
    rows: list[SensitivityRow]


def sensitivity(
    resolved: ResolvedScenario, metrics: Sequence[str] = ("cost_usd", "days"), swing: float = DEFAULT_SWING
) -> Sensitivity:
    """Tornado data for a training scenario (module docstring)."""
    if not 0 < swing < 1:
        raise InputError(f"--swing: must be in (0, 1), got {swing}")
    bad = [m for m in metrics if m not in TrainingRun.model_fields]
    if bad:
        raise InputError(f"--metric: unknown {bad[0]!r}; allowed: {', '.join(TrainingRun.model_fields)}")
    s = resolved.scenario
    fixed, cost_inputs = scenario_run_context(resolved)
    # The run's own inputs first, then prices and energy: equal swings (tokens and price both move cost
    # linearly) keep this order, whatever the last bit of the float arithmetic says.
    inputs: dict[str, Value] = {}
    for key in ("tokens", "gpus", "days", "mfu"):
        value = resolved.tokens if key == "tokens" else getattr(s, key)
        if value is not None:
            inputs[key] = value
    inputs.update(cost_inputs)
    centre: dict[str, Any] = {k: mid(v) for k, v in inputs.items()}
    base = run_numbers(**fixed, **centre)
    rows = []
    for key, value in inputs.items():
        if centre[key] == 0:
            continue  # e.g. no purchase price under the rental model: nothing to move
        if isinstance(value, Range) and not value.is_exact:
            low, high, from_range = value.low, value.high, True
        else:
            low, high, from_range = centre[key] * (1 - swing), centre[key] * (1 + swing), False
            if key == "mfu":
                high = min(high, 1.0)
        at_low = run_numbers(**fixed, **{**centre, key: low})
        at_high = run_numbers(**fixed, **{**centre, key: high})
        if all(at_low[m] == base[m] == at_high[m] for m in metrics):
            continue
        rows.append(
            SensitivityRow(
                input=key,
                low=low,
                high=high,
                from_range=from_range,
                at_low={m: at_low[m] for m in metrics},
                at_high={m: at_high[m] for m in metrics},
            )
        )
    first = metrics[0]
    rows.sort(key=lambda r: -float(f"{abs(r.at_high[first] - r.at_low[first]):.9g}"))
    return Sensitivity(
        scenario=s.name, metrics=list(metrics), base={m: base[m] for m in metrics}, swing=swing, rows=rows
    )
