"""Forward FLOPs under the ``palm`` convention equal what torch's FLOP counter measures on transformers' own models.

``tools/make_golden.py`` runs every small golden model (real tensors on CPU, eager attention, each expert on its
own tokens) over 8 tokens under ``torch.utils.flop_counter.FlopCounterMode`` and stores the count in the fixture's
``forward_flops``. ``palm`` counts 2 FLOPs per weight of every matmul a token passes through (its top-k experts,
routers and the head included) and, for attention, every one of the s keys (``4 a d s`` per layer; eager attention
multiplies the whole s x s score matrix before masking). At 8 tokens no sliding window, attention chunk or
sparse-attention top-k binds. Types whose token mixers are recurrent scans are checked on their projections only
(``forward_flops["matmul"]``: the FLOPs inside every nn.Linear and experts module): transformers' torch path pads
a sequence to whole scan chunks and runs the scan as einsums, so its total is no per-token figure, and gptcalc's
scan FLOPs are the chunked algorithm's formula. Llama 4 has no count: its expert module multiplies every token by
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
    if "matmul" in measured:  # a scan type: its projections, routers, experts and head
        assert f.matmul_forward * s * measured["batch"] == measured["matmul"] + _jamba_dt_proj(case["config"]) * s
        return
    # The rotary embedding's inv_freq x positions product (if the counter sees one) is not a model matmul.
    assert f.forward_per_token * s * measured["batch"] == measured["total"] - measured["rotary"]


def _jamba_dt_proj(config: dict[str, Any]) -> int:
    """Per token, the FLOPs of Jamba's dt_proj: transformers' JambaMambaMixer multiplies by ``dt_proj.weight``
    with a bare matmul inside the mixer (counted with the scan, not under the Linear module), 2 x dt_rank x
    (expand x hidden) per Mamba layer (every layer but those with i % attn_layer_period == attn_layer_offset)."""
    if config.get("model_type") != "jamba":
        return 0
    # JambaConfig's defaults: dt_rank "auto" (ceil(h / 16)), expand 2, attention every 8th layer from layer 4.
    h, layers = config["hidden_size"], config["num_hidden_layers"]
    rank = config.get("mamba_dt_rank", "auto")
    rank = -(-h // 16) if rank == "auto" else rank
    period, offset = config.get("attn_layer_period", 8), config.get("attn_layer_offset", 4)
    mamba_layers = sum(1 for i in range(layers) if i % period != offset)
    return 2 * rank * config.get("mamba_expand", 2) * h * mamba_layers


def test_flop_counts_cover_the_attention_families() -> None:
    types = {c["model_type"] for c in MEASURED}
    assert len(MEASURED) >= 80
    assert {"deepseek_v32", "hunyuan_v1_moe", "qwen3_vl_text", "qwen3_vl_moe_text", "glm4_moe", "gpt_oss"} <= types
