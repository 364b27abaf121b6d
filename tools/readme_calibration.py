"""Rewrite the README's training error table from ``gptcalc calibrate`` (``--check``: exit 1 when stale)."""

from __future__ import annotations

import sys

from readme_blocks import replace_block, run

from gptcalc.adapters.calibration import load_training_cases
from gptcalc.calibrate import calibrate


def block() -> str:
    cases, skipped = load_training_cases()
    result = calibrate(cases, [s.model_dump() for s in skipped])
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


def rendered(text: str) -> str:
    return replace_block(text, "calibration-training", block())


if __name__ == "__main__":
    raise SystemExit(run("calibration-training", block, sys.argv[1:]))
