"""corral's pytest plugin: a database per test run, and each test in a transaction rolled back.

Registered through the ``pytest11`` entry point; every fixture is opt-in by name.

Configuration, first found wins: the ``--corral-url`` option, the ``CORRAL_TEST_URL``
environment variable, the ``corral_url`` ini setting, else a SQLite file in pytest's temporary
directory. The tables to create come from ``--corral-metadata`` / ``corral_metadata``
(``"package.module:Base"`` or ``"package.module:metadata"``), or from a ``corral_metadata``
fixture the suite defines in its conftest.py.

``corral_engine`` (session scope) creates the tables once and drops them at the end.
``corral_connection`` opens a transaction per test and rolls it back afterwards;
``corral_session`` and every Session from ``corral_sessionmaker`` or a factory handed to
``corral_bind`` take part in it through SAVEPOINTs (``join_transaction_mode=
"create_savepoint"``), so the code under test may ``commit()`` and nothing it writes outlives
the test.

The asyncio fixtures do the same for ``async def`` tests: ``corral_async_connection``,
``corral_async_session`` and ``corral_async_sessionmaker`` run on an AsyncEngine
(``corral_async_engine``, one per test: its connections belong to the test's event loop) over
the same database, reached through its asyncio driver (``corral_async_url``). They are async
fixtures, run by an async test plugin: anyio's (installed with Starlette and httpx; mark the
tests ``@pytest.mark.anyio``) or pytest-asyncio's in auto mode.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from corral import exc
from corral.engine import URL, Connection, Engine, create_engine, make_url
from corral.orm import Session, scoped_session, sessionmaker
from corral.sql import MetaData
from corral.testing.factory import ModelFactory

if TYPE_CHECKING:
    from corral.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

URL_VARIABLE = "CORRAL_TEST_URL"

#: The asyncio driver the async fixtures use for a database whose URL names a sync one.
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "psycopg", "mysql": "aiomysql"}

#: A factory handed to ``corral_bind``: a sessionmaker or a scoped_session.
SessionFactory = sessionmaker[Any] | scoped_session[Any]


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's command-line options and ini settings."""
    group = parser.getgroup("corral", "corral database fixtures")
    group.addoption(
        "--corral-url",
        default=None,
        help=f"database URL for corral_engine (else ${URL_VARIABLE}, else ini corral_url)",
    )
    group.addoption(
        "--corral-metadata",
        default=None,
        help="'module:attribute' naming the MetaData (or declarative base) to create",
    )
    parser.addini("corral_url", "database URL for corral_engine", default="")
    parser.addini("corral_metadata", "'module:attribute' naming the MetaData to create", default="")


def _setting(config: pytest.Config, name: str, variable: str | None = None) -> str:
    value = config.getoption(f"--{name.replace('_', '-')}")
    if not value and variable is not None:
        value = os.environ.get(variable)
    if not value:
        value = str(config.getini(name))
    return str(value or "")


def load_metadata(path: str) -> MetaData:
    """The MetaData that ``"module:attribute"`` names (a declarative base gives its own)."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise exc.ArgumentError(
            f"corral_metadata={path!r} is not 'module:attribute'; "
            f"write e.g. 'myapp.models:Base' or 'myapp.models:metadata'"
        )
    found: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)
    found = getattr(found, "metadata", found)
    if not isinstance(found, MetaData):
        raise exc.ArgumentError(
            f"corral_metadata={path!r} names {found!r}, which is neither a MetaData nor a "
            f"declarative base; point it at one of those"
        )
    return found


@pytest.fixture(scope="session")
def corral_url(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database URL the fixtures use (see the module docstring for where it comes from)."""
    url = _setting(pytestconfig, "corral_url", URL_VARIABLE)
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('corral') / 'test.db'}"


@pytest.fixture(scope="session")
def corral_metadata(pytestconfig: pytest.Config) -> MetaData | None:
    """The tables corral_engine creates; override this fixture to give them in code."""
    path = _setting(pytestconfig, "corral_metadata")
    return load_metadata(path) if path else None


@pytest.fixture(scope="session")
def corral_engine_options() -> dict[str, Any]:
    """Keyword arguments for create_engine(); override this fixture to change them."""
    return {}


@pytest.fixture(scope="session")
def corral_engine(
    corral_url: str, corral_metadata: MetaData | None, corral_engine_options: dict[str, Any]
) -> Iterator[Engine]:
    """The Engine of the test run, with corral_metadata's tables created, dropped at the end."""
    engine = create_engine(corral_url, **corral_engine_options)
    if corral_metadata is not None:
        corral_metadata.create_all(engine)
    try:
        yield engine
    finally:
        if corral_metadata is not None:
            corral_metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture
