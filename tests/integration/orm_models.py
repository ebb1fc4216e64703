"""Mapped classes and helpers shared by the Session tests."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Optional

import pytest

from corral import (
    DeclarativeBase,
    Engine,
    ForeignKey,
    Integer,
    Mapped,
    String,
    mapped_column,
)
from corral.orm.unit_of_work import dependencies


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    nickname: Mapped[Optional[str]] = mapped_column(String(50))  # noqa: UP045 - both spellings mapped
    status: Mapped[str] = mapped_column(String(10), default="new")


class Address(Base):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str | None] = mapped_column(String(100))


class Counter(Base):
    __tablename__ = "counters"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class PlainCounter(Base):
    """A counter with no version column: the control for lost-update tests."""

    __tablename__ = "plain_counters"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0)


class PlainAccount(Base):
    """A bank account with no version column."""

    __tablename__ = "plain_accounts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    balance: Mapped[int] = mapped_column(Integer)


class VersionedAccount(Base):
    """A bank account whose updates check a version counter."""

    __tablename__ = "versioned_accounts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    balance: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class Job(Base):
    """A row of a work queue, taken by one worker."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    taken_by: Mapped[str | None] = mapped_column(String(20))


class Seat(Base):
    """A row whose UPDATEs check the values read instead of a version column."""

    __tablename__ = "seats"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    holder: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(20))

    __mapper_args__ = {"check_read_values": True}


class ServerVersioned(Base):
    """A row whose version the database bumps itself (a trigger), not corral."""

    __tablename__ = "server_versioned"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class HexVersioned(Base):
    """A row versioned by a custom generator: a fresh random hex string per change."""

    __tablename__ = "hex_versioned"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {
        "version_id_col": version,
        "version_id_generator": lambda current: uuid.uuid4().hex,
    }


class FlushGate:
    """Holds a flush inside a column default until the test lets it go."""

    def __init__(self) -> None:
        self.armed = False
        self.entered = threading.Event()
        self.release = threading.Event()

    def arm(self) -> None:
        self.entered.clear()
        self.release.clear()
        self.armed = True

    def open(self) -> None:
        self.armed = False
        self.release.set()

    def default(self) -> str:
        if self.armed:
            self.entered.set()
            self.release.wait(10)
        return "gated"


GATE = FlushGate()


class Gated(Base):
    __tablename__ = "gated"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(10), default=GATE.default)


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)


#: psycopg's ``%s``, SQLite's ``?``, PostgreSQL's own ``$1`` (multi-row INSERTs, which
#: corral gives psycopg in that form: ``dialect.native_placeholders``).
_PLACEHOLDER = re.compile(r"%s|\?|\$\d+")


def normalize(sql: str) -> str:
    """A statement in neutral spelling: ``?`` placeholders and no identifier quotes."""
    return _PLACEHOLDER.sub("?", sql).replace('"', "").replace("`", "")


class _Recorder(logging.Handler):
    def __init__(self, statements: list[str]) -> None:
        super().__init__(logging.INFO)
        self.statements = statements

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith("["):
            self.statements.append(normalize(message))


@contextmanager
def recorded_sql() -> Iterator[list[str]]:
    """Collect the statements the engine sends, in order, while the block runs."""
    statements: list[str] = []
    logger = logging.getLogger("corral.engine")
    handler = _Recorder(statements)
    previous = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def presorted_flushes(monkeypatch: pytest.MonkeyPatch) -> list[list[object]]:
    """The new objects of each flush that goes through ``dependencies.presort`` (the
    relational writing) from now on in the test, one list per flush."""
    presorted: list[list[object]] = []
    presort = dependencies.presort

    def spy(session: Any, new: list[object], dirty: list[object], deleted: list[object]) -> Any:
        presorted.append(new)
        return presort(session, new, dirty, deleted)

    monkeypatch.setattr(dependencies, "presort", spy)
    return presorted


def dml(statements: list[str]) -> list[str]:
    """Only the SELECT/INSERT/UPDATE/DELETE statements."""
    return [s for s in statements if s.split(" ", 1)[0] in ("SELECT", "INSERT", "UPDATE", "DELETE")]


def joined_update(table: str, sets: list[str], keys: list[str], casts: list[str], rows: int) -> str:
    """An UPDATE of ``rows`` parameter sets joined to their values, as PostgreSQL gets it
    (engine/update_many.py), normalized as ``dml`` shows it: ``sets`` and ``keys`` the
    columns set and compared, ``casts`` the types of their values in that order."""
    names = [f"p{i}" for i in range(len(casts))]
    assigned = ", ".join(f"{column}=corral_rows.{names[i]}" for i, column in enumerate(sets))
    row = "(" + ", ".join(f"CAST(? AS {cast})" for cast in casts) + ")"
    matches = " AND ".join(
        f"{table}.{column} = corral_rows.{names[len(sets) + i]}" for i, column in enumerate(keys)
    )
    return (
        f"UPDATE {table} SET {assigned} FROM (VALUES {', '.join([row] * rows)}) "
        f"AS corral_rows ({', '.join(names)}) WHERE {matches}"
    )
