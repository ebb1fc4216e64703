"""scoped_session proxies every public member of Session as a real, typed attribute."""

from __future__ import annotations

import inspect as pyinspect

from corral import Session, scoped_session

# Registry management of scoped_session itself, not proxies.
OWN = {
    "configure",
    "has",
    "remove",
    "registry",
    "session_factory",
    "run_transaction",
    "query_property",
}
# Instance attributes of Session, set in __init__ (not visible on the class).
INSTANCE_ATTRIBUTES = {"autoflush", "bind", "identity_map", "info"}


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def test_proxies_match_the_session_surface() -> None:
    """Every public Session method and property has a proxy, and nothing else is added."""
    session_surface = _public(Session) | INSTANCE_ATTRIBUTES
    proxies = _public(scoped_session) - OWN
    # dispatch holds event listeners; listen on the scoped_session itself (as in SQLAlchemy).
    not_proxied = {"expire_on_commit", "autobegin", "isolation_level", "dispatch"}
    missing = session_surface - proxies - not_proxied
    assert missing == set()
    assert proxies - session_surface == set()


def test_proxy_signatures_match() -> None:
    """Each proxied method takes the same parameters as the Session method."""
    for name in _public(Session):
        member = getattr(Session, name)
        proxy = getattr(scoped_session, name, None)
        if not callable(member) or isinstance(member, property) or proxy is None:
            continue
        expected = list(pyinspect.signature(member).parameters)
        assert list(pyinspect.signature(proxy).parameters) == expected, name