def corral_connection(corral_engine: Engine) -> Iterator[Connection]:
    """A Connection inside a transaction that is rolled back when the test ends."""
    connection = corral_engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@pytest.fixture
def corral_sessionmaker(corral_connection: Connection) -> sessionmaker[Session]:
    """A sessionmaker whose Sessions join the test's transaction through SAVEPOINTs."""
    return sessionmaker(bind=corral_connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def corral_session(corral_sessionmaker: sessionmaker[Session]) -> Iterator[Session]:
    """A Session in the test's transaction; its commit() releases a SAVEPOINT."""
    session = corral_sessionmaker()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def corral_bind(corral_connection: Connection) -> Iterator[Callable[[SessionFactory], None]]:
    """``corral_bind(app.Session)``: the application's own sessionmaker or scoped_session
    makes Sessions in the test's transaction until the test ends, then gets its options back."""
    restore: list[Callable[[], None]] = []

    def bind(factory: SessionFactory) -> None:
        maker = factory.session_factory if isinstance(factory, scoped_session) else factory
        if not isinstance(maker, sessionmaker):
            raise exc.ArgumentError(
                f"corral_bind() takes a sessionmaker or a scoped_session over one; got {factory!r}"
            )
        saved = dict(maker.kw)
        if isinstance(factory, scoped_session):
            factory.remove()
            restore.append(factory.remove)

        def put_back() -> None:
            maker.kw.clear()
            maker.kw.update(saved)

        restore.append(put_back)
        maker.configure(bind=corral_connection, join_transaction_mode="create_savepoint")

    yield bind
    for undo in reversed(restore):
        undo()


@pytest.fixture
def corral_factory(corral_session: Session) -> ModelFactory:
    """A ModelFactory adding to corral_session: ``corral_factory(User, name="ann")``."""
    return ModelFactory(corral_session)


def async_url_of(url: str | URL) -> URL:
    """``url`` with its database's asyncio driver (``sqlite+aiosqlite`` for ``sqlite``); a URL
    naming an asyncio driver already is kept."""
    parsed = make_url(url)
    backend = "mysql" if parsed.backend_name == "mariadb" else parsed.backend_name
    if backend not in ASYNC_DRIVERS:
        raise exc.ArgumentError(
            f"corral's async fixtures know no asyncio driver for {parsed.drivername!r}; "
            "override the corral_async_url fixture to name one"
        )
    if parsed.driver in {"aiosqlite", "asyncpg", "aiomysql"} or (
        backend == "postgresql" and parsed.driver == "psycopg"
    ):
        return parsed
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise exc.ArgumentError(
            f"{url!s} is an in-memory SQLite database, private to each engine: the async "
            "fixtures could not see corral_engine's tables; use a file (sqlite:///test.db)"
        )
    return parsed.set(drivername=f"{backend}+{ASYNC_DRIVERS[backend]}")


@pytest.fixture(scope="session")
def corral_async_url(corral_url: str) -> URL:
    """corral_url's database through its asyncio driver; override this fixture to choose it."""
    return async_url_of(corral_url)


@pytest.fixture
async def corral_async_engine(
    corral_engine: Engine, corral_async_url: URL, corral_engine_options: dict[str, Any]
) -> AsyncIterator[AsyncEngine]:
    """An AsyncEngine on the test database (whose tables corral_engine created), made on the
    test's event loop and disposed at its end."""
    from corral.ext.asyncio import create_async_engine

    engine = create_async_engine(corral_async_url, **corral_engine_options)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def corral_async_connection(
    corral_async_engine: AsyncEngine,
) -> AsyncIterator[AsyncConnection]:
    """An AsyncConnection inside a transaction that is rolled back when the test ends."""
    async with corral_async_engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            if transaction.is_active:
                await transaction.rollback()


@pytest.fixture
def corral_async_sessionmaker(corral_async_connection: AsyncConnection) -> async_sessionmaker:
    """An async_sessionmaker whose AsyncSessions join the test's transaction through
    SAVEPOINTs."""
    from corral.ext.asyncio import async_sessionmaker

    return async_sessionmaker(
        bind=corral_async_connection, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def corral_async_session(
    corral_async_sessionmaker: async_sessionmaker,
) -> AsyncIterator[AsyncSession]:
    """An AsyncSession in the test's transaction; its commit() releases a SAVEPOINT."""
    session = corral_async_sessionmaker()
    try:
        yield session
    finally:
        await session.close()
