"""Transactions, savepoints, isolation levels and results on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from corral import exc
from corral.engine import Connection, Engine, create_engine
from corral.sql.text import text

from .conftest import EngineFactory

CREATE = "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)"


@pytest.fixture
def items(engine: Engine) -> Engine:
    """The engine, with an empty ``items`` table."""
    with engine.begin() as connection:
        connection.execute(text(CREATE))
    return engine


def _add(connection: Connection, item_id: int, name: str) -> None:
    connection.execute(
        text("INSERT INTO items (id, name) VALUES (:id, :name)"), {"id": item_id, "name": name}
    )


def _names(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        names: list[str] = (
            connection.execute(text("SELECT name FROM items ORDER BY id")).scalars().all()
        )
        return names


def test_commit_is_seen_by_another_connection(items: Engine) -> None:
    """A committed row is visible to a new connection."""
    with items.connect() as connection:
        _add(connection, 1, "a")
        connection.commit()
    assert _names(items) == ["a"]


def test_rollback_discards_work(items: Engine) -> None:
    """A rolled-back row is gone."""
    with items.connect() as connection:
        _add(connection, 1, "a")
        connection.rollback()
        assert not connection.in_transaction()
    assert _names(items) == []


def test_close_without_commit_discards_work(items: Engine) -> None:
    """Closing a connection with an open transaction rolls it back."""
    with items.connect() as connection:
        _add(connection, 1, "a")
    assert _names(items) == []


def test_engine_begin_commits(items: Engine) -> None:
    """``with engine.begin()`` commits at the end of the block."""
    with items.begin() as connection:
        _add(connection, 1, "a")
    assert _names(items) == ["a"]


def test_engine_begin_rolls_back_on_error(items: Engine) -> None:
    """An exception inside ``engine.begin()`` rolls back and propagates."""
    with pytest.raises(RuntimeError), items.begin() as connection:
        _add(connection, 1, "a")
        raise RuntimeError("boom")
    assert _names(items) == []


def test_rolled_back_savepoint_undoes_only_its_work(items: Engine) -> None:
    """Rolling back a savepoint removes its rows and keeps the rows before it."""
    with items.connect() as connection:
        _add(connection, 1, "before")
        savepoint = connection.begin_nested()
        _add(connection, 2, "inside")
        savepoint.rollback()
        _add(connection, 3, "after")
        connection.commit()
    assert _names(items) == ["before", "after"]


def test_released_savepoint_keeps_work_until_outer_rollback(items: Engine) -> None:
    """A released savepoint's rows still go when the enclosing transaction rolls back."""
    with items.connect() as connection:
        with connection.begin_nested():
            _add(connection, 1, "inside")
        assert connection.in_transaction()
        connection.rollback()
    assert _names(items) == []


def test_savepoint_recovers_from_a_failed_statement(items: Engine) -> None:
    """A failing statement inside a savepoint is undone by its rollback; the rest commits."""
    with items.connect() as connection:
        _add(connection, 1, "a")
        savepoint = connection.begin_nested()
        with pytest.raises(exc.IntegrityError):
            _add(connection, 1, "duplicate")
        savepoint.rollback()
        _add(connection, 2, "b")
        connection.commit()
    assert _names(items) == ["a", "b"]


def test_failed_statement_leaves_connection_usable_after_rollback(items: Engine) -> None:
    """After a failing statement, rollback() makes the connection usable again."""
    with items.connect() as connection:
        with pytest.raises(exc.ProgrammingError):
            connection.execute(text("SELECT no_such_column FROM items"))
        connection.rollback()
        _add(connection, 1, "a")
        connection.commit()
    assert _names(items) == ["a"]


def test_closed_connection_raises(items: Engine) -> None:
    """Using a closed connection raises ResourceClosedError."""
    connection = items.connect()
    connection.close()
    with pytest.raises(exc.ResourceClosedError):
        connection.execute(text("SELECT 1"))


def test_autocommit_persists_each_statement(items: Engine) -> None:
    """In AUTOCOMMIT mode a statement persists without commit()."""
    with items.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        _add(connection, 1, "a")
        assert not connection.in_transaction()
    assert _names(items) == ["a"]


def test_each_isolation_level_reads_back(engine: Engine) -> None:
    """Every supported isolation level set on a connection is the one the database reports."""
    levels = sorted(engine.dialect.features.isolation_levels - {"AUTOCOMMIT"})
    assert levels
    with engine.connect() as connection:
        for level in levels:
            connection.execution_options(isolation_level=level)
            assert connection.get_isolation_level() == level


def test_engine_isolation_level_applies_to_new_connections(make_engine: EngineFactory) -> None:
    """``create_engine(isolation_level=...)`` sets the level of every connection."""
    engine = make_engine(isolation_level="read_uncommitted")
    with engine.connect() as first, engine.connect() as second:
        assert first.get_isolation_level() == "READ UNCOMMITTED"
        assert second.get_isolation_level() == "READ UNCOMMITTED"


