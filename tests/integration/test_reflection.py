"""Reflection on real databases: inspect(engine), Table(autoload_with=), MetaData.reflect()."""

from __future__ import annotations

from typing import Any

import pytest

from corral import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Engine,
    Enum,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    Unicode,
    UnicodeText,
    UniqueConstraint,
    Uuid,
    exc,
    insert,
    inspect,
    select,
    text,
    true,
)
from corral.engine.reflection import Inspector
from corral.sql.schema import Column as SchemaColumn


def _library() -> MetaData:
    """Tables with what reflection must read back: composite keys, foreign keys across
    tables (one composite, one with ON DELETE), indexes on several columns, UNIQUE and
    CHECK constraints, server defaults, an enum and comments."""
    metadata = MetaData()
    Table(
        "authors",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50), nullable=False, server_default="anonymous"),
        Column("email", String(120), unique=True),
        Column("born", Date),
        Column("bio", Text, comment="a few lines"),
        comment="people who write",
    )
    Table(
        "books",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("author_id", Integer, ForeignKey("authors.id", ondelete="CASCADE"), nullable=False),
        Column("title", String(200), nullable=False),
        Column("price", Numeric(10, 2)),
        Column("in_print", Boolean, nullable=False),
        Column("status", Enum("draft", "published", "withdrawn", name="book_status")),
        Column("added", DateTime),
        Column("stock", Integer, nullable=False, server_default=text("0")),
        Index("ix_books_author_title", "author_id", "title"),
        CheckConstraint("stock >= 0", name="ck_books_stock"),
    )
    Table(
        "editions",
        metadata,
        Column("book_id", Integer, ForeignKey("books.id"), primary_key=True),
        Column("number", Integer, primary_key=True, autoincrement=False),
        Column("isbn", String(17), nullable=False),
        UniqueConstraint("isbn", "number", name="uq_editions_isbn"),
    )
    Table(
        "reviews",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("book_id", Integer, nullable=False),
        Column("edition", Integer, nullable=False),
        Column("stars", Integer),
        ForeignKeyConstraint(
            ["book_id", "edition"], ["editions.book_id", "editions.number"], name="fk_reviews_ed"
        ),
        Index("ix_reviews_stars_book", "stars", "book_id", unique=True),
    )
    Table(
        "samples",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("big", BigInteger),
        Column("small", SmallInteger),
        Column("ratio", Float),
        Column("label", Unicode(30)),
        Column("notes", UnicodeText),
        Column("at", DateTime(timezone=True)),
        Column("clock", Time),
        Column("duration", Interval),
        Column("payload", LargeBinary),
        Column("document", JSON),
        Column("token", Uuid),
        Column("kind", Enum("aa", "bbb", native_enum=False)),
        Column("flag", Boolean, nullable=False, server_default=true()),
    )
    return metadata


def _unique_sets(table: Table) -> set[tuple[str, ...]]:
    """Column lists made unique by a UNIQUE constraint or a unique index (MariaDB keeps the
    two as one thing)."""
    found = {
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    }
    return found | {tuple(c.name for c in ix.columns) for ix in table.indexes if ix.unique}


def _foreign_keys(table: Table) -> set[tuple[Any, ...]]:
    return {
        (
            tuple(c.name for c in fk.columns),
            fk.elements[0].target.partition(".")[0],
            tuple(e.target.partition(".")[2] for e in fk.elements),
            fk.ondelete,
        )
        for fk in table.foreign_key_constraints
    }


def _plain_indexes(table: Table) -> set[tuple[Any, ...]]:
    return {(ix.name, tuple(c.name for c in ix.columns)) for ix in table.indexes if not ix.unique}


