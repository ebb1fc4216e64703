"""An executemany whose later parameter sets carry keys the first lacks is refused, not trimmed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Column, Engine, Integer, MetaData, String, Table, exc, insert, select
from tests.integration.orm_models import recorded_sql

metadata = MetaData()
notes = Table(
    "ek_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(30)),
    Column("body", String(30)),
)


@pytest.fixture
def schema_engine(engine: Engine) -> Iterator[Engine]:
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)


def _rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(notes).order_by(notes.c.id))]


def test_later_set_with_an_extra_key_is_refused(schema_engine: Engine) -> None:
    """A body given only in the second set would be dropped: nothing is sent, nothing written."""
    with recorded_sql() as sql, schema_engine.connect() as connection:
        with pytest.raises(exc.ArgumentError, match=r"Parameter set 1 .* 'body'"):
            connection.execute(
                insert(notes), [{"id": 1, "title": "a"}, {"id": 2, "title": "b", "body": "x"}]
            )
        connection.commit()
    assert not [s for s in sql if s.startswith("INSERT")]
    assert _rows(schema_engine) == []


def test_later_set_trading_a_key_for_another_is_refused(schema_engine: Engine) -> None:
    """A set that lacks one of the first set's keys and adds another is refused too."""
    refused = pytest.raises(exc.ArgumentError, match=r"Parameter set 1 .* 'body'")
    with schema_engine.connect() as connection, refused:
        connection.execute(insert(notes), [{"id": 1, "title": "a"}, {"id": 2, "body": "x"}])
    assert _rows(schema_engine) == []


def test_sets_with_the_same_keys_are_one_executemany(schema_engine: Engine) -> None:
    """The control: the same keys in every set insert every row."""
    with schema_engine.begin() as connection:
        connection.execute(
            insert(notes),
            [{"id": 1, "title": "a", "body": "x"}, {"id": 2, "title": "b", "body": "y"}],
        )
    assert _rows(schema_engine) == [(1, "a", "x"), (2, "b", "y")]
