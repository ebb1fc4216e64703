"""The dataclass options a mapped attribute takes (``init=``, ``default_factory=``, ...).

``mapped_column()``, ``relationship()``, ``column_property()`` and
``query_expression()`` accept them and keep them here; a class mapped with
``MappedAsDataclass`` turns them into its dataclass fields. A class mapped
without it refuses them (they would do nothing).
"""

from __future__ import annotations

from typing import Any

from corral import exc

#: The keywords that describe the dataclass field of a mapped attribute.
DATACLASS_OPTIONS = (
    "init",
    "repr",
    "default_factory",
    "compare",
    "kw_only",
    "hash",
    "dataclass_metadata",
)

#: The marker ``MappedAsDataclass`` sets on the classes it makes dataclasses.
DATACLASS_MARKER = "__corral_dataclass_options__"


def take_dataclass_options(kwargs: dict[str, Any], *, with_default: bool = False) -> dict[str, Any]:
    """Remove the dataclass keywords from ``kwargs`` and return them (``default`` too when it
    is only a dataclass option, as for relationships)."""
    names = (*DATACLASS_OPTIONS, "default") if with_default else DATACLASS_OPTIONS
    return {name: kwargs.pop(name) for name in names if name in kwargs}


def refuse_outside_dataclass(cls: type) -> None:
    """Dataclass options on a class that is not a dataclass mapping would do nothing."""
    if DATACLASS_MARKER in cls.__dict__:
        return
    for klass in cls.__mro__:
        for name, value in klass.__dict__.items():
            options = getattr(value, "dataclass_options", None)
            if options and isinstance(options, dict):
                _refuse(cls, name, options)


def _refuse(cls: type, name: str, options: dict[str, Any]) -> None:
    raise exc.MappingError(
        f"{cls.__name__}.{name} has dataclass options ({', '.join(sorted(options))}) but "
        f"{cls.__name__} is not mapped as a dataclass; subclass MappedAsDataclass in its "
        "declarative base, or remove them"
    )


__all__ = [
    "DATACLASS_MARKER",
    "DATACLASS_OPTIONS",
    "refuse_outside_dataclass",
    "take_dataclass_options",
]
