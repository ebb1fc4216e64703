"""``schema_translate_map``: one set of Tables used in several schemas of one database.

SQLite's schemas are attached databases, PostgreSQL's are schemas, MariaDB's are
databases. Each test checks where the rows really went with SQL naming the schema.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral import (
    Column,
    Engine,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    event,
    exc,
    insert,
    inspect,
    select,
    text,
)
from corral.ext.horizontal_shard import ShardedSession
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker
from corral.pool import StaticPool
from tests.integration.conftest import EngineFactory
from tests.integration.orm_models import dml, recorded_sql


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "st_team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    members: Mapped[list[Member]] = relationship(back_populates="team", order_by="Member.id")


class Member(Base):
    __tablename__ = "st_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("st_team.id"))
    name: Mapped[str] = mapped_column(String(40))
    team: Mapped[Team] = relationship(back_populates="members")


def _admin(engine: Engine, sql: str) -> None:
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text(sql))


@pytest.fixture
def schemas(
    backend: str, make_engine: EngineFactory, db_url: Any, tmp_path: Path
) -> Iterator[tuple[Engine, list[str]]]:
    """An engine and the names of two empty schemas next to its default one (attached
    files on SQLite, on every connection; dropped after on the servers)."""
    base = db_url.database.rsplit("/", 1)[-1].split(".")[0] if backend == "sqlite" else None
    names = (
        ["st_one", "st_two"]
        if backend == "sqlite"
        else [f"{db_url.database}_st{i}" for i in (1, 2)]
    )
    engine = make_engine()
    if backend == "sqlite":
        assert base is not None

        @event.listens_for(engine, "connect")
        def attach(dbapi_connection: Any, record: Any) -> None:
            for name in names:
                dbapi_connection.execute(f"ATTACH DATABASE '{tmp_path / name}.db' AS {name}")

        yield engine, names
        return
    kind = "SCHEMA" if backend == "postgresql" else "DATABASE"
    drop = " CASCADE" if backend == "postgresql" else ""
    for name in names:
        _admin(engine, f"DROP {kind} IF EXISTS {name}{drop}")
        _admin(engine, f"CREATE {kind} {name}")
    try:
        yield engine, names
    finally:
        engine.dispose()
        for name in reversed(names):  # a table of the second may refer to one of the first
            _admin(engine, f"DROP {kind} IF EXISTS {name}{drop}")
        engine.dispose()


def _in(engine: Engine, schema: str) -> Engine:
    return engine.execution_options(schema_translate_map={None: schema})


def _rows(engine: Engine, schema: str, table: str) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(f"SELECT name FROM {schema}.{table} ORDER BY id")))


def test_create_all_and_drop_all_in_the_mapped_schema(schemas: tuple[Engine, list[str]]) -> None:
    """create_all() creates the tables (and index) in the schema the map names, finds them
    there the second time, and drop_all() drops them there; the default schema stays empty."""
    engine, (one, two) = schemas
    with recorded_sql() as statements:
        Base.metadata.create_all(_in(engine, one))
    creates = [s for s in statements if s.startswith("CREATE")]
    assert len(creates) == 3 and all(f"{one}." in s for s in creates)
    with recorded_sql() as statements:
        Base.metadata.create_all(_in(engine, one))
    assert not [s for s in statements if s.startswith("CREATE")]
    inspector = inspect(engine)
    assert sorted(inspector.get_table_names(schema=one)) == ["st_member", "st_team"]
    assert inspector.get_table_names(schema=two) == []
    assert "st_team" not in inspector.get_table_names()
    Base.metadata.drop_all(_in(engine, one))
    assert inspect(engine).get_table_names(schema=one) == []


def test_core_statements_run_in_the_mapped_schema(schemas: tuple[Engine, list[str]]) -> None:
    """INSERT, SELECT, UPDATE and DELETE name the map's schema; the same statement object
    run through two engines writes to two schemas."""
    engine, (one, two) = schemas
    for schema in (one, two):
        Base.metadata.create_all(_in(engine, schema))
    team = Team.__table__
    add = insert(team)
    with _in(engine, one).begin() as connection:
        connection.execute(add, [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    with recorded_sql() as statements, _in(engine, two).begin() as connection:
        connection.execute(add, {"id": 1, "name": "z"})
        connection.execute(team.update().where(team.c.id == 1).values(name="y"))
        assert connection.execute(select(team.c.name)).scalars().all() == ["y"]
    assert all(f"{two}.st_team" in s for s in dml(statements))
    with _in(engine, one).begin() as connection:
        connection.execute(team.delete().where(team.c.id == 2))
    assert _rows(engine, one, "st_team") == [("a",)]
    assert _rows(engine, two, "st_team") == [("y",)]


def test_statement_and_connection_maps(schemas: tuple[Engine, list[str]]) -> None:
    """A statement's own map applies on a connection without one; the connection's map
    takes precedence over the statement's (as SQLAlchemy merges options)."""
    engine, (one, two) = schemas
    for schema in (one, two):
        Base.metadata.create_all(_in(engine, schema))
    team = Team.__table__
    with engine.begin() as connection:
        connection.execute(
            insert(team).execution_options(schema_translate_map={None: one}),
            {"id": 1, "name": "by statement"},
        )
        connection.execution_options(schema_translate_map={None: two})
        connection.execute(
            insert(team).execution_options(schema_translate_map={None: one}),
            {"id": 1, "name": "by connection"},
        )
    assert _rows(engine, one, "st_team") == [("by statement",)]
    assert _rows(engine, two, "st_team") == [("by connection",)]


