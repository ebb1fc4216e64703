"""INSERT ... RETURNING with several parameter sets: one row per set, on every database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import (
    Column,
    DeclarativeBase,
    Engine,
    Integer,
    Mapped,
    MetaData,
    Session,
    String,
    Table,
    bindparam,
    insert,
    inspect,
    mapped_column,
    select,
    update,
)
from tests.integration.orm_models import dml, recorded_sql

metadata = MetaData()
items = Table(
    "rm_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(30)),
    Column("size", Integer, default=7),
    Column("kind", String(10), server_default="plain"),
)


class ReturnBase(DeclarativeBase):
    pass


class Gadget(ReturnBase):
    __tablename__ = "rm_gadgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(10), server_default="plain")


@pytest.fixture
def tables(engine: Engine) -> Iterator[Engine]:
    metadata.create_all(engine)
    ReturnBase.metadata.create_all(engine)
    yield engine


def _statements_for(engine: Engine, sets: int) -> int:
    """Statements the engine sends for ``sets`` parameter sets (one per round trip), for a
    RETURNING that carries the generated key."""
    strategy = engine.dialect.features.executemany_returning
    return sets if strategy == "per_row" else 1


def test_connection_returns_one_row_per_parameter_set(tables: Engine) -> None:
    """Every set's row comes back, in parameter order, with defaults filled in."""
    names = ["a", "b", "c"]
    with tables.connect() as connection:
        with recorded_sql() as sql:
            result = connection.execute(
                insert(items).returning(items.c.id, items.c.name, items.c.size, items.c.kind),
                [{"name": n} for n in names],
            )
            rows = [tuple(row) for row in result]
        connection.commit()
    assert [row[1:] for row in rows] == [(n, 7, "plain") for n in names]
    assert len({row[0] for row in rows}) == 3
    statements = dml(sql)
    assert len(statements) == _statements_for(tables, 3)
    if tables.dialect.features.executemany_returning.startswith("multi_values"):
        assert statements == [
            "INSERT INTO rm_items (name, size) VALUES (?, ?), (?, ?), (?, ?) "
            "RETURNING id, name, size, kind"
        ]
    else:
        assert set(statements) == {
            "INSERT INTO rm_items (name, size) VALUES (?, ?) RETURNING id, name, size, kind"
        }
    with tables.connect() as connection:
        stored = connection.execute(select(items.c.id, items.c.name).order_by(items.c.id)).all()
    assert [tuple(row) for row in stored] == [(row[0], row[1]) for row in rows]


