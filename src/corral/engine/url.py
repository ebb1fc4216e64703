"""Database URLs: ``dialect[+driver]://user:password@host:port/database?option=value``.

A URL may list several hosts, as libpq does (``postgresql://u@h1:5432,h2:5433/db``):
they are kept as the query's ``host`` values (``?host=h1:5432&host=h2:5433``), the form
SQLAlchemy documents for the same thing, and the PostgreSQL dialect hands them to libpq,
which tries them in turn (``target_session_attrs`` says which one it wants).

A ``URL`` is immutable and never shows its password: ``repr``, ``str``, log
lines and error messages all render it as ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from corral import exc
from corral.util.immutable import immutabledict

_URL_PATTERN = re.compile(
    r"""
    ^(?P<scheme>[A-Za-z][\w.+-]*)://
    (?:
        (?:(?P<username>[^:/@?]*)(?::(?P<password>[^@?]*))?@)?
        (?P<host>(?:\[[^\]]+\]|[^:/?,\[]*)(?:,(?:\[[^\]]+\]|[^:/?,\[]*))*)?
        (?::(?P<port>[^/?]*))?
    )?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?$
    """,
    re.VERBOSE | re.DOTALL,
)

_HIDDEN = "***"


QueryValue = str | tuple[str, ...]


def _empty_query() -> Mapping[str, QueryValue]:
    return immutabledict()


@dataclass(frozen=True, slots=True)
class URL:
    """The parts of a database URL; build one with ``make_url`` or ``URL.create``."""

    drivername: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: Mapping[str, str | tuple[str, ...]] = field(default_factory=_empty_query)

    @classmethod
    def create(
        cls,
        drivername: str,
        username: str | None = None,
        password: str | None = None,
        host: str | None = None,
        port: int | None = None,
        database: str | None = None,
        query: Mapping[str, str | tuple[str, ...]] | None = None,
    ) -> URL:
        """A URL from its parts (nothing is escaped: pass plain values)."""
        if not isinstance(drivername, str) or not drivername:
            raise exc.ArgumentError(
                f"URL drivername must be a non-empty string, got {drivername!r}"
            )
        if port is not None and (not isinstance(port, int) or isinstance(port, bool)):
            raise exc.ArgumentError(f"URL port must be an int, got {type(port).__name__}")
        return cls(
            drivername,
            username,
            password,
            host,
            port,
            database,
            immutabledict(query or {}),
        )

    @property
    def backend_name(self) -> str:
        """The database part of ``drivername`` (``postgresql`` in ``postgresql+psycopg``)."""
        return self.drivername.partition("+")[0]

    @property
    def driver(self) -> str | None:
        """The driver part of ``drivername``, or None when the URL names no driver."""
        return self.drivername.partition("+")[2] or None

    def set(self, **parts: Any) -> URL:
        """A copy with some parts replaced."""
        if "query" in parts:
            parts["query"] = immutabledict(parts["query"] or {})
        return replace(self, **parts)

    @property
    def normalized_query(self) -> Mapping[str, tuple[str, ...]]:
        """The query options with every value a tuple (one value: a 1-tuple)."""
        return immutabledict(
            {k: v if isinstance(v, tuple) else (v,) for k, v in self.query.items()}
        )

    def update_query_dict(
        self, query_parameters: Mapping[str, str | Sequence[str]], append: bool = False
    ) -> URL:
        """A copy with these query options set; ``append`` adds to an option's values."""
        pairs: list[tuple[str, str]] = []
        for key, value in query_parameters.items():
            values = (value,) if isinstance(value, str) else tuple(value)
            pairs.extend((key, each) for each in values)
        return self.update_query_pairs(pairs, append=append)

    def update_query_pairs(
        self, key_value_pairs: Iterable[tuple[str, str]], append: bool = False
    ) -> URL:
        """A copy with these (key, value) query options set; a key given twice gets both
        values; ``append`` adds to the values the URL already has."""
        given: dict[str, list[str]] = {}
        for key, value in key_value_pairs:
            given.setdefault(key, []).append(value)
        query: dict[str, tuple[str, ...]] = dict(self.normalized_query)
        for key, values in given.items():
            query[key] = (*query.get(key, ()), *values) if append else tuple(values)
        return self.set(query={k: v[0] if len(v) == 1 else v for k, v in query.items()})

    def update_query_string(self, query_string: str, append: bool = False) -> URL:
        """A copy with the options of ``query_string`` (``a=1&b=2``) set."""
        return self.update_query_pairs(parse_qsl(query_string, keep_blank_values=True), append)

    def difference_update_query(self, names: Iterable[str]) -> URL:
        """A copy without the query options ``names``."""
        gone = set(names)
        return self.set(query={k: v for k, v in self.query.items() if k not in gone})

    def render_as_string(self, hide_password: bool = True) -> str:
        """The URL as text; the password is shown as ``***`` unless ``hide_password`` is False.

        So is the value of a query option that is a password (``?password=``,
        ``?sslpassword=``, ``?passwd=``: see ``is_secret_option``).
        """
        text = f"{self.drivername}://"
        if self.username is not None:
            text += quote(self.username, safe="")
            if self.password is not None:
                shown = _HIDDEN if hide_password else quote(self.password, safe="")
                text += f":{shown}"
            text += "@"
        if self.host is not None:
            text += f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            text += f":{self.port}"
        if self.database is not None:
            text += f"/{self.database}"
        if self.query:
            pairs: list[str] = []
            for key, value in sorted(self.query.items()):  # in key order, as SQLAlchemy
                values = value if isinstance(value, tuple) else (value,)
                if hide_password and is_secret_option(key):
                    pairs.extend(f"{quote(key, safe='')}={_HIDDEN}" for _ in values)
                else:
                    pairs.extend(f"{quote(key, safe='')}={quote(v, safe='')}" for v in values)
            text += "?" + "&".join(pairs)
        return text

    def __str__(self) -> str:
        return self.render_as_string()

    def __repr__(self) -> str:
        return self.render_as_string()  # as SQLAlchemy shows it (the password hidden)


