"""The monotonicity the fit search's pruning relies on, over random small models and layouts (hypothesis).

fit_training drops a (tp, pp, dp, ep) when none of its frugal corners (ZeRO-2 or -3, full or selective
recomputation, micro-batch 1) fits, and walks micro-batch 1 -> 8, ZeRO 2 -> 0 and selective -> none
recomputation, stopping at the first that does not fit. That is exact only if per-GPU memory never rises from
ZeRO-0 to 1 to 2, never rises from none to selective recomputation, and never falls as the micro-batch grows
(ZeRO, Rajbhandari et al. 2020 Sec. 5; Korthikanti et al. 2022 Table 2: every activation term is proportional
to b). ZeRO-3 (its gather buffers) and full recomputation (the re-run layer's working set) need not be
monotone against their neighbours, and fit does not assume they are.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gptcalc.adapters.load import load_hardware
from gptcalc.fit import tp_options
from gptcalc.memory import training_memory
from gptcalc.specs.arch import Architecture
from gptcalc.specs.layout import TrainLayout
from tests.strategies import architectures

H100 = load_hardware("h100")
SLACK = 1 + 1e-12  # the same sums in another order may differ in the last bit


@st.composite
def model_and_layout(draw: st.DrawFn) -> tuple[Architecture, dict[str, Any], int]:
    arch = draw(architectures())
    dp = draw(st.sampled_from([1, 2, 4, 8]))
    experts = arch.moe.n_experts if arch.moe else 1
    pp = draw(st.sampled_from([p for p in range(1, arch.n_layers + 1) if arch.n_layers % p == 0]))
    # Interleaving needs a pipeline and splits each stage's layers evenly (Megatron-LM's rule).
    chunks = [1] if pp == 1 else [v for v in (1, 2, 3) if (arch.n_layers // pp) % v == 0]
    layout = {
        "tp": draw(st.sampled_from(tp_options(arch, H100))),
        "pp": pp,
        "dp": dp,
        "ep": draw(st.sampled_from([e for e in range(1, dp + 1) if dp % e == 0 and experts % e == 0])),
        "sequence_parallel": draw(st.booleans()),
        "virtual_stages": draw(st.sampled_from(chunks)),
        "precision": draw(st.sampled_from(["bf16", "fp16", "fp8", "fp32"])),
        "optimizer": draw(st.sampled_from(["adam", "adam8bit", "sgd"])),
        "attention": draw(st.sampled_from(["flash", "eager"])),
        "dropout": draw(st.booleans()),
        "capacity_factor": draw(st.sampled_from([1.0, 1.25, 2.0])),
    }
    return arch, layout, draw(st.sampled_from([16, 128, 512, 2048]))


def per_gpu(arch: Architecture, seq_len: int, **layout: Any) -> float:
    return training_memory(arch, H100, TrainLayout(**layout), seq_len).per_gpu_bytes


@settings(max_examples=80, deadline=None)
@given(model_and_layout(), st.sampled_from(["none", "selective", "full"]), st.sampled_from([1, 2, 4, 8]))
def test_memory_never_rises_with_the_zero_stage(case: Any, recompute: str, micro_batch: int) -> None:
    arch, layout, s = case
    by_stage = [per_gpu(arch, s, **layout, zero=z, recompute=recompute, micro_batch=micro_batch) for z in range(3)]
    for lower, higher in pairwise(by_stage):
        assert higher <= lower * SLACK, by_stage


@settings(max_examples=80, deadline=None)
@given(model_and_layout(), st.integers(0, 3), st.sampled_from([1, 2, 4, 8]))
def test_memory_never_rises_with_more_recomputation(case: Any, zero: int, micro_batch: int) -> None:
    arch, layout, s = case
    none, selective, full = (
        per_gpu(arch, s, **layout, zero=zero, recompute=rc, micro_batch=micro_batch)
        for rc in ("none", "selective", "full")
    )
    assert selective <= none * SLACK, (none, selective, full)


@settings(max_examples=80, deadline=None)
@given(model_and_layout(), st.integers(0, 3), st.sampled_from(["none", "selective", "full"]))
def test_memory_never_falls_as_the_micro_batch_grows(case: Any, zero: int, recompute: str) -> None:
    arch, layout, s = case
    by_mb = [per_gpu(arch, s, **layout, zero=zero, recompute=recompute, micro_batch=b) for b in (1, 2, 4, 8, 16)]
    for smaller, larger in pairwise(by_mb):
        assert smaller <= larger * SLACK, by_mb
