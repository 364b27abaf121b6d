"""Forward FLOPs under the ``palm`` convention equal what torch's FLOP counter measures on transformers' own models.

``tools/make_golden.py`` runs every small golden model (real tensors on CPU, eager attention, each expert on its
own tokens) over 8 tokens under ``torch.utils.flop_counter.FlopCounterMode`` and stores the count in the fixture's
``forward_flops``. ``palm`` counts 2 FLOPs per weight of every matmul a token passes through (its top-k experts,
routers and the head included) and, for attention, every one of the s keys (``4 a d s`` per layer; eager attention
multiplies the whole s x s score matrix before masking). At 8 tokens no sliding window, attention chunk or
sparse-attention top-k binds. Types whose token mixers are recurrent scans have no count (gptcalc's scan FLOPs
are a formula, not transformers' torch loops), nor does Llama 4, whose expert module multiplies every token by
every expert.
"""

from __future__ import annotations

from typing import Any

import pytest

from gptcalc.adapters.hf_config import architecture_from_hf
from gptcalc.flops import flops_per_token
from gptcalc.specs.conventions import CONVENTIONS
from tests.conftest import golden_cases

MEASURED = [c for c in golden_cases() if "forward_flops" in c and c["case"] != "gpt2-saved-5x"]  # refused


@pytest.mark.parametrize("case", MEASURED, ids=lambda c: c["case"])
def test_palm_forward_flops_equal_torch_flop_counter(case: dict[str, Any]) -> None:
    measured = case["forward_flops"]
    s = measured["seq_len"]
    arch = architecture_from_hf(case["config"])
    f = flops_per_token(arch, s, CONVENTIONS["palm"])
    # The rotary embedding's inv_freq x positions product (if the counter sees one) is not a model matmul.
    assert f.forward_per_token * s * measured["batch"] == measured["total"] - measured["rotary"]


def test_flop_counts_cover_the_attention_families() -> None:
    types = {c["model_type"] for c in MEASURED}
    assert len(MEASURED) >= 80
    assert {"deepseek_v32", "hunyuan_v1_moe", "qwen3_vl_text", "qwen3_vl_moe_text", "glm4_moe", "gpt_oss"} <= types