def test_reflecting_what_create_all_made_gives_the_same_tables(engine: Engine) -> None:
    """create_all then MetaData.reflect(): the same columns in order, types that create the
    same DDL, nullability, primary keys, foreign keys, indexes, UNIQUE constraints, server
    defaults, the enum and (where the database keeps them) comments."""
    original = _library()
    original.create_all(engine)
    reflected = MetaData()
    reflected.reflect(engine)
    assert sorted(reflected.tables) == sorted(original.tables)
    dialect = engine.dialect
    keeps_comments = dialect.ddl_compiler.comments != "none"
    for name, table in original.tables.items():
        copy = reflected.tables[name]
        assert copy.columns.keys() == table.columns.keys()
        for column in table.columns:
            assert isinstance(column, SchemaColumn)
            read = copy.c[column.name]
            assert isinstance(read, SchemaColumn)
            assert dialect.type_ddl(read.type) == dialect.type_ddl(column.type), column.name
            assert read.nullable == column.nullable, column.name
            assert read.primary_key == column.primary_key, column.name
            assert (read.server_default is None) == (column.server_default is None), column.name
            if keeps_comments:
                assert read.comment == column.comment
        assert [c.name for c in copy.primary_key.columns] == [
            c.name for c in table.primary_key.columns
        ]
        assert _foreign_keys(copy) == _foreign_keys(table)
        assert _unique_sets(copy) == _unique_sets(table)
        assert _plain_indexes(copy) == _plain_indexes(table)
        if keeps_comments:
            assert copy.comment == table.comment
    status = reflected.tables["books"].c.status.type
    assert isinstance(status, Enum) or dialect.features.native_enum is None
    if isinstance(status, Enum):
        assert list(status.enums) == ["draft", "published", "withdrawn"]


def test_inspector_reads_columns_keys_and_constraints(engine: Engine) -> None:
    """The get_* methods answer with SQLAlchemy's dictionaries."""
    _library().create_all(engine)
    inspector = inspect(engine)
    assert isinstance(inspector, Inspector)
    assert inspector.get_table_names() == ["authors", "books", "editions", "reviews", "samples"]
    columns = {c["name"]: c for c in inspector.get_columns("books")}
    assert list(columns) == [
        "id", "author_id", "title", "price", "in_print", "status", "added", "stock"
    ]  # fmt: skip
    assert columns["id"]["autoincrement"] is True
    assert columns["title"]["nullable"] is False
    assert columns["stock"]["default"] is not None
    assert columns["price"]["default"] is None
    assert inspector.get_pk_constraint("editions")["constrained_columns"] == ["book_id", "number"]
    (fk,) = inspector.get_foreign_keys("reviews")
    assert fk["name"] == "fk_reviews_ed"
    assert fk["constrained_columns"] == ["book_id", "edition"]
    assert (fk["referred_table"], fk["referred_columns"]) == ("editions", ["book_id", "number"])
    (cascade,) = inspector.get_foreign_keys("books")
    assert cascade["options"] == {"ondelete": "CASCADE"}
    indexes = {ix["name"]: ix for ix in inspector.get_indexes("books")}
    assert indexes["ix_books_author_title"]["column_names"] == ["author_id", "title"]
    assert indexes["ix_books_author_title"]["unique"] is False
    uniques = inspector.get_unique_constraints("editions")
    assert [(u["name"], u["column_names"]) for u in uniques] == [
        ("uq_editions_isbn", ["isbn", "number"])
    ]
    checks = inspector.get_check_constraints("books")
    assert [c["name"] for c in checks if c["name"] == "ck_books_stock"] == ["ck_books_stock"]
    assert inspector.has_table("books") and not inspector.has_table("nothing_here")
    assert inspector.has_index("books", "ix_books_author_title")
    if engine.dialect.ddl_compiler.comments != "none":
        assert inspector.get_table_comment("authors") == {"text": "people who write"}


def test_a_table_created_outside_corral_is_read_and_used(engine: Engine) -> None:
    """A table made by raw DDL reflects into a Table that inserts and selects."""
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE gadgets (code VARCHAR(10) NOT NULL, serial INTEGER NOT NULL, "
            "label VARCHAR(40) DEFAULT 'none', weight NUMERIC(8, 3), "
            "PRIMARY KEY (code, serial))"
        )
        connection.exec_driver_sql("CREATE INDEX ix_gadgets_label ON gadgets (label, weight)")
    gadgets = Table("gadgets", MetaData(), autoload_with=engine)
    assert [c.name for c in gadgets.primary_key.columns] == ["code", "serial"]
    assert [(ix.name, [c.name for c in ix.columns]) for ix in gadgets.indexes] == [
        ("ix_gadgets_label", ["label", "weight"])
    ]
    with engine.begin() as connection:
        connection.execute(insert(gadgets), [{"code": "a", "serial": 1, "weight": 1.5}])
        row = connection.execute(select(gadgets.c.label, gadgets.c.weight)).one()
    assert row.label == "none"
    assert float(row.weight) == 1.5