def test_isolation_level_is_restored_when_returned(make_engine: EngineFactory) -> None:
    """A level changed on one connection does not leak to the next user of the pooled one."""
    engine = make_engine(pool_size=1, max_overflow=0)
    with engine.connect() as connection:
        default = connection.get_isolation_level()
        connection.execution_options(isolation_level="READ UNCOMMITTED")
        assert connection.get_isolation_level() == "READ UNCOMMITTED"
        connection.execute(text("SELECT 1"))
    with engine.connect() as connection:
        assert connection.get_isolation_level() == default


def test_read_committed_sees_concurrent_commit_repeatable_read_does_not(items: Engine) -> None:
    """The isolation level changes what a transaction sees of another's commit."""
    levels = items.dialect.features.isolation_levels
    if not {"READ COMMITTED", "REPEATABLE READ"} <= levels:
        pytest.skip("the database has no READ COMMITTED / REPEATABLE READ distinction")
    seen = {}
    for level in ("READ COMMITTED", "REPEATABLE READ"):
        with items.connect() as reader, items.connect() as writer:
            reader.execution_options(isolation_level=level)
            before = reader.execute(text("SELECT count(*) FROM items")).scalar_one()
            _add(writer, before + 1, level)
            writer.commit()
            seen[level] = reader.execute(text("SELECT count(*) FROM items")).scalar_one() - before
    assert seen == {"READ COMMITTED": 1, "REPEATABLE READ": 0}


def test_executemany_reports_rowcount(items: Engine) -> None:
    """A list of parameter dicts inserts every row and an UPDATE reports matched rows."""
    with items.begin() as connection:
        connection.execute(
            text("INSERT INTO items (id, name) VALUES (:id, :name)"),
            [{"id": i, "name": f"n{i}"} for i in range(1, 11)],
        )
        result = connection.execute(
            text("UPDATE items SET name = :name WHERE id <= :top"), {"name": "x", "top": 4}
        )
        assert result.rowcount == 4
    assert len(_names(items)) == 10


def test_update_rowcount_counts_matched_unchanged_rows(items: Engine) -> None:
    """An UPDATE that sets a row to its current value still counts it (matched rows)."""
    with items.begin() as connection:
        _add(connection, 1, "same")
        result = connection.execute(
            text("UPDATE items SET name = :name WHERE id = :id"), {"name": "same", "id": 1}
        )
        assert result.rowcount == 1


def test_rows_have_names_and_partitions(items: Engine) -> None:
    """Rows read by column name; partitions split a large result."""
    with items.begin() as connection:
        connection.execute(
            text("INSERT INTO items (id, name) VALUES (:id, :name)"),
            [{"id": i, "name": f"n{i}"} for i in range(1, 1001)],
        )
    with items.connect() as connection:
        result = connection.execute(text("SELECT id, name FROM items ORDER BY id"))
        assert result.keys() == ["id", "name"]
        sizes = [len(part) for part in result.partitions(300)]
        assert sizes == [300, 300, 300, 100]
        row = connection.execute(text("SELECT id, name FROM items WHERE id = 7")).one()
        assert (row.id, row.name, row._mapping["name"]) == (7, "n7", "n7")


def test_memory_sqlite_is_shared_by_connections() -> None:
    """All connections of a ``sqlite://`` engine see one in-memory database."""
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as connection:
            connection.execute(text(CREATE))
            _add(connection, 1, "a")
        assert _names(engine) == ["a"]
    finally:
        engine.dispose()


def test_sqlite_wal_option_sets_journal_mode(make_engine: EngineFactory) -> None:
    """``sqlite_wal=True`` puts a file database in WAL mode."""
    engine = make_engine()
    if "sqlite_wal" not in engine.dialect.dialect_options:
        pytest.skip("a SQLite option")
    engine = make_engine(sqlite_wal=True)
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"


def test_sqlite_file_database_is_in_wal_mode_by_default(
    make_engine: EngineFactory, tmp_path: Path
) -> None:
    """A file database opens in WAL mode unless ``sqlite_wal=False``; memory is left alone."""
    if "sqlite_wal" not in make_engine().dialect.dialect_options:
        pytest.skip("a SQLite option")
    modes = []
    cases: list[tuple[str, dict[str, Any]]] = [
        (f"sqlite:///{tmp_path / 'default.db'}", {}),
        (f"sqlite:///{tmp_path / 'kept.db'}", {"sqlite_wal": False}),
        ("sqlite://", {}),
    ]
    for url, options in cases:
        engine = create_engine(url, **options)
        with engine.connect() as connection:
            modes.append(connection.exec_driver_sql("PRAGMA journal_mode").scalar())
        engine.dispose()
    assert modes == ["wal", "delete", "memory"]
