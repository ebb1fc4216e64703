"""Instructions the CPU runs per ORM operation on SQLite, counted by valgrind.

CPU time on a shared machine varies by 10-30% from run to run; an instruction count
varies by well under 1%, so it shows a change of a few percent on a hot path, whatever
else the machine is doing. Each workload runs under ``valgrind --tool=cachegrind``
twice, with 0 and ``N`` operations after the same setup; the difference divided by
``N`` is the cost of one operation:

    PYTHONPATH=src python benchmarks/instructions.py [--count N] [WORKLOAD ...]

Workloads (default all):

- ``get``: a new Session, ``get()`` of one row by primary key, close;
- ``insert``: one object added, flushed and committed in a new Session;
- ``load``: one object of a 2,000-row ``select()`` (the whole load divided by 2,000);
- ``update``: one changed attribute flushed (2,000 objects changed, one commit);
- ``tuples``: one row of a 2,000-row ``select()`` of columns;
- ``select``: one short ``select()`` of two columns by primary key, in one Session (what
  a statement costs apart from its rows);
- ``selectin``: one parent of 2,000 loaded with its 5 children by ``selectinload``;
- ``joined``: the same by ``joinedload`` (``unique()``: 10,000 rows, 2,000 parents);
- ``bulk``: one new object of many (``--count``) constructed with keyword arguments,
  ``add_all()``-ed and committed at once, its integer primary key made by the database
  (the benchmark's ``bulk_insert``: a class with a one-to-many relationship left unset);
- ``related_insert``: ``insert`` with that class (the benchmark's ``single_inserts``);
- ``web``: one request of the benchmark's ``web_requests`` with that class: a new Session,
  ``get()``, a ten-row ``select()``, one attribute changed, commit.

And the floors they are measured against, through sqlite3 alone on its own connection:

- ``raw_fetch``: one row of the 2,000-row ``SELECT id, name`` (``fetchall()``);
- ``raw_objects``: the same, each row then made an object of a plain class (``__new__`` and
  its ``__dict__`` filled, as corral's row loop does): what one object per row costs with no
  ORM at all, against ``load``;
- ``raw_get``: one row by primary key, then ``rollback()`` (the benchmark raw driver's
  ``get_by_pk``), against ``get``;
- ``raw_insert``: one INSERT and ``commit()``, against ``insert``;
- ``raw_bulk``: one row of many (``--count``) inserted by one ``executemany()`` and a
  commit (the benchmark raw driver's ``bulk_insert``), against ``bulk``.

Compare two source trees by running it with each on ``PYTHONPATH`` (it needs valgrind).
``--identity-map strong`` or ``weak`` runs every session with ``weak_identity_map=False`` or
``True`` (default: the session's default), to compare the two maps in one tree. ``--no-gc``
turns the cyclic garbage collector off for the run: its collections fall at different
operations for different counts and trees (a few thousand instructions per operation at
1,000 operations), so a difference smaller than that is read with it off.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

VALGRIND = ("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")
ROWS = 2000
#: Keyword arguments of every Session the workloads make (``--identity-map``).
SESSION_OPTIONS: dict[str, Any] = {}
IDENTITY_MAPS = {"strong": False, "weak": True}


def _setup(folder: str) -> tuple[Any, Any, Any]:
    from corral import Integer, String, create_engine
    from corral.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "item"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(50))

    engine = create_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
    Base.metadata.create_all(engine)
    return engine, Item, Base


def _fill(engine: Any, item: Any) -> None:
    from corral.orm import Session

    with Session(engine, **SESSION_OPTIONS) as session:
        session.add_all([item(id=i, name=f"n{i}") for i in range(1, ROWS + 1)])
        session.commit()


def _get(engine: Any, item: Any, count: int) -> None:
    from corral.orm import Session

    _fill(engine, item)
    for i in range(count):
        with Session(engine, **SESSION_OPTIONS) as session:
            session.get(item, i % ROWS + 1)


def _insert(engine: Any, item: Any, count: int) -> None:
    from corral.orm import Session

    for i in range(count):
        with Session(engine, **SESSION_OPTIONS) as session:
            session.add(item(id=i + 1, name=f"n{i}"))
            session.commit()


def _load(engine: Any, item: Any, count: int) -> None:
    from corral import select
    from corral.orm import Session

    _fill(engine, item)
    with Session(engine, **SESSION_OPTIONS) as session:
        # a fresh identity map per load, so each load builds every object
        for _ in range(count // ROWS):
            session.scalars(select(item)).all()
            session.expunge_all()


def _update(engine: Any, item: Any, count: int) -> None:
    from corral import select
    from corral.orm import Session

    _fill(engine, item)
    with Session(engine, **SESSION_OPTIONS) as session:
        objects = session.scalars(select(item).order_by(item.id)).all()
        for obj in objects[:count]:
            obj.name = obj.name + "x"
        session.commit()


def _tuples(engine: Any, item: Any, count: int) -> None:
    from corral import select
    from corral.orm import Session

    _fill(engine, item)
    with Session(engine, **SESSION_OPTIONS) as session:
        for _ in range(count // ROWS):
            session.execute(select(item.id, item.name)).all()


def _select(engine: Any, item: Any, count: int) -> None:
    from corral import select
    from corral.orm import Session

    _fill(engine, item)
    with Session(engine, **SESSION_OPTIONS) as session:
        for number in range(count):
            session.execute(select(item.id, item.name).where(item.id == number % ROWS + 1)).all()


def _eager(engine: Any, count: int, joined: bool) -> None:
    from corral import ForeignKey, Integer, String, select
    from corral.orm import (
        DeclarativeBase,
        Mapped,
        Session,
        joinedload,
        mapped_column,
        relationship,
        selectinload,
    )

    class Base(DeclarativeBase):
        pass

    class Child(Base):
        __tablename__ = "child"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        parent_id: Mapped[int] = mapped_column(ForeignKey("parent.id"))
        name: Mapped[str] = mapped_column(String(50))

    class Parent(Base):
        __tablename__ = "parent"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        children: Mapped[list[Child]] = relationship()

    Base.metadata.create_all(engine)
    with Session(engine, **SESSION_OPTIONS) as session:
        session.add_all(
            [
                Parent(id=i, name=f"p{i}", children=[Child(name=f"c{i}.{k}") for k in range(5)])
                for i in range(1, ROWS + 1)
            ]
        )
        session.commit()
    option = joinedload(Parent.children) if joined else selectinload(Parent.children)
    with Session(engine, **SESSION_OPTIONS) as session:
        for _ in range(count // ROWS):
            result = session.scalars(select(Parent).options(option))
            (result.unique() if joined else result).all()
            session.expunge_all()


def _selectin(engine: Any, item: Any, count: int) -> None:
    _eager(engine, count, joined=False)


def _joined(engine: Any, item: Any, count: int) -> None:
    _eager(engine, count, joined=True)


def _customers(engine: Any) -> Any:
    """The benchmark's ``Customer`` (a one-to-many ``purchases`` it leaves unset), its
    tables created."""
    from corral import ForeignKey, Integer, String, Text
    from corral.orm import DeclarativeBase, Mapped, mapped_column, relationship

    class Base(DeclarativeBase):
        pass

    class Purchase(Base):
        __tablename__ = "purchase"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))

    class Customer(Base):
        __tablename__ = "customer"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(255))
        description: Mapped[str | None] = mapped_column(Text)
        purchases: Mapped[list[Purchase]] = relationship()

    Base.metadata.create_all(engine)
    return Customer


def _bulk(engine: Any, item: Any, count: int) -> None:
    from corral.orm import Session

    customer = _customers(engine)
    rows = [(f"name{i}", f"description {i}") for i in range(count)]
    with Session(engine, **SESSION_OPTIONS) as session:
        session.add_all([customer(name=name, description=text) for name, text in rows])
        session.commit()


def _related_insert(engine: Any, item: Any, count: int) -> None:
    from corral.orm import Session

    customer = _customers(engine)
    for i in range(count):
        with Session(engine, **SESSION_OPTIONS) as session:
            session.add(customer(name=f"name{i}", description=f"description {i}"))
            session.commit()


def _web(engine: Any, item: Any, count: int) -> None:
    from corral import select
    from corral.orm import Session

    customer = _customers(engine)
    with Session(engine, **SESSION_OPTIONS) as session:
        session.add_all([customer(id=i, name=f"n{i}") for i in range(1, ROWS + 1)])
        session.commit()
    for i in range(count):
        key = i % (ROWS - 10) + 1
        with Session(engine, **SESSION_OPTIONS) as session:
            found = session.get(customer, key)
            page = select(customer).where(customer.id > key).order_by(customer.id).limit(10)
            session.scalars(page).all()
            found.description = "visited"
            session.commit()


def _driver(engine: Any) -> Any:
    """A sqlite3 connection of its own to the engine's file (the raw workloads)."""
    import sqlite3

    return sqlite3.connect(engine.url.database)


