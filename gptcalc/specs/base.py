"""Common base of every specification model, and the one place pydantic errors become one-line errors."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from typing_extensions import Self

from gptcalc.errors import SpecError


class Spec(BaseModel):
    """Frozen, strict about unknown fields, rejects NaN and infinity; invalid input raises :class:`SpecError`
    (a :class:`gptcalc.errors.GptcalcError`) naming the class and field, however the spec is built."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, validate_default=True, defer_build=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise SpecError(f"{type(self).__name__}: {describe_validation_error(err)}") from None

    # Mark this __init__ as pydantic's own, so that nested specs are still validated inside pydantic-core (one
    # error with the full field path) rather than through this wrapper.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as err:
            raise SpecError(f"{cls.__name__}: {describe_validation_error(err)}") from None


class Result(BaseModel):
    """Base of result models: frozen, dump to plain dicts with ``model_dump()``."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# Whole-number fields reject booleans and fractional floats (strict) but keep bounds in the schema.
PosInt = Annotated[int, Field(strict=True, gt=0)]
NonNegInt = Annotated[int, Field(strict=True, ge=0)]
PosFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(gt=0, le=1)]

S = TypeVar("S", bound=BaseModel)
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
