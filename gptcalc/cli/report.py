"""Tables shared by several commands (training estimates)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gptcalc.cli import notices
from gptcalc.render import assumptions, cell, table

if TYPE_CHECKING:
    from rich.console import Console

    from gptcalc.training import TrainingEstimate
from gptcalc.fmt import fmt_count, fmt_flops, fmt_pct, fmt_si, fmt_usd, fmt_whole, sig3


def _days(x: float) -> str:
    return sig3(x)


def _gpus(x: float) -> str:
    return fmt_whole(x) if x >= 100 or x == int(x) else sig3(x)


ESTIMATE_ROWS = (
    ("tokens", "tokens", fmt_count),
    ("training FLOPs", "flops", fmt_flops),
    ("hardware FLOPs (with recompute)", "hardware_flops", fmt_flops),
    ("GPUs", "gpus", _gpus),
    ("days", "days", _days),
    ("MFU", "mfu", fmt_pct),
    ("HFU", "hfu", fmt_pct),
    ("GPU-hours", "gpu_hours", fmt_count),
    ("cost", "cost_usd", fmt_usd),
    ("rental cost", "rental_cost_usd", fmt_usd),
    ("owned-cluster cost", "owned_cost_usd", fmt_usd),
    ("energy (MWh)", "energy_mwh", lambda x: fmt_si(x)),
    ("emissions (t CO2e)", "emissions_t", lambda x: fmt_si(x)),
)


def print_estimate(out: Console, est: TrainingEstimate, title: str) -> None:
    """A training estimate as a table (central value and range) plus its assumptions."""
    notices.warn(est.warnings)
    rows = []
    for label, key, fmt in ESTIMATE_ROWS:
        v = getattr(est, key)
        derived = " (solved)" if key == est.solved_for else ""
        rows.append([label + derived, fmt(v.mid), "" if v.is_exact else fmt(v.low), "" if v.is_exact else fmt(v.high)])
    out.print(table(title, ["", "central", "low", "high"], rows))
    if est.mfu.high > 1:
        out.print(f"[bold red]The implied MFU reaches {fmt_pct(est.mfu.high)}: impossible on {est.hardware}.[/]")
    out.print()
    fpt = est.flops_per_token
    att = "included" if fpt.attention_included else "not included"
    notes = [
        f"{fmt_flops(fpt.training_per_token)} per token at {est.seq_len:,} tokens "
        f"(attention {fmt_flops(fpt.attention_forward)} forward per token, {att})",
        *est.assumptions,
    ]
    out.print(assumptions(notes))


def cells(est: TrainingEstimate, key: str) -> str:
    for _, k, fmt in ESTIMATE_ROWS:
        if k == key:
            return cell(getattr(est, key), fmt)
    raise KeyError(key)