def make_url(name_or_url: str | URL) -> URL:
    """Parse a database URL string (a ``URL`` is returned unchanged)."""
    if isinstance(name_or_url, URL):
        return name_or_url
    if not isinstance(name_or_url, str):
        raise exc.ArgumentError(
            f"A database URL must be a string or a URL, got {type(name_or_url).__name__}"
        )
    match = _URL_PATTERN.match(name_or_url.strip())
    if match is None:
        raise exc.ArgumentError(
            f"Could not parse a database URL from {_redact(name_or_url)!r}; "
            "expected dialect[+driver]://user:password@host:port/database, e.g. "
            "'sqlite:///file.db' or 'postgresql://user@localhost/db'"
        )
    parts = match.groupdict()
    query: dict[str, str | tuple[str, ...]] = {}
    for key, value in parse_qsl(parts["query"] or "", keep_blank_values=True):
        previous = query.get(key)
        if previous is None:
            query[key] = value
        else:
            query[key] = (*(previous if isinstance(previous, tuple) else (previous,)), value)
    if (parts["port"] and "," in parts["port"]) or "[" in (parts["host"] or "").partition(",")[2]:
        _move_hosts_to_query(name_or_url, parts, query)
    port: int | None = None
    if parts["port"]:
        try:
            port = int(parts["port"])
        except ValueError:
            raise exc.ArgumentError(
                f"The port in database URL {_redact(name_or_url)!r} is not a number: "
                f"{parts['port']!r}"
            ) from None
    host = parts["host"] or None
    if host is not None and host.startswith("["):
        host = host[1:-1]
    username = parts["username"]
    password = parts["password"]
    return URL.create(
        parts["scheme"].lower(),
        username=unquote(username) if username else None,
        password=unquote(password) if password is not None else None,
        host=unquote(host) if host else None,
        port=port,
        database=unquote(parts["database"]) if parts["database"] else None,
        query=query,
    )


def _move_hosts_to_query(
    text: str, parts: dict[str, str | None], query: dict[str, str | tuple[str, ...]]
) -> None:
    """A multi-host URL (``h1:5432,h2:5433``, as libpq takes): its hosts become the query's
    ``host`` values (``?host=h1:5432&host=h2:5433``, the form SQLAlchemy documents), and
    the URL itself names no host or port."""
    if "host" in query or "port" in query:
        raise exc.ArgumentError(
            f"Database URL {_redact(text)!r} lists several hosts both before the database "
            "and in ?host= / ?port=: name them in one place only"
        )
    netloc = parts["host"] or ""
    if parts["port"] is not None:
        netloc += f":{parts['port']}"
    hosts = netloc.split(",")
    for token in hosts:
        try:
            split_host_port(token)
        except ValueError:
            raise exc.ArgumentError(
                f"Could not read host {token!r} of the multi-host database URL "
                f"{_redact(text)!r}: each host is written host, host:port, [IPv6] or "
                "[IPv6]:port, separated by commas"
            ) from None
    query["host"] = tuple(unquote(token) for token in hosts)
    parts["host"] = parts["port"] = None


def split_host_port(token: str) -> tuple[str, str]:
    """``host`` and ``port`` (``""`` when absent) of one host of a list: ``h``, ``h:5432``,
    ``[::1]`` or ``[::1]:5432`` (an IPv6 address is bracketed, and comes back without its
    brackets). ``ValueError`` when the host is empty or the port not a number."""
    if token.startswith("["):
        address, bracket, rest = token[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(token)
        host, port = address, rest[1:]
    else:
        host, _, port = token.rpartition(":") if ":" in token else (token, "", "")
    if not host or (port and not port.isdigit()):
        raise ValueError(token)
    return host, port


def is_secret_option(key: str) -> bool:
    """Whether a URL query option or connect argument named ``key`` holds a password."""
    return "passw" in key.lower()


def _redact(text: str) -> str:
    """``text`` with anything that looks like a URL password replaced by ``***``."""
    text = re.sub(r"(://[^:/@?]*:)[^@?]*@", rf"\g<1>{_HIDDEN}@", text)
    return re.sub(r"([?&][^=&]*[pP][aA][sS][sS][wW][^=&]*=)[^&]*", rf"\g<1>{_HIDDEN}", text)
