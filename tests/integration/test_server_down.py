"""While the server is down: a connect it refuses is a retryable DatabaseUnavailable, which
run_transaction retries within its budget, and which succeeds once the server is back.

Each test stops a private server (``private_servers.py``), never a shared one, and starts it
again before it ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from corral import Engine, Session, create_engine, exc, sessionmaker, text
from corral.engine import reconnect
from tests.integration.private_servers import PrivateServer, _accepts


@pytest.fixture(params=["postgresql", "mysql"])
def server(request: pytest.FixtureRequest) -> Iterator[PrivateServer]:
    """A private server of the backend, running again when the test ends."""
    name = "private_postgresql" if request.param == "postgresql" else "private_mariadb"
    private: PrivateServer = request.getfixturevalue(name)
    yield private
    port = private.url.port
    assert port is not None
    if not _accepts(port):
        private.start()


@pytest.fixture
def engine(server: PrivateServer) -> Iterator[Engine]:
    made = create_engine(server.url, pool_size=2, max_overflow=0)
    yield made
    made.dispose()


def _select_one(session: Session) -> int:
    value: int = session.execute(text("SELECT 1")).scalar_one()
    return value


def test_a_refused_connect_is_database_unavailable(server: PrivateServer, engine: Engine) -> None:
    """With the server stopped, the first statement raises DatabaseUnavailable: an
    OperationalError of the retryable family whose message says what happened; nothing stays
    checked out, and the same engine works once the server is back."""
    server.stop()
    with Session(engine) as session, pytest.raises(exc.DatabaseUnavailable) as caught:
        _select_one(session)
    error = caught.value
    assert isinstance(error, exc.OperationalError) and isinstance(error, exc.RetryableError)
    assert "Could not connect to" in str(error)
    assert "run_transaction() retries it" in str(error)
    assert engine.pool.checkedout() == 0
    server.start()
    with Session(engine) as session:
        assert _select_one(session) == 1


def test_run_transaction_retries_until_the_server_is_back(
    server: PrivateServer, engine: Engine
) -> None:
    """run_transaction retries a refused connect with its backoff and commits once the server
    has started again; the retries are counted under DatabaseUnavailable."""
    server.stop()
    restarter = threading.Timer(0.5, server.start)
    restarter.start()
    causes: list[type[BaseException]] = []
    try:
        result = sessionmaker(engine).run_transaction(
            _select_one,
            retries=200,
            backoff=lambda attempt: 0.1,
            on_retry=lambda attempt, error: causes.append(type(error)),
        )
    finally:
        restarter.join()
    assert result == 1
    assert causes and set(causes) == {exc.DatabaseUnavailable}
    assert engine.stats.retry_causes == {"DatabaseUnavailable": len(causes)}


def test_run_transaction_gives_up_after_its_retries(server: PrivateServer, engine: Engine) -> None:
    """A server that stays down costs run_transaction its retries, then the last error, with
    the attempts counted: the budget bounds the wait."""
    server.stop()
    started = time.monotonic()
    with pytest.raises(exc.DatabaseUnavailable) as caught:
        sessionmaker(engine).run_transaction(_select_one, retries=3, backoff=lambda n: 0.05)
    assert caught.value.attempts == 4  # type: ignore[attr-defined]
    assert time.monotonic() - started < 10


def test_control_without_classification_a_refused_connect_is_not_retried(
    server: PrivateServer, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: without the classification, the refused connect is a plain OperationalError
    and run_transaction gives up at the first attempt, though the server is back soon after."""
    monkeypatch.setattr(reconnect, "ENABLED", False)
    server.stop()
    restarter = threading.Timer(0.5, server.start)
    restarter.start()
    attempts: list[int] = []

    def work(session: Session) -> int:
        attempts.append(1)
        return _select_one(session)

    try:
        with pytest.raises(exc.OperationalError) as caught:
            sessionmaker(engine).run_transaction(work, retries=200, backoff=lambda n: 0.1)
    finally:
        restarter.join()
    assert not isinstance(caught.value, exc.RetryableError)
    assert attempts == [1]


def test_a_connect_refused_for_another_reason_is_not_retryable(server: PrivateServer) -> None:
    """A running server refusing the login (an unknown user) is a plain OperationalError:
    retrying would not help, so it is not in the retryable family."""
    stranger = create_engine(server.url.set(username="no_such_user"))
    try:
        with pytest.raises(exc.OperationalError) as caught, stranger.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert not isinstance(caught.value, exc.DatabaseUnavailable)
        assert not isinstance(caught.value, exc.RetryableError)
    finally:
        stranger.dispose()
