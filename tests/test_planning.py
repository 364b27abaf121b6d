"""Scaling laws, budget planning and solving for architectures from rumoured totals."""

from __future__ import annotations

import math

import pytest

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.errors import InfeasibleError, InputError
from gptcalc.params import count_params
from gptcalc.plan import plan, suggest_architecture
from gptcalc.scaling import FITS, compute_optimal, loss
from gptcalc.solve import solve
from gptcalc.specs.solve import SolveShape, SolveTargets

CHINCHILLA_BUDGET = 5.76e23  # Hoffmann et al. 2022: Gopher's budget, on which Chinchilla was trained


def by_hand(flops: float, E: float, A: float, B: float, alpha: float, beta: float) -> tuple[float, float]:
    # Hoffmann et al. 2022 Eq. 4: N = G (C/6)^a, D = G^-1 (C/6)^b, G = (alpha A / (beta B))^(1/(alpha+beta)).
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    a, b = beta / (alpha + beta), alpha / (alpha + beta)
    return G * (flops / 6) ** a, (flops / 6) ** b / G


def test_corrected_fit_recovers_chinchilla() -> None:
    # Besiroglu et al. 2024, Table 1.
    n, d = by_hand(CHINCHILLA_BUDGET, 1.8172, 482.01, 2085.43, 0.3478, 0.3658)
    opt = compute_optimal(CHINCHILLA_BUDGET)  # the default fit
    assert opt.fit == "besiroglu"
    assert (opt.params, opt.tokens) == pytest.approx((n, d))
    assert opt.params == pytest.approx(70e9, rel=0.10)  # Chinchilla: 70B parameters
    assert opt.tokens == pytest.approx(1.4e12, rel=0.10)  # on 1.4T tokens
    assert 6 * opt.params * opt.tokens == pytest.approx(CHINCHILLA_BUDGET)


def test_published_rounded_fit_disagrees() -> None:
    # Hoffmann et al.'s own rounded constants put the optimum far from 70B, near 90 tokens per parameter.
    n, d = by_hand(CHINCHILLA_BUDGET, 1.69, 406.4, 410.7, 0.34, 0.28)
    opt = compute_optimal(CHINCHILLA_BUDGET, FITS["hoffmann"])
    assert (opt.params, opt.tokens) == pytest.approx((n, d))
    assert opt.params < 40e9
    assert 85 < opt.tokens_per_param < 100


def test_loss() -> None:
    fit = FITS["hoffmann"]
    assert loss(70e9, 1.4e12, fit) == pytest.approx(1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28)
    assert loss(1e9, 1e12) > loss(1e10, 1e12) > loss(1e10, 1e13)
    with pytest.raises(InputError):
        loss(0, 1e12)
    with pytest.raises(InputError, match="budget"):
        compute_optimal(-1)


def test_plan_budget_binding() -> None:
    h100 = load_hardware("h100")
    p = plan(h100, mfu=0.4, price_per_gpu_hour=2.0, budget_usd=10e6, days=90)
    flops = 10e6 / 2.0 * 3600 * 989.4e12 * 0.4  # GPU-hours x seconds x peak x MFU
    assert p.binding == "budget" and p.flops == pytest.approx(flops)
    assert p.tokens == pytest.approx(flops / (6 * p.params))
    assert p.params == count_params(p.architecture).total
    assert p.params == pytest.approx(p.optimal_params, rel=0.03)
    assert p.gpus == math.ceil(10e6 / 2.0 / (90 * 24))  # whole GPUs: 2,314.8 -> 2,315
    assert p.cost_usd == pytest.approx(10e6)


def test_plan_gpus_and_days_can_bind() -> None:
    h100 = load_hardware("h100")
    p = plan(h100, mfu=0.4, price_per_gpu_hour=2.0, budget_usd=10e6, gpus=1000, days=30)
    assert p.binding == "gpus x days"
    assert p.flops == pytest.approx(1000 * 30 * 86400 * 989.4e12 * 0.4)
    assert p.days == pytest.approx(30)


def test_plan_errors() -> None:
    h100 = load_hardware("h100")
    with pytest.raises(InputError, match="GPU-hours"):
        plan(h100, mfu=0.4, price_per_gpu_hour=2.0, budget_usd=1.0)
    with pytest.raises(InputError, match="give --budget"):
        plan(h100, mfu=0.4, gpus=100)
    with pytest.raises(InputError, match="mfu"):
        plan(h100, mfu=1.5, budget_usd=1e6)


