"""Client-side deadlines for a silent network: TCP keepalives and ``tcp_user_timeout``.

A connection whose peer vanished without a word (a partition, a dead host, a
firewall dropping the flow) would otherwise wait for an answer forever. The
kernel can find out instead: keepalive probes on an idle or waiting
connection, and a bound on how long sent data may stay unacknowledged. Both
work below the database protocol, so neither can cut off a query that is
merely slow: the server's kernel answers probes and acknowledges data while
the query runs.

The settings use libpq's names and units on every server database, so
``connect_args`` (or the URL query) reads the same for PostgreSQL and MariaDB:
``keepalives`` (1 on, 0 off), ``keepalives_idle`` / ``keepalives_interval``
(seconds), ``keepalives_count`` (probes) and ``tcp_user_timeout``
(milliseconds, 0 for the system default). libpq applies them itself for
PostgreSQL; for PyMySQL, which has no such options, corral sets them on the
socket after connecting.
"""

from __future__ import annotations

import socket
from typing import Any

#: Defaults: a dead peer is noticed within about a minute, idle or mid-statement.
#: 30 s idle + 3 probes 10 s apart = 60 s, and sent data unacknowledged for 60 s.
TCP_DEFAULTS: dict[str, int] = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
}

#: Each setting and the name of its socket option (TCP level).
_SOCKET_OPTIONS = (
    ("keepalives_idle", "TCP_KEEPIDLE"),
    ("keepalives_interval", "TCP_KEEPINTVL"),
    ("keepalives_count", "TCP_KEEPCNT"),
    ("tcp_user_timeout", "TCP_USER_TIMEOUT"),
)


def with_tcp_defaults(args: dict[str, Any]) -> dict[str, Any]:
    """``args`` with the TCP settings it does not name set to ``TCP_DEFAULTS``."""
    for key, value in TCP_DEFAULTS.items():
        args.setdefault(key, value)
    return args


def pop_tcp_settings(args: dict[str, Any]) -> dict[str, int]:
    """Remove the TCP settings from ``args`` (a driver that lacks them) and return them."""
    return {key: int(args.pop(key)) for key in TCP_DEFAULTS if key in args}


def apply_tcp_settings(sock: socket.socket | None, settings: dict[str, int]) -> None:
    """Set keepalives and the user timeout on ``sock`` (a TCP socket; others are left alone).

    Options the platform lacks (``TCP_USER_TIMEOUT`` outside Linux) are skipped.
    """
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    enabled = settings.get("keepalives", 1) != 0
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(enabled))
    for key, name in _SOCKET_OPTIONS:
        option = getattr(socket, name, None)
        value = settings.get(key)
        if option is None or value is None or value <= 0:
            continue
        if key != "tcp_user_timeout" and not enabled:
            continue
        sock.setsockopt(socket.IPPROTO_TCP, option, value)
