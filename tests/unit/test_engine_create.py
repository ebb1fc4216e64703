"""create_engine refuses bad input with clear errors, before any connection is made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from corral import exc
from corral.dialects.postgresql.base import PostgreSQLDialect
from corral.dialects.sqlite.base import SQLiteDialect
from corral.engine.create import create_engine, dialect_class
from corral.engine.network import TCP_DEFAULTS
from corral.engine.url import make_url


def test_malformed_url_is_refused() -> None:
    """A string that is no URL raises ArgumentError."""
    with pytest.raises(exc.ArgumentError, match="Could not parse a database URL"):
        create_engine("localhost/db")


def test_unknown_dialect_is_named() -> None:
    """An unknown database name is named with the known ones listed."""
    with pytest.raises(exc.ArgumentError, match=r"Unknown database dialect 'mssql'.*sqlite"):
        create_engine("mssql://scott@host/db")


def test_unknown_driver_is_named() -> None:
    """A known database with an unknown driver names the driver."""
    with pytest.raises(exc.ArgumentError, match="Unknown database driver 'postgresql\\+pg8000'"):
        create_engine("postgresql+pg8000://h/d")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("pool_size", "5", "pool_size=...\\) must be an int, got str"),
        ("pool_size", 2.5, "pool_size=...\\) must be an int, got float"),
        ("pool_size", True, "pool_size=...\\) must be an int, got bool"),
        ("pool_size", -1, "pool_size=...\\) must be >= 0"),
        ("max_overflow", None, "max_overflow=...\\) must be an int"),
        ("pool_timeout", "30", "pool_timeout=...\\) must be a number"),
        ("pool_pre_ping", 1, "pool_pre_ping=...\\) must be True or False"),
        ("echo", "yes", 'echo=...\\) must be True, False or "debug"'),
        ("connect_args", [1], "connect_args=...\\) must be a dict"),
    ],
)
def test_wrong_type_option_is_named(option: str, value: Any, message: str) -> None:
    """An option of the wrong type or range is named with what it must be."""
    with pytest.raises(exc.ArgumentError, match=message):
        create_engine("sqlite://", **{option: value})


def test_unknown_isolation_level_lists_supported() -> None:
    """An isolation level the database lacks lists the supported ones."""
    with pytest.raises(exc.ArgumentError, match=r"not supported here.*SERIALIZABLE"):
        create_engine("sqlite://", isolation_level="SNAPSHOT")


def test_unknown_keyword_is_refused() -> None:
    """A misspelled keyword is refused, listing create_engine()'s and the dialect's options."""
    with pytest.raises(
        exc.ArgumentError, match=r"the keyword pool_sise\. It takes: .*pool_size.*sqlite_wal"
    ):
        create_engine("sqlite://", pool_sise=3)


def test_dialect_option_type_checked() -> None:
    """A dialect option of the wrong type is refused."""
    with pytest.raises(exc.ArgumentError, match=r"sqlite_wal.*must be a bool"):
        create_engine("sqlite://", sqlite_wal="on")


def test_sqlite_url_with_host_is_refused() -> None:
    """``sqlite://host/db`` (a server address on SQLite) is refused with the right forms."""
    with pytest.raises(exc.ArgumentError, match="names a file"):
        SQLiteDialect().create_connect_args(make_url("sqlite://somehost/file.db"))


def test_url_names_dialect_classes() -> None:
    """Each URL form picks its dialect class."""
    assert dialect_class(make_url("sqlite://")) is SQLiteDialect
    assert dialect_class(make_url("postgresql+psycopg://h/d")) is PostgreSQLDialect
    assert dialect_class(make_url("mariadb://h/d")).name == "mysql"
    assert dialect_class(make_url("mysql+pymysql://h/d")).name == "mysql"


def test_postgresql_connect_args_come_from_url() -> None:
    """Server URL parts and query options reach the driver's connect()."""
    args = PostgreSQLDialect().create_connect_args(
        make_url("postgresql://u:p@h:5433/d?sslmode=disable")
    )
    assert args == {
        "host": "h",
        "port": 5433,
        "user": "u",
        "password": "p",
        "dbname": "d",
        "sslmode": "disable",
        "autocommit": True,
        "connect_timeout": 10,
        **TCP_DEFAULTS,  # keepalives and tcp_user_timeout (corral.engine.network)
    }


def test_sqlite_connect_args_use_autocommit_mode() -> None:
    """SQLite connects with the driver's implicit transactions off and threads allowed."""
    args = SQLiteDialect().create_connect_args(make_url("sqlite:///f.db?timeout=2.5"))
    assert args == {
        "database": "f.db",
        "isolation_level": None,
        "check_same_thread": False,
        "timeout": 2.5,
    }


def test_constructing_a_dialect_does_not_import_the_driver() -> None:
    """A dialect is built without importing its driver (the import happens on connect)."""
    dialect = PostgreSQLDialect()
    assert dialect._dbapi is None


def test_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """A driver that is not installed raises ArgumentError naming the pip extra."""
    dialect = PostgreSQLDialect()
    monkeypatch.setattr(type(dialect), "driver", "corral_no_such_driver_module")
    with pytest.raises(exc.ArgumentError, match=r"pip install corral\[postgresql\]"):
        _ = dialect.dbapi


def test_engine_repr_hides_password() -> None:
    """An engine's repr shows its URL without the password."""
    engine = create_engine("postgresql://scott:tiger@localhost/app")
    try:
        assert "tiger" not in repr(engine)
        assert "scott:***@localhost" in repr(engine)
    finally:
        engine.dispose()


def test_memory_sqlite_uses_one_shared_connection() -> None:
    """A ``sqlite://`` engine gets a StaticPool, so its connections share one database."""
    from corral.pool import StaticPool

    engine = create_engine("sqlite://")
    try:
        assert isinstance(engine.pool, StaticPool)
    finally:
        engine.dispose()


def test_connect_failure_names_the_url_without_password(tmp_path: Path) -> None:
    """A database that cannot be opened raises OperationalError naming the URL."""
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    try:
        with pytest.raises(exc.OperationalError, match="Could not connect to sqlite:///"):
            engine.connect()
    finally:
        engine.dispose()