def test_orm_flush_and_loads_in_the_mapped_schema(schemas: tuple[Engine, list[str]]) -> None:
    """A Session bound to the translated engine flushes parents and children into that
    schema (several new rows at once take their keys there too: PostgreSQL asks the
    schema's sequence), and its queries and lazy loads read them from there."""
    engine, (one, two) = schemas
    for schema in (one, two):
        Base.metadata.create_all(_in(engine, schema))
    for schema in (one, two):
        with Session(_in(engine, schema)) as session:
            session.add(Team(name=f"team of {schema}", members=[Member(name="m1")]))
            session.commit()
    with Session(_in(engine, two)) as session:
        team = session.scalars(select(Team)).one()
        assert team.name == f"team of {two}"
        assert [m.name for m in team.members] == ["m1"]
        team.members.extend([Member(name="m2"), Member(name="m3")])
        session.commit()
        assert [m.id for m in team.members] == [1, 2, 3]
    assert _rows(engine, one, "st_member") == [("m1",)]
    assert _rows(engine, two, "st_member") == [("m1",), ("m2",), ("m3",)]


def test_reflection_reads_the_mapped_schema(schemas: tuple[Engine, list[str]]) -> None:
    """Table(autoload_with=) through a translated engine reads the table in the map's
    schema, its foreign key to a table of the same schema included."""
    engine, (one, _two) = schemas
    Base.metadata.create_all(_in(engine, one))
    metadata = MetaData()
    member = Table("st_member", metadata, autoload_with=_in(engine, one))
    assert list(member.columns.keys()) == ["id", "team_id", "name"]
    assert [fk.target for fk in member.foreign_keys] == ["st_team.id"]
    assert "st_team" in metadata.tables
    with pytest.raises(exc.NoSuchTableError):
        Table("st_member", MetaData(), autoload_with=engine)


def test_sharded_session_over_schemas(
    backend: str, schemas: tuple[Engine, list[str]], make_engine: EngineFactory, tmp_path: Path
) -> None:
    """A ShardedSession whose shards are one engine under two maps keeps each shard's rows
    in its schema, and equal keys apart by identity token. (On SQLite a writer locks every
    attached file, so the shards share one connection: a StaticPool, as sqlite:// has.)"""
    engine, (one, two) = schemas
    if backend == "sqlite":
        engine = make_engine(poolclass=StaticPool)

        @event.listens_for(engine, "connect")
        def attach(dbapi_connection: Any, record: Any) -> None:
            for name in (one, two):
                dbapi_connection.execute(f"ATTACH DATABASE '{tmp_path / name}.db' AS {name}")

    shards = {"one": _in(engine, one), "two": _in(engine, two)}
    for shard in shards.values():
        Base.metadata.create_all(shard)

    def shard_chooser(mapper: Any, instance: Any, clause: Any = None) -> str:
        team = instance if isinstance(instance, Team) else instance.team
        return "one" if team.name.startswith("1") else "two"

    maker = sessionmaker(
        class_=ShardedSession,
        shards=shards,
        shard_chooser=shard_chooser,
        identity_chooser=lambda mapper, pk, **kw: ["one", "two"],
        execute_chooser=lambda state: ["one", "two"],
    )
    with maker() as session:
        session.add_all([Team(id=1, name="1st"), Team(id=1, name="2nd")])
        session.commit()
        teams = session.scalars(select(Team)).all()
        assert sorted(inspect(t).identity_key[2] for t in teams) == ["one", "two"]
    assert _rows(engine, one, "st_team") == [("1st",)]
    assert _rows(engine, two, "st_team") == [("2nd",)]


def test_mapping_none_to_none_keeps_the_default_schema(engine: Engine) -> None:
    """{None: None} (and an empty map) name the tables as written: the default schema."""
    metadata = MetaData()
    table = Table("st_plain", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine.execution_options(schema_translate_map={None: None}))
    with engine.execution_options(schema_translate_map={}).begin() as connection:
        connection.execute(insert(table), {"id": 7})
    with engine.connect() as connection:
        assert connection.execute(select(table.c.id)).scalars().all() == [7]


class Mood(enum.Enum):
    calm = "calm"
    busy = "busy"


def test_named_enum_types_live_in_the_mapped_schema(schemas: tuple[Engine, list[str]]) -> None:
    """Where an Enum is a named type (PostgreSQL), create_all() creates it in the map's
    schema and drop_all() drops that one, leaving the other schema's table and type whole."""
    engine, (one, two) = schemas
    if engine.dialect.features.native_enum != "named":
        pytest.skip(f"{engine.dialect.name} has no named enum types")
    metadata = MetaData()
    table = Table(
        "st_mood",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("mood", Enum(Mood, name="st_mood_kind")),
    )
    for schema in (one, two):
        metadata.create_all(_in(engine, schema))
        with _in(engine, schema).begin() as connection:
            connection.execute(insert(table), {"id": 1, "mood": Mood.busy})
    find_types = text(
        "SELECT n.nspname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n "
        "ON n.oid = t.typnamespace WHERE t.typname = 'st_mood_kind' ORDER BY 1"
    )
    with engine.connect() as connection:
        assert connection.execute(find_types).scalars().all() == sorted([one, two])
    metadata.drop_all(_in(engine, one))
    with _in(engine, two).connect() as connection:
        assert connection.execute(select(table.c.mood)).scalars().all() == [Mood.busy]
        assert connection.execute(find_types).scalars().all() == [two]
