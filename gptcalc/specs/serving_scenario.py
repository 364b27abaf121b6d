"""Serving scenarios: a named deployment (model, hardware, serving setup) and the prices a source claims.

Apart from :mod:`gptcalc.specs.scenario` so that a training scenario loads without the serving specs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gptcalc.specs.base import Spec
from gptcalc.specs.quantities import PosValue
from gptcalc.specs.serving import ServingSetup


class ServingClaims(Spec):
    """Figures a source states about serving."""

    cost_per_1k_tokens: PosValue | None = Field(default=None, description="USD per 1,000 tokens claimed.")
    basis: Literal["blended", "output", "input"] = Field(
        default="blended", description="Which tokens the claimed price covers."
    )
    source: str = Field(default="", description="Where the claims come from.")


class ServingScenario(Spec):
    """A named serving deployment."""

    kind: Literal["serving"] = Field(default="serving", description="Scenario kind.")
    name: str = Field(default="custom", description="Short name.")
    description: str = Field(default="", description="What this is.")
    source: str = Field(default="", description="Where its numbers come from.")
    model: str = Field(description="Model preset name or file.")
    hardware: str = Field(description="Hardware preset name or alias.")
    serving: ServingSetup = Field(default_factory=ServingSetup, description="Layout, traffic, prices.")
    model_overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted model fields to change.")
    hardware_overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted hardware fields to change.")
    claims: ServingClaims = Field(default_factory=ServingClaims, description="What the source claims.")
