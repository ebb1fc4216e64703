"""The contract every SQL type follows; concrete types live in ``corral.sql.types``.

A type knows which Python values it accepts, how a dialect spells it in DDL
(through the dialect's type compiler), and how values are converted on the
way in (bind processor) and out (result processor). Processors are looked up
once per compiled statement, never per row.

Where a type's conversion comes from
------------------------------------
``bind_processor(dialect)`` and ``result_processor(dialect)`` resolve in two
steps:

1. The dialect's type compiler class may carry a *driver override* for the
   type's ``visit_name`` in its ``bind_processors`` / ``result_processors``
   mappings (see ``corral.sql.compiler.types.TypeCompiler``). Overrides hold
   what is truly the driver's business, such as SQLite storing dates as text
   or PyMySQL returning ``timedelta`` for TIME columns. An override is a
   factory ``(type_, dialect) -> Processor | None`` and usually wraps the
   type's generic processor.
2. Otherwise the type's ``generic_bind_processor`` / ``generic_result_processor``
   decides from ``dialect.features`` alone (``native_boolean``,
   ``native_uuid``, ``native_json``, ``native_interval``, ``timezone_datetime``),
   never from the dialect's name.

``None`` means "no conversion": the hot path (Integer, String) has none on
every dialect. Processors are only called with non-``None`` values on the way
in; result processors pass ``None`` through.

Values a database would change
------------------------------
``storage_check(dialect, stored=...)`` returns a check that says why a value
would not read back unchanged (SQLite turns a NaN into NULL, PostgreSQL's
INTEGER holds 32 bits), or ``None`` when every accepted value is safe. It
reads ``dialect.features`` only. ``stored`` is true for a value written to a
column (INSERT values, UPDATE SET): a column's width applies only there, so
``WHERE small_column < 100000`` stays legal. The statement compiler runs the
check before the bind processor and the executing connection raises
``DataError`` naming the column, the statement and the parameters; nothing is
sent.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from corral import exc

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect

Processor = Callable[[Any], Any]
#: Says why a value cannot be stored or bound unchanged, or ``None`` when it can.
StorageCheck = Callable[[Any], str | None]
#: Builds a dialect's replacement processor for one type instance.
ProcessorFactory = Callable[["TypeEngine", "SQLDialect"], Processor | None]

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
    "array",
    "null",
]

NUMERIC_AFFINITIES: frozenset[str] = frozenset({"integer", "numeric"})
ORDERED_AFFINITIES: frozenset[str] = frozenset(
    {"integer", "numeric", "string", "datetime", "date", "time", "interval", "enum", "uuid", "null"}
)

#: Values longer than this (in ``repr``) are cut in validation messages.
VALUE_REPR_LIMIT = 60


class TypeEngine:
    """Base of all SQL types."""

    #: Python classes a value of this type may be (``None`` is always accepted).
    python_types: ClassVar[tuple[type, ...]] = (object,)
    affinity: ClassVar[Affinity] = "null"
    #: Name of the type compiler's method that renders it, e.g. ``"integer"`` for ``visit_integer``.
    visit_name: ClassVar[str] = "null"
    #: What the type wants, for messages: "expected an int for Integer".
    expected: ClassVar[str] = "a value"

    @property
    def python_type(self) -> type:
        """The Python class values of this type come back as."""
        return self.python_types[0]

    def accepts(self, value: object) -> bool:
        """Whether ``value`` may be bound to a column of this type."""
        return value is None or isinstance(value, self.python_types)

    def rejection(self, value: object) -> str:
        """Why ``value`` is refused, naming what was expected and what was given."""
        return f"expected {self.expected} for {self.describe()}, got {describe_value(value)}"

    def validate(self, value: object) -> None:
        """Raise ``ArgumentError`` naming the expected type when ``value`` is not accepted."""
        if not self.accepts(value):
            raise exc.ArgumentError(self.rejection(value))

    def bind_processor(self, dialect: SQLDialect) -> Processor | None:
        """A function converting a Python value for the driver, or ``None`` when none is needed."""
        factory = dialect.type_compiler.bind_processors.get(self.visit_name)
        if factory is not None:
            return factory(self, dialect)
        return self.generic_bind_processor(dialect)

    def result_processor(self, dialect: SQLDialect, coltype: object = None) -> Processor | None:
        """A function converting a driver value to Python, or ``None`` when none is needed.

        ``coltype`` is the driver's type code for the column, when known (SQLAlchemy's
        signature; corral's own types do not need it)."""
        factory = dialect.type_compiler.result_processors.get(self.visit_name)
        if factory is not None:
            return factory(self, dialect)
        return self.generic_result_processor(dialect)

    def storage_check(self, dialect: SQLDialect, *, stored: bool) -> StorageCheck | None:
        """A check refusing values the database would change (see the module docstring)."""
        return None

    def dialect_impl(self, dialect: SQLDialect) -> TypeEngine:
        """The type whose DDL spelling ``dialect`` writes for this one (itself, except for a
        ``TypeDecorator``)."""
        return self

    def coerce_compared_value(self, op: object, value: Any) -> TypeEngine:
        """The type a plain ``value`` compared with an expression of this type is bound as."""
        return self

    def literal_value(self, value: Any, dialect: SQLDialect) -> Any:
        """``value`` as it is written into SQL text (``literal_binds``)."""
        return value

    def generic_bind_processor(self, dialect: SQLDialect) -> Processor | None:
        """The bind conversion ``dialect.features`` call for, before any driver override."""
        return None

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        """The result conversion ``dialect.features`` call for, before any driver override."""
        return None

    def cache_key(self) -> Hashable:
        """What distinguishes this type in a statement's cache key (class and arguments)."""
        return (type(self), *sorted(self.__dict__.items(), key=lambda item: item[0]))

    def describe(self) -> str:
        """The type as a user wrote it, for messages."""
        return type(self).__name__

    def __repr__(self) -> str:
        return constructor_repr(self)

    def compile(self, dialect: Any = None) -> str:
        """The DDL spelling of this type on ``dialect`` (a generic one by default)."""
        if dialect is None:
            from corral.sql.compiler.default import default_dialect

            dialect = default_dialect()
        return str(dialect.type_ddl(self))

    def __str__(self) -> str:
        """``VARCHAR(30)``: the type's generic DDL spelling, as SQLAlchemy prints a type
        (its repr for a type no DDL can spell)."""
        try:
            return self.compile()
        except exc.CompileError:
            return repr(self)