def test_autoload_keeps_given_columns_and_include_columns_limits(engine: Engine) -> None:
    """Columns given next to autoload_with= override the reflected ones; include_columns
    reads only those named."""
    _library().create_all(engine)
    metadata = MetaData()
    authors = Table("authors", metadata, Column("bio", String(10)), autoload_with=engine)
    assert isinstance(authors.c.bio.type, String) and authors.c.bio.type.length == 10
    assert authors.columns.keys()[0] == "bio"
    assert "email" in authors.c
    commented = Table("authors", MetaData(), comment="mine", autoload_with=engine)
    assert commented.comment == "mine"
    partial = Table("books", MetaData(), autoload_with=engine, include_columns=["id", "title"])
    assert partial.columns.keys() == ["id", "title"]
    assert partial.foreign_key_constraints == []


def test_foreign_keys_pull_in_the_referred_tables(engine: Engine) -> None:
    """Reflecting a table reflects the tables its foreign keys refer to (resolve_fks)."""
    _library().create_all(engine)
    metadata = MetaData()
    reviews = Table("reviews", metadata, autoload_with=engine)
    assert sorted(metadata.tables) == ["authors", "books", "editions", "reviews"]
    assert reviews.foreign_key_constraints[0].referred_table is metadata.tables["editions"]
    alone = MetaData()
    Table("reviews", alone, autoload_with=engine, resolve_fks=False)
    assert sorted(alone.tables) == ["reviews"]


def test_metadata_reflect_only_views_and_existing_tables(engine: Engine) -> None:
    """reflect(only=) takes a list or a predicate; views come with views=True; a table the
    MetaData has stays the same object; extend_existing adds what it lacks."""
    _library().create_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE VIEW titles AS SELECT id, title FROM books")
    metadata = MetaData()
    metadata.reflect(engine, only=["authors"])
    assert list(metadata.tables) == ["authors"]
    metadata.reflect(engine, only=lambda name, _: name.startswith("ed"))
    assert sorted(metadata.tables) == ["authors", "books", "editions"]
    assert "titles" not in metadata.tables
    metadata.reflect(engine, views=True, only=["titles"])
    assert metadata.tables["titles"].columns.keys() == ["id", "title"]
    assert inspect(engine).get_view_names() == ["titles"]
    with pytest.raises(exc.InvalidRequestError, match="no table nothing"):
        metadata.reflect(engine, only=["nothing"])
    kept = MetaData()
    small = Table("authors", kept, Column("id", Integer, primary_key=True))
    kept.reflect(engine, only=["authors"])
    assert kept.tables["authors"] is small and small.columns.keys() == ["id"]
    kept.reflect(engine, only=["authors"], extend_existing=True)
    assert kept.tables["authors"] is small
    assert small.columns.keys() == ["id", "name", "email", "born", "bio"]
    assert len(_unique_sets(small)) == 1
    counts = (len(small.constraints), len(small.indexes))
    kept.reflect(engine, only=["authors"], extend_existing=True)  # again: nothing twice
    assert (len(small.constraints), len(small.indexes)) == counts


def test_connection_inspector_sees_its_transaction(engine: Engine) -> None:
    """inspect(connection) reads in that connection's transaction."""
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE scratch (id INTEGER PRIMARY KEY)")
        assert inspect(connection).get_table_names() == ["scratch"]
        table = Table("scratch", MetaData(), autoload_with=connection)
        assert table.columns.keys() == ["id"]
        connection.commit()


def test_missing_table_raises_no_such_table(engine: Engine) -> None:
    """Reading a table the database lacks raises NoSuchTableError and leaves the MetaData
    without it."""
    metadata = MetaData()
    with pytest.raises(exc.NoSuchTableError, match="no table or view 'ghosts'"):
        Table("ghosts", metadata, autoload_with=engine)
    assert "ghosts" not in metadata.tables
    with pytest.raises(exc.NoSuchTableError):
        inspect(engine).get_columns("ghosts")


