"""Scenario presets into specs: load a scenario file, apply ``--set``, load the presets it names.

Also sorts the references of a comparison into models and scenarios (``model:NAME``, ``scenario:NAME``, or
a bare name: one that exists as only one kind is that kind; a name that is both, like ``deepseek-v3``, is a
scenario when another reference in the same comparison is a scenario only, else a model).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from gptcalc.adapters.load import load_dataset, load_hardware, load_model
from gptcalc.adapters.overrides import apply_overrides, coerce, parse_assignment
from gptcalc.adapters.presets import find_preset, read_file
from gptcalc.errors import InputError, PresetError
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import validate_spec
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.quantities import Value
from gptcalc.specs.scenario import ResolvedScenario, TrainingScenario, scenario_kind

if TYPE_CHECKING:  # the serving specs load with a serving scenario only
    from gptcalc.specs.serving import ServingSetup
    from gptcalc.specs.serving_scenario import ServingScenario


def load_scenario(ref: str, preset_dirs: Sequence[str | Path] = ()) -> TrainingScenario | ServingScenario:
    """A scenario preset by name or file (``kind = "serving"`` for serving, training otherwise)."""
    path = find_preset("scenarios", ref, preset_dirs)
    data = read_file(path)
    data.setdefault("name", path.stem)
    if scenario_kind(data) == "serving":
        from gptcalc.specs.serving_scenario import ServingScenario

        return validate_spec(ServingScenario, data, origin=str(path))
    return validate_spec(TrainingScenario, data, origin=str(path))


S = TypeVar("S", "TrainingScenario", "ServingScenario")


def override_scenario(scenario: S, assignments: Iterable[str]) -> S:
    """Apply ``--set`` to a scenario: ``model.X`` and ``hardware.X`` change the presets it names."""
    model_over = dict(scenario.model_overrides)
    hw_over = dict(scenario.hardware_overrides)
    own: dict[str, Any] = {}
    for item in assignments:
        key, text = parse_assignment(item)
        head, _, rest = key.partition(".")
        if head == "model" and rest:
            model_over[rest] = coerce(rest, text)
        elif head == "hardware" and rest:
            hw_over[rest] = coerce(rest, text)
        else:
            own[key] = coerce(key, text)
    updated = apply_overrides(scenario, own) if own else scenario
    return updated.model_copy(update={"model_overrides": model_over, "hardware_overrides": hw_over})


def resolve_serving(
    scenario: ServingScenario, preset_dirs: Sequence[str | Path] = ()
) -> tuple[Architecture, Hardware, ServingSetup]:
    """The model, hardware and setup of a serving scenario, overrides applied."""
    arch = apply_overrides(load_model(scenario.model, preset_dirs), scenario.model_overrides, "model_overrides")
    hw = apply_overrides(
        load_hardware(scenario.hardware, preset_dirs), scenario.hardware_overrides, "hardware_overrides"
    )
    return arch, hw, scenario.serving


def resolve(scenario: TrainingScenario, preset_dirs: Sequence[str | Path] = ()) -> ResolvedScenario:
    """Load the presets a scenario names, apply its overrides, settle tokens and sequence length."""
    arch = apply_overrides(load_model(scenario.model, preset_dirs), scenario.model_overrides, "model_overrides")
    hw = apply_overrides(
        load_hardware(scenario.hardware, preset_dirs), scenario.hardware_overrides, "hardware_overrides"
    )
    dataset = load_dataset(scenario.dataset, preset_dirs) if scenario.dataset else None
    tokens: Value | None = scenario.tokens
    if (
        tokens is None
        and dataset is not None
        and scenario.days is not None
        and scenario.gpus is not None
        and (scenario.mfu is not None)
    ):
        tokens = None  # gpus, days and mfu fixed: the tokens are what the run can train on
    elif tokens is None and dataset is not None:
        tokens = dataset.total_tokens
    seq_len = scenario.seq_len or (dataset.seq_len if dataset else None) or arch.context_length
    if seq_len is None:
        raise InputError(f"scenario {scenario.name}: no seq_len and neither its dataset nor its model gives one")
    return ResolvedScenario(scenario=scenario, arch=arch, hardware=hw, dataset=dataset, tokens=tokens, seq_len=seq_len)


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


def load_comparands(
    refs: Sequence[str], dirs: Sequence[str | Path] = ()
) -> list[tuple[str, Architecture | ResolvedScenario | tuple[Architecture, Hardware, ServingSetup]]]:
    """Load each reference of a comparison as a model, a resolved training scenario or a serving scenario."""
    out: list[tuple[str, Architecture | ResolvedScenario | tuple[Architecture, Hardware, ServingSetup]]] = []
    for kind, name in classify(refs, dirs):
        if kind == "model":
            out.append((name, load_model(name, dirs)))
            continue
        scenario = load_scenario(name, dirs)
        if isinstance(scenario, TrainingScenario):
            out.append((name, resolve(scenario, dirs)))
        else:
            out.append((name, resolve_serving(scenario, dirs)))
    return out