def constructor_repr(type_: object, source: object | None = None) -> str:
    """``String(length=30)``: the class name and the constructor arguments that differ from
    their defaults, read from ``source``'s attributes (``type_``'s by default), as
    SQLAlchemy's reprs are."""
    source = type_ if source is None else source
    try:
        parameters = list(inspect.signature(type(source).__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        parameters = []
    shown = []
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if not hasattr(source, parameter.name):
            continue
        value = getattr(source, parameter.name)
        if parameter.default is parameter.empty:
            shown.append(repr(value))
            continue
        try:
            same = bool(value == parameter.default)
        except Exception:
            same = False
        if not same:
            shown.append(f"{parameter.name}={value!r}")
    return f"{type(type_).__name__}({', '.join(shown)})"


class UnstorableValue(ValueError):
    """Raised by a bind processor for a value the database would change; the compiled
    statement turns it into ``DataError`` with the statement and parameters."""


def unchanged_classes(
    type_: TypeEngine, dialect: SQLDialect, *, stored: bool
) -> tuple[type, ...] | None:
    """The classes whose values a bind processor of ``type_`` passes on as they are, after
    checking them by class alone (no conversion, no storage check, the plain ``accepts``):
    an executemany checks a column of such values at once instead of calling it on each.
    None when the processor does more."""
    if (
        isinstance(type_, NullType)
        or type(type_).accepts is not TypeEngine.accepts
        or type_.bind_processor(dialect) is not None
        or type_.storage_check(dialect, stored=stored) is not None
    ):
        return None
    return type_.python_types


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


def describe_value(value: object) -> str:
    """``str 'abc'``: a value's class and a short ``repr`` of it, for messages."""
    text = repr(value)
    if len(text) > VALUE_REPR_LIMIT:
        text = text[: VALUE_REPR_LIMIT - 3] + "..."
    return f"{type(value).__name__} {text}"


def integer_range_check(bits: int, holder: str, advice: str) -> StorageCheck:
    """Refuses ints outside the signed ``bits``-bit range; ``holder`` says what holds them."""
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def range_check(value: Any) -> str | None:
        if low <= value <= high:
            return None
        return (
            f"it is outside the signed {bits}-bit range ({low} to {high}) that {holder}; {advice}"
        )

    return range_check
