"""After os.fork(), the child cannot use the parent's Session or Connection; the parent is unharmed.

Each test forks for real. The child reports what happened as JSON over a pipe
and leaves with ``os._exit`` (no pytest teardown runs there). The control
turns the check off in the child (a test-only assignment of the connection's
fork generation) and shows what corral did before: the child commits the
parent's transaction, and the parent's rollback cannot take it back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from corral import Connection, Engine, Session, exc, select, text
from corral.pool import forking
from tests.integration.orm_models import User, create_schema, dml, recorded_sql


def fork_and_report(child: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``child`` in a forked process; its report (or the error it raised)."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns when forking with other threads alive; none of ours are.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child process; coverage is not collected there
        code = 0
        try:
            os.close(read_end)
            try:
                outcome = child()
            except BaseException as error:
                outcome = {"child crashed": f"{type(error).__name__}: {error}"}
            os.write(write_end, json.dumps(outcome).encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    report: dict[str, Any] = json.loads(b"".join(chunks))
    assert "child crashed" not in report, report
    return report


def attempt(action: Callable[[], object]) -> str:
    """What ``action`` did: ``"ok"`` or the class of the error it raised."""
    try:
        action()
    except Exception as error:
        return type(error).__name__
    return "ok"


def names(engine: Engine) -> list[str]:
    """The users' names as committed, read on a fresh connection."""
    with Session(engine) as session:
        return list(session.scalars(select(User.name).order_by(User.id)))


def test_child_cannot_use_the_parents_session(engine: Engine) -> None:
    """A Session in a transaction at fork refuses to flush or commit in the child; the
    parent's rollback then undoes its own row and the child's row never exists."""
    create_schema(engine)
    session = Session(engine)
    session.add(User(id=1, name="parent"))
    session.flush()  # the parent's INSERT, in its open transaction

    def child() -> dict[str, Any]:
        with recorded_sql() as sql:
            session.add(User(id=2, name="child"))
            try:
                session.commit()
            except exc.ForkedConnectionError as error:
                flushed, message = type(error).__name__, str(error)
            rolled_back = attempt(session.rollback)
            closed = attempt(session.close)
        engine.dispose(close=False)
        out_after_dispose = engine.pool.checkedout()
        with Session(engine) as fresh:  # a connection of the child's own
            seen = list(fresh.scalars(select(User.name)))
        return {
            "commit": flushed,
            "rollback": rolled_back,
            "close": closed,
            "sql": sql,
            "message": message,
            "out": out_after_dispose,
            "seen": seen,
        }

    report = fork_and_report(child)
    assert report["commit"] == "ForkedConnectionError"
    assert report["rollback"] == "ok"  # the failed flush left nothing to roll back here
    assert report["close"] == "ok"
    assert dml(report["sql"]) == []  # nothing reached the parent's connection
    assert "before os.fork()" in report["message"]
    assert "engine.dispose(close=False)" in report["message"]
    assert report["out"] == 0  # the child's pool starts empty
    assert report["seen"] == []  # the child's own connection sees nothing uncommitted
    with recorded_sql() as sql:
        session.rollback()
    assert sql == ["ROLLBACK"]
    session.close()
    assert names(engine) == []
    assert engine.pool.checkedout() == 0


def test_child_cannot_use_the_parents_connection(engine: Engine) -> None:
    """A Connection checked out before fork refuses execute, commit, rollback and its DB-API
    connection in the child; the parent then commits its own row, and the child's row is absent."""
    create_schema(engine)
    connection: Connection = engine.connect()
    connection.execute(text("INSERT INTO users (id, name, status) VALUES (1, 'parent', 'new')"))

    def child() -> dict[str, Any]:
        insert = text("INSERT INTO users (id, name, status) VALUES (2, 'child', 'new')")
        with recorded_sql() as sql:
            executed = attempt(lambda: connection.execute(insert))
            committed = attempt(connection.commit)
            rolled_back = attempt(connection.rollback)
            raw = attempt(lambda: connection.connection)
            closed = attempt(connection.close)
        return {
            "execute": executed,
            "commit": committed,
            "rollback": rolled_back,
            "raw": raw,
            "close": closed,
            "sql": sql,
        }

    report = fork_and_report(child)
    assert report == {
        "execute": "ForkedConnectionError",
        "commit": "ForkedConnectionError",
        "rollback": "ForkedConnectionError",
        "raw": "ForkedConnectionError",
        "close": "ok",
        "sql": [],
    }
    with recorded_sql() as sql:
        connection.commit()
    assert sql == ["COMMIT"]
    connection.close()
    assert names(engine) == ["parent"]
    assert engine.pool.checkedout() == 0


