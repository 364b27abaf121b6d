"""A published measurement as specs: what ran (model, hardware, layout, batch) and what was measured."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result, Spec
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.layout import TrainLayout
from gptcalc.specs.serving import ServingSetup


class CalibrationCase(Spec):
    """One measurement gptcalc can represent."""

    name: str
    section: str
    group: str
    arch: Architecture
    hardware: Hardware
    layout: TrainLayout
    seq_len: int
    global_batch: int
    measured_tokens_per_s_per_gpu: float = Field(description="The measurement, in tokens per second per GPU.")
    measured_as: str = Field(description="What the source published and how it became tokens/s.")
    source: str
    notes: list[str] = Field(default_factory=list, description="Assumptions made where the source is silent.")


class Unrepresented(Result):
    """A row gptcalc does not predict, and why."""

    name: str
    section: str
    reason: str


Metric = Literal["output_tokens_per_s_per_gpu", "ttft_s", "decode_tokens_per_s"]


class ServingCase(Spec):
    """One serving measurement gptcalc can represent."""

    name: str
    section: str
    group: str
    arch: Architecture
    hardware: Hardware
    setup: ServingSetup
    metric: Metric = Field(description="What was measured.")
    measured: float = Field(description="The measurement in the metric's unit (tokens/s, or seconds for TTFT).")
    source: str
    notes: list[str] = Field(default_factory=list, description="Assumptions made where the source is silent.")
