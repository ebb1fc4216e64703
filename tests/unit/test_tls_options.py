"""The drivers' TLS options, from the URL and connect_args, as the dialects hand them over."""

from __future__ import annotations

import pytest

from corral import create_engine, exc
from corral.dialects.mysql.base import MySQLDialect
from corral.dialects.postgresql.base import PostgreSQLDialect
from corral.engine import make_url


def mysql_args(url: str) -> dict[str, object]:
    return MySQLDialect().create_connect_args(make_url(url))


def test_postgresql_tls_options_pass_through() -> None:
    """libpq's TLS options in the URL reach psycopg's connect() unchanged."""
    args = PostgreSQLDialect().create_connect_args(
        make_url("postgresql://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.pem")
    )
    assert args["sslmode"] == "verify-full"
    assert args["sslrootcert"] == "/ca.pem" and args["sslcert"] == "/c.pem"


def test_mysql_url_tls_options_become_pymysql_ssl_settings() -> None:
    """A URL's ssl_ca, ssl_cert, ssl_key, ssl_capath, ssl_cipher, ssl_key_password and
    ssl_check_hostname become PyMySQL's ssl dict, as SQLAlchemy's mysql+pymysql builds it."""
    args = mysql_args(
        "mysql://u@h/db?ssl_ca=/ca.pem&ssl_cert=/c.pem&ssl_key=/k.pem&ssl_capath=/cas"
        "&ssl_cipher=AES256-SHA&ssl_key_password=pw&ssl_check_hostname=false"
    )
    assert args["ssl"] == {
        "ca": "/ca.pem",
        "cert": "/c.pem",
        "key": "/k.pem",
        "capath": "/cas",
        "cipher": "AES256-SHA",
        "password": "pw",
        "check_hostname": False,
    }
    assert not any(key.startswith("ssl_") for key in args)


def test_mysql_url_verify_flags_join_the_ssl_settings() -> None:
    """ssl_verify_cert and ssl_verify_identity in the URL are parsed as booleans and join the
    ssl dict (kept apart, PyMySQL would drop the URL's CA)."""
    args = mysql_args("mysql://u@h/db?ssl_ca=/ca.pem&ssl_verify_identity=true")
    assert args["ssl"] == {"ca": "/ca.pem", "check_hostname": True, "verify_mode": True}
    args = mysql_args("mysql://u@h/db?ssl_ca=/ca.pem&ssl_verify_cert=false")
    assert args["ssl"] == {"ca": "/ca.pem", "check_hostname": False, "verify_mode": False}
    assert mysql_args("mysql://u@h/db?ssl_disabled=yes")["ssl_disabled"] is True


@pytest.mark.parametrize(
    ("url", "connect_args", "named"),
    [
        ("mysql://u@h/db?ssl_verify_cert=maybe", {}, "ssl_verify_cert"),
        ("mysql://u@h/db?ssl_ca=/ca.pem&ssl_disabled=true", {}, "ssl_disabled"),
        ("mysql://u@h/db?ssl_ca=/a&ssl_verify_cert=0&ssl_verify_identity=1", {}, "contradict"),
        ("mysql://u@h/db?ssl_ca=/ca.pem", {"ssl_verify_cert": True}, "ssl_verify_cert"),
        ("mysql://u@h/db", {"ssl_disabled": True, "ssl_ca": "/ca.pem"}, "ssl_ca"),
        ("postgresql://u@h/db?sslmod=require", {}, "sslmod"),
    ],
)
def test_tls_options_that_would_be_ignored_are_refused(
    url: str, connect_args: dict[str, object], named: str
) -> None:
    """A TLS option the driver would silently ignore or misread is refused, naming it."""
    pytest.importorskip("pymysql")
    pytest.importorskip("psycopg")
    with pytest.raises(exc.ArgumentError, match=named):
        create_engine(url, connect_args=connect_args)


def test_tls_key_passwords_are_hidden() -> None:
    """A key passphrase in the URL (libpq's sslpassword, PyMySQL's ssl_key_password) is hidden
    like the password."""
    for url in (
        "postgresql://u:pw@h/db?sslpassword=k3y-secret&sslmode=verify-full",
        "mysql://u:pw@h/db?ssl_key_password=k3y-secret&ssl_ca=/ca.pem",
    ):
        shown = make_url(url)
        assert "k3y-secret" not in str(shown) and "k3y-secret" not in repr(shown)
        assert "sslmode=verify-full" in str(shown) or "ssl_ca=" in str(shown)