def test_control_without_the_check_the_child_commits_the_parents_transaction(
    engine: Engine,
) -> None:
    """Control: with the fork check turned off, the child's commit goes out on the parent's
    connection, and the parent's rollback afterwards cannot undo either row."""
    create_schema(engine)
    session = Session(engine)
    session.add(User(id=1, name="parent"))
    session.flush()

    def child() -> dict[str, Any]:
        connection = session._connection
        assert connection is not None
        connection._forks = forking.generation  # test-only: what corral did before the check
        session.add(User(id=2, name="child"))
        with recorded_sql() as sql:
            committed = attempt(session.commit)
        return {"commit": committed, "sql": sql}

    report = fork_and_report(child)
    assert report["commit"] == "ok"
    assert dml(report["sql"]) == [
        "INSERT INTO users (id, name, nickname, status) VALUES (?, ?, ?, ?)"
    ]
    assert report["sql"][-1] == "COMMIT"
    session.rollback()  # returns normally...
    session.close()
    assert names(engine) == ["parent", "child"]  # ...though both rows are committed


@pytest.mark.parametrize("close", [True, False])
def test_dispose_close_argument(engine: Engine, close: bool) -> None:
    """engine.dispose(close=False) forgets idle connections without closing them; True closes."""
    with engine.connect() as connection:
        dbapi = connection.connection.dbapi_connection
    engine.dispose(close=close)
    assert engine.pool.checkedout() == 0
    closed = attempt(lambda: dbapi.cursor().execute("SELECT 1")) != "ok"
    assert closed is close
    if not close:
        dbapi.close()
    with pytest.raises(exc.ArgumentError, match="close must be True or False"):
        engine.dispose(close="no")  # type: ignore[arg-type]


CHILD_EXITS_NORMALLY = """
import gc, os, sys
from corral import create_engine, text
from corral.orm import Session

engine = create_engine(sys.argv[1])
session = Session(engine)
session.execute(text("INSERT INTO users (id, name, status) VALUES (1, 'parent', 'new')"))
pid = os.fork()
if pid == 0:
    try:
        session.execute(text("SELECT 1"))
    except Exception as error:
        print(type(error).__name__, flush=True)
    del session
    gc.collect()
    sys.exit(0)  # a normal exit: atexit, module teardown, garbage collection of everything
os.waitpid(pid, 0)
session.execute(text("INSERT INTO users (id, name, status) VALUES (2, 'parent again', 'new')"))
session.commit()
session.close()
engine.dispose()
print("parent committed", flush=True)
"""


def test_child_exiting_normally_leaves_the_parents_connection_working(
    engine: Engine, tmp_path: Path
) -> None:
    """A child that drops the inherited session and exits normally (garbage collection and
    interpreter teardown included) neither closes nor warns about the parent's connection:
    the parent goes on in the same transaction and commits both rows."""
    create_schema(engine)
    script = tmp_path / "child_exits.py"
    script.write_text(CHILD_EXITS_NORMALLY)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    url = engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        # psycopg's own ResourceWarning for an unclosed connection object (the parent's,
        # forgotten in the child) is ignored: psycopg does not end the parent's session then.
        [sys.executable, "-W", "error", "-W", "ignore::ResourceWarning", str(script), url],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n") == ["ForkedConnectionError", "parent committed", ""]
    assert done.stderr == ""
    assert names(engine) == ["parent", "parent again"]
