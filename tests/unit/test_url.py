"""Database URL parsing, rendering and password hiding."""

from __future__ import annotations

import pytest

from corral import exc
from corral.engine.url import URL, make_url


def test_server_url_parts_are_parsed() -> None:
    """Every part of a full server URL lands in its field."""
    url = make_url("postgresql+psycopg://scott:tiger@db.example:5433/app?sslmode=require")
    assert (url.drivername, url.backend_name, url.driver) == (
        "postgresql+psycopg",
        "postgresql",
        "psycopg",
    )
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "scott",
        "tiger",
        "db.example",
        5433,
        "app",
    )
    assert dict(url.query) == {"sslmode": "require"}


def test_sqlite_memory_url_has_no_database() -> None:
    """``sqlite://`` names the in-memory database."""
    url = make_url("sqlite://")
    assert url.drivername == "sqlite"
    assert url.database is None
    assert url.host is None


def test_sqlite_relative_path() -> None:
    """Three slashes give a relative file name."""
    assert make_url("sqlite:///relative.db").database == "relative.db"


def test_sqlite_absolute_path() -> None:
    """Four slashes give an absolute file name."""
    assert make_url("sqlite:////abs/dir/file.db").database == "/abs/dir/file.db"


def test_escaped_password_is_decoded() -> None:
    """A percent-escaped password with ``@`` and ``:`` decodes to the original."""
    url = make_url("mysql://root:p%40ss%3Aword@localhost/test")
    assert url.password == "p@ss:word"
    assert url.host == "localhost"


def test_password_hidden_in_str_and_repr() -> None:
    """Neither ``str`` nor ``repr`` shows the password."""
    url = make_url("postgresql://scott:tiger@localhost/app")
    assert "tiger" not in str(url)
    assert "tiger" not in repr(url)
    assert str(url) == "postgresql://scott:***@localhost/app"


def test_render_with_password_round_trips() -> None:
    """Rendering with the password parses back to an equal URL."""
    url = make_url("mysql+pymysql://u:p%2Fw@h:3307/d?charset=utf8mb4&a=1&a=2")
    assert make_url(url.render_as_string(hide_password=False)) == url


def test_repeated_query_option_becomes_tuple() -> None:
    """An option given twice keeps both values."""
    assert make_url("postgresql://h/d?opt=a&opt=b").query["opt"] == ("a", "b")


def test_set_replaces_a_part() -> None:
    """``set()`` returns a copy with one part changed."""
    url = make_url("postgresql://h/d")
    changed = url.set(database="other")
    assert (url.database, changed.database) == ("d", "other")


def test_url_is_returned_unchanged() -> None:
    """``make_url`` of a URL is that URL."""
    url = URL.create("sqlite")
    assert make_url(url) is url


@pytest.mark.parametrize("text", ["not a url", "://nothing", "postgresql:/one-slash/db", ""])
def test_malformed_url_raises_argument_error(text: str) -> None:
    """Text that is no URL raises ArgumentError with an example of a good one."""
    with pytest.raises(exc.ArgumentError, match="Could not parse a database URL"):
        make_url(text)


def test_non_numeric_port_is_named() -> None:
    """A port that is no number is named in the error."""
    with pytest.raises(exc.ArgumentError, match=r"port .* 'abc'"):
        make_url("postgresql://h:abc/d")


def test_malformed_url_error_hides_password() -> None:
    """A parse error does not echo the password."""
    with pytest.raises(exc.ArgumentError) as info:
        make_url("postgresql://user:secret@host:notaport/db")
    assert "secret" not in str(info.value)


def test_non_string_url_is_refused() -> None:
    """A URL that is neither text nor URL names the type given."""
    with pytest.raises(exc.ArgumentError, match="int"):
        make_url(42)  # type: ignore[arg-type]


def test_password_query_options_are_hidden() -> None:
    """A password given as a query option (?password=, ?sslpassword=, ?passwd=) shows as ***
    in str, repr and parse errors; other options and render_as_string(False) keep it."""
    url = make_url(
        "postgresql://u:pw@h/db?password=S3cr%21t&sslpassword=X&passwd=Y&sslmode=require"
    )
    for text in (str(url), repr(url)):
        assert "S3cr" not in text and "=X" not in text and "=Y" not in text and ":pw@" not in text
        assert "passwd=***&password=***&sslmode=require&sslpassword=***" in text  # key order
    assert "password=S3cr%21t" in url.render_as_string(hide_password=False)
    assert url.query["password"] == "S3cr!t"
    with pytest.raises(exc.ArgumentError) as refused:
        make_url("postgresql://u@h:port/db?password=S3cret")
    assert "S3cret" not in str(refused.value) and "password=***" in str(refused.value)


def test_query_options_updated_as_sqlalchemy_does() -> None:
    """update_query_dict / _pairs / _string, difference_update_query, normalized_query; the
    query is an immutabledict and the URL renders its options in key order."""
    url = make_url("postgresql://u:pw@h/db?alt_host=h1&alt_host=h2&sslcert=%2Fc")
    assert repr(url.query) == "immutabledict({'alt_host': ('h1', 'h2'), 'sslcert': '/c'})"
    assert url.normalized_query == {"alt_host": ("h1", "h2"), "sslcert": ("/c",)}
    with pytest.raises(TypeError):
        url.query["x"] = "1"  # type: ignore[index]
    appended = url.update_query_dict({"alt_host": "h3", "a": ["1", "2"]}, append=True)
    assert appended.query == {"a": ("1", "2"), "alt_host": ("h1", "h2", "h3"), "sslcert": "/c"}
    assert str(appended) == (
        "postgresql://u:***@h/db?a=1&a=2&alt_host=h1&alt_host=h2&alt_host=h3&sslcert=%2Fc"
    )
    assert url.update_query_dict({"alt_host": "h9"}).query["alt_host"] == "h9"
    assert url.update_query_pairs([("k", "1"), ("k", "2")]).query["k"] == ("1", "2")
    assert url.update_query_string("sslcert=%2Fd&z=", append=True).query["sslcert"] == ("/c", "/d")
    assert dict(url.difference_update_query(["alt_host"]).query) == {"sslcert": "/c"}
    assert repr(url) == str(url) == "postgresql://u:***@h/db?alt_host=h1&alt_host=h2&sslcert=%2Fc"
    assert url.query == make_url(url.render_as_string(hide_password=False)).query  # unchanged
