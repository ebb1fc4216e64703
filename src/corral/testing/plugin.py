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
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corral import exc
from corral.engine import Connection, Engine, create_engine
from corral.orm import Session, scoped_session, sessionmaker
from corral.sql import MetaData
from corral.testing.factory import ModelFactory

URL_VARIABLE = "CORRAL_TEST_URL"

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
