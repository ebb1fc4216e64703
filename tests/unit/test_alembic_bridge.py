"""corral.ext.alembic without a database: what the SQLAlchemy copy of a MetaData holds,
and `python -m corral migrations init`'s refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as sa_postgresql

from corral import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    exc,
    text,
)
from corral.cli import main
from corral.dialects import postgresql
from corral.ext.alembic import sqlalchemy_url, to_sqlalchemy, to_sqlalchemy_type


class Cents(TypeDecorator):
    impl = Integer
    cache_ok = True


@pytest.mark.parametrize(
    ("corral_type", "expected"),
    [
        (String(30), sa.String(30)),
        (Text(), sa.Text()),
        (BigInteger(), sa.BigInteger()),
        (Boolean(), sa.Boolean()),
        (Numeric(10, 2), sa.Numeric(10, 2)),
        (DateTime(timezone=True), sa.DateTime(timezone=True)),
        (JSON(), sa.JSON()),
        (Uuid(), sa.Uuid()),
        (Cents(), sa.Integer()),
        (postgresql.JSONB(), sa_postgresql.JSONB()),
        (postgresql.ARRAY(Integer), sa_postgresql.ARRAY(sa.Integer())),
    ],
    ids=repr,
)
def test_types_keep_their_class_and_arguments(corral_type: Any, expected: Any) -> None:
    """Each type becomes SQLAlchemy's type of the same name with the same arguments (a
    TypeDecorator its impl, a dialect type the dialect's)."""
    copy = to_sqlalchemy_type(corral_type)
    assert type(copy) is type(expected)
    assert repr(copy) == repr(expected)


def test_enum_keeps_labels_and_name() -> None:
    """An Enum keeps its labels, its type name and whether it is native."""
    copy = to_sqlalchemy_type(Enum("new", "paid", name="order_status"))
    assert isinstance(copy, sa.Enum)
    assert (copy.enums, copy.name, copy.native_enum) == (["new", "paid"], "order_status", True)


def test_tables_keep_columns_constraints_indexes_and_comments() -> None:
    """Server defaults, identity, comments, keys, unique and check constraints and indexes
    are copied with their names."""
    metadata = MetaData()
    Table("parent", metadata, Column("id", Integer, primary_key=True))
    Table(
        "child",
        metadata,
        Column("id", Integer, Identity(start=10), primary_key=True),
        Column("parent_id", ForeignKey("parent.id", ondelete="CASCADE", name="fk_parent")),
        Column("code", String(8), server_default="x", comment="short code"),
        Column("made", DateTime, server_default=text("CURRENT_TIMESTAMP")),
        UniqueConstraint("code", name="uq_code"),
        CheckConstraint("id > 0", name="ck_id"),
        Index("ix_child_made", "made", unique=True),
        comment="children",
    )
    child = to_sqlalchemy(metadata).tables["child"]
    assert child.comment == "children"
    assert child.c.code.comment == "short code"
    assert child.c.code.server_default.arg == "x"
    assert str(child.c.made.server_default.arg) == "CURRENT_TIMESTAMP"
    assert child.c.id.identity is not None and child.c.id.identity.start == 10
    [fk] = child.foreign_key_constraints
    assert (fk.name, fk.ondelete, fk.elements[0].target_fullname) == (
        "fk_parent",
        "CASCADE",
        "parent.id",
    )
    names = {c.name for c in child.constraints}
    assert {"uq_code", "ck_id", "fk_parent"} <= names
    [index] = child.indexes
    assert (index.name, index.unique, [c.name for c in index.columns]) == (
        "ix_child_made",
        True,
        ["made"],
    )


def test_url_names_the_driver_corral_uses() -> None:
    """A corral URL becomes SQLAlchemy's spelling of the same driver."""
    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("mysql://u:p@h/db") == "mysql+pymysql://u:p@h/db"
    assert sqlalchemy_url("sqlite:///a.db") == "sqlite:///a.db"


def test_unknown_type_says_what_to_do() -> None:
    """A type SQLAlchemy has no namesake for is refused, naming it and the way out."""

    class Money(Integer):
        pass

    class Odd:
        pass

    assert isinstance(to_sqlalchemy_type(Money()), sa.Integer)  # its base class's namesake
    with pytest.raises(exc.ArgumentError, match="no SQLAlchemy type for Odd"):
        to_sqlalchemy_type(Odd())


def test_migrations_init_refuses_a_directory_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`migrations init` into a non-empty directory stops with a message, writing nothing."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "keep.txt").write_text("mine")
    assert main(["migrations", "init", "migrations", "--metadata", "m:Base"]) == 1
    assert "not empty" in capsys.readouterr().err
    assert not (tmp_path / "alembic.ini").exists()
