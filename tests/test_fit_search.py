"""The fit search against a brute-force walk of its whole search space.

fit_training skips most of its grid: a (tp, pp, dp, ep) whose most frugal setting (ZeRO-3, full recompute,
micro-batch 1) does not fit is dropped whole, and inside a group it walks ZeRO 3 -> 0, recompute full -> none and
micro-batch 1 -> 8, stopping at the first setting that no longer fits. Those shortcuts are exact only if memory
is monotonic (tests/test_memory_properties.py) and the walk is written the right way round. Here every layout
of the documented space is evaluated with training_memory, and fit must report exactly the ones that fit.
"""

from __future__ import annotations

from functools import cache

import pytest

from gptcalc.adapters.load import load_hardware
from gptcalc.fit import fit_training, tp_options
from gptcalc.memory import training_memory
from gptcalc.specs.arch import Architecture
from gptcalc.specs.layout import TrainLayout
from gptcalc.steptime import step_time

SEQ = 4096
# fit's documented space: ZeRO 0-3, recompute none/selective/full, micro-batches 1, 2, 4, 8.
ZERO = (0, 1, 2, 3)
RECOMPUTE = ("none", "selective", "full")
MICRO = (1, 2, 4, 8)
Key = tuple[int, int, int, int, int, str, int]


def small_moe() -> Architecture:
    # ~0.9B parameters: 16 bytes of states each (mixed-precision Adam) is ~14 GiB to split.
    return Architecture.model_validate(
        {
            "name": "small-moe",
            "n_layers": 8,
            "hidden_size": 2048,
            "vocab_size": 32000,
            "attention": {"n_heads": 16, "n_kv_heads": 4},
            "mlp": {"activation": "swiglu", "d_ff": 5632},
            "moe": {"n_experts": 8, "top_k": 2, "expert_d_ff": 2816},
        }
    )


def groups(arch: Architecture, gpus: int) -> list[tuple[int, int, int, int]]:
    """Every (tp, pp, dp, ep) with tp x pp x dp = gpus: tp as the framework allows, pp dividing the layers,
    dp a power of two, ep dividing both the experts and dp."""
    assert arch.moe is not None
    out = []
    for tp in tp_options(arch, load_hardware("h100")):
        for pp in (p for p in range(1, arch.n_layers + 1) if arch.n_layers % p == 0):
            dp, rest = divmod(gpus, tp * pp)
            if rest or dp & (dp - 1):
                continue
            out += [(tp, pp, dp, ep) for ep in range(1, dp + 1) if dp % ep == 0 and arch.moe.n_experts % ep == 0]
    return out


@cache
def brute_force(memory_gib: float, gpus: int) -> dict[Key, tuple[float, float]]:
    """Every fitting layout of the space -> (headroom bytes, MFU of its default step)."""
    arch, hw = small_moe(), load_hardware("h100", overrides=[f"memory_gib={memory_gib}"])
    fitting = {}
    for tp, pp, dp, ep in groups(arch, gpus):
        for zero, rc, mb in ((z, r, m) for z in ZERO for r in RECOMPUTE for m in MICRO):
            layout = TrainLayout(tp=tp, pp=pp, dp=dp, ep=ep, zero=zero, recompute=rc, micro_batch=mb)
            mem = training_memory(arch, hw, layout, SEQ)
            if mem.fits:
                # fit's default step: 8 micro-batches per replica (or pp, if more), mb sequences each.
                st = step_time(arch, hw, layout, seq_len=SEQ, global_batch=dp * mb * max(8, pp))
                fitting[(tp, pp, dp, ep, zero, rc, mb)] = (mem.headroom_bytes, st.mfu)
    return fitting


def row_key(r: object) -> Key:
    return (r.tp, r.pp, r.dp, r.ep, r.zero, r.recompute, r.micro_batch)  # type: ignore[attr-defined]


# A few GiB per GPU (2 GiB of it the fixed allowance) leaves every kind of group: some fit nothing, some only
# the frugal corner, some every setting up to micro-batch 8. Checked below, so the scenarios keep their teeth.
# At 20 GiB most groups fit every setting, and micro-batch 16 fits too: a search that went past 8 would show.
CASES = [(5.0, 8), (4.25, 16), (4.25, 32), (20.0, 16)]


