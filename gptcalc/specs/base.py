"""Common base of every specification model, and the one place pydantic errors become one-line errors."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from typing_extensions import Self

from gptcalc.errors import InputError, SpecError

_HASHES: dict[int, tuple[weakref.ref[Spec], int]] = {}
_DEFAULTS: dict[type[Spec], Spec] = {}
MAX_EXACT_INT = 2**53


class Spec(BaseModel):
    """Frozen, strict about unknown fields, rejects NaN and infinity; invalid input raises :class:`SpecError`
    (a :class:`gptcalc.errors.GptcalcError`) naming the class and field, however the spec is built."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, validate_default=True, defer_build=True)

    DEFAULTS_VALID: ClassVar[bool] = True
    """Whether every field at its default makes a valid spec (:meth:`defaults` then skips validation)."""

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise SpecError(f"{type(self).__name__}: {describe_validation_error(err)}") from None

    # Mark this __init__ as pydantic's own, so that nested specs are still validated inside pydantic-core (one
    # error with the full field path) rather than through this wrapper.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def defaults(cls) -> Self:
        """The spec with every field at its default, built once per class without validation. Code that needs the
        default time or serving model, or the default layout, takes this one and skips building the class's
        validator. For classes whose defaults alone are no valid spec (``DEFAULTS_VALID = False``: a run needs three
        of its four quantities) it validates, and so raises as ``cls()`` does. tests/test_specs_defaults.py checks
        every spec against ``cls()``."""
        if not cls.DEFAULTS_VALID:
            return cls()
        hit = _DEFAULTS.get(cls)
        if hit is None:
            hit = _DEFAULTS[cls] = cls.model_construct()
        return hit  # type: ignore[return-value]

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as err:
            raise SpecError(f"{cls.__name__}: {describe_validation_error(err)}") from None

    def __hash__(self) -> int:
        # A frozen spec's hash never changes, and every lru_cache keyed by an architecture or a setup asks it
        # again (pydantic rehashes the whole nested model each time, ~3 us for an architecture): remember it per
        # live object. The weak reference tells a reused id from the object that left it.
        hit = _HASHES.get(id(self))
        if hit is not None and hit[0]() is self:
            return hit[1]
        value = hash(tuple(self.__dict__.values()))
        if len(_HASHES) >= 4096:
            _HASHES.clear()
        _HASHES[id(self)] = (weakref.ref(self), value)
        return value


class SizedSpec(Spec):
    """A spec of model sizes (an architecture and its parts): every whole number is at most 2**53."""

    @model_validator(mode="after")
    def _exact_integers(self) -> Self:
        # Every count and width here ends up in float arithmetic: beyond 2**53 a whole number is no longer
        # exact, and products of such sizes run to infinity. Bounded fields say tighter limits of their own.
        for name, value in self.__dict__.items():
            values = value if isinstance(value, tuple) else (value,)
            for v in values:
                if type(v) is int and abs(v) > MAX_EXACT_INT:
                    # str() of an int stops at 4,300 digits (CPython's limit): count those beyond it from the bits.
                    digits = len(str(abs(v))) if v.bit_length() < 14_000 else int(v.bit_length() * 0.30103) + 1
                    raise ValueError(
                        f"{name}: a {digits}-digit number is beyond any model or machine (at most 2**53 ="
                        f" {MAX_EXACT_INT:,})"
                    )
        return self


S = TypeVar("S", bound=BaseModel)
_set = object.__setattr__


def trusted(cls: type[S], values: dict[str, Any]) -> S:
    """``cls`` holding ``values`` unchecked, as :meth:`BaseModel.model_construct` builds it (the same four slots)
    without its per-field default lookup: for values the code just computed, with every field given (~3x
    faster; the engines build thousands)."""
    out = cls.__new__(cls)
    _set(out, "__dict__", values)
    _set(out, "__pydantic_fields_set__", set(values))
    _set(out, "__pydantic_extra__", None)
    _set(out, "__pydantic_private__", None)
    return out


