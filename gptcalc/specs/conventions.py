"""FLOP-counting conventions: how attention and the head's backward enter FLOPs; every output names its own.

Where the field disagrees (causal halving of attention FLOPs, the logits backward), the choice is a named
convention: ``6n`` (Kaplan et al. 2020; Hoffmann et al. 2022, C = 6ND: attention excluded, the default),
``causal`` (attention halved, Dao 2023), ``palm`` (Chowdhery et al. 2022 App. B: full attention),
``6n-no-head-bwd``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gptcalc.errors import InputError
from gptcalc.specs.base import Spec

AttentionMode = Literal["excluded", "causal", "full"]
RecomputeMode = Literal["none", "selective", "full"]
ConventionName = Literal["6n", "causal", "palm", "6n-no-head-bwd"]


class FlopsConvention(Spec):
    """How FLOPs are counted; every output names the convention it used."""

    name: str = Field(default="custom", description="Convention name as printed.")
    attention: AttentionMode = Field(
        default="excluded",
        description="Attention score/context FLOPs: excluded from totals (6N), causal (halved) or full.",
    )
    logits_backward: bool = Field(default=True, description="Count the output head's backward (4*V*h).")

    def describe(self) -> str:
        head = "with" if self.logits_backward else "without"
        att = {
            "excluded": "attention score/context excluded (shown apart)",
            "causal": "causal attention (halved)",
            "full": "full attention (unmasked)",
        }[self.attention]
        return f"{self.name}: 2 FLOPs per active weight, backward = 2x forward, {att}, {head} head backward"


# Constants of known-valid values: built without validation, so importing them builds no validator.
CONVENTIONS: dict[str, FlopsConvention] = {
    "6n": FlopsConvention.model_construct(name="6n", attention="excluded"),
    "causal": FlopsConvention.model_construct(name="causal", attention="causal"),
    "palm": FlopsConvention.model_construct(name="palm", attention="full"),
    "6n-no-head-bwd": FlopsConvention.model_construct(
        name="6n-no-head-bwd", attention="excluded", logits_backward=False
    ),
}


def get_convention(name: str) -> FlopsConvention:
    """A named convention: 6n (Kaplan/Chinchilla, default), causal, palm (PaLM App. B MFU)."""
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise InputError(f"convention: unknown {name!r}; allowed: {', '.join(CONVENTIONS)}") from None
