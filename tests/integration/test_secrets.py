"""A password never shows in a repr, an error, a log line or a warning; hide_parameters.

Each test runs with a sentinel password, captures everything corral could
print (every logger at DEBUG, stdout/stderr with ``echo=True``, warnings, the
whole exception chain with ``__cause__``/``__context__``, the repr and str of
the engine, URL, pool and connection) and greps it for the sentinel.
"""

from __future__ import annotations

import contextlib
import logging
import os
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral import Session, create_engine, exc, text
from corral.engine import URL, Engine
from tests.integration.orm_models import User, create_schema, recorded_sql

SENTINEL = "Sentinel-Pw-7f3a9c"
VALUE = "Sentinel-Value-41d2"


class Captured:
    """Everything printed, logged or warned while the test ran, plus texts the test adds."""

    def __init__(self, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]):
        self.caplog = caplog
        self.capsys = capsys
        self.warnings: list[warnings.WarningMessage] = []
        self.texts: list[str] = []

    def add_error(self, error: BaseException) -> None:
        """The error's full report (chained causes and contexts included) and each link's repr."""
        self.texts.append("".join(traceback.format_exception(error)))
        seen: set[int] = set()
        link: BaseException | None = error
        pending = [error]
        while pending:
            link = pending.pop()
            if link is None or id(link) in seen:
                continue
            seen.add(id(link))
            self.texts += [repr(link), str(link), repr(link.args)]
            pending += [e for e in (link.__cause__, link.__context__) if e is not None]

    def add_objects(self, *objects: Any) -> None:
        for obj in objects:
            self.texts += [repr(obj), str(obj)]

    def everything(self) -> str:
        out, err = self.capsys.readouterr()
        logged = "\n".join(
            f"{record.getMessage()} {record.exc_text or ''}" for record in self.caplog.records
        )
        warned = "\n".join(str(w.message) for w in self.warnings)
        return "\n".join([out, err, logged, warned, *self.texts])


