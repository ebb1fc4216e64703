"""``Table(schema=)``: tables that name their schema, in DDL, statements, the ORM,
``schema_translate_map`` with named keys, and reflection.

SQLite's schemas are attached databases, PostgreSQL's are schemas, MariaDB's are
databases (the ``schemas`` fixture makes two private ones). Each test checks where the
rows really went with SQL naming the schema.
"""

from __future__ import annotations

from typing import Any

import pytest

from corral import (
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    inspect,
    select,
    text,
    update,
)
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from tests.integration import test_schema_translate
from tests.integration.orm_models import dml, recorded_sql

schemas = test_schema_translate.schemas  # the fixture: an engine and two private schemas


def _tables(metadata: MetaData, parent_schema: str | None, child_schema: str | None) -> Any:
    parent = Table(
        "ts_parent",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(40), index=True),
        schema=parent_schema,
    )
    target = f"{parent.fullname}.id"
    child = Table(
        "ts_child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey(target)),
        Column("name", String(40)),
        schema=child_schema,
    )
    return parent, child


def _names(engine: Engine, schema: str, table: str) -> list[Any]:
    with engine.connect() as connection:
        sql = f"SELECT name FROM {schema}.{table} ORDER BY id"
        return connection.execute(text(sql)).scalars().all()


def _child_schema(backend: str, one: str, two: str) -> str:
    """SQLite's foreign keys stay inside one attached database; the servers' cross."""
    return one if backend == "sqlite" else two


def test_names_keys_and_foreign_keys_in_schemas() -> None:
    """A table in a schema is keyed 'schema.name' and named so by fullname; a two-part
    ForeignKey refers to a table in MetaData(schema=), a three-part one names its schema;
    the untyped referring column adopts the referred type."""
    metadata = MetaData(schema="main_s")
    parent = Table("p", metadata, Column("id", Integer, primary_key=True))
    other = Table("p", metadata, Column("id", String(5), primary_key=True), schema="other")
    child = Table(
        "c",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("p_id", ForeignKey("p.id")),
        Column("other_id", ForeignKey("other.p.id")),
    )
    assert sorted(metadata.tables) == ["main_s.c", "main_s.p", "other.p"]
    assert (parent.fullname, other.fullname, child.schema) == ("main_s.p", "other.p", "main_s")
    referred = [fk.column for fk in child.foreign_keys]
    assert referred[0] is parent.c.id and referred[1] is other.c.id
    assert isinstance(child.c.other_id.type, String)
    assert Table("p", metadata, schema="other") is other
    assert str(select(other.c.id).where(other.c.id == "x")) == (
        "SELECT other.p.id \nFROM other.p \nWHERE other.p.id = :id_1"
    )


def test_create_all_has_table_and_drop_all_in_named_schemas(
    backend: str, schemas: tuple[Engine, list[str]]
) -> None:
    """create_all() creates each table (and its index) in the schema it names, with the
    foreign key referring across schemas on the servers; has_table(schema=) and the
    Inspector find them there only; a second create_all() creates nothing; drop_all()
    drops them."""
    engine, (one, two) = schemas
    metadata = MetaData()
    _parent, child = _tables(metadata, one, _child_schema(backend, one, two))
    with recorded_sql() as statements:
        metadata.create_all(engine)
    creates = [s for s in statements if s.startswith("CREATE")]
    assert len(creates) == 3
    assert f"{one}.ts_parent" in creates[0] and f"{child.schema}.ts_child" in creates[2]
    if backend != "sqlite":
        assert f"REFERENCES {one}.ts_parent" in creates[2]
    with engine.connect() as connection:
        assert connection.dialect.has_table(connection, "ts_parent", schema=one)
        assert not connection.dialect.has_table(connection, "ts_parent")
    inspector = inspect(engine)
    assert inspector.has_table("ts_child", schema=child.schema)
    assert inspector.get_indexes("ts_parent", schema=one)[0]["column_names"] == ["name"]
    with recorded_sql() as statements:
        metadata.create_all(engine)
    assert not [s for s in statements if s.startswith("CREATE")]
    metadata.drop_all(engine)
    assert inspect(engine).get_table_names(schema=one) == []


def test_core_statements_name_the_schema(backend: str, schemas: tuple[Engine, list[str]]) -> None:
    """INSERT, SELECT with a join, UPDATE and DELETE name each table's schema; the rows
    are where the SQL says."""
    engine, (one, two) = schemas
    metadata = MetaData()
    parent, child = _tables(metadata, one, _child_schema(backend, one, two))
    metadata.create_all(engine)
    with recorded_sql() as statements, engine.begin() as connection:
        connection.execute(insert(parent), [{"id": 1, "name": "p1"}, {"id": 2, "name": "p2"}])
        connection.execute(insert(child), [{"id": 1, "parent_id": 1, "name": "c1"}])
        joined = select(parent.c.name, child.c.name).join_from(parent, child)
        assert connection.execute(joined).all() == [("p1", "c1")]
        connection.execute(update(parent).where(parent.c.id == 2).values(name="p2b"))
        connection.execute(delete(child).where(child.c.id == 1))
    sent = dml(statements)
    assert len(sent) == 5
    assert all(f"{one}.ts_parent" in s or f"{child.schema}.ts_child" in s for s in sent)
    assert _names(engine, one, "ts_parent") == ["p1", "p2b"]
    assert _names(engine, str(child.schema), "ts_child") == []


