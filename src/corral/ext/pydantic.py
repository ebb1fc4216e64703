"""Pydantic: validate corral objects into models without lazy loading behind the scenes.

``Model.model_validate(obj, from_attributes=True)`` reads every field with ``getattr``, so on
a plain corral object each relationship the query did not load is lazy-loaded: one SELECT
per object, per relationship, when a list of objects is serialized. Two ways to prevent it:

- load with ``.options(selectinload(User.orders), raiseload("*"))``: the relationships the
  response needs come with the query, and reading any other raises ``RaiseLoadError``;
- validate through :func:`loaded_only`: ``UserOut.model_validate(loaded_only(user),
  from_attributes=True)`` (or :func:`validate`) reads what is in memory and raises
  ``RaiseLoadError`` naming the relationship and the option that loads it, whatever the
  query's options were.

Pydantic reports the error inside its ``ValidationError`` for the field. This module does
not import pydantic: it only prepares the objects pydantic reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from corral import exc
from corral.inspection import inspect

__all__ = ["LoadedOnly", "loaded_only", "validate"]

M_co = TypeVar("M_co", covariant=True)


class _ValidatingModel(Protocol[M_co]):
    def model_validate(self, obj: Any, *, from_attributes: bool | None = None) -> M_co: ...


def _relationships(cls: type) -> Mapping[str, Any] | None:
    mapper = inspect(cls, raiseerr=False)
    relationships = getattr(mapper, "relationships", None)
    return relationships if isinstance(relationships, Mapping) else None


class LoadedOnly:
    """A read-only view of a mapped object whose unloaded relationships raise instead of
    lazy-loading; loaded related objects are seen through the same kind of view."""

    __slots__ = ("_obj", "_relationships")

    def __init__(self, obj: object, relationships: Mapping[str, Any]) -> None:
        self._obj = obj
        self._relationships = relationships

    def __getattr__(self, name: str) -> Any:
        obj = self._obj
        relationship = self._relationships.get(name)
        if relationship is None:
            return getattr(obj, name)
        if name not in obj.__dict__:
            cls = type(obj).__name__
            raise exc.RaiseLoadError(
                f"{cls}.{name} is not loaded, and loaded_only() does not lazy-load it (one "
                f"SELECT per {cls}). Load it with the query that loads the {cls} objects: "
                f".options({relationship.loader_option_hint()})"
            )
        return loaded_only(getattr(obj, name))

    def __repr__(self) -> str:
        return f"loaded_only({self._obj!r})"


def loaded_only(value: Any) -> Any:
    """``value`` seen so that reading an unloaded relationship raises: a mapped object as a
    :class:`LoadedOnly`, a collection of them as a list of those, anything else as it is."""
    if value is None or isinstance(value, LoadedOnly | str | bytes | int | float):
        return value
    relationships = _relationships(type(value))
    if relationships is not None:
        return LoadedOnly(value, relationships)
    if isinstance(value, Mapping):  # attribute_keyed_dict collections
        return {key: loaded_only(item) for key, item in value.items()}
    if isinstance(value, list | set | frozenset | tuple):
        return [loaded_only(item) for item in value]
    return value


def validate(model: _ValidatingModel[M_co], obj: Any) -> M_co:
    """``model.model_validate(loaded_only(obj), from_attributes=True)``."""
    return model.model_validate(loaded_only(obj), from_attributes=True)
