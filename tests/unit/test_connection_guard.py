"""A Connection used by two threads at once raises ConcurrentUseError (SQLite, no server)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral import Connection, Engine, create_engine, exc, text
from corral.util.guard import OneThreadGuard


class NoGuard(OneThreadGuard):
    """The control: a guard that lets everyone in."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'guard.db'}")
    yield engine
    engine.dispose()


def _second_call_during_first(
    connection: Connection, hold_seconds: float = 10.0
) -> list[BaseException | None]:
    """Hold one thread inside execute() (a blocking SQL function); call in from this one."""
    inside, release = threading.Event(), threading.Event()

    def hold() -> int:
        inside.set()
        release.wait(hold_seconds)
        return 1

    connection.connection.create_function("hold", 0, hold)
    worker = threading.Thread(
        target=lambda: connection.execute(text("SELECT hold()")).all(), name="holder"
    )
    worker.start()
    outcome: list[BaseException | None] = []
    try:
        assert inside.wait(10)
        try:
            connection.execute(text("SELECT 2")).all()
            outcome.append(None)
        except exc.ConcurrentUseError as error:
            outcome.append(error)
    finally:
        release.set()
        worker.join(10)
    return outcome


def test_second_thread_is_refused_naming_both(engine: Engine) -> None:
    """While one thread executes, another thread's call raises, naming both threads."""
    with engine.connect() as connection:
        (error,) = _second_call_during_first(connection)
        connection.rollback()
    assert isinstance(error, exc.ConcurrentUseError)
    assert "'holder'" in str(error)
    assert repr(threading.current_thread().name) in str(error)


def test_control_without_guard_lets_the_second_call_in(engine: Engine) -> None:
    """Control: with the guard disabled, the second call is not refused.

    It queues silently behind the other thread's statement (inside its transaction),
    which is the corruption the guard turns into an error.
    """
    with engine.connect() as connection:
        connection._guard = NoGuard("Connection", "")
        (error,) = _second_call_during_first(connection, hold_seconds=0.3)
        connection.rollback()
    assert error is None


def test_handing_a_connection_between_threads_works(engine: Engine) -> None:
    """Used by one thread at a time, a Connection may move between threads."""
    with engine.connect() as connection:
        results: list[int] = []

        def work(n: int) -> None:
            results.append(connection.execute(text(f"SELECT {n}")).scalar())

        for n in range(3):
            thread = threading.Thread(target=work, args=(n,))
            thread.start()
            thread.join()
        connection.rollback()
    assert results == [0, 1, 2]
