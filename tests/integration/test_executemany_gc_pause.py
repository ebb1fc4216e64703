"""A Core executemany of thousands of parameter sets runs with the cyclic collector paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from corral import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    insert,
    select,
    update,
)
from corral import func as sql_func
from corral.exc import IntegrityError
from corral.orm import Session
from corral.util.gc_pause import PAUSE_AT

metadata = MetaData()
rows = Table(
    "gcp_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
)


@pytest.fixture
def table_engine(engine: Engine) -> Iterator[Engine]:
    """The engine with ``gcp_rows`` created, and dropped after the test."""
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)


def _collector_states(engine: Engine) -> list[bool]:
    """Whether the collector was on at each statement the engine sends from now on."""
    seen: list[bool] = []

    def record(*_args: Any) -> None:
        seen.append(gc.isenabled())

    event.listen(engine, "before_cursor_execute", record)
    return seen


def _sets(count: int, start: int = 0) -> list[dict[str, Any]]:
    # keys from 1: MariaDB reads an explicit 0 as "generate the next key"
    return [{"id": start + index + 1, "name": f"row {index}"} for index in range(count)]


def test_thousands_of_inserted_sets_run_paused(table_engine: Engine) -> None:
    """PAUSE_AT sets of an INSERT are sent with the collector off, then it is on again; the
    control, one set fewer, runs with the collector on."""
    seen = _collector_states(table_engine)
    with table_engine.begin() as connection:
        connection.execute(insert(rows), _sets(PAUSE_AT - 1))
    control = list(seen)
    seen.clear()
    with table_engine.begin() as connection:
        connection.execute(insert(rows), _sets(PAUSE_AT, start=PAUSE_AT))
    assert control and all(control)
    assert seen and not any(seen)
    assert gc.isenabled()
    with table_engine.connect() as connection:
        assert connection.scalar(select(sql_func.count()).select_from(rows)) == 2 * PAUSE_AT - 1


def test_an_update_through_a_session_with_thousands_of_sets_runs_paused(
    table_engine: Engine,
) -> None:
    """An UPDATE's PAUSE_AT sets through ``Session.execute(stmt, [...])`` are sent with the
    collector off; a single UPDATE in the same session (the control) with it on."""
    with table_engine.begin() as connection:
        connection.execute(insert(rows), _sets(PAUSE_AT))
    seen = _collector_states(table_engine)
    renamed = update(rows).where(rows.c.id == bindparam("key")).values(name=bindparam("new"))
    with Session(table_engine) as session:
        session.execute(update(rows).where(rows.c.id == 1).values(name="first"))
        control = list(seen)
        seen.clear()
        session.execute(
            renamed, [{"key": index + 1, "new": f"new {index}"} for index in range(PAUSE_AT)]
        )
        session.commit()
    assert control and all(control)
    assert seen and not any(seen)
    with table_engine.connect() as connection:
        names = connection.scalars(select(rows.c.name).order_by(rows.c.id)).all()
    assert names[0] == "new 0" and names[-1] == f"new {PAUSE_AT - 1}"


def test_an_error_in_a_paused_batch_turns_the_collector_back_on(table_engine: Engine) -> None:
    """A batch failing on a duplicate key leaves the collector enabled and nothing written."""
    sets = _sets(PAUSE_AT)
    sets[-1]["id"] = 1  # the first set's key again
    with pytest.raises(IntegrityError), table_engine.begin() as connection:
        connection.execute(insert(rows), sets)
    assert gc.isenabled()
    with table_engine.connect() as connection:
        assert connection.scalar(select(sql_func.count()).select_from(rows)) == 0
