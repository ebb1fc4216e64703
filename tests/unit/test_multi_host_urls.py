"""Multi-host URLs (libpq's failover form) and the MariaDB Galera connect option."""

from __future__ import annotations

from typing import Any

import pytest

from corral import create_engine, exc
from corral.dialects.postgresql.asyncio import _split_host_lists
from corral.engine.url import make_url


def _libpq_args(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    args = engine.dialect.create_connect_args(engine.url)
    return {key: args[key] for key in ("host", "port") if key in args}


def test_hosts_before_the_database_become_query_hosts() -> None:
    """``h1:p1,h2:p2`` is kept as ``?host=h1:p1&host=h2:p2``, and renders and parses back."""
    url = make_url(
        "postgresql://root@10.0.0.1:5432,10.0.0.2:5433/app?target_session_attrs=read-write"
    )
    assert (url.host, url.port, url.database) == (None, None, "app")
    assert url.query["host"] == ("10.0.0.1:5432", "10.0.0.2:5433")
    assert url.query["target_session_attrs"] == "read-write"
    assert make_url(url.render_as_string(hide_password=False)) == url


def test_a_host_without_port_and_a_single_port_for_several_hosts() -> None:
    """``h1:5432,h2`` lists h2 without a port; ``h1,h2:5433`` is one port for both (as
    SQLAlchemy and libpq read it)."""
    assert make_url("postgresql://u@h1:5432,h2/db").query["host"] == ("h1:5432", "h2")
    same_port = make_url("postgresql://u@h1,h2:5433/db")
    assert (same_port.host, same_port.port) == ("h1,h2", 5433)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h1:5432,h2:5433/db", {"host": "h1,h2", "port": "5432,5433"}),
        ("postgresql://u@/db?host=A:1&host=B&host=C:3", {"host": "A,B,C", "port": "1,,3"}),
        ("postgresql://u@/db?host=A,B,C&port=1,,3", {"host": "A,B,C", "port": "1,,3"}),
        ("postgresql://u@h:5/db", {"host": "h", "port": 5}),
    ],
)
def test_psycopg_gets_libpq_host_lists(url: str, expected: dict[str, Any]) -> None:
    """Every multi-host form reaches libpq as comma-separated host and port lists."""
    assert _libpq_args(url) == expected


def test_asyncpg_gets_lists() -> None:
    """asyncpg takes lists where libpq takes comma-separated text."""
    args: dict[str, Any] = {"host": "h1,h2", "port": "5432,"}
    _split_host_lists(args)
    assert args == {"host": ["h1", "h2"], "port": [5432, 5432]}


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql://u@h1:1,h2:x/db", "host 'h2:x'"),
        ("postgresql://u@h1:1,h2:2/db?host=h3", "in one place"),
        ("postgresql://u@/db?host=A:1&host=B&port=5", "both as ?host=host:port and as ?port="),
        ("postgresql://u@h/db?sslmode=require&sslmode=disable", "'sslmode' 2 times"),
        ("mysql://root@h1:3306,h2:3307/test", "PyMySQL connects to one"),
    ],
)
def test_contradictory_or_unusable_host_lists_are_refused(url: str, words: str) -> None:
    """Hosts in two places, a bad port, a repeated option, several MySQL hosts: an error
    naming the problem, never one value silently picked."""
    with pytest.raises(exc.ArgumentError, match=words.replace("?", r"\?")):
        _libpq_args(url)


@pytest.mark.parametrize("value", [16, -1, "1", True])
def test_wsrep_sync_wait_must_be_a_mask(value: object) -> None:
    """wsrep_sync_wait takes the server's bit mask, 0 to 15."""
    with pytest.raises(exc.ArgumentError, match="bit mask from 0 to 15"):
        create_engine("mysql://root@h/test", connect_args={"wsrep_sync_wait": value})


def test_wsrep_sync_wait_becomes_the_init_command() -> None:
    """The option is sent as ``SET SESSION wsrep_sync_wait`` by the driver's init_command,
    and refused next to an init_command of the user's own."""
    from corral.dialects.mysql.galera import apply_sync_wait

    args: dict[str, Any] = {"wsrep_sync_wait": 1, "host": "h"}
    apply_sync_wait(args)
    assert args == {"init_command": "SET SESSION wsrep_sync_wait = 1", "host": "h"}
    with pytest.raises(exc.ArgumentError, match="add 'SET SESSION wsrep_sync_wait = 3'"):
        create_engine(
            "mysql://root@h/test?wsrep_sync_wait=3", connect_args={"init_command": "SET x = 1"}
        )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@[::1]:5432,[::2]:5433/db", {"host": "::1,::2", "port": "5432,5433"}),
        ("postgresql://u@[::1],[::2]/db", {"host": "::1,::2"}),
        ("postgresql://u@[fe80::1]:5432,h2/db", {"host": "fe80::1,h2", "port": "5432,"}),
        ("postgresql://u@h1,[::2]:5433/db", {"host": "h1,::2", "port": ",5433"}),
    ],
)
def test_ipv6_hosts_in_a_list_are_bracketed(url: str, expected: dict[str, Any]) -> None:
    """An IPv6 address in a host list is written in brackets, with or without a port, and
    reaches libpq without them."""
    assert _libpq_args(url) == expected
    assert make_url(make_url(url).render_as_string(hide_password=False)) == make_url(url)


@pytest.mark.parametrize("url", ["postgresql://u@[::1:5432,h2/db", "postgresql://u@[::1]x,h2/db"])
def test_a_malformed_ipv6_host_in_a_list_is_refused(url: str) -> None:
    """A bracket left open, or text after the bracket that is no port: the error names it."""
    with pytest.raises(exc.ArgumentError, match="Could not"):
        _libpq_args(url)
