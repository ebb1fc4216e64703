"""``schema_translate_map``: the SQL each dialect writes, the compiled cache, the checks."""

from __future__ import annotations

from typing import Any

import pytest

from corral import Column, ForeignKey, Index, Integer, MetaData, String, Table, exc, select
from corral.engine.create import create_engine
from corral.sql.ddl import CreateIndex, CreateTable, DropIndex, DropTable
from corral.sql.elements import ClauseElement
from tests.unit.compile_helpers import compile_dialect

metadata = MetaData()
team = Table("team", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))
member = Table(
    "member",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("team_id", ForeignKey("team.id")),
)
by_name = Index("ix_team_name", team.c.name)
ONE = {None: "one"}


def _sql(statement: ClauseElement, dialect: str, schema_map: Any = None) -> str:
    return statement._compile_for(compile_dialect(dialect), None, None, schema_map)[0].sql


def test_statements_name_tables_in_the_schema() -> None:
    """FROM entries, column qualifiers and the target of INSERT / UPDATE / DELETE carry
    the schema; without a map nothing changes."""
    query = select(member.c.id).join_from(member, team).where(team.c.name == "x")
    assert _sql(query, "sqlite", ONE) == (
        "SELECT one.member.id FROM one.member JOIN one.team ON one.member.team_id = "
        "one.team.id WHERE one.team.name = ?"
    )
    assert "one." not in _sql(query, "sqlite")
    assert _sql(team.insert().values(name="a"), "postgresql", ONE).startswith(
        "INSERT INTO one.team (name)"
    )
    assert _sql(team.update().values(name="a"), "mysql", ONE).startswith("UPDATE one.team SET")
    assert _sql(team.delete().where(team.c.id == 1), "sqlite", ONE) == (
        "DELETE FROM one.team WHERE one.team.id = ?"
    )


def test_an_alias_keeps_its_name_and_the_table_gets_the_schema() -> None:
    """An aliased table is read from the schema but referred to by its alias."""
    alias = team.alias("t")
    assert _sql(select(alias.c.id), "postgresql", ONE) == "SELECT t.id FROM one.team AS t"


def test_schema_names_are_quoted_when_they_need_it() -> None:
    """A schema name needing quotes (capitals here) is quoted like a table name."""
    assert _sql(select(team.c.id), "postgresql", {None: "Tenant"}) == (
        'SELECT "Tenant".team.id FROM "Tenant".team'
    )


@pytest.mark.parametrize(
    ("dialect", "create_index", "drop_index", "references"),
    [
        # SQLite names the attached database on the index, never on its table, and a
        # foreign key refers to a table of its own database by the bare name.
        (
            "sqlite",
            "CREATE INDEX one.ix_team_name ON team (name)",
            "DROP INDEX one.ix_team_name",
            "REFERENCES team (id)",
        ),
        (
            "postgresql",
            "CREATE INDEX ix_team_name ON one.team (name)",
            "DROP INDEX one.ix_team_name",
            "REFERENCES one.team (id)",
        ),
        (
            "mysql",
            "CREATE INDEX ix_team_name ON one.team (name)",
            "DROP INDEX ix_team_name ON one.team",
            "REFERENCES one.team (id)",
        ),
    ],
)
def test_ddl_in_the_schema(
    dialect: str, create_index: str, drop_index: str, references: str
) -> None:
    """CREATE / DROP TABLE and INDEX and foreign keys as each database spells a schema."""
    assert _sql(CreateTable(team), dialect, ONE).startswith("CREATE TABLE one.team (")
    assert _sql(DropTable(team), dialect, ONE) == "DROP TABLE one.team"
    assert _sql(CreateIndex(by_name), dialect, ONE) == create_index
    assert _sql(DropIndex(by_name), dialect, ONE) == drop_index
    assert references in _sql(CreateTable(member), dialect, ONE)


def test_compiled_once_per_map() -> None:
    """The compiled cache keeps one entry per statement shape and map: executions under
    the same map reuse it, another map compiles once more."""
    engine = create_engine("sqlite://")
    cache: dict[Any, Any] = {}
    with engine.connect() as connection:
        connection.exec_driver_sql("ATTACH DATABASE ':memory:' AS other")
        for schema in ("main", "other"):
            connection.exec_driver_sql(f"CREATE TABLE {schema}.team (id INTEGER, name TEXT)")
        connection.execution_options(compiled_cache=cache)
        query = select(team.c.id)
        dialect = engine.dialect
        before = dialect.compile_count
        for schema in ("main", "main", "other", "other", "main"):
            connection.execution_options(schema_translate_map={None: schema})
            assert connection.execute(query).all() == []
        assert dialect.compile_count == before + 2
        assert len(cache) == 2
        assert sorted(c.sql for c in cache.values()) == [
            "SELECT main.team.id FROM main.team",
            "SELECT other.team.id FROM other.team",
        ]
    engine.dispose()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({5: "other"}, r"keys are schema names that Tables give \(strings\) or None"),
        ({None: 5}, r"maps None to a schema name \(a string\) or to None"),
        ("tenant", r"must be a dict such as \{None: 'tenant_1'\}, got str"),
    ],
)
def test_maps_corral_cannot_apply_are_refused(given: Any, message: str) -> None:
    """A key that is not a schema name or None, a value that is not a name, or something
    not a dict raises, wherever it is set."""
    engine = create_engine("sqlite://")
    with pytest.raises(exc.ArgumentError, match=message):
        engine.execution_options(schema_translate_map=given)
    with pytest.raises(exc.ArgumentError, match=message):
        select(team).execution_options(schema_translate_map=given)
    with engine.connect() as connection, pytest.raises(exc.ArgumentError, match=message):
        connection.execution_options(schema_translate_map=given)
    engine.dispose()


def test_a_map_for_one_call_is_refused_with_where_to_put_it() -> None:
    """Connection.execute(execution_options={"schema_translate_map": ...}) says to set it
    on the engine, the connection or the statement."""
    engine = create_engine("sqlite://")
    with (
        engine.connect() as connection,
        pytest.raises(
            exc.ArgumentError, match=r"set it on the engine, the connection or the statement"
        ),
    ):
        connection.execute(select(team), execution_options={"schema_translate_map": ONE})
    engine.dispose()


def test_schema_for_object() -> None:
    """Connection.schema_for_object() and Engine.schema_for_object() give a Table's
    schema after the map (None: the default schema)."""
    engine = create_engine("sqlite://")
    assert engine.schema_for_object(team) is None
    assert engine.execution_options(schema_translate_map=ONE).schema_for_object(team) == "one"
    with engine.connect() as connection:
        assert connection.schema_for_object(team) is None
        connection.execution_options(schema_translate_map=ONE)
        assert connection.schema_for_object(team) == "one"
    engine.dispose()
