"""Every keyword of Table, Column, Index, constraints, ForeignKey and MetaData: kept or refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from corral import exc
from corral.orm import DeclarativeBase, Mapped, mapped_column
from corral.sql.schema import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from corral.sql.types import Integer, String


def _table(**kwargs: Any) -> Table:
    return Table("t", MetaData(), Column("id", Integer, primary_key=True), **kwargs)


def _extend_existing() -> Table:
    metadata = MetaData()
    Table("t", metadata, Column("id", Integer, primary_key=True))
    return Table("t", metadata, Column("extra", Integer), extend_existing=True)


REFUSED: dict[str, tuple[Callable[[], object], str]] = {
    "table-bogus_option": (
        lambda: _table(bogus_option=1),
        r"Table 't' got unknown options: bogus_option; it takes comment, .*mysql_engine",
    ),
    "table-postgresql_bogus": (
        lambda: _table(postgresql_bogus=1),
        r"'postgresql_bogus', which PostgreSQL does not accept there; .*postgresql_tablespace",
    ),
    "table-mysql_bogus": (
        lambda: _table(mysql_bogus=1),
        r"'mysql_bogus', which MariaDB/MySQL does not accept there; .*mysql_engine",
    ),
    "table-sqlite_where": (
        lambda: _table(sqlite_where="x"),
        r"'sqlite_where', which SQLite does not accept there; .*sqlite_autoincrement",
    ),
    "table-mysql_subpartitions": (
        lambda: _table(mysql_subpartitions=2),
        r"mysql_subpartitions' is not supported: corral writes no SUBPARTITION",
    ),
    "table-bad-value": (lambda: _table(mysql_engine="Inno DB"), r"bad value .* mysql_engine"),
    "table-sqlite_autoincrement-not-bool": (
        lambda: _table(sqlite_autoincrement="yes"),
        r"sqlite_autoincrement: expected True or False",
    ),
    "table-aliases-disagree": (
        lambda: _table(mysql_engine="InnoDB", mariadb_engine="Aria"),
        r"mysql_engine='InnoDB' and mariadb_engine='Aria'",
    ),
    "table-autoload_with-not-a-bind": (
        lambda: Table("t", MetaData(), autoload_with=object()),
        r"Table 't': autoload_with= takes an Engine or a Connection, got object",
    ),
    "table-autoload": (
        lambda: _table(autoload=True),
        r"autoload= only mean something when reading .* pass autoload_with=engine",
    ),
    "table-include_columns": (
        lambda: _table(include_columns=["id"]),
        r"include_columns= only mean something .*reflection",
    ),
    "table-resolve_fks": (lambda: _table(resolve_fks=False), r"resolve_fks= only mean"),
    "table-autoload_replace": (
        lambda: Table("t", MetaData(), autoload_with=object(), autoload_replace=False),
        r"autoload_replace=False is not supported",
    ),
    "table-schema": (lambda: _table(schema=5), r"schema= takes a schema name \(a string\), got 5"),
    "table-quote_schema": (lambda: _table(quote_schema=True), r"quote_schema="),
    "table-quote": (lambda: _table(quote=True), r"quote= is not supported"),
    "table-listeners": (
        lambda: _table(listeners=[("after_create", print)]),
        r"listeners= is not supported",
    ),
    "table-implicit_returning": (
        lambda: _table(implicit_returning=False),
        r"implicit_returning=False is not supported",
    ),
    "table-prefixes-string": (lambda: _table(prefixes="TEMPORARY"), r"prefixes= takes a list"),
    "table-comment-not-string": (lambda: _table(comment=5), r"comment= takes a string"),
    "table-info-not-dict": (lambda: _table(info=[1]), r"info= takes a dict"),
    "column-bogus": (
        lambda: Column("x", Integer, bogus=1),
        r"Column 'x' got unknown options: bogus; it takes autoincrement",
    ),
    "column-mysql-option": (
        lambda: Column("x", Integer, mysql_charset="latin1"),
        r"'mysql_charset', which MariaDB/MySQL does not accept there; .* none",
    ),
    "column-sqlite-bad-conflict": (
        lambda: Column("x", Integer, sqlite_on_conflict_not_null="SKIP"),
        r"sqlite_on_conflict_not_null: expected one of ROLLBACK, ABORT, FAIL, IGNORE, REPLACE",
    ),
    "column-autoincrement-bad": (
        lambda: Column("x", Integer, autoincrement="yes"),
        r"autoincrement= takes True, False, 'auto' or 'ignore_fk'",
    ),
    "column-quote": (lambda: Column("x", Integer, quote=True), r"quote= is not supported"),
    "column-system": (lambda: Column("ctid", Integer, system=True), r"system=True"),
    "column-two-defaults": (
        lambda: Column("x", Integer, default=1, insert_default=2),
        r"both default= and insert_default=",
    ),
    "mapped_column-dialect-bogus": (
        lambda: mapped_column(sqlite_bogus=1),
        r"mapped_column\(\) got 'sqlite_bogus', which SQLite does not accept there",
    ),
    "mapped_column-unknown": (
        lambda: mapped_column(bogus_option=1),
        r"mapped_column\(\) got unknown options: bogus_option",
    ),
    "index-bogus": (
        lambda: Index("ix", "id", bogus_option=1),
        r"Index\('ix'\) got unknown options: bogus_option; it takes info, quote, unique",
    ),
    "index-postgresql_bogus": (
        lambda: Index("ix", "id", postgresql_bogus=1),
        r"'postgresql_bogus', which PostgreSQL does not accept there; .*postgresql_where",
    ),
    "index-mysql_engine": (
        lambda: Index("ix", "id", mysql_engine="InnoDB"),
        r"'mysql_engine', which MariaDB/MySQL does not accept there; .*mysql_length",
    ),
    "index-quote": (lambda: Index("ix", "id", quote=True), r"quote= is not supported"),
    "index-postgresql_using-bad": (
        lambda: Index("ix", "id", postgresql_using="gin; drop"),
        r"bad value .* postgresql_using",
    ),
    "primary_key-bogus": (
        lambda: PrimaryKeyConstraint("id", bogus=1),
        r"PrimaryKeyConstraint got unknown options: bogus",
    ),
    "primary_key-postgresql_where": (
        lambda: PrimaryKeyConstraint("id", postgresql_where="x"),
        r"'postgresql_where', which PostgreSQL does not accept there; .*postgresql_include",
    ),
    "unique-mysql_using": (
        lambda: UniqueConstraint("id", mysql_using="hash"),
        r"'mysql_using', which MariaDB/MySQL does not accept there",
    ),
    "unique-comment": (
        lambda: UniqueConstraint("id", comment="x"),
        r"comment= on a constraint is not supported",
    ),
    "check-sqlite_on_conflict": (
        lambda: CheckConstraint("id > 0", sqlite_on_conflict="FAIL"),
        r"sqlite_on_conflict' is not supported: SQLite has no ON CONFLICT clause for CHECK",
    ),
    "check-deferrable": (
        lambda: CheckConstraint("id > 0", deferrable=True),
        r"CHECK constraints cannot be deferred",
    ),
    "check-bogus": (
        lambda: CheckConstraint("id > 0", name="ck", bogus=1),
        r"CheckConstraint\('ck'\) got unknown options: bogus",
    ),
    "foreign_key_constraint-bogus": (
        lambda: ForeignKeyConstraint(["a"], ["b.id"], bogus=1),
        r"ForeignKeyConstraint got unknown options: bogus",
    ),
    "foreign_key_constraint-link_to_name": (
        lambda: ForeignKeyConstraint(["a"], ["b.id"], link_to_name=True),
        r"link_to_name=True is not supported",
    ),
    "foreign_key-bogus": (
        lambda: ForeignKey("b.id", bogus=1),
        r"ForeignKey\('b.id'\) got unknown options: bogus; it takes deferrable",
    ),
    "foreign_key-sqlite_on_conflict": (
        lambda: ForeignKey("b.id", sqlite_on_conflict="FAIL"),
        r"SQLite has no ON CONFLICT clause for foreign keys",
    ),
    "foreign_key-comment": (lambda: ForeignKey("b.id", comment="x"), r"comment= on a constraint"),
    "foreign_key-initially": (
        lambda: ForeignKey("b.id", initially="later"),
        r"initially= takes 'DEFERRED' or 'IMMEDIATE'",
    ),
    "foreign_key-match": (lambda: ForeignKey("b.id", match="some"), r"match= takes 'FULL'"),
    "metadata-schema": (lambda: MetaData(schema=""), r"MetaData\(\): schema= takes a schema name"),
    "metadata-naming_convention": (
        lambda: MetaData(naming_convention={"ix": "ix_%(column_0_label)s"}),
        r"naming_convention=\.\.\.\) is not supported yet; give constraints and indexes",
    ),
    "metadata-quote_schema": (lambda: MetaData(quote_schema=True), r"quote_schema="),
    "table-extend_existing-on-existing": (
        _extend_existing,
        r"extend_existing=True, adding to a table this MetaData already has, is not supported",
    ),
    "table-keep-and-extend": (
        lambda: _table(keep_existing=True, extend_existing=True),
        r"keep_existing and extend_existing exclude each other",
    ),
}


@pytest.mark.parametrize(("build", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_unsupported_keyword_raises_naming_it(build: Callable[[], object], message: str) -> None:
    """A keyword corral does not honour raises an ArgumentError that names it."""
    with pytest.raises(exc.ArgumentError, match=message):
        build()


def test_declarative_table_args_are_checked() -> None:
    """__table_args__ options go through the same checks as Table()."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.ArgumentError, match="got unknown options: bogus_option"):

        class Thing(Base):
            __tablename__ = "things"
            __table_args__ = {"bogus_option": 1}

            id: Mapped[int] = mapped_column(primary_key=True)


