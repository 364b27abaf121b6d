"""``Spec.defaults()``: the all-defaults spec, built without validation, equals the validated one."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from pydantic_core import PydanticUndefined

import gptcalc
from gptcalc.errors import SpecError
from gptcalc.specs.base import Spec


def _all_specs() -> list[type[Spec]]:
    for info in pkgutil.walk_packages(gptcalc.__path__, "gptcalc."):
        if not info.name.startswith(("gptcalc.cli", "gptcalc.__main__")):  # the CLI defines no specs
            importlib.import_module(info.name)
    out, todo = [], [Spec]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            out.append(sub)
            todo.append(sub)
    return sorted(set(out), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _all_defaults(cls: type[Spec]) -> bool:
    return all(f.default is not PydanticUndefined or f.default_factory is not None for f in cls.model_fields.values())


SPECS = [c for c in _all_specs() if _all_defaults(c)]


def test_the_specs_code_builds_by_default_are_covered() -> None:
    names = {c.__name__ for c in SPECS}
    assert {"TimeModel", "TrainLayout", "ServingModel"} <= names


@pytest.mark.parametrize("cls", SPECS, ids=lambda c: c.__name__)
def test_defaults_equal_the_validated_spec(cls: type[Spec]) -> None:
    try:
        validated = cls()
    except SpecError:
        # Defaults that make no valid spec must say so, and defaults() then raises as cls() does.
        assert cls.DEFAULTS_VALID is False
        with pytest.raises(SpecError):
            cls.defaults()
        return
    built = cls.defaults()
    assert built == validated and built.model_dump() == validated.model_dump()
    assert cls.defaults() is built  # one per class


def test_invalid_defaults_are_the_known_ones() -> None:
    assert sorted(c.__name__ for c in SPECS if not c.DEFAULTS_VALID) == ["Run", "Speculation"]
