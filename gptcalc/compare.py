"""Side-by-side comparison of models, training scenarios and serving scenarios.

Which references are models and which scenarios is settled when they are loaded
(:func:`gptcalc.adapters.scenarios.load_comparands`). Models get their parameters and FLOPs per token, and a
training estimate when a run is described (tokens plus three-of-four via :func:`gptcalc.training.estimate_training`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from gptcalc.flops import FlopsPerToken, flops_per_token
from gptcalc.params import ParamCount, count_params
from gptcalc.scenario import evaluate
from gptcalc.serving import ServingEstimate, estimate_serving
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result
from gptcalc.specs.conventions import FlopsConvention
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.run import RunForModels
from gptcalc.specs.scenario import ResolvedScenario
from gptcalc.specs.serving import ServingSetup
from gptcalc.training import TrainingEstimate, estimate_training


class ComparisonEntry(Result):
    """One column of a comparison."""

    name: str
    kind: str = Field(description="'model' or 'scenario'.")
    params: ParamCount
    flops: FlopsPerToken
    training: TrainingEstimate | None = Field(description="The run, for training scenarios (or a run given).")
    serving: ServingEstimate | None = Field(default=None, description="The deployment, for serving scenarios.")


class Comparison(Result):
    entries: list[ComparisonEntry]
    cheapest: str | None = Field(description="Training entry with the lowest central cost.")
    fastest: str | None = Field(description="Training entry with the fewest central days.")
    cheapest_serving: str | None = Field(default=None, description="Serving entry with the lowest blended $/token.")


Comparand = Architecture | ResolvedScenario | tuple[Architecture, Hardware, ServingSetup]
"""A model, a resolved training scenario, or a serving scenario's (model, hardware, setup)."""


def compare(
    items: Sequence[tuple[str, Comparand]],
    *,
    seq_len: int | None = None,
    convention: FlopsConvention | None = None,
    run: RunForModels | None = None,
) -> Comparison:
    """Compare models and scenarios: parameters, FLOPs per token and the whole run where one is described.

    ``items`` are (name, what) pairs as :func:`gptcalc.adapters.scenarios.load_comparands` loads them;
    ``run`` describes one training run applied to every *model* (scenarios carry their own).
    """
    entries = []
    for name, item in items:
        serving = None
        if isinstance(item, tuple):
            kind = "scenario"
            arch, hw, setup = item
            serving = estimate_serving(arch, hw, setup)
            estimate = None
            fpt = flops_per_token(arch, setup.prompt + setup.output, convention)
        elif isinstance(item, ResolvedScenario):
            kind = "scenario"
            estimate = evaluate(item)
            arch, fpt = item.arch, estimate.flops_per_token
        else:
            kind, arch = "model", item
            length = arch.seq_len(seq_len)
            fpt = flops_per_token(arch, length, convention)
            estimate = None
            if run is not None:
                estimate = estimate_training(
                    arch,
                    run.hardware,
                    seq_len=length,
                    tokens=run.tokens,
                    gpus=run.gpus,
                    days=run.days,
                    mfu=run.mfu,
                    dtype=run.dtype,
                    convention=convention,
                    costs=run.costs,
                )
        entries.append(
            ComparisonEntry(
                name=name, kind=kind, params=count_params(arch), flops=fpt, training=estimate, serving=serving
            )
        )
    names = [e.name for e in entries]
    if len(set(names)) < len(names):  # the same name as a model and as a scenario: label them by kind
        entries = [e.model_copy(update={"name": f"{e.kind}:{e.name}"}) for e in entries]
    with_runs = [e for e in entries if e.training is not None]
    cheapest = min(with_runs, key=lambda e: e.training.cost_usd.mid).name if with_runs else None  # type: ignore[union-attr]
    fastest = min(with_runs, key=lambda e: e.training.days.mid).name if with_runs else None  # type: ignore[union-attr]
    served = [e for e in entries if e.serving is not None]
    cheapest_serving = (
        min(served, key=lambda e: e.serving.cost_per_million_tokens_usd).name if served else None  # type: ignore[union-attr]
    )
    return Comparison(entries=entries, cheapest=cheapest, fastest=fastest, cheapest_serving=cheapest_serving)