def test_options_of_every_dialect_are_kept_on_the_object() -> None:
    """Accepted dialect options are kept, readable as dialect_options and dialect_kwargs."""
    table = _table(mysql_engine="MyISAM", sqlite_autoincrement=True, postgresql_using="heap")
    assert table.dialect_options == {
        "mysql": {"engine": "MyISAM"},
        "sqlite": {"autoincrement": True},
        "postgresql": {"using": "heap"},
    }
    assert table.dialect_kwargs == {
        "mysql_engine": "MyISAM",
        "sqlite_autoincrement": True,
        "postgresql_using": "heap",
    }


def test_info_doc_and_comment_are_kept() -> None:
    """info=, doc= and comment= are stored where SQLAlchemy stores them."""
    column = Column("x", Integer, info={"a": 1}, doc="the x", comment="an x")
    table = Table("t", MetaData(), column, info={"b": 2}, comment="a t")
    index = Index("ix", column, info={"c": 3})
    assert (column.info, column.doc, column.comment) == ({"a": 1}, "the x", "an x")
    assert (table.info, table.comment, index.info) == ({"b": 2}, "a t", {"c": 3})
    assert MetaData(info={"d": 4}).info == {"d": 4}
    assert ForeignKey("t.x", info={"e": 5}).info == {"e": 5}


