"""The contract every SQL type follows; concrete types live in ``corral.sql.types``.

A type knows which Python values it accepts, how a dialect spells it in DDL
(through the dialect's type compiler), and how values are converted on the
way in (bind processor) and out (result processor). Processors are looked up
once per compiled statement, never per row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect

Processor = Callable[[Any], Any]

#: What family of operators a type takes part in; operators check it.
Affinity = Literal[
    "integer",
    "numeric",
    "string",
    "boolean",
    "datetime",
    "date",
    "time",
    "interval",
    "binary",
    "json",
    "uuid",
    "enum",
    "null",
]

NUMERIC_AFFINITIES: frozenset[str] = frozenset({"integer", "numeric"})
ORDERED_AFFINITIES: frozenset[str] = frozenset(
    {"integer", "numeric", "string", "datetime", "date", "time", "interval", "enum", "uuid", "null"}
)


class TypeEngine:
    """Base of all SQL types."""

    #: Python classes a value of this type may be (``None`` is always accepted).
    python_types: ClassVar[tuple[type, ...]] = (object,)
    affinity: ClassVar[Affinity] = "null"
    #: Name of the type compiler's method that renders it, e.g. ``"integer"`` for ``visit_integer``.
    visit_name: ClassVar[str] = "null"

    def accepts(self, value: object) -> bool:
        """Whether ``value`` may be bound to a column of this type."""
        return value is None or isinstance(value, self.python_types)

    def bind_processor(self, dialect: SQLDialect) -> Processor | None:
        """A function converting a Python value for the driver, or ``None`` when none is needed."""
        return None

    def result_processor(self, dialect: SQLDialect) -> Processor | None:
        """A function converting a driver value to Python, or ``None`` when none is needed."""
        return None

    def cache_key(self) -> Hashable:
        """What distinguishes this type in a statement's cache key (class and arguments)."""
        return (type(self), *sorted(self.__dict__.items(), key=lambda item: item[0]))

    def describe(self) -> str:
        """The type as a user wrote it, for messages."""
        return type(self).__name__

    def __repr__(self) -> str:
        return self.describe()


class NullType(TypeEngine):
    """The type of an expression whose type is unknown; accepts anything."""


NULLTYPE = NullType()


def to_instance(type_: TypeEngine | type[TypeEngine] | None) -> TypeEngine:
    """Accept ``Integer`` or ``Integer()`` wherever a type is expected."""
    if type_ is None:
        return NULLTYPE
    if isinstance(type_, type):
        return type_()
    return type_
