"""SQLAlchemy's mapping forms write and read values on every database (issue 13)."""

from __future__ import annotations

import datetime
import enum
import re
from typing import Annotated, Any

import pytest

from corral import (
    Column,
    Engine,
    Enum,
    Identity,
    Index,
    Integer,
    MetaData,
    Session,
    String,
    Table,
    Unicode,
    UnicodeText,
    exc,
    func,
    insert,
    select,
    text,
    update,
)
from corral.orm import DeclarativeBase, Mapped, declarative_base, mapped_column
from corral.sql.compiler.dialect import SQLDialect
from corral.types import TypeDecorator, UserDefinedType
from tests.integration.orm_models import dml, recorded_sql

intpk = Annotated[int, mapped_column(primary_key=True)]
str40 = Annotated[str, mapped_column(String(40), nullable=False)]


def _words(sql: str) -> str:
    """The statement without identifier quotes and with ``?`` placeholders."""
    return re.sub(r"[`\"]", "", sql).replace("%s", "?")


# --- declarative_base() and Annotated -----------------------------------------------------

ClassicBase: Any = declarative_base()


class Classic(ClassicBase):  # type: ignore[misc]
    __tablename__ = "classic"
    id = Column(Integer, primary_key=True)
    name = Column(String(30))


def test_declarative_base_classes_write_and_read(engine: Engine) -> None:
    """A declarative_base() class with Column attributes inserts and loads its rows."""
    ClassicBase.metadata.create_all(engine)
    with Session(engine) as session:
        with recorded_sql() as statements:
            session.add(Classic(name="ada"))
            session.commit()
        assert _words(dml(statements)[0]).startswith("INSERT INTO classic (name) VALUES (?)")
    with Session(engine) as session:
        loaded = session.scalars(select(Classic)).one()
        assert (loaded.id, loaded.name) == (1, "ada")


class AnnotatedBase(DeclarativeBase):
    type_annotation_map = {str: String(25)}


class Labelled(AnnotatedBase):
    __tablename__ = "labelled"
    id: Mapped[intpk]
    title: Mapped[str40]
    label: Mapped[str]


def test_annotated_columns_write_and_read(engine: Engine) -> None:
    """Annotated mapped_column() templates and the type map shape the table and its values."""
    with recorded_sql() as statements:
        AnnotatedBase.metadata.create_all(engine)
    (create,) = [_words(s) for s in statements if s.startswith("CREATE TABLE labelled")]
    assert "title VARCHAR(40) NOT NULL" in create and "label VARCHAR(25) NOT NULL" in create
    with Session(engine) as session:
        # To a type checker an Annotated key has no default; the database numbers it.
        session.add(Labelled(title="t" * 40, label="l" * 25))  # type: ignore[call-arg]
        session.commit()
    with engine.connect() as connection:
        row = connection.execute(text("SELECT id, title, label FROM labelled")).one()
    assert tuple(row) == (1, "t" * 40, "l" * 25)


# --- SQL expression defaults --------------------------------------------------------------


class DefaultsBase(DeclarativeBase):
    pass


class Counted(DefaultsBase):
    __tablename__ = "counted"
    id: Mapped[int] = mapped_column(primary_key=True)


class Stamped(DefaultsBase):
    __tablename__ = "stamped"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime.datetime] = mapped_column(default=func.now())
    server_stamp: Mapped[datetime.datetime] = mapped_column(server_default=func.now())
    counted: Mapped[int] = mapped_column(
        default=select(func.count()).select_from(Counted.__table__),
        onupdate=func.length("abcd"),
    )
    note: Mapped[str] = mapped_column(String(10), server_default=text("'hello'"))


def test_sql_expression_defaults_are_evaluated_by_the_database(engine: Engine) -> None:
    """default=func.now()/select(), onupdate=, server_default= run in SQL; values reload."""
    DefaultsBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Counted(id=1), Counted(id=2)])
        session.flush()
        stamped = Stamped(title="a")
        with recorded_sql() as statements:
            session.add(stamped)
            session.flush()
        (insert_sql,) = [_words(s) for s in dml(statements)]
        assert insert_sql.startswith("INSERT INTO stamped (title, created, counted) VALUES (?, ")
        assert "(SELECT count(*) FROM counted)" in insert_sql
        # The database decided these values; they come back with the row (RETURNING).
        assert insert_sql.endswith("RETURNING id, created, server_stamp, counted, note")
        with recorded_sql() as statements:
            assert isinstance(stamped.created, datetime.datetime)
            assert isinstance(stamped.server_stamp, datetime.datetime)
            assert (stamped.counted, stamped.note) == (2, "hello")
        assert statements == []
        stamped.title = "b"
        with recorded_sql() as statements:
            session.flush()
        assert _words(dml(statements)[0]).startswith(
            "UPDATE stamped SET title=?, counted=length('abcd') WHERE stamped.id = ?"
        )
        # An UPDATE's expression value is expired, and loads on first read.
        assert "counted" not in stamped.__dict__
        assert stamped.counted == 4
        session.commit()
    with engine.connect() as connection:
        row = connection.execute(text("SELECT title, counted, note FROM stamped")).one()
    assert tuple(row) == ("b", 4, "hello")