class _Plain:
    """A class with nothing mapped: what an object per row costs with no ORM at all."""


def _raw_fetch(engine: Any, item: Any, count: int) -> None:
    _fill(engine, item)
    connection = _driver(engine)
    for _ in range(count // ROWS):
        connection.execute("SELECT id, name FROM item").fetchall()
    connection.close()


def _raw_objects(engine: Any, item: Any, count: int) -> None:
    _fill(engine, item)
    connection = _driver(engine)
    new = _Plain.__new__
    for _ in range(count // ROWS):
        objects = []
        for row in connection.execute("SELECT id, name FROM item").fetchall():
            obj = new(_Plain)
            d = obj.__dict__
            d["id"], d["name"] = row
            objects.append(obj)
    connection.close()


def _raw_get(engine: Any, item: Any, count: int) -> None:
    _fill(engine, item)
    connection = _driver(engine)
    for i in range(count):
        connection.execute("SELECT id, name FROM item WHERE id = ?", (i % ROWS + 1,)).fetchone()
        connection.rollback()
    connection.close()


def _raw_insert(engine: Any, item: Any, count: int) -> None:
    connection = _driver(engine)
    for i in range(count):
        connection.execute("INSERT INTO item (id, name) VALUES (?, ?)", (i + 1, f"n{i}"))
        connection.commit()
    connection.close()


def _raw_bulk(engine: Any, item: Any, count: int) -> None:
    _customers(engine)
    rows = [(f"name{i}", f"description {i}") for i in range(count)]
    connection = _driver(engine)
    connection.executemany("INSERT INTO customer (name, description) VALUES (?, ?)", rows)
    connection.commit()
    connection.close()


WORKLOADS: dict[str, Callable[[Any, Any, int], None]] = {
    "get": _get,
    "insert": _insert,
    "load": _load,
    "update": _update,
    "tuples": _tuples,
    "select": _select,
    "selectin": _selectin,
    "joined": _joined,
    "bulk": _bulk,
    "related_insert": _related_insert,
    "web": _web,
    "raw_fetch": _raw_fetch,
    "raw_objects": _raw_objects,
    "raw_get": _raw_get,
    "raw_insert": _raw_insert,
    "raw_bulk": _raw_bulk,
}
# load, tuples, the eager loads and the raw reads run whole 2,000-row (or -parent) selects:
# their counts are in rows (parents), rounded to a multiple
BATCHED = {"load", "tuples", "selectin", "joined", "raw_fetch", "raw_objects"}


def _run(workload: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine, item, _ = _setup(folder)
        WORKLOADS[workload](engine, item, count)
        engine.dispose()


def _instructions(workload: str, count: int, identity_map: str | None, no_gc: bool) -> int:
    chosen = [] if identity_map is None else [identity_map]
    flags = ["--no-gc"] if no_gc else []
    run = subprocess.run(
        [*VALGRIND, sys.executable, __file__, "--run", *flags, workload, str(count), *chosen],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no instruction count for {workload}:\n{run.stderr}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=ROWS, help="operations per workload")
    parser.add_argument(
        "--identity-map",
        choices=list(IDENTITY_MAPS),
        help="run the sessions with weak_identity_map=False (strong) or True (weak)",
    )
    parser.add_argument("--no-gc", action="store_true", help="run with gc.disable()")
    parser.add_argument("workloads", nargs="*", metavar="WORKLOAD", help=", ".join(WORKLOADS))
    args = parser.parse_args(argv)
    unknown = [name for name in args.workloads if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload {', '.join(unknown)}: choose from {', '.join(WORKLOADS)}")
    for workload in args.workloads or list(WORKLOADS):
        count = args.count
        if workload in BATCHED:
            count = max(ROWS, count - count % ROWS)
        if workload == "update":
            count = min(count, ROWS)
        total = _instructions(workload, count, args.identity_map, args.no_gc)
        per_op = (total - _instructions(workload, 0, args.identity_map, args.no_gc)) // count
        print(f"{workload:8} {per_op:>10,} instructions per operation (SQLite, {count} ops)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        if sys.argv[2:3] == ["--no-gc"]:
            gc.disable()
            del sys.argv[2]
        if sys.argv[4:5]:
            SESSION_OPTIONS["weak_identity_map"] = IDENTITY_MAPS[sys.argv[4]]
        _run(sys.argv[2], int(sys.argv[3]))
    else:
        main(sys.argv[1:])
