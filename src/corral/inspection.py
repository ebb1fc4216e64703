"""``corral.inspection.inspect``: one entry point that asks each layer about its own objects.

A layer registers, for the classes it owns, a function that turns an instance into
what ``inspect()`` returns: the engine registers Engine and Connection (an
``Inspector`` of the database), the ORM registers mapped classes and objects. This
module sits low (it imports only ``corral.exc``) so that every layer can register
without importing the layers above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from corral import exc

__all__ = ["inspect"]

#: The inspection function for each registered class; a subject's class is looked up
#: along its MRO, so registering a base class covers its subclasses.
_registry: dict[type, Callable[[Any], Any]] = {}

_F = TypeVar("_F", bound=Callable[[Any], Any])


def inspects(*classes: type) -> Callable[[_F], _F]:
    """Register the decorated function as what ``inspect()`` does for ``classes``."""

    def register(function: _F) -> _F:
        for cls in classes:
            if cls in _registry:
                raise AssertionError(f"inspect() already has a function for {cls.__name__}")
            _registry[cls] = function
        return function

    return register


def lookup(subject: Any) -> Callable[[Any], Any] | None:
    """The registered inspection function for ``subject``'s class, or None."""
    for cls in type(subject).__mro__:
        function = _registry.get(cls)
        if function is not None:
            return function
    return None


def inspect(subject: Any, raiseerr: bool = True) -> Any:
    """What corral knows about ``subject``: an ``Inspector`` for an Engine or Connection,
    the Mapper of a mapped class, the state of a mapped object.

    With ``raiseerr=False`` an object nothing is known about (an unmapped class or
    object too) gives None instead of raising.
    """
    function = lookup(subject)
    try:
        result = function(subject) if function is not None else None
    except (exc.NoInspectionAvailable, exc.UnmappedError):
        if raiseerr:
            raise
        return None
    if result is None and raiseerr:
        raise exc.NoInspectionAvailable(
            f"inspect() knows nothing about {type(subject).__name__} objects; it takes an "
            "Engine or Connection, a mapped class or a mapped object"
        )
    return result
