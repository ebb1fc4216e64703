"""Fixtures running each integration test on SQLite, PostgreSQL and MariaDB/MySQL.

``engine`` and ``make_engine`` are parametrized over the three backends (ids
``sqlite``, ``postgresql``, ``mysql``). SQLite uses a temporary file so that
several connections see one database. A server is skipped when unreachable,
and fails the test instead when ``CORRAL_REQUIRE_SERVERS=1``.

Each test session works in a private database on each server
(``<database>_corral_<pid>``, dropped at the end) so that test runs sharing a
server do not clean up each other's tables; without the privilege to create
one, the configured database itself is used. After every test the database is
emptied: PostgreSQL drops and recreates schema ``public``, MariaDB drops every
table with foreign key checks off.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from corral.engine import URL, Engine, create_engine, make_url
from tests.integration.galera_cluster import galera_cluster
from tests.integration.private_servers import (
    failover_postgresql,
    private_mariadb,
    private_postgresql,
    replicated_postgresql,
    tls_mariadb,
    tls_postgresql,
    twophase_postgresql,
)

# Fixtures: private servers tests may restart, and their TLS-serving variants.
__all__ = [
    "failover_postgresql",
    "galera_cluster",
    "private_mariadb",
    "private_postgresql",
    "replicated_postgresql",
    "tls_mariadb",
    "tls_postgresql",
    "twophase_postgresql",
]

BACKENDS = ("sqlite", "postgresql", "mysql")
SERVER_URL_DEFAULTS = {
    "postgresql": ("CORRAL_TEST_POSTGRESQL_URL", "postgresql://root@127.0.0.1:5432/test"),
    "mysql": ("CORRAL_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
}
#: Seconds to wait for a server before calling it unreachable.
CONNECT_TIMEOUT = 3
#: Lines the fault soak (test_fault_soak.py) adds for pytest's terminal summary.
SOAK_SUMMARY = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Show the fault soak's figures, when it ran, even under ``-q``."""
    lines = config.stash.get(SOAK_SUMMARY, [])
    if lines:
        terminalreporter.section("fault soak")
        for line in lines:
            terminalreporter.write_line(line)


def servers_required() -> bool:
    """Whether an unreachable server fails the tests (CI) instead of skipping them."""
    return os.environ.get("CORRAL_REQUIRE_SERVERS") == "1"


def require_driver(module: str) -> None:
    """Skip the test when the driver ``module`` is not installed (fail under
    ``CORRAL_REQUIRE_SERVERS=1``, where every driver must be there)."""
    if importlib.util.find_spec(module) is None:
        message = f"the {module} driver is not installed (pip install corral[test])"
        if servers_required():
            pytest.fail(f"{message} (CORRAL_REQUIRE_SERVERS=1)")
        pytest.skip(message)


def configured_url(backend: str) -> URL:
    variable, default = SERVER_URL_DEFAULTS[backend]
    return make_url(os.environ.get(variable) or default)


def _raw_connect(url: URL) -> Any:
    """A DB-API connection in autocommit mode, straight from the driver."""
    if url.backend_name == "postgresql":
        import psycopg

        return psycopg.connect(
            host=url.host or "",
            port=url.port or 5432,
            user=url.username or "",
            password=url.password or "",
            dbname=url.database or "",
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
        )
    import pymysql

    return pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=url.database,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT,
        charset="utf8mb4",
    )


def _run(connection: Any, sql: str, params: Any = None) -> list[Any]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []
    finally:
        cursor.close()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_abandoned(admin: Any, backend: str, prefix: str) -> None:
    """Drop private databases left by test runs whose process is gone (killed runs)."""
    if backend == "postgresql":
        query = "SELECT datname FROM pg_database WHERE datname LIKE %s"
    else:
        query = "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE %s"
    for (name,) in _run(admin, query, (prefix + "%",)):
        suffix = str(name)[len(prefix) :]
        if suffix.isdigit() and not _process_alive(int(suffix)):
            with contextlib.suppress(Exception):  # still in use, or dropped meanwhile
                _run(admin, f"DROP DATABASE IF EXISTS {name}")