def test_column_name_type_and_insert_default_keywords() -> None:
    """Column(name=..., type_=..., insert_default=...) mean what the positional forms mean."""
    column = Column(name="x", type_=String(5), insert_default="d")
    assert (column.name, type(column.type), column.default is not None) == ("x", String, True)
    assert column.default is not None and column.default.value() == "d"


def test_table_without_columns_returns_the_existing_table() -> None:
    """Table(name, metadata) and keep_existing=True return the table already defined."""
    metadata = MetaData()
    table = Table("t", metadata, Column("id", Integer, primary_key=True))
    assert Table("t", metadata) is table
    assert Table("t", metadata, Column("other", Integer), keep_existing=True) is table
    assert Table("t", metadata, must_exist=True) is table
    assert list(table.columns.keys()) == ["id"]
    with pytest.raises(exc.InvalidRequestError, match="already defined"):
        Table("t", metadata, Column("id", Integer))
    with pytest.raises(exc.InvalidRequestError, match=r"'u' is not defined .*must_exist=True"):
        Table("u", metadata, must_exist=True)


def test_mapped_column_passes_dialect_options_to_the_column() -> None:
    """mapped_column(sqlite_on_conflict_not_null=...) reaches the Column."""

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "things"

        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(5), sqlite_on_conflict_not_null="IGNORE")

    column = Thing.__table__.c.name
    assert isinstance(column, Column)
    assert column.dialect_options == {"sqlite": {"on_conflict_not_null": "IGNORE"}}


def test_autoincrement_ignore_fk_numbers_a_key_that_is_also_a_foreign_key() -> None:
    """autoincrement='ignore_fk' makes an integer key with a ForeignKey database-numbered."""
    metadata = MetaData()
    Table("parent", metadata, Column("id", Integer, primary_key=True))
    child = Table(
        "child",
        metadata,
        Column("id", Integer, ForeignKey("parent.id"), primary_key=True, autoincrement="ignore_fk"),
    )
    plain = Table(
        "plain", metadata, Column("id", Integer, ForeignKey("parent.id"), primary_key=True)
    )
    keys = [child.c.id, plain.c.id]
    assert [isinstance(c, Column) and c.is_autoincrement for c in keys] == [True, False]
