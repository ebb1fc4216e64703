"""TLS options of a MariaDB / MySQL URL, given PyMySQL's meaning as SQLAlchemy gives them.

A URL's ``ssl_ca``, ``ssl_capath``, ``ssl_cert``, ``ssl_key``, ``ssl_cipher`` and
``ssl_check_hostname`` become one PyMySQL ``ssl`` settings dict, as SQLAlchemy's
mysql+pymysql dialect builds it: naming a CA there means the server's certificate
is checked against it, host name included unless ``ssl_check_hostname=false``.
``ssl_verify_cert``, ``ssl_verify_identity`` and ``ssl_key_password`` in the same URL
join that dict rather than replace it (PyMySQL would otherwise build a new one
without the CA). ``connect_args`` go to PyMySQL unchanged, with PyMySQL's meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from corral import exc

#: URL query options that become a key of PyMySQL's ``ssl`` dict, by that key.
_URL_SSL_KEYS = {
    "ssl_ca": "ca",
    "ssl_capath": "capath",
    "ssl_cert": "cert",
    "ssl_key": "key",
    "ssl_key_password": "password",
    "ssl_cipher": "cipher",
}
#: URL query options holding a yes/no, parsed strictly.
_URL_FLAGS = ("ssl_check_hostname", "ssl_verify_cert", "ssl_verify_identity", "ssl_disabled")
#: PyMySQL ``connect()`` keywords that configure TLS.
TLS_KEYWORDS = frozenset(
    {
        "ssl",
        "ssl_ca",
        "ssl_cert",
        "ssl_disabled",
        "ssl_key",
        "ssl_key_password",
        "ssl_verify_cert",
        "ssl_verify_identity",
    }
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _flag(key: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise exc.ArgumentError(f"MySQL URL option {key!r} must be true or false, got {text!r}")


def pop_url_tls(query: dict[str, str]) -> dict[str, Any]:
    """Remove the TLS options from ``query`` (a URL's, one value per key) and return the
    ``connect()`` keywords they make: ``ssl`` (a dict) and/or ``ssl_disabled``."""
    flags = {key: _flag(key, query.pop(key)) for key in _URL_FLAGS if key in query}
    settings: dict[str, Any] = {
        target: query.pop(key) for key, target in _URL_SSL_KEYS.items() if key in query
    }
    if "ssl_check_hostname" in flags:
        settings["check_hostname"] = flags["ssl_check_hostname"]
    if flags.get("ssl_verify_identity"):
        settings["check_hostname"] = settings["verify_mode"] = True
    elif "ssl_verify_identity" in flags and "check_hostname" not in settings:
        settings["check_hostname"] = False
    if "ssl_verify_cert" in flags:
        settings.setdefault("verify_mode", flags["ssl_verify_cert"])
        if not flags["ssl_verify_cert"] and settings.get("check_hostname"):
            raise exc.ArgumentError(
                "MySQL URL options ssl_verify_cert=false and a host name check "
                "(ssl_verify_identity or ssl_check_hostname) contradict each other: a host "
                "name is only checked on a verified certificate; drop one of them"
            )
        if not flags["ssl_verify_cert"]:
            settings["check_hostname"] = False  # PyMySQL would check it by default, and fail
    args: dict[str, Any] = {}
    if flags.get("ssl_disabled"):
        if settings:
            given = ", ".join(
                sorted(k for k in (*_URL_SSL_KEYS, *_URL_FLAGS) if k != "ssl_disabled")
            )
            raise exc.ArgumentError(
                "MySQL URL option ssl_disabled=true turns TLS off, but the URL also sets TLS "
                f"options (any of {given}); drop one or the other"
            )
        args["ssl_disabled"] = True
    elif "ssl_disabled" in flags:
        args["ssl_disabled"] = False
    if settings:
        args["ssl"] = settings
    return args


def check_tls_args(args: Mapping[str, Any]) -> None:
    """Refuse TLS keywords PyMySQL would silently ignore: any with ``ssl_disabled``, and the
    ``ssl`` settings (from the URL or connect_args) next to an individual ``ssl_*`` keyword,
    which makes PyMySQL build its settings from the keywords alone."""
    given = sorted(key for key in TLS_KEYWORDS if args.get(key) not in (None, False))
    if args.get("ssl_disabled") and len(given) > 1:
        others = ", ".join(key for key in given if key != "ssl_disabled")
        raise exc.ArgumentError(
            f"ssl_disabled=True turns TLS off, but TLS options are given too ({others}); "
            "drop one or the other"
        )
    if "ssl" in given and len(given) > 1:
        others = ", ".join(key for key in given if key != "ssl")
        raise exc.ArgumentError(
            f"TLS settings are given both as ssl (a URL's ssl_ca, ssl_cert... options, or "
            f"connect_args['ssl']) and as {others}; PyMySQL would use the latter and ignore the "
            "rest: give them one way (all in the URL, or all in connect_args)"
        )


def verify_failure_hint(error: BaseException) -> str | None:
    """What to check when ``error`` (failing to connect) is a refused server certificate."""
    text = str(error).lower()
    if "mismatch, certificate is not valid for" in text:  # checked before the general case
        return (
            "the server's TLS certificate does not name the host connected to: connect with a "
            "host name the certificate lists, or check ssl_verify_identity / ssl_check_hostname"
        )
    if "certificate verify failed" in text:
        return (
            "the server's TLS certificate could not be verified: check that ssl_ca names the "
            "file of the CA that signed the server's certificate"
        )
    return None