class Result(BaseModel):
    """Base of result models: frozen; the same four views everywhere: ``to_dict()`` (plain Python),
    ``to_records()`` (flat rows), ``to_dataframe()`` (pandas, optional) and a table in Jupyter."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python values (nested results and ranges as dicts)."""
        return self.model_dump()

    def to_records(self) -> list[dict[str, Any]]:
        """Flat rows: one per item of a ``rows`` list when the result has one, else one row of every field,
        nested groups and ranges flattened to dotted names (``cost_usd.low``)."""
        rows = getattr(self, "rows", None)
        if isinstance(rows, list) and rows and all(isinstance(r, BaseModel) for r in rows):
            return [_flatten(r.model_dump()) for r in rows]
        return [_flatten(self.model_dump())]

    def to_dataframe(self) -> Any:
        """:meth:`to_records` as a pandas DataFrame (needs the optional ``pandas`` extra)."""
        try:
            import pandas as pd  # type: ignore[import-untyped]
        except ImportError:
            raise InputError("to_dataframe needs pandas: pip install 'gptcalc[pandas]'") from None
        return pd.DataFrame.from_records(self.to_records())

    def _repr_markdown_(self) -> str:
        """A table in Jupyter: field and value, or one line per row for results with rows."""
        records = self.to_records()
        title = f"**{type(self).__name__}**\n\n"
        if len(records) == 1:
            lines = ["| field | value |", "|---|---:|"]
            lines += [f"| {k} | {_cell(v)} |" for k, v in records[0].items()]
        else:
            keys = list(records[0])
            lines = ["| " + " | ".join(keys) + " |", "|" + "---:|" * len(keys)]
            lines += ["| " + " | ".join(_cell(r.get(k)) for k in keys) + " |" for r in records]
        return title + "\n".join(lines)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and all(isinstance(k, str) for k in value):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _cell(value: Any) -> str:
    """A plain, short rendering for notebook tables (the CLI's formatting lives in gptcalc.fmt)."""
    if isinstance(value, bool) or value is None:
        text = str(value)
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        text = f"{value:,.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"
    else:
        text = str(value)
        text = text if len(text) <= 80 else text[:79] + "…"
    return text.replace("|", "\\|").replace("\n", " ")


# Whole-number fields reject booleans and fractional floats (strict) but keep bounds in the schema.
PosInt = Annotated[int, Field(strict=True, gt=0)]
NonNegInt = Annotated[int, Field(strict=True, ge=0)]
PosFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(gt=0, le=1)]

_UNION_TAGS = frozenset({"standard", "mla", "training", "serving"})


def describe_validation_error(err: ValidationError, prefix: str = "") -> str:
    """The first error of a pydantic ValidationError as ``field.path: message (got value)``."""
    first = err.errors()[0]
    # Tagged unions add the tag ("standard", "mla") to the location; drop it so the path matches the keys.
    loc = ".".join(str(p) for p in first["loc"] if str(p) not in _UNION_TAGS and not str(p).startswith("function-"))
    where = f"{prefix}{loc}" if loc else prefix.rstrip(".")
    msg = first["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if first["type"] == "extra_forbidden":
        msg = "unknown field"
    got = first.get("input")
    quiet = first["type"] in ("missing", "extra_forbidden") or isinstance(got, dict) or "got " in msg
    shown = "" if quiet else f" (got {got!r})"
    more = len(err.errors()) - 1
    tail = f"; and {more} more problem{'s' if more > 1 else ''}" if more else ""
    return f"{where}: {msg}{shown}{tail}" if where else f"{msg}{shown}{tail}"


def validate_spec(cls: type[S], data: Any, origin: str = "") -> S:
    """Validate ``data`` as ``cls``; on failure raise :class:`SpecError` naming ``origin`` and the field."""
    try:
        return cls.__pydantic_validator__.validate_python(data)  # type: ignore[no-any-return]
    except ValidationError as err:
        where = f"{origin}: " if origin else ""
        raise SpecError(where + describe_validation_error(err)) from None


def _submodel(cls: type[BaseModel] | None, field: str, value: Any) -> type[BaseModel] | None:
    """The model class behind ``cls.field`` (unwrapping Optional and tagged unions by the value's kind)."""
    if cls is None or field not in cls.model_fields:
        return None
    candidates = [cls.model_fields[field].annotation]
    while candidates:
        tp = candidates.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            kind = value.get("kind") if isinstance(value, dict) else None
            tag = tp.model_fields.get("kind")
            if kind is None or tag is None or tag.default == kind:
                return tp
            continue
        candidates.extend(a for a in get_args(tp) if a is not type(None))
    return None


def set_path(
    data: dict[str, Any], key: str, value: Any, cls: type[BaseModel] | None = None, origin: str = "--set"
) -> None:
    """Assign ``value`` at dotted ``key`` inside ``data`` (a dump of ``cls``); unknown keys list the valid ones."""
    parts = key.split(".")
    node: dict[str, Any] = data
    for depth, part in enumerate(parts):
        here = ".".join(parts[: depth + 1])
        valid = set(cls.model_fields) if cls is not None else set(node)
        if part not in valid:
            raise InputError(f"{origin} {key}: unknown key {here!r}; valid keys here: {', '.join(sorted(valid))}")
        if depth == len(parts) - 1:
            node[part] = value
            return
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise InputError(f"{origin} {key}: {here!r} is a value, not a group of fields")
        cls = _submodel(cls, part, child)
        node = child


def with_changes(spec: S, changes: Mapping[str, Any], origin: str = "--set") -> S:
    """A copy of ``spec`` with each dotted field (``moe.n_experts``) set to its typed value, validated again as
    a whole; an unknown key lists the valid ones, a bad value names ``origin`` and the field."""
    if not changes:
        return spec
    data = spec.model_dump()
    for key, value in changes.items():
        set_path(data, key, value, type(spec), origin)
    return validate_spec(type(spec), data, origin)