@pytest.mark.parametrize("target", [1.3e9, 7e9, 70e9])
def test_suggested_architectures_hit_their_size(target: float) -> None:
    arch = suggest_architecture(target)
    assert count_params(arch).total == pytest.approx(target, rel=0.05)
    assert arch.hidden_size % 128 == 0 and arch.attention.n_heads % arch.attention.kv_heads == 0
    assert 50 < arch.hidden_size / arch.n_layers < 250


def test_solve_reproduces_the_gpt4_preset() -> None:
    # The leak: 1.8T total, 120 layers, 16 experts (2 routed), ~111B per expert, ~55B attention.
    result = solve(
        SolveTargets(total=1.8e12, expert=111e9, attention=55e9), SolveShape(layers=120, experts=16, top_k=2)
    )
    preset = load_model("gpt-4")
    arch = result.architecture
    assert result.hidden == preset.hidden_size == 10752
    assert (arch.attention.n_heads, arch.head_dim, arch.mlp.d_ff) == (
        preset.attention.n_heads,
        preset.head_dim,
        preset.mlp.d_ff,
    )
    assert result.counts.one_routed_expert == pytest.approx(111e9, rel=0.02)
    assert result.counts.breakdown.attention == pytest.approx(55e9, rel=0.02)
    # By hand at h = 10,752: one expert = 120 x (2 x 4h^2 + 5h) and attention = 120 x (4h^2 + 4h).
    h = 10752
    assert result.counts.one_routed_expert == 120 * (8 * h * h + 5 * h)
    assert result.counts.breakdown.attention == 120 * (4 * h * h + 4 * h)


def test_solve_total_alone_shows_the_rounding() -> None:
    # 1.8T alone is met by h = 10,624, whose experts are ~108B: the leak's 1.8T is 16 x 111B + 55B rounded down.
    result = solve(SolveTargets(total=1.8e12), SolveShape(layers=120, experts=16, top_k=2))
    assert result.hidden == 10624
    assert abs(result.counts.total / 1.8e12 - 1) < 0.01
    assert result.counts.one_routed_expert < 109e9


def test_solve_infeasible_and_bad_input() -> None:
    with pytest.raises(InfeasibleError, match="no hidden size reaches"):
        solve(SolveTargets(total=1e6), SolveShape(layers=120))
    with pytest.raises(InputError, match="at least one target"):
        solve(SolveTargets(), SolveShape(layers=12))
    with pytest.raises(InputError, match="--expert-params needs --experts"):
        solve(SolveTargets(expert=1e9), SolveShape(layers=12))
    assert math.isfinite(solve(SolveTargets(total=7e9), SolveShape(layers=32)).hidden_continuous)


def test_plan_from_a_flop_budget() -> None:
    p = plan(load_hardware("h100"), mfu=0.4, flops=CHINCHILLA_BUDGET)
    assert p.binding == "flops" and p.flops == CHINCHILLA_BUDGET
    assert p.optimal_params == pytest.approx(compute_optimal(CHINCHILLA_BUDGET).params)
    assert p.gpu_hours == pytest.approx(CHINCHILLA_BUDGET / (989.4e12 * 0.4 * 3600))


@pytest.mark.parametrize(("params", "layers"), [(7e9, 32), (70e9, 80), (405e9, 126), (3e8, 24), (1.5e12, 120)])
def test_width_search_matches_a_scan_of_every_width(params: float, layers: int) -> None:
    """The square-root steps of _width_for find what scanning every allowed width finds: the width whose exact
    count is nearest the target among the last one below it and the first one reaching it."""
    from gptcalc.params import count_params
    from gptcalc.plan import _width_for
    from gptcalc.shapes import llama_style

    unit = 1024 if params >= 1e9 else 128
    totals = {
        u: count_params(llama_style(layers, u * unit, vocab=128_256)).total for u in range(1, 131_072 // unit + 1)
    }
    first = min(u for u, t in totals.items() if t >= params)
    expected = min((c for c in (first - 1, first) if c >= 1), key=lambda c: abs(totals[c] - params))
    assert _width_for(params, layers, 128_256) == expected * unit