class ServerDatabase:
    """One server's database for this test session, with the connection that cleans it."""

    def __init__(self, backend: str, configured: URL) -> None:
        self.backend = backend
        self.configured = configured
        self.private = False
        #: False right after a successful clean-up, so the next test need not clean first.
        self.dirty = True
        self.url = configured
        self._admin: Any = None
        self.error: BaseException | None = None
        try:
            self._start()
        except Exception as error:  # unreachable, bad credentials, missing driver...
            self.error = error

    def _start(self) -> None:
        admin = _raw_connect(self.configured)
        prefix = f"{self.configured.database or 'test'}_corral_"
        name = f"{prefix}{os.getpid()}"
        try:
            _run(admin, f"DROP DATABASE IF EXISTS {name}")
            _run(admin, f"CREATE DATABASE {name}")
        except Exception:
            self._admin = admin  # no privilege: share the configured database
            return
        _drop_abandoned(admin, self.backend, prefix)
        admin.close()
        self.private = True
        self.url = self.configured.set(database=name)
        self._admin = _raw_connect(self.url)

    def admin(self) -> Any:
        """The cleaning connection, reopened if a test killed it."""
        try:
            _run(self._admin, "SELECT 1")
        except Exception:
            with contextlib.suppress(Exception):  # it is dead already
                self._admin.close()
            self._admin = _raw_connect(self.url)
        return self._admin

    def clean(self) -> None:
        """Remove everything the test created, first ending any connection it leaked."""
        self.dirty = True
        self._clean()
        self.dirty = False

    def _clean(self) -> None:
        admin = self.admin()
        if self.backend == "postgresql":
            if self.private:
                _run(
                    admin,
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
            _run(admin, "DROP SCHEMA IF EXISTS public CASCADE")
            _run(admin, "CREATE SCHEMA public")
            return
        if self.private:
            for (thread_id,) in _run(
                admin,
                "SELECT id FROM information_schema.processlist "
                "WHERE db = DATABASE() AND id <> CONNECTION_ID()",
            ):
                with contextlib.suppress(Exception):  # it ended on its own meanwhile
                    _run(admin, f"KILL {int(thread_id)}")
        tables = _run(
            admin,
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_schema = DATABASE()",
        )
        if tables:
            _run(admin, "SET FOREIGN_KEY_CHECKS = 0")
            try:
                for name, kind in tables:
                    what = "VIEW" if kind == "VIEW" else "TABLE"
                    _run(admin, f"DROP {what} IF EXISTS `{name}`")
            finally:
                _run(admin, "SET FOREIGN_KEY_CHECKS = 1")

    def close(self) -> None:
        if self._admin is None:
            return
        if self.private:
            try:
                admin = _raw_connect(self.configured)
            except Exception:
                admin = None
            if admin is not None:
                try:
                    self.clean()
                    self._admin.close()
                    self._admin = None
                    _run(admin, f"DROP DATABASE IF EXISTS {self.url.database}")
                finally:
                    admin.close()
        if self._admin is not None:
            self._admin.close()


class Servers:
    """The session's server databases, opened on first use."""

    def __init__(self) -> None:
        self._databases: dict[str, ServerDatabase] = {}

    def get(self, backend: str) -> ServerDatabase:
        database = self._databases.get(backend)
        if database is None:
            database = self._databases[backend] = ServerDatabase(backend, configured_url(backend))
        if database.error is not None:
            message = f"{backend} server at {database.configured} is unreachable: {database.error}"
            if servers_required():
                pytest.fail(f"{message} (CORRAL_REQUIRE_SERVERS=1)")
            pytest.skip(message)
        return database

    def close(self) -> None:
        for database in self._databases.values():
            database.close()


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    """The PostgreSQL and MariaDB databases of this test session."""
    found = Servers()
    yield found
    found.close()


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The name of the database the test runs on."""
    name: str = request.param
    return name


@pytest.fixture
def db_url(backend: str, servers: Servers, tmp_path: Path) -> Iterator[URL]:
    """The URL of an empty database for this test; emptied again afterwards."""
    if backend == "sqlite":
        yield make_url(f"sqlite:///{tmp_path / 'test.db'}")
        return
    database = servers.get(backend)
    if database.dirty:
        database.clean()
    yield database.url
    database.clean()


@pytest.fixture
def psycopg_url(servers: Servers) -> Iterator[URL]:
    """An empty PostgreSQL database, as a URL naming psycopg's asyncio driver."""
    require_driver("psycopg")
    database = servers.get("postgresql")
    if database.dirty:
        database.clean()
    yield database.url.set(drivername="postgresql+psycopg")
    database.clean()


EngineFactory = Callable[..., Engine]


@pytest.fixture
def make_engine(db_url: URL) -> Iterator[EngineFactory]:
    """``make_engine(**create_engine_kwargs)``: an Engine on this database, disposed after."""
    made: list[Engine] = []

    def factory(**kwargs: Any) -> Engine:
        engine = create_engine(db_url, **kwargs)
        made.append(engine)
        return engine

    yield factory
    for engine in made:
        engine.dispose()


@pytest.fixture
def engine(make_engine: EngineFactory) -> Engine:
    """An Engine with default options on this test's database."""
    return make_engine()


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """An engine whose database holds the relationship test models' tables."""
    from tests.integration.relationship_models import RelBase

    RelBase.metadata.create_all(engine)
    yield engine