@pytest.fixture
def captured(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> Iterator[Captured]:
    caplog.set_level(logging.DEBUG)
    found = Captured(caplog, capsys)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
        found.warnings = list(caught)


def assert_no_secret(captured: Captured, secret: str = SENTINEL) -> str:
    text = captured.everything()
    assert text.strip(), "nothing was captured: the test checks nothing"
    assert secret not in text
    return text


def test_failing_connect_never_shows_the_password(
    backend: str, db_url: URL, tmp_path: Path, captured: Captured
) -> None:
    """A connect that fails (wrong password on the servers, a bad path on SQLite) raises an
    error whose whole chain, the logs, echo output and the reprs never hold the password."""
    if backend == "sqlite":
        with pytest.raises(exc.ArgumentError) as refused:
            create_engine(f"sqlite://user:{SENTINEL}@/{tmp_path / 'x.db'}")
        captured.add_error(refused.value)
        url = make_sqlite_url(tmp_path / "no" / "such" / "dir" / "x.db")
    elif backend == "postgresql":  # the test server trusts any password: use a missing role
        url = db_url.set(username="corral_no_such_role", password=SENTINEL)
    else:
        url = db_url.set(password=SENTINEL)  # root has no password: a given one is wrong
    engine = create_engine(url, echo=True)
    with pytest.raises(exc.OperationalError) as failed:
        engine.connect()
    captured.add_error(failed.value)
    captured.add_objects(engine, engine.url, engine.pool, engine.dialect)
    engine.dispose()
    if backend != "sqlite":  # the password given in connect_args instead of the URL
        bare = url.set(password=None)
        engine = create_engine(bare, echo=True, connect_args={"password": SENTINEL})
        with pytest.raises(exc.OperationalError) as failed:
            engine.connect()
        captured.add_error(failed.value)
        captured.add_objects(engine, engine.url, engine.pool)
        engine.dispose()
        # ... and as a URL query option (?password=), which the drivers take too.
        engine = create_engine(bare.set(query={"password": SENTINEL}), echo=True)
        with pytest.raises(exc.OperationalError) as failed:
            engine.connect()
        captured.add_error(failed.value)
        captured.add_objects(engine, engine.url, engine.pool)
        engine.dispose()
    text = assert_no_secret(captured)
    assert "Could not connect to" in text


def make_sqlite_url(path: Path) -> URL:
    from corral.engine import make_url

    return make_url(f"sqlite:///{path}")


@contextlib.contextmanager
def user_with_password(engine: Engine, backend: str) -> Iterator[str]:
    """A MariaDB user with the sentinel password and rights on the test database."""
    name = f"corral_secret_{os.getpid()}"
    database = engine.url.database
    with engine.connect() as connection:
        for host in ("%", "localhost", "127.0.0.1"):
            connection.exec_driver_sql(f"DROP USER IF EXISTS '{name}'@'{host}'")
            connection.exec_driver_sql(f"CREATE USER '{name}'@'{host}' IDENTIFIED BY '{SENTINEL}'")
            connection.exec_driver_sql(f"GRANT ALL ON `{database}`.* TO '{name}'@'{host}'")
    try:
        yield name
    finally:
        with engine.connect() as connection:
            for host in ("%", "localhost", "127.0.0.1"):
                connection.exec_driver_sql(f"DROP USER IF EXISTS '{name}'@'{host}'")


def test_failing_statement_and_echo_never_show_the_password(
    backend: str, make_engine: Any, captured: Captured
) -> None:
    """Connected with the sentinel password, echo=True, a failing statement, a failing flush and
    debug logging of the pool show the password nowhere (SQLite has no passwords: skipped)."""
    if backend == "sqlite":
        pytest.skip("SQLite URLs take no password (the connect test covers its refusal)")
    admin = make_engine()
    create_schema(admin)
    with contextlib.ExitStack() as stack:
        if backend == "postgresql":
            url = admin.url.set(password=SENTINEL)  # trusted: any password connects
        else:
            url = admin.url.set(username=stack.enter_context(user_with_password(admin, backend)))
            url = url.set(password=SENTINEL)
            captured.caplog.clear()  # the CREATE USER above is the test's, not corral's
            captured.capsys.readouterr()
        engine = create_engine(url, echo=True)
        stack.callback(engine.dispose)
        with engine.connect() as connection:
            captured.add_objects(connection, connection.connection, engine, engine.pool)
            with pytest.raises(exc.ProgrammingError) as failed:
                connection.execute(
                    text("SELECT * FROM no_such_table WHERE name = :name"), {"name": "x"}
                )
            captured.add_error(failed.value)
        with Session(engine) as session:
            session.add_all([User(id=1, name="a"), User(id=1, name="b")])
            with pytest.raises(exc.CorralError) as flush_failed:
                session.flush()
            captured.add_error(flush_failed.value)
            captured.add_objects(session)
        text_seen = assert_no_secret(captured)
        assert "no_such_table" in text_seen  # the statement itself was logged and reported


def test_hide_parameters_keeps_values_out_of_errors_and_logs(
    make_engine: Any, captured: Captured
) -> None:
    """create_engine(hide_parameters=True): the echo log and the error message show a marker
    instead of the bound values (the error's .params keeps them for the program)."""
    engine = make_engine(hide_parameters=True, echo=True)
    assert engine.hide_parameters is True
    create_schema(engine)
    with engine.connect() as connection, recorded_sql() as sql:
        assert connection.execute(text("SELECT :v AS x"), {"v": VALUE}).scalar() == VALUE
        with pytest.raises(exc.DBAPIError) as failed:
            connection.execute(text("SELECT * FROM no_such_table WHERE name = :v"), {"v": VALUE})
    assert any("no_such_table" in s for s in sql)
    captured.add_error(failed.value)
    text_seen = assert_no_secret(captured, VALUE)
    assert "[SQL parameters hidden: create_engine(hide_parameters=True)]" in str(failed.value)
    assert "SQL parameters hidden" in text_seen
    assert failed.value.params is not None and VALUE in repr(failed.value.params)


def test_control_parameters_are_shown_by_default(make_engine: Any, captured: Captured) -> None:
    """Control: without hide_parameters the same error message and log show the value."""
    engine = make_engine(echo=True)
    with engine.connect() as connection, pytest.raises(exc.DBAPIError) as failed:
        connection.execute(text("SELECT * FROM no_such_table WHERE name = :v"), {"v": VALUE})
    assert VALUE in str(failed.value)
    assert VALUE in captured.everything()


def test_hide_parameters_must_be_a_bool() -> None:
    """hide_parameters takes True or False only."""
    with pytest.raises(exc.ArgumentError, match="hide_parameters"):
        create_engine("sqlite://", hide_parameters="yes")  # type: ignore[arg-type]
