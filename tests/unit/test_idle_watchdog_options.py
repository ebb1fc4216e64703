"""The watchdog's options, its cost when off, and how it shares a connection's guard."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from corral import create_engine, exc
from corral.engine.base import Connection
from corral.engine.watchdog import WatchedConnection
from corral.util.guard import OneThreadGuard


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"idle_in_transaction_warn": 0}, "idle_in_transaction_warn=...) must be a number"),
        ({"idle_in_transaction_abort": -1}, "idle_in_transaction_abort=...) must be a number"),
        ({"idle_in_transaction_warn": True}, "idle_in_transaction_warn=...) must be a number"),
        ({"idle_in_transaction_abort": "5"}, "idle_in_transaction_abort=...) must be a number"),
        (
            {"idle_in_transaction_warn": 5, "idle_in_transaction_abort": 1},
            "is shorter than idle_in_transaction_warn=5",
        ),
    ],
)
def test_bad_thresholds_are_refused(options: dict[str, object], message: str) -> None:
    """A threshold that is not a positive number, or an abort before the warning, is refused."""
    with pytest.raises(exc.ArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_engine("sqlite://", **options)  # type: ignore[arg-type]


def test_off_by_default_plain_connections_and_no_thread(tmp_path: Path) -> None:
    """Without the options the engine has no watchdog and hands out plain Connections."""
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as connection:
        assert type(connection) is Connection
    assert engine._watchdog is None
    copy = engine.execution_options(isolation_level="SERIALIZABLE")
    with copy.connect() as connection:
        assert type(connection) is Connection
    engine.dispose()


def test_copies_share_the_watchdog(tmp_path: Path) -> None:
    """engine.execution_options() copies hand out watched connections of the same watchdog."""
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}", idle_in_transaction_abort=30)
    copy = engine.execution_options(isolation_level="SERIALIZABLE")
    with copy.connect() as connection:
        assert isinstance(connection, WatchedConnection)
        assert copy._watchdog is engine._watchdog
        assert connection in set(engine._watchdog._connections)  # type: ignore[union-attr]
    engine.dispose()


def test_guard_hold_if_free_never_takes_a_guard_in_use() -> None:
    """hold_if_free() fails while another thread's call is in progress."""
    guard = OneThreadGuard("Thing", "one per thread")
    inside, leave = threading.Event(), threading.Event()

    def owner() -> None:
        with guard:
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=owner)
    thread.start()
    inside.wait(10)
    assert guard.hold_if_free() is False
    leave.set()
    thread.join()
    assert guard.hold_if_free() is True
    guard.release_hold()


def test_an_owner_call_waits_for_the_watchdog_instead_of_raising() -> None:
    """While a watchdog holds the guard, the owner's call waits for it (no ConcurrentUseError);
    a genuine second thread still gets ConcurrentUseError."""
    guard = OneThreadGuard("Thing", "one per thread")
    assert guard.hold_if_free()
    entered = threading.Event()

    def owner() -> None:
        with guard:
            entered.set()

    thread = threading.Thread(target=owner)
    thread.start()
    assert not entered.wait(0.1)  # waiting, not failed
    guard.release_hold()
    thread.join(10)
    assert entered.is_set()
    held, leave = threading.Event(), threading.Event()

    def busy() -> None:
        with guard:
            held.set()
            leave.wait(10)

    other = threading.Thread(target=busy)
    other.start()
    held.wait(10)
    with pytest.raises(exc.ConcurrentUseError), guard:
        pass
    leave.set()
    other.join()