def test_core_insert_and_update_use_expression_defaults(engine: Engine) -> None:
    """Core insert()/update() without the column evaluate the expression default."""
    DefaultsBase.metadata.create_all(engine)
    table = Stamped.__table__
    with engine.begin() as connection:
        connection.execute(insert(Counted.__table__), [{"id": 5}])
        connection.execute(insert(table), {"title": "x"})
        connection.execute(update(table).values(title="y"))
        row = connection.execute(select(table.c.title, table.c.counted, table.c.created)).one()
    assert row[0:2] == ("y", 4)
    assert isinstance(row[2], datetime.datetime)


# --- Identity, Unicode, Table.create/drop -------------------------------------------------


def test_identity_column_numbers_rows(engine: Engine) -> None:
    """Identity() on the key makes the database number new rows; ORM reads the keys back."""
    metadata = MetaData()
    table = Table(
        "numbered",
        metadata,
        Column("id", Integer, Identity(), primary_key=True),
        Column("word", Unicode(20)),
        Column("essay", UnicodeText),
    )
    with recorded_sql() as statements:
        table.create(engine)
    (create,) = [_words(s) for s in statements if s.startswith("CREATE TABLE")]
    expected = {
        "postgresql": "id INTEGER GENERATED BY DEFAULT AS IDENTITY",
        "mysql": "id INTEGER NOT NULL AUTO_INCREMENT",
        "sqlite": "id INTEGER NOT NULL",
    }[engine.dialect.name]
    assert expected in create
    with engine.begin() as connection:
        result = connection.execute(insert(table), {"word": "żółw", "essay": "ünïcode " * 50})
        assert result.inserted_primary_key == (1,)
        connection.execute(insert(table), {"word": "日本"})
        rows = connection.execute(select(table).order_by(table.c.id)).all()
    assert [tuple(r) for r in rows] == [(1, "żółw", "ünïcode " * 50), (2, "日本", None)]


def test_table_create_and_drop_with_checkfirst(engine: Engine) -> None:
    """Table.create()/drop() emit CREATE/DROP; checkfirst=True skips what is done."""
    table = Table("lonely", MetaData(), Column("id", Integer, primary_key=True))
    with recorded_sql() as statements:
        table.create(engine)
        table.create(engine, checkfirst=True)
        table.drop(engine)
        table.drop(engine, checkfirst=True)
    ddl = [s.split(" (")[0] for s in statements if s.startswith(("CREATE", "DROP"))]
    assert [_words(s) for s in ddl] == ["CREATE TABLE lonely", "DROP TABLE lonely"]
    table.create(engine)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(table)).scalar() == 0


# --- TypeDecorator and UserDefinedType ----------------------------------------------------


class LowerCase(TypeDecorator):
    """Stores text lower-cased, reads it back upper-cased: both directions show."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: SQLDialect) -> Any:
        return None if value is None else value.lower()

    def process_result_value(self, value: Any, dialect: SQLDialect) -> Any:
        return None if value is None else value.upper()


class CommaList(UserDefinedType):
    """A list of words kept as one comma-separated VARCHAR."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "VARCHAR(100)"

    def bind_processor(self, dialect: SQLDialect) -> Any:
        return ",".join

    def result_processor(self, dialect: SQLDialect, coltype: object = None) -> Any:
        return lambda value: None if value is None else value.split(",")


class TypesBase(DeclarativeBase):
    pass


class Tagged(TypesBase):
    __tablename__ = "tagged"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(LowerCase(30))
    tags: Mapped[Any] = mapped_column(CommaList())


def test_user_types_convert_in_orm_core_and_where(engine: Engine) -> None:
    """TypeDecorator and UserDefinedType convert on insert, update, select and in WHERE."""
    TypesBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Tagged(name="HeLLo", tags=["a", "b"]))
        session.commit()
    with engine.connect() as connection:
        raw = connection.execute(text("SELECT name, tags FROM tagged")).one()
    assert tuple(raw) == ("hello", "a,b")
    with Session(engine) as session:
        found = session.scalars(select(Tagged).where(Tagged.name == "HELLO")).one()
        assert (found.name, found.tags) == ("HELLO", ["a", "b"])
        found.name = "World"
        found.tags = ["c"]
        session.commit()
    with engine.begin() as connection:
        table = Tagged.__table__
        connection.execute(update(table).where(table.c.name == "WORLD").values(tags=["d", "e"]))
        row = connection.execute(select(table.c.name, table.c.tags)).one()
        raw = connection.execute(text("SELECT name, tags FROM tagged")).one()
    assert tuple(row) == ("WORLD", ["d", "e"])
    assert tuple(raw) == ("world", "d,e")
    assert Tagged.__table__.c.name.type.describe() == "LowerCase(String(30))"


