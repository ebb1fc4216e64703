"""PostgreSQL's CREATE TYPE / DROP TYPE constructs are where SQLAlchemy's programs import them."""

from __future__ import annotations

from corral.dialects import postgresql
from corral.dialects.postgresql import base
from corral.sql import enum_ddl


def test_enum_type_constructs_import_from_the_dialect_and_its_base() -> None:
    """``postgresql.base.CreateEnumType`` (migration_09's spelling) is corral's construct."""
    assert base.CreateEnumType is postgresql.CreateEnumType is enum_ddl.CreateEnumType
    assert base.DropEnumType is postgresql.DropEnumType is enum_ddl.DropEnumType


def test_create_enum_type_escapes_quotes_in_values() -> None:
    """A quote inside a value is doubled in CREATE TYPE; ``.element`` is the type."""
    mood = postgresql.ENUM("one", "two", "three's", name="myenum")
    create = base.CreateEnumType(mood)
    assert create.element is mood
    assert str(create.compile(dialect=postgresql.dialect())) == (
        "CREATE TYPE myenum AS ENUM ('one', 'two', 'three''s')"
    )
    dropped = base.DropEnumType(mood).compile(dialect=postgresql.dialect())
    assert str(dropped) == "DROP TYPE myenum"
