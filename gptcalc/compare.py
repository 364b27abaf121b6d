"""Side-by-side comparison of models, training scenarios and serving scenarios.

A reference is ``model:NAME``, ``scenario:NAME``, or a bare name. A bare name that exists as only one kind is
that kind; a name that is both (``deepseek-v3``) is a scenario when another reference in the same comparison
is a scenario only, else a model. Models get their parameters and FLOPs per token, and a training estimate
when a run is described (tokens plus three-of-four via :func:`gptcalc.training.estimate_training`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from gptcalc.errors import PresetError
from gptcalc.flops import FlopsConvention, FlopsPerToken, flops_per_token
from gptcalc.hardware import Hardware
from gptcalc.load import load_model
from gptcalc.params import ParamCount, count_params
from gptcalc.presets import find_preset
from gptcalc.scenario import ServingScenario, TrainingScenario, evaluate, load_scenario, resolve, resolve_serving
from gptcalc.serving import ServingEstimate, estimate_serving
from gptcalc.specbase import Result, Spec
from gptcalc.training import CostAssumptions, TrainingEstimate, estimate_training
from gptcalc.units import FractionValue, PosValue

DEFAULT_SEQ_LEN = 2048


class RunForModels(Spec):
    """One training run applied to every model of a comparison (three of tokens, gpus, days, mfu)."""

    hardware: Hardware
    tokens: PosValue | None = None
    gpus: PosValue | None = None
    days: PosValue | None = None
    mfu: FractionValue | None = None
    dtype: str = "bf16"
    costs: CostAssumptions = Field(default_factory=CostAssumptions)


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


def _exists(kind: str, name: str, dirs: Sequence[str | Path]) -> bool:
    try:
        find_preset(kind, name, dirs)  # type: ignore[arg-type]
    except PresetError:
        return False
    return True


def classify(refs: Sequence[str], dirs: Sequence[str | Path] = ()) -> list[tuple[str, str]]:
    """(kind, name) for each reference, by the rule in the module docstring."""
    found: list[tuple[str, set[str]]] = []
    for ref in refs:
        prefix, sep, rest = ref.partition(":")
        if sep and prefix in ("model", "scenario"):
            found.append((rest, {prefix}))
            continue
        kinds = {k for k, folder in (("model", "models"), ("scenario", "scenarios")) if _exists(folder, ref, dirs)}
        if not kinds:
            find_preset("models", ref, dirs)  # raises the helpful "unknown preset" error
        found.append((ref, kinds))
    any_scenario_only = any(kinds == {"scenario"} for _, kinds in found)
    out = []
    for name, kinds in found:
        if len(kinds) == 1:
            out.append((next(iter(kinds)), name))
        else:
            out.append(("scenario" if any_scenario_only else "model", name))
    return out


def compare(
    refs: Sequence[str],
    dirs: Sequence[str | Path] = (),
    *,
    seq_len: int | None = None,
    convention: FlopsConvention | None = None,
    run: RunForModels | None = None,
) -> Comparison:
    """Compare models and scenarios: parameters, FLOPs per token and the whole run where one is described.

    ``run`` describes one training run applied to every *model* (scenarios carry their own).
    """
    entries = []
    for kind, name in classify(refs, dirs):
        serving = None
        scenario = load_scenario(name, dirs) if kind == "scenario" else None
        if isinstance(scenario, ServingScenario):
            arch, hw, setup = resolve_serving(scenario, dirs)
            serving = estimate_serving(arch, hw, setup)
            estimate = None
            fpt = flops_per_token(arch, setup.prompt + setup.output, convention)
        elif isinstance(scenario, TrainingScenario):
            resolved = resolve(scenario, dirs)
            estimate = evaluate(resolved)
            arch, fpt = resolved.arch, estimate.flops_per_token
        else:
            arch = load_model(name, dirs)
            length = seq_len or arch.context_length or DEFAULT_SEQ_LEN
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
