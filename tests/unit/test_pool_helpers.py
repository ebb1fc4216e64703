"""Fakes shared by the pool tests: a sqlite3 dialect and a DB-API connection that can die."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from pathlib import Path
from typing import Any


class SqliteDialect:
    """The pool's dialect contract over sqlite3, counting what the pool asks of it."""

    def __init__(self) -> None:
        self.pings = 0
        self.rollbacks = 0
        self.closed: list[Any] = []
        self._lock = threading.Lock()

    def do_ping(self, dbapi_connection: Any, /) -> bool:
        with self._lock:
            self.pings += 1
        dbapi_connection.execute("SELECT 1").fetchall()
        return True

    def do_rollback(self, dbapi_connection: Any, /) -> None:
        with self._lock:
            self.rollbacks += 1
        dbapi_connection.rollback()

    def do_close(self, dbapi_connection: Any, /) -> None:
        with self._lock:
            self.closed.append(dbapi_connection)
        dbapi_connection.close()

    def is_disconnect(self, error: BaseException, /) -> bool:
        return isinstance(error, sqlite3.ProgrammingError) and "closed" in str(error)


class SqliteCreator:
    """Opens sqlite3 connections to one file and remembers them so a test can close them all."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.made: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def __call__(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, check_same_thread=False)
        with self._lock:
            self.made.append(connection)
        return connection

    def close_all(self) -> None:
        for connection in self.made:
            connection.close()


class FakeError(Exception):
    """What a FakeConnection raises when it is dead or told to fail."""


class FakeConnection:
    """A DB-API connection stand-in whose liveness and rollback failures a test controls."""

    _numbers = itertools.count(1)

    def __init__(self) -> None:
        self.number = next(self._numbers)
        self.alive = True
        self.fail_rollback = False
        self.closed = False
        self.rollbacks = 0

    def __repr__(self) -> str:
        return f"<FakeConnection {self.number}{'' if self.alive else ' dead'}>"


class FakeDialect:
    """The pool's dialect contract over FakeConnection, recording pings and closes."""

    def __init__(self, *, ping_raises: bool = False) -> None:
        self.ping_raises = ping_raises
        self.pinged: list[FakeConnection] = []
        self.closed: list[FakeConnection] = []

    def do_ping(self, dbapi_connection: Any, /) -> bool:
        self.pinged.append(dbapi_connection)
        if self.ping_raises and not dbapi_connection.alive:
            raise FakeError("server closed the connection unexpectedly")
        return bool(dbapi_connection.alive)

    def do_rollback(self, dbapi_connection: Any, /) -> None:
        if dbapi_connection.fail_rollback or not dbapi_connection.alive:
            raise FakeError("connection lost during rollback")
        dbapi_connection.rollbacks += 1

    def do_close(self, dbapi_connection: Any, /) -> None:
        dbapi_connection.closed = True
        self.closed.append(dbapi_connection)

    def is_disconnect(self, error: BaseException, /) -> bool:
        return isinstance(error, FakeError)


class FakeCreator:
    """Makes FakeConnections, remembering them in order."""

    def __init__(self) -> None:
        self.made: list[FakeConnection] = []
        self.fail_next = False
        self.dead_from_birth = False

    def __call__(self) -> FakeConnection:
        if self.fail_next:
            self.fail_next = False
            raise FakeError("could not connect to server")
        connection = FakeConnection()
        connection.alive = not self.dead_from_birth
        self.made.append(connection)
        return connection
