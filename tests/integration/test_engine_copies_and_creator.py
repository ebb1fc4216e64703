"""``Engine.execution_options()`` (a copy sharing the pool) and ``create_engine(creator=...)``
with ``poolclass=StaticPool`` / ``QueuePool``, as SQLAlchemy 2.0 has them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from corral import Engine, Session, create_engine, exc, select
from corral.engine import URL
from corral.pool import QueuePool, StaticPool
from tests.integration.orm_models import User, create_schema, recorded_sql

INSERT_USER = "INSERT INTO users (id, name, nickname, status) VALUES (?, ?, ?, ?)"


def _names(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(User.name).order_by(User.id)))


def test_execution_options_copy_shares_the_pool_and_carries_options(engine: Engine) -> None:
    """engine.execution_options(): same pool; its connections carry the options, and
    isolation_level="AUTOCOMMIT" makes each statement commit on its own (no BEGIN/COMMIT)."""
    create_schema(engine)
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT", app_key="x")
    assert isinstance(autocommit, Engine)
    assert autocommit.pool is engine.pool and autocommit.url == engine.url
    assert autocommit.get_execution_options() == {"isolation_level": "AUTOCOMMIT", "app_key": "x"}
    with autocommit.connect() as connection:
        assert connection.get_execution_options()["app_key"] == "x"
        assert connection.get_isolation_level() == "AUTOCOMMIT"
        with recorded_sql() as sql:
            connection.execute(User.__table__.insert(), {"id": 1, "name": "ann", "status": "x"})
        assert sql == ["INSERT INTO users (id, name, status) VALUES (?, ?, ?)"]
        assert _names(engine) == ["ann"]  # visible at once: no transaction to commit
    assert engine.get_execution_options() == {}
    with engine.connect() as connection:  # the pooled connection is back to the default level
        assert connection.get_isolation_level() != "AUTOCOMMIT"
        assert "app_key" not in connection.get_execution_options()


def test_session_on_an_option_engine(engine: Engine) -> None:
    """A Session bound to engine.execution_options(...) uses its connections' options."""
    create_schema(engine)
    tagged = engine.execution_options(app_key="tag")
    with Session(tagged) as session:
        session.add(User(id=1, name="ann"))
        session.flush()
        assert session.connection().get_execution_options() == {"app_key": "tag"}
        session.commit()
    assert _names(engine) == ["ann"]


def _driver_connect(url: URL) -> Callable[[], Any]:
    """A creator opening the URL's database straight from the driver, in its default mode."""
    if url.backend_name == "sqlite":
        import sqlite3

        return lambda: sqlite3.connect(url.database or ":memory:", check_same_thread=False)
    if url.drivername == "postgresql+psycopg2":
        import psycopg2

        return lambda: psycopg2.connect(
            host=url.host or "", port=url.port or 5432, user=url.username or "", dbname=url.database
        )
    if url.backend_name == "postgresql":
        import psycopg

        return lambda: psycopg.connect(
            host=url.host or "", port=url.port or 5432, user=url.username or "", dbname=url.database
        )
    import pymysql
    from pymysql.constants import CLIENT

    return lambda: pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=url.database,
        client_flag=CLIENT.FOUND_ROWS,
    )


def _driver_settings(backend: str, dbapi: Any) -> tuple[Any, ...]:
    """What corral sets on a connection: driver autocommit, and what on_connect runs."""
    cursor = dbapi.cursor()
    try:
        if backend == "sqlite":
            cursor.execute("PRAGMA foreign_keys")
            return (dbapi.isolation_level, cursor.fetchone()[0])
        if backend == "postgresql":
            return (dbapi.autocommit,)
        cursor.execute("SELECT @@session.sql_mode")
        return (dbapi.get_autocommit(), "STRICT_ALL_TABLES" in cursor.fetchone()[0])
    finally:
        cursor.close()


# MariaDB runs with autocommit off: the server opens each transaction (no BEGIN sent).
EXPECTED_SETTINGS = {"sqlite": (None, 1), "postgresql": (True,), "mysql": (False, True)}


@pytest.mark.parametrize("poolclass", [QueuePool, StaticPool])
def test_creator_with_poolclass(
    db_url: URL, backend: str, poolclass: type[QueuePool] | type[StaticPool]
) -> None:
    """create_engine(url, poolclass=..., creator=f): f opens the connections, corral puts
    them in its mode (driver autocommit, on_connect settings) and runs transactions on them."""
    made: list[Any] = []
    open_driver = _driver_connect(db_url)

    def creator() -> Any:
        made.append(open_driver())
        return made[-1]

    engine = create_engine(f"{db_url.drivername}://", poolclass=poolclass, creator=creator)
    try:
        assert isinstance(engine.pool, poolclass)
        create_schema(engine)
        with recorded_sql() as sql, Session(engine) as session:
            session.add(User(id=1, name="ann"))
            session.commit()
        assert sql == [
            engine.dialect.begin_sql(),
            INSERT_USER,
            "COMMIT",
        ]
        with engine.connect() as connection:
            assert _driver_settings(backend, connection.connection) == EXPECTED_SETTINGS[backend]
        assert len(made) == 1  # one connection, pooled (or the static one)
        assert _names(engine) == ["ann"]
    finally:
        engine.dispose()
    reader = open_driver()
    try:
        cursor = reader.cursor()
        cursor.execute("SELECT name FROM users")
        assert [row[0] for row in cursor.fetchall()] == ["ann"]
    finally:
        reader.close()


def test_creator_returning_another_drivers_connection_is_refused(db_url: URL) -> None:
    """A creator returning an object that is not the dialect's driver connection is refused."""
    engine = create_engine(f"{db_url.drivername}://", creator=object)
    with pytest.raises(exc.ArgumentError, match=r"returned object .* drives"):
        engine.connect()


def test_mysql_creator_without_found_rows_is_refused(db_url: URL, backend: str) -> None:
    """On MySQL a creator's connection must count matched rows (FOUND_ROWS), else refused."""
    if backend != "mysql":
        pytest.skip("FOUND_ROWS is a MySQL client flag")
    import pymysql

    def creator() -> Any:
        return pymysql.connect(
            host=db_url.host or "127.0.0.1",
            port=db_url.port or 3306,
            user=db_url.username or "root",
            database=db_url.database,
        )

    engine = create_engine("mysql://", creator=creator)
    with pytest.raises(exc.ArgumentError, match="FOUND_ROWS"):
        engine.connect()
    assert engine.pool.checkedout() == 0


@pytest.mark.parametrize("poolclass", [QueuePool, StaticPool])
def test_engine_on_a_pool_made_by_hand(
    db_url: URL, backend: str, poolclass: type[QueuePool] | type[StaticPool]
) -> None:
    """create_engine(url, pool=StaticPool(creator)): the engine's dialect adopts the pool's
    connections and runs its transactions on them."""
    pool = poolclass(_driver_connect(db_url))
    engine = create_engine(f"{db_url.drivername}://", pool=pool)
    try:
        assert engine.pool is pool
        create_schema(engine)
        with recorded_sql() as sql, Session(engine) as session:
            session.add(User(id=1, name="ann"))
            session.commit()
        assert sql == [engine.dialect.begin_sql(), INSERT_USER, "COMMIT"]
        with engine.connect() as connection:
            assert _driver_settings(backend, connection.connection) == EXPECTED_SETTINGS[backend]
        assert _names(engine) == ["ann"]
    finally:
        engine.dispose()
    with pytest.raises(exc.ArgumentError, match="already serves an Engine"):
        create_engine(f"{db_url.drivername}://", pool=pool)