# --- Enum options -------------------------------------------------------------------------


class Mood(enum.Enum):
    HAPPY = "h"
    SAD = "s"


def _mood_table(metadata: MetaData) -> Table:
    return Table(
        "moods",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("by_name", Enum(Mood)),
        Column("by_value", Enum(Mood, values_callable=lambda c: [m.value for m in c], name="mv")),
        Column("checked", Enum("x", "yy", native_enum=False, create_constraint=True, name="ck")),
    )


def test_enum_options_store_and_read_back(engine: Engine) -> None:
    """Members store their names or values_callable's strings; both read back as members."""
    metadata = MetaData()
    table = _mood_table(metadata)
    with recorded_sql() as statements:
        metadata.create_all(engine)
    created = [_words(s) for s in statements if s.startswith(("CREATE TYPE", "CREATE TABLE"))]
    if engine.dialect.name == "postgresql":
        assert created[:2] == [
            "CREATE TYPE mood AS ENUM ('HAPPY', 'SAD')",
            "CREATE TYPE mv AS ENUM ('h', 's')",
        ]
    assert "CONSTRAINT ck CHECK (checked IN ('x', 'yy'))" in created[-1]
    with engine.begin() as connection:
        connection.execute(
            insert(table), {"id": 1, "by_name": Mood.SAD, "by_value": Mood.SAD, "checked": "yy"}
        )
        row = connection.execute(select(table.c.by_name, table.c.by_value, table.c.checked)).one()
        raw = connection.execute(text("SELECT by_name, by_value FROM moods")).one()
        found = connection.execute(select(table.c.id).where(table.c.by_value == Mood.SAD))
        assert found.scalar() == 1
    assert tuple(row) == (Mood.SAD, Mood.SAD, "yy")
    assert tuple(raw) == ("SAD", "s")


def test_enum_types_and_checks_hold_in_the_database(engine: Engine) -> None:
    """A native enum (PostgreSQL, MariaDB) and create_constraint's CHECK refuse other strings."""
    metadata = MetaData()
    _mood_table(metadata)
    metadata.create_all(engine)
    attempts = ["INSERT INTO moods (id, checked) VALUES (1, 'zz')"]
    if engine.dialect.features.native_enum is not None:
        attempts.append("INSERT INTO moods (id, by_name) VALUES (2, 'ANGRY')")
    for sql in attempts:
        with pytest.raises(exc.DBAPIError), engine.begin() as connection:
            connection.execute(text(sql))


def test_drop_all_drops_named_enum_types(engine: Engine) -> None:
    """drop_all removes PostgreSQL's enum types after the tables; create_all is repeatable."""
    metadata = MetaData()
    _mood_table(metadata)
    metadata.create_all(engine)
    with recorded_sql() as statements:
        metadata.drop_all(engine)
    dropped = [_words(s) for s in statements if s.startswith("DROP")]
    if engine.dialect.name == "postgresql":
        assert dropped == ["DROP TABLE moods", "DROP TYPE mood", "DROP TYPE mv"]
    else:
        assert dropped == ["DROP TABLE moods"]
    metadata.create_all(engine)
    metadata.create_all(engine)  # checkfirst: nothing is created twice


def test_index_create_and_drop(engine: Engine) -> None:
    """Index.create()/drop() emit CREATE INDEX / DROP INDEX on an existing table."""
    metadata = MetaData()
    table = Table(
        "indexed", metadata, Column("id", Integer, primary_key=True), Column("n", Integer)
    )
    table.create(engine)
    index = Index("ix_indexed_n", table.c.n, unique=True)
    with recorded_sql() as statements:
        index.create(engine)
    assert [_words(s) for s in statements if s.startswith("CREATE")] == [
        "CREATE UNIQUE INDEX ix_indexed_n ON indexed (n)"
    ]
    with engine.begin() as connection:
        connection.execute(insert(table), {"id": 1, "n": 5})
    with pytest.raises(exc.IntegrityError), engine.begin() as connection:
        connection.execute(insert(table), {"id": 2, "n": 5})
    index.drop(engine)
    with engine.begin() as connection:  # the unique index is gone
        connection.execute(insert(table), {"id": 2, "n": 5})
    with pytest.raises(exc.ArgumentError, match="checkfirst=True"):
        index.create(engine, checkfirst=True)
