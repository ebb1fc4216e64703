"""The DDL around ``Enum``: PostgreSQL's named enum types and ``create_constraint`` CHECKs.

A named enum type (``features.native_enum == "named"``) exists apart from the
tables using it: ``create_all`` / ``Table.create`` create it first when it is
missing, and ``drop_all`` / ``Table.drop`` drop it after the last table they
drop that uses it, as SQLAlchemy does.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from corral.sql.ddl import DDLElement, has_enum_type
from corral.sql.elements import BindParameter
from corral.sql.enum_type import Enum
from corral.sql.schema import Column, Table


class CreateEnumType(DDLElement):
    """``CREATE TYPE name AS ENUM ('a', 'b')``."""

    visit_name = "create_enum_type"

    def __init__(self, type_: Enum) -> None:
        self.type = type_

    @property
    def element(self) -> Enum:
        """The enum type, under SQLAlchemy's name for what a CREATE / DROP construct acts on."""
        return self.type

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (type(self).__name__, self.type.cache_key())


class DropEnumType(DDLElement):
    """``DROP TYPE name``."""

    visit_name = "drop_enum_type"

    def __init__(self, type_: Enum) -> None:
        self.type = type_

    @property
    def element(self) -> Enum:
        """The enum type, under SQLAlchemy's name for what a CREATE / DROP construct acts on."""
        return self.type

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (type(self).__name__, self.type.cache_key())


def column_enum(column: Column, dialect: Any) -> Enum | None:
    """The Enum a column's type is on ``dialect`` (through a TypeDecorator), or None."""
    type_ = column.type.dialect_impl(dialect)
    return type_ if isinstance(type_, Enum) else None


def named_enum_types(tables: Iterable[Table], dialect: Any) -> list[Enum]:
    """The named enum types the tables use on ``dialect``, one per name, in table order."""
    if dialect.features.native_enum != "named":
        return []
    found: dict[str, Enum] = {}
    for table in tables:
        for column in table.columns:
            enum = column_enum(column, dialect) if isinstance(column, Column) else None
            if enum is not None and enum.native_enum and enum.name:
                found.setdefault(enum.name, enum)
    return list(found.values())


def create_enum_types(connection: Any, tables: Iterable[Table]) -> None:
    """CREATE the named enum types the tables need and the database lacks."""
    for enum in named_enum_types(tables, connection.dialect):
        if getattr(enum, "create_type", True) and not has_enum_type(connection, enum.name or ""):
            connection.execute(CreateEnumType(enum))


def drop_enum_types(connection: Any, tables: Iterable[Table]) -> None:
    """DROP the named enum types of tables just dropped, where they exist."""
    for enum in named_enum_types(tables, connection.dialect):
        if getattr(enum, "create_type", True) and has_enum_type(connection, enum.name or ""):
            connection.execute(DropEnumType(enum))