def test_connection_returning_many_past_one_statements_bind_limit(tables: Engine) -> None:
    """More sets than one multi-row statement takes still return every row, in order."""
    count = 2500
    with tables.connect() as connection:
        with recorded_sql() as sql:
            rows = connection.execute(
                insert(items).returning(items.c.name), [{"name": f"n{i}"} for i in range(count)]
            ).all()
        connection.commit()
    assert [row[0] for row in rows] == [f"n{i}" for i in range(count)]
    # Without the key in RETURNING, multi_values_by_key runs one statement per set.
    per_statement = {"per_row": 1, "driver": count, "multi_values": 1000, "multi_values_by_key": 1}
    strategy = tables.dialect.features.executemany_returning
    assert len(dml(sql)) == -(-count // per_statement[strategy])
    with tables.connect() as connection:
        assert len(connection.execute(select(items.c.id)).scalars().all()) == count


def test_session_execute_insert_returning_many(tables: Engine) -> None:
    """Through a Session, the RETURNING column comes back for every set."""
    with Session(tables) as session:
        ids = session.execute(
            insert(items).returning(items.c.id, items.c.name),
            [{"name": "x"}, {"name": "y"}, {"name": "z"}],
        ).all()
        session.commit()
        assert [row[1] for row in ids] == ["x", "y", "z"]
        stored = session.execute(select(items.c.id).order_by(items.c.id)).scalars().all()
        assert sorted(row[0] for row in ids) == stored


def test_session_scalars_returning_class_gives_persistent_objects(tables: Engine) -> None:
    """insert(Gadget).returning(Gadget) gives Gadget objects held by the session."""
    with Session(tables) as session:
        with recorded_sql() as sql:
            gadgets = session.scalars(
                insert(Gadget).returning(Gadget), [{"name": "g1"}, {"name": "g2"}, {"name": "g3"}]
            ).all()
        assert len(dml(sql)) == _statements_for(tables, 3)
        assert [type(g) for g in gadgets] == [Gadget] * 3
        assert [g.name for g in gadgets] == ["g1", "g2", "g3"]
        assert all(inspect(g).persistent for g in gadgets)
        assert [g.kind for g in gadgets] == ["plain"] * 3  # server default, from RETURNING
        with recorded_sql() as sql:
            assert session.get(Gadget, gadgets[0].id) is gadgets[0]
        assert dml(sql) == []
        gadgets[1].name = "renamed"
        session.commit()
        keys = [g.id for g in gadgets]
        stored = session.execute(select(Gadget.id, Gadget.name).order_by(Gadget.id)).all()
    assert [tuple(row) for row in stored] == list(zip(keys, ["g1", "renamed", "g3"], strict=True))


def test_session_single_set_returning_class_gives_an_object(tables: Engine) -> None:
    """One parameter set (or none) returning the class gives the object, not its key."""
    with Session(tables) as session:
        gadget = session.scalars(insert(Gadget).returning(Gadget), {"name": "solo"}).one()
        assert isinstance(gadget, Gadget) and gadget.kind == "plain"
        assert inspect(gadget).persistent
        other = session.scalars(insert(Gadget).values(name="v").returning(Gadget)).one()
        assert isinstance(other, Gadget) and other.id != gadget.id
        session.commit()
        assert session.execute(select(Gadget.name).order_by(Gadget.id)).scalars().all() == [
            "solo",
            "v",
        ]


def test_session_returning_mixes_columns_and_objects(tables: Engine) -> None:
    """returning(Gadget.id, Gadget) gives rows of the key and the object."""
    with Session(tables) as session:
        rows = session.execute(
            insert(Gadget).returning(Gadget.name, Gadget), [{"name": "p"}, {"name": "q"}]
        ).all()
        assert [(row[0], type(row[1]), row[1].name) for row in rows] == [
            ("p", Gadget, "p"),
            ("q", Gadget, "q"),
        ]


def test_update_returning_with_several_sets_on_the_connection(tables: Engine) -> None:
    """UPDATE ... RETURNING with several sets also returns each set's rows, where supported."""
    if not tables.dialect.features.update_returning:
        pytest.skip("the database has no UPDATE ... RETURNING")
    with tables.connect() as connection:
        connection.execute(insert(items), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
        statement = (
            update(items)
            .where(items.c.id == bindparam("target"))
            .returning(items.c.id, items.c.name)
        )
        rows = connection.execute(
            statement, [{"target": 2, "name": "B"}, {"target": 1, "name": "A"}]
        ).all()
        connection.commit()
    assert [tuple(row) for row in rows] == [(2, "B"), (1, "A")]


def test_returning_many_failure_raises_corral_error_and_rolls_back(tables: Engine) -> None:
    """A duplicate key in the middle of the sets raises IntegrityError; rollback undoes all."""
    from corral import exc

    with tables.connect() as connection:
        with pytest.raises(exc.IntegrityError):
            connection.execute(
                insert(items).returning(items.c.id),
                [{"id": 1, "name": "a"}, {"id": 1, "name": "dup"}, {"id": 3, "name": "c"}],
            )
        connection.rollback()
        assert connection.execute(select(items.c.id)).all() == []
        rows = connection.execute(
            insert(items).returning(items.c.id), [{"id": 5, "name": "e"}, {"id": 6, "name": "f"}]
        ).all()
        assert [row[0] for row in rows] == [5, 6]
        connection.commit()


def test_iterating_a_returning_many_result_in_batches(tables: Engine) -> None:
    """Rows can be read in part (first(), fetchmany) as from any result."""
    with tables.connect() as connection:
        result = connection.execute(
            insert(items).returning(items.c.name), [{"name": f"r{i}"} for i in range(5)]
        )
        assert result.fetchmany(2) == [("r0",), ("r1",)]
        assert [row[0] for row in result] == ["r2", "r3", "r4"]
        connection.rollback()
