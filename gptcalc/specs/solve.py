"""What the architecture solver is given: claimed counts and everything about the shape except its width."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gptcalc.specs.arch import Activation, NormKind
from gptcalc.specs.base import PosInt, Spec

Attn = Literal["mha", "gqa", "mqa"]


class SolveTargets(Spec):
    """Claimed counts; any may be omitted."""

    total: float | None = Field(default=None, gt=0, description="Total parameters.")
    expert: float | None = Field(default=None, gt=0, description="One routed expert summed over layers.")
    attention: float | None = Field(default=None, gt=0, description="Attention parameters, all layers.")
    active: float | None = Field(default=None, gt=0, description="Active parameters per token.")


class SolveShape(Spec):
    """Everything about the architecture except its width."""

    layers: PosInt = Field(le=10_000)
    experts: int | None = Field(default=None, gt=0, le=1 << 16)
    top_k: int | None = Field(default=None, gt=0)
    ffn_ratio: float = Field(default=4.0, gt=0, le=64)
    vocab: PosInt = Field(default=100_000, le=1 << 24)
    activation: Activation = "gelu"
    attention: Attn = "mha"
    kv_heads: int | None = Field(default=None, gt=0)
    bias: bool = True
    norm: NormKind = "layernorm"
    positions: Literal["rotary", "learned", "alibi", "none"] = "learned"
    context: PosInt = 8192
    tie: bool = False
    multiple: PosInt = Field(default=128, le=1 << 16, description="Valid hidden sizes are multiples of this.")
