"""``@validates("email")``: a method that checks (or replaces) a value before it is set.

The method runs as ``validator(obj, key, value)`` whenever a column attribute
is set (in the constructor too) and whenever an object is set on a relationship
or added to its collection; what it returns is what the attribute holds. A
change made by the other side of a bidirectional relationship runs it too
(unless ``include_backrefs=False``), its return value unused. Values loaded from
the database are not validated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.mapping.attributes import InstrumentedAttribute

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper

#: The attribute a validator method carries: the names it validates.
MARKER = "__corral_validates__"


class Validator:
    """A ``@validates`` method as attached to an attribute."""

    __slots__ = ("__name__", "include_backrefs", "method")

    def __init__(self, method: Callable[..., Any], include_backrefs: bool) -> None:
        self.method = method
        self.include_backrefs = include_backrefs
        self.__name__ = getattr(method, "__name__", "validator")

    def __call__(self, obj: Any, key: str, value: Any) -> Any:
        return self.method(obj, key, value)


def validates(
    *names: str, include_removes: bool = False, include_backrefs: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a method as the validator of the named attributes."""
    if include_removes:
        raise exc.ArgumentError(
            "validates(include_removes=True) is not supported; validate what is added, or "
            "check removals in the code that removes"
        )
    if not names:
        raise exc.ArgumentError("validates() needs the names of the attributes it validates")

    def mark(method: Callable[..., Any]) -> Callable[..., Any]:
        setattr(method, MARKER, (names, include_backrefs))
        return method

    return mark


class ValidatedAttribute(InstrumentedAttribute[Any]):
    """A column attribute whose values pass through a validator before they are set."""

    def __init__(self, plain: InstrumentedAttribute[Any], validator: Validator) -> None:
        super().__init__(plain.class_, plain.key, plain.column)
        self.validator = validator

    def __set__(self, instance: object, value: Any) -> None:
        super().__set__(instance, self.validator(instance, self.key, value))


def install_validators(cls: type, mapper: Mapper) -> None:
    """Find the class's ``@validates`` methods and attach each to its attributes."""
    for klass in reversed(cls.__mro__):
        for method_name, method in klass.__dict__.items():
            marked = getattr(method, MARKER, None)
            if marked is None:
                continue
            names, include_backrefs = marked
            for key in names:
                _attach(cls, mapper, key, method_name, Validator(method, include_backrefs))


def _attach(cls: type, mapper: Mapper, key: str, method_name: str, method: Validator) -> None:
    if key in mapper.validators:
        raise exc.MappingError(
            f"{cls.__name__}.{key} has two validators ({mapper.validators[key].__name__} and "
            f"{method_name}); merge them into one @validates method"
        )
    mapper.validators[key] = method
    if key in mapper.columns_by_key:
        plain = cls.__dict__[key]
        setattr(cls, key, ValidatedAttribute(plain, method))
        mapper.direct_set_keys = mapper.direct_set_keys - {key}
    elif key not in mapper.relationships:
        raise exc.MappingError(
            f"{cls.__name__}.{method_name} validates {key!r}, which is not a mapped column or "
            f"relationship of {cls.__name__}"
        )


__all__ = ["ValidatedAttribute", "install_validators", "validates"]