def test_the_scenarios_exercise_every_boundary() -> None:
    arch = small_moe()
    frugal_only = some_none = mb8 = mb_cut = zero_cut = recompute_cut = False
    for gib, gpus in CASES:
        fitting = brute_force(gib, gpus)
        for group in groups(arch, gpus):
            settings = {k[4:] for k in fitting if k[:4] == group}
            some_none |= not settings
            frugal_only |= settings == {(3, "full", 1)}
            mb8 |= any(mb == 8 for *_, mb in settings)
            mb_cut |= any(mb == 1 for *_, mb in settings) and not any(mb == 8 for *_, mb in settings)
            zero_cut |= bool(settings) and not any(z == 0 for z, *_ in settings)
            recompute_cut |= bool(settings) and not any(rc == "none" for _, rc, _ in settings)
    assert some_none and frugal_only and mb8 and mb_cut and zero_cut and recompute_cut
    # Beyond the space: micro-batch 16 fits in the roomiest scenario, so fit must be what stops at 8.
    arch, hw = small_moe(), load_hardware("h100", overrides=["memory_gib=20"])
    wide = TrainLayout(tp=8, pp=2, dp=1, zero=3, recompute="full", micro_batch=16)
    assert training_memory(arch, hw, wide, SEQ).fits


@pytest.mark.parametrize(("gib", "gpus"), CASES)
def test_fit_reports_exactly_the_layouts_that_fit(gib: float, gpus: int) -> None:
    fitting = brute_force(gib, gpus)
    assert fitting, "the scenario must leave something that fits"
    hw = load_hardware("h100", overrides=[f"memory_gib={gib}"])
    result = fit_training(small_moe(), hw, seq_len=SEQ, gpus=gpus, top=100_000)
    assert {row_key(r) for r in result.rows} == set(fitting)
    for r in result.rows:
        assert r.headroom_bytes == pytest.approx(fitting[row_key(r)][0], rel=1e-12)


@pytest.mark.parametrize(("gib", "gpus"), CASES)
def test_fit_ranks_by_implied_mfu_then_headroom(gib: float, gpus: int) -> None:
    # Nothing cut (top is larger than the fitting set): rows are every fitting layout, best MFU first.
    fitting = brute_force(gib, gpus)
    hw = load_hardware("h100", overrides=[f"memory_gib={gib}"])
    rows = fit_training(small_moe(), hw, seq_len=SEQ, gpus=gpus, top=100_000).rows
    expected = sorted((-mfu, -headroom) for headroom, mfu in fitting.values())
    assert [-(r.mfu or 0.0) for r in rows] == pytest.approx([mfu for mfu, _ in expected], rel=1e-12)
    assert [-r.headroom_bytes for r in rows] == pytest.approx([room for _, room in expected], rel=1e-12)


def test_fewest_gpus_is_the_smallest_count_that_fits() -> None:
    # Without --gpus fit searches every count up to max_gpus and keeps the smallest that fits.
    arch, hw = small_moe(), load_hardware("h100", overrides=["memory_gib=4.25"])
    fits_at = [g for g in range(1, 33) if brute_force(4.25, g)]
    result = fit_training(arch, hw, seq_len=SEQ, max_gpus=32, top=100_000)
    assert result.fewest_gpus == min(fits_at)
    assert {row_key(r) for r in result.rows} == set(brute_force(4.25, result.fewest_gpus))


def test_default_top_still_finds_the_best_mfu() -> None:
    fitting = brute_force(4.5, 16)
    assert len(fitting) > 50  # many candidates: the old cut (50 at the least) dropped the best-MFU layout
    hw = load_hardware("h100", overrides=["memory_gib=4.5"])
    best = fit_training(small_moe(), hw, seq_len=SEQ, gpus=16).rows[0]
    assert best.mfu == pytest.approx(max(mfu for _, mfu in fitting.values()), rel=1e-12)


@pytest.mark.parametrize("gpus", [1, 2, 4, 8, 16])
def test_no_layout_beats_the_state_floor_fit_prunes_with(gpus: int) -> None:
    # fit skips GPU counts N where states / N (x the overhead allowance) exceeds the capacity: the model states
    # (16 bytes a parameter with mixed-precision Adam) exist at least once across the N GPUs, so the most loaded
    # one holds at least their N-th share. Checked on the most frugal setting of every group (memory only grows
    # from it: tests/test_memory_properties.py).
    from gptcalc.memory import GIB, OVERHEAD_FRACTION, OVERHEAD_GIB
    from gptcalc.params import count_params

    arch, hw = small_moe(), load_hardware("h100")
    floor = count_params(arch).total * 16 / gpus * (1 + OVERHEAD_FRACTION) + OVERHEAD_GIB * GIB
    for tp, pp, dp, ep in groups(arch, gpus):
        frugal = TrainLayout(tp=tp, pp=pp, dp=dp, ep=ep, zero=3, recompute="full", micro_batch=1)
        assert training_memory(arch, hw, frugal, SEQ).per_gpu_bytes >= floor
