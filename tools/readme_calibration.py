"""Rewrite the README's training and serving error tables (``gptcalc calibrate``) and the serving holdout's
(``benchmarks/holdout_serving.py``); ``--check``: exit 1 when one is stale."""

from __future__ import annotations

import sys
from pathlib import Path

from readme_blocks import replace_block, run

from gptcalc.adapters.calibration import load_training_cases
from gptcalc.adapters.calibration_serving import load_serving_cases
from gptcalc.calibrate import Calibration, calibrate, calibrate_serving


def block() -> str:
    cases, skipped = load_training_cases()
    return table(calibrate(cases, [s.model_dump() for s in skipped]))


def serving_block() -> str:
    cases, skipped = load_serving_cases()
    return table(calibrate_serving(cases, [s.model_dump() for s in skipped]))


def holdout_block() -> str:
    """The serving holdout's table (benchmarks/holdout_serving.py: rows never used for fitting)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import holdout_serving

    h = holdout_serving.run()
    return holdout_serving.table("source group", h.groups, h.overall) + "\n"


def table(result: Calibration) -> str:
    """Per source group and overall: n, median, p10, p90, share within 0.8-1.25x, median |error|; then the rows
    not predicted, by reason."""
    lines = [
        "| source group | n | median pred/meas | p10 | p90 | within 0.8-1.25x | median abs. error |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in [*result.groups, result.overall]:
        name = f"**{g.name}**" if g.name == "overall" else g.name
        stats = f"{g.median:.3f} | {g.p10:.3f} | {g.p90:.3f} | {g.within:.0%} | {g.median_abs_error:.1%}"
        lines.append(f"| {name} | {g.n} | {stats} |")
    lines.append("")
    lines.append(f"Not predicted ({len(result.unrepresented)} rows):")
    reasons: dict[str, int] = {}
    for u in result.unrepresented:
        reasons[u["reason"]] = reasons.get(u["reason"], 0) + 1
    lines += [f"- {n} x {reason}" for reason, n in reasons.items()]
    return "\n".join(lines) + "\n"


BLOCKS = {"calibration-training": block, "calibration-serving": serving_block, "holdout-serving": holdout_block}


def rendered(text: str) -> str:
    for name, make in BLOCKS.items():
        text = replace_block(text, name, make())
    return text


if __name__ == "__main__":
    raise SystemExit(max(run(name, make, sys.argv[1:]) for name, make in BLOCKS.items()))