def test_schema_argument_names_the_default_schema(engine: Engine) -> None:
    """schema= with the connection's own schema (database on MariaDB, main on SQLite) gives
    what the calls without it give; an unknown schema has no tables."""
    _library().create_all(engine)
    inspector = inspect(engine)
    schema = inspector.default_schema_name
    assert schema is not None and inspector.has_schema(schema)
    assert schema in inspector.get_schema_names()
    assert inspector.get_table_names(schema=schema) == inspector.get_table_names()
    named = inspector.get_columns("books", schema=schema)
    assert [c["name"] for c in named] == [c["name"] for c in inspector.get_columns("books")]
    assert not inspector.has_table("books", schema="no_such_schema")


def test_a_view_reflects_with_a_primary_key_given(engine: Engine) -> None:
    """A view has no keys of its own: a column given as primary key makes it mappable."""
    _library().create_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE VIEW short_books AS SELECT id, title FROM books")
    view = Table(
        "short_books",
        MetaData(),
        Column("id", Integer, primary_key=True),
        autoload_with=engine,
    )
    assert view.columns.keys() == ["id", "title"]
    assert [c.name for c in view.primary_key.columns] == ["id"]
    assert "select" in inspect(engine).get_view_definition("short_books").lower()


def test_tables_of_another_schema(engine: Engine, backend: str) -> None:
    """schema= reads another schema's tables; reflecting a table whose foreign key refers
    into another schema reads the referred table into 'schema.name', and include_columns
    leaves that key out."""
    with engine.connect() as connection:
        own = inspect(connection).default_schema_name
        other = f"{own}_other" if backend == "mysql" else "other"
        create = {
            "sqlite": "ATTACH DATABASE ':memory:' AS other",
            "postgresql": "CREATE SCHEMA other",
            "mysql": f"CREATE DATABASE {other}",
        }
        drop = {
            "sqlite": "DETACH DATABASE other",
            "postgresql": "DROP SCHEMA other CASCADE",
            "mysql": f"DROP DATABASE {other}",
        }
        connection.exec_driver_sql(create[backend])
        connection.commit()
        try:
            connection.exec_driver_sql(f"CREATE TABLE {other}.parents (id INTEGER PRIMARY KEY)")
            inspector = inspect(connection)
            assert other in inspector.get_schema_names()
            assert inspector.get_table_names(schema=other) == ["parents"]
            assert inspector.get_columns("parents", schema=other)[0]["name"] == "id"
            assert not inspector.has_table("parents")
            if backend != "sqlite":  # SQLite keys cannot refer to another database
                connection.exec_driver_sql(
                    "CREATE TABLE children (id INTEGER PRIMARY KEY, "
                    f"parent_id INTEGER REFERENCES {other}.parents (id))"
                )
                (fk,) = inspect(connection).get_foreign_keys("children")
                assert (fk["referred_schema"], fk["referred_table"]) == (other, "parents")
                metadata = MetaData()
                reflected = Table("children", metadata, autoload_with=connection)
                assert sorted(metadata.tables) == ["children", f"{other}.parents"]
                assert [fk.target for fk in reflected.foreign_keys] == [f"{other}.parents.id"]
                children = Table(
                    "children", MetaData(), autoload_with=connection, include_columns=["id"]
                )
                assert children.columns.keys() == ["id"]
                connection.exec_driver_sql("DROP TABLE children")
            connection.commit()
        finally:
            connection.rollback()
            connection.exec_driver_sql(drop[backend])
            connection.commit()


def test_get_enums_lists_named_enum_types(engine: Engine) -> None:
    """get_enums() lists PostgreSQL's named enum types with their labels in order; where
    the database has none (features.native_enum is not "named") it raises saying so."""
    _library().create_all(engine)
    inspector = inspect(engine)
    if engine.dialect.features.native_enum != "named":
        with pytest.raises(exc.InvalidRequestError, match="has no named enum types"):
            inspector.get_enums()
        return
    (status,) = inspector.get_enums()
    assert (status["name"], status["labels"]) == (
        "book_status",
        ["draft", "published", "withdrawn"],
    )
    assert status["visible"] is True
    assert status in inspector.get_enums(schema="*")
