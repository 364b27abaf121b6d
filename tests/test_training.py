"""Training runs: the run identity solved each way, costs, energy, scenarios and claim audits."""

from __future__ import annotations

import math

import pytest

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.adapters.scenarios import load_scenario, resolve
from gptcalc.audit import audit
from gptcalc.errors import InputError, UnsupportedDtypeError
from gptcalc.scenario import evaluate
from gptcalc.specs.conventions import CONVENTIONS
from gptcalc.specs.costs import CostAssumptions
from gptcalc.specs.quantities import Range
from gptcalc.training import estimate_training, training_run

COMMON = dict(
    flops_per_token=6e9,
    hardware_flops_per_token=8e9,
    peak_flops=1e15,
    tdp_w=700.0,
    price_per_gpu_hour=2.0,
    gpu_price_usd=30_000.0,
    hardware_overhead=1.5,
    depreciation_oom_per_year=0.14,
    energy_usd_per_kwh=0.1,
    pue=1.25,
    grid_kg_per_kwh=0.4,
)


def test_run_identity_each_way() -> None:
    # 1e12 tokens x 6e9 FLOPs = 6e21 FLOPs; 100 GPUs x 1e15 x 0.5 x 86,400 s = 4.32e21 FLOPs per day.
    days = training_run(**COMMON, tokens=1e12, gpus=100, mfu=0.5)  # type: ignore[arg-type]
    assert days.days == pytest.approx(6e21 / 4.32e21)
    gpus = training_run(**COMMON, tokens=1e12, days=days.days, mfu=0.5)  # type: ignore[arg-type]
    assert gpus.gpus == pytest.approx(100)
    mfu = training_run(**COMMON, tokens=1e12, gpus=100, days=days.days)  # type: ignore[arg-type]
    assert mfu.mfu == pytest.approx(0.5)
    tokens = training_run(**COMMON, gpus=100, days=days.days, mfu=0.5)  # type: ignore[arg-type]
    assert tokens.tokens == pytest.approx(1e12)
    assert days.hfu == pytest.approx(0.5 * 8 / 6)


def test_costs_and_energy_by_hand() -> None:
    r = training_run(**COMMON, tokens=1e12, gpus=100, days=10.0)  # type: ignore[arg-type]
    gpu_hours = 100 * 10 * 24
    assert r.gpu_hours == gpu_hours
    assert r.rental_cost_usd == pytest.approx(gpu_hours * 2.0)
    energy_kwh = gpu_hours * 700 * 1.25 / 1000
    assert r.energy_mwh == pytest.approx(energy_kwh / 1000)
    assert r.emissions_t == pytest.approx(energy_kwh * 0.4 / 1000)
    # Cottier et al. 2024: value x overhead x r ln10 per year of use, plus energy.
    owned = gpu_hours / 8760 * 30_000 * 1.5 * 0.14 * math.log(10) + energy_kwh * 0.1
    assert r.owned_cost_usd == pytest.approx(owned)


def test_over_and_under_determined() -> None:
    with pytest.raises(InputError, match="over-determines"):
        training_run(**COMMON, tokens=1e12, gpus=100, days=10, mfu=0.5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="are all unknown"):
        training_run(**COMMON, tokens=1e12, gpus=100)  # type: ignore[arg-type]


def test_estimate_validation() -> None:
    arch, a100 = load_model("gpt-4"), load_hardware("a100")
    with pytest.raises(UnsupportedDtypeError, match="no fp8"):
        estimate_training(arch, a100, seq_len=8192, tokens=13e12, gpus=25e3, mfu=0.3, dtype="fp8")
    with pytest.raises(InputError, match=r"mfu: must be in \(0, 1\]"):
        estimate_training(arch, a100, seq_len=8192, tokens=13e12, gpus=25e3, mfu=1.2)
    with pytest.raises(InputError, match="gpus: must be > 0"):
        estimate_training(arch, a100, seq_len=8192, tokens=13e12, gpus=-1.0, mfu=0.3)
    with pytest.raises(ValueError, match="must be > 0"):
        CostAssumptions(price_per_gpu_hour=-2)


def test_gpt4_a100_reproduces_63m() -> None:
    est = evaluate(resolve(load_scenario("gpt-4-a100")))
    assert est.cost_usd.mid == pytest.approx(63e6, rel=0.05)
    assert est.cost_usd.contains(63e6)
    assert est.days.low < 100  # overlaps the leak's 90-100 days


def test_gpt4_h100_reproduces_21_5m() -> None:
    est = evaluate(resolve(load_scenario("gpt-4-h100")))
    assert est.cost_usd.mid == pytest.approx(21.5e6, rel=0.05)
    # 8,192 x 55 days x 24 h x $2 = $21.6M, by hand.
    assert est.cost_usd.mid == pytest.approx(8192 * 55 * 24 * 2.0)


def test_audit_reports_implied_values() -> None:
    a = audit(resolve(load_scenario("gpt-4-h100")))
    rows = {r.quantity: r for r in a.rows}
    bf16, fp8 = rows["mfu (bf16 peak)"].derived.mid, rows["mfu (fp8 peak)"].derived.mid
    assert bf16 == pytest.approx(2 * fp8, rel=1e-3)  # the H100 fp8 peak is twice its bf16 peak
    assert 0.5 < bf16 < 0.7  # the leak's H100 claim needs ~56-61% of the bf16 peak: optimistic
    a100 = {r.quantity: r for r in audit(resolve(load_scenario("gpt-4-a100"))).rows}
    # What MFU the $63M implies at $1/A100-hour: FLOPs / (63M h x 3600 x 312e12), palm convention.
    flops = load_model("gpt-4")
    from gptcalc.flops import flops_per_token

    fpt = flops_per_token(flops, 8192, CONVENTIONS["palm"]).training_per_token
    assert a100["mfu implied by the cost (bf16 peak)"].derived.mid == pytest.approx(
        13e12 * fpt / (63e6 * 3600 * 312e12)
    )


def test_audit_flags_disagreement() -> None:
    sc = load_scenario("gpt-4-h100")
    bad = sc.model_copy(update={"claims": sc.claims.model_copy(update={"cost_usd": 40e6})})
    a = audit(resolve(bad))
    assert [r.quantity for r in a.disagreements] == ["cost_usd"]


def test_ranges_propagate_to_every_output() -> None:
    est = estimate_training(
        load_model("llama-2-7b"),
        load_hardware("h100"),
        seq_len=4096,
        tokens=Range(low=1.8e12, mid=2e12, high=2.2e12),
        gpus=1000,
        mfu=Range(low=0.3, mid=0.4, high=0.5),
        convention=CONVENTIONS["causal"],
    )
    for key in ("days", "gpu_hours", "cost_usd", "energy_mwh", "flops"):
        r = getattr(est, key)
        assert r.low < r.mid < r.high
