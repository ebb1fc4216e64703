"""PostgreSQL's names for SQL types, and its own types (``ARRAY``, ``JSONB``, ``INET``, ...).

psycopg 3 returns ``Decimal``, ``bytes``, ``uuid.UUID``, ``timedelta``, lists for
arrays and parsed JSON by itself; what is left (time zones, JSON text on the way
in) follows from ``Features`` in the types themselves.

``JSON`` is PostgreSQL's ``JSON``, not ``JSONB``: ``JSONB`` stores numbers as
``numeric`` and prints ``1e+20`` back as ``100000000000000000000``, which
reads back as an ``int``; ``JSON`` keeps the text, so every value round-trips.
``JSONB`` is there for who asks for it by name.

An array of an enum type comes back from psycopg 3 and psycopg2 as the server's
text (``{a,b}``); its result processor reads it as a list (``array_text.py``).

``INET`` and ``CIDR`` values are text both ways (psycopg's ``ipaddress`` objects
are accepted and read back as their text), as with SQLAlchemy's default.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from corral import exc
from corral.dialects.postgresql.array_text import parse_array
from corral.sql import types as sqltypes
from corral.sql.array_type import ARRAY as _GenericARRAY
from corral.sql.compiler.types import TypeCompiler
from corral.sql.type_api import Processor, ProcessorFactory, TypeEngine

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect

__all__ = ["ARRAY", "CIDR", "ENUM", "INET", "JSON", "JSONB", "UUID"]

_ADDRESS_TYPES = (
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Interface,
    ipaddress.IPv6Interface,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
)


class ARRAY(_GenericARRAY):
    """PostgreSQL's array: ``ARRAY(Integer)`` is ``INTEGER[]``."""


class JSON(sqltypes.JSON):
    """PostgreSQL's ``JSON`` (the text kept as written)."""


class JSONB(sqltypes.JSON):
    """PostgreSQL's binary ``JSONB``; indexes like ``JSON`` (``col["k"]``, ``.as_string()``);
    ``contains()`` / ``contained_by()`` are ``@>`` / ``<@``."""

    visit_name = "jsonb"
    containment = True


class UUID(sqltypes.Uuid):
    """PostgreSQL's native ``UUID``; ``as_uuid=False`` gives and takes text."""


def _address_text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else str(value)


class _NetworkAddress(TypeEngine):
    python_types = (str, *_ADDRESS_TYPES)
    affinity = "string"
    expected = "an IP address or network (str or an ipaddress object)"

    @property
    def python_type(self) -> type:
        return str

    def generic_bind_processor(self, dialect: SQLDialect) -> Processor | None:
        return _address_text

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        return _address_text


class INET(_NetworkAddress):
    """An IPv4 or IPv6 host address, optionally with its subnet (``INET``)."""

    visit_name = "inet"


class CIDR(_NetworkAddress):
    """An IPv4 or IPv6 network (``CIDR``)."""

    visit_name = "cidr"


class ENUM(sqltypes.Enum):
    """A named PostgreSQL enum type (``CREATE TYPE name AS ENUM (...)``).

    ``create_type=False``: the type exists already; ``create_all`` / ``drop_all``
    neither create nor drop it.
    """

    def __init__(self, *enums: Any, create_type: bool = True, **kw: Any) -> None:
        if kw.get("native_enum") is False:
            raise exc.ArgumentError(
                "postgresql.ENUM is the native enum type; for a VARCHAR use "
                "corral.Enum(..., native_enum=False)"
            )
        super().__init__(*enums, **kw)
        self.create_type = create_type


def _array_result(type_: TypeEngine, dialect: SQLDialect) -> Processor | None:
    """An array of a native enum read from the server's text where the driver gives that."""
    assert isinstance(type_, _GenericARRAY)
    generic = type_.generic_result_processor(dialect)
    item = type_.item_type.dialect_impl(dialect)
    if not (isinstance(item, sqltypes.Enum) and item.native_enum):
        return generic

    def from_text(value: Any) -> Any:
        if isinstance(value, str):  # psycopg 3 and psycopg2 do not know the enum's array
            value = parse_array(value)
        return value if generic is None or value is None else generic(value)

    return from_text


class PostgreSQLTypeCompiler(TypeCompiler):
    """Type DDL as PostgreSQL spells it."""

    result_processors: ClassVar[Mapping[str, ProcessorFactory]] = {"array": _array_result}

    def visit_datetime(self, type_: sqltypes.DateTime) -> str:
        return "TIMESTAMP WITH TIME ZONE" if type_.timezone else "TIMESTAMP WITHOUT TIME ZONE"

    def visit_large_binary(self, type_: sqltypes.LargeBinary) -> str:
        return "BYTEA"

    def visit_array(self, type_: _GenericARRAY) -> str:
        return self.process(type_.item_type) + "[]" * (type_.dimensions or 1)

    def visit_jsonb(self, type_: JSONB) -> str:
        return "JSONB"

    def visit_inet(self, type_: INET) -> str:
        return "INET"

    def visit_cidr(self, type_: CIDR) -> str:
        return "CIDR"