def test_schema_translate_map_with_named_keys(
    backend: str, schemas: tuple[Engine, list[str]]
) -> None:
    """{"logical": one, None: two} puts Table(schema="logical") in one and a table naming
    no schema in two, in DDL, INSERT and SELECT; a compiled statement is cached per map."""
    engine, (one, two) = schemas
    metadata = MetaData()
    named = Table("ts_named", metadata, Column("id", Integer, primary_key=True), schema="logical")
    plain = Table("ts_plain", metadata, Column("id", Integer, primary_key=True))
    mapped = engine.execution_options(schema_translate_map={"logical": one, None: two})
    metadata.create_all(mapped)
    assert inspect(engine).get_table_names(schema=one) == ["ts_named"]
    assert inspect(engine).get_table_names(schema=two) == ["ts_plain"]
    with recorded_sql() as statements, mapped.begin() as connection:
        connection.execute(insert(named), {"id": 1})
        connection.execute(insert(plain), {"id": 2})
        assert connection.execute(select(named.c.id)).scalar() == 1
    assert [s.split(" (")[0] for s in dml(statements)[:2]] == [
        f"INSERT INTO {one}.ts_named",
        f"INSERT INTO {two}.ts_plain",
    ]
    swapped = engine.execution_options(schema_translate_map={"logical": two, None: two})
    Table("ts_named", MetaData(), Column("id", Integer, primary_key=True)).create(swapped)
    with swapped.connect() as connection:
        assert connection.execute(select(named.c.id)).all() == []
    metadata.drop_all(mapped)


def test_declarative_table_args_schema(backend: str, schemas: tuple[Engine, list[str]]) -> None:
    """__table_args__ = {"schema": ...} maps a class to a table in that schema: the flush
    writes there, a relationship's lazy load reads from there."""
    engine, (one, two) = schemas
    child_schema = _child_schema(backend, one, two)

    class Base(DeclarativeBase):
        pass

    class Author(Base):
        __tablename__ = "ts_author"
        __table_args__ = {"schema": one}
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(40))
        books: Mapped[list[Book]] = relationship(order_by="Book.id")

    class Book(Base):
        __tablename__ = "ts_book"
        __table_args__ = {"schema": child_schema}
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(ForeignKey(f"{one}.ts_author.id"))
        name: Mapped[str] = mapped_column(String(40))

    assert Author.__table__.fullname == f"{one}.ts_author"
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Author(name="a", books=[Book(name="b1"), Book(name="b2")]))
        session.commit()
        session.expunge_all()
        with recorded_sql() as statements:
            author = session.scalars(select(Author)).one()
            assert [b.name for b in author.books] == ["b1", "b2"]
        assert f"FROM {child_schema}.ts_book" in dml(statements)[1]
    assert _names(engine, child_schema, "ts_book") == ["b1", "b2"]
    assert _names(engine, one, "ts_author") == ["a"]


def test_reflect_tables_of_a_schema(backend: str, schemas: tuple[Engine, list[str]]) -> None:
    """Table(schema=, autoload_with=) reads the table in that schema and the table its
    foreign key refers to (in another schema on the servers) into 'schema.name';
    MetaData.reflect(schema=) reads every table of the schema."""
    engine, (one, two) = schemas
    child_schema = _child_schema(backend, one, two)
    _tables(created := MetaData(), one, child_schema)
    created.create_all(engine)
    metadata = MetaData()
    child = Table("ts_child", metadata, schema=child_schema, autoload_with=engine)
    assert list(child.columns.keys()) == ["id", "parent_id", "name"]
    assert [fk.target for fk in child.foreign_keys] == [f"{one}.ts_parent.id"]
    assert sorted(metadata.tables) == sorted({f"{one}.ts_parent", f"{child_schema}.ts_child"})
    assert child.foreign_keys[0].column is metadata.tables[f"{one}.ts_parent"].c.id
    whole = MetaData()
    whole.reflect(engine, schema=one)
    expected = ["ts_child", "ts_parent"] if child_schema == one else ["ts_parent"]
    assert sorted(whole.tables) == [f"{one}.{name}" for name in expected]
    with engine.begin() as connection:  # the reflected tables run statements in the schema
        connection.execute(insert(whole.tables[f"{one}.ts_parent"]), {"id": 1, "name": "r"})
    assert _names(engine, one, "ts_parent") == ["r"]


@pytest.mark.parametrize("where", ["metadata", "reflect"])
def test_metadata_schema_is_the_default(
    where: str, backend: str, schemas: tuple[Engine, list[str]]
) -> None:
    """MetaData(schema=one) puts its tables that name none in one, and reflects from one."""
    engine, (one, _two) = schemas
    metadata = MetaData(schema=one)
    parent, child = _tables(metadata, None, None)
    assert (parent.schema, child.foreign_keys[0].column) == (one, parent.c.id)
    metadata.create_all(engine)
    assert inspect(engine).get_table_names(schema=one) == ["ts_child", "ts_parent"]
    if where == "reflect":
        again = MetaData(schema=one)
        again.reflect(engine)
        assert sorted(again.tables) == [f"{one}.ts_child", f"{one}.ts_parent"]
