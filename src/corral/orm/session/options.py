"""What ``Session()``, ``sessionmaker()`` and ``Session.execute()`` accept; the rest is refused."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from typing import Any

from corral import exc
from corral.sql.execution_options import (
    ORM_OPTIONS,
    STREAMING_OPTIONS,
    check_bind_arguments,
    check_call_options,
)
from corral.util.arguments import refuse_unknown

#: SQLAlchemy's Session options corral does not have, with what to do instead.
UNSUPPORTED_SESSION_OPTIONS: dict[str, str] = {
    "binds": "a corral Session has one bind; make one Session per database",
    "twophase": "corral has no two-phase commit; commit each database's session on its own",
    "close_resets_only": "close() always resets the Session, which can be used again; remove it",
    "query_cls": "Session.query() makes corral's Query, which cannot be replaced; remove it",
    "enable_baked_queries": "corral caches compiled statements by itself; remove it",
}

#: Flags SQLAlchemy 2.0 keeps for old code, accepted at their only value, with why.
_FIXED_FLAGS: dict[str, tuple[bool, str]] = {
    "autocommit": (
        False,
        "a Session in autocommit mode was removed in SQLAlchemy 2.0 (and corral never had "
        "it): a Session always works in a transaction; commit it with session.commit() or "
        "'with Session(engine).begin():'. Pass autocommit=False or leave it out",
    ),
    "future": (
        True,
        "SQLAlchemy 1.x behaviour is gone in 2.0 (and corral never had it); pass future=True "
        "or leave it out",
    ),
}


@functools.cache
def session_options(class_: type) -> frozenset[str]:
    """The keyword arguments ``class_`` (a Session class) names in its ``__init__``\\ s."""
    names: set[str] = set()
    for klass in class_.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        for parameter in inspect.signature(init).parameters.values():
            if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
                names.add(parameter.name)
    names.discard("self")
    return frozenset(names)


def check_session_options(class_: type, given: Mapping[str, Any], what: str) -> None:
    """Refuse a Session option ``class_`` does not take, naming it and what it takes, and
    ``autocommit`` / ``future`` at any value but the one SQLAlchemy 2.0 allows."""
    for name, (allowed, why) in _FIXED_FLAGS.items():
        if name in given and given[name] is not allowed:
            raise exc.ArgumentError(f"{what} does not support {name}={given[name]!r}: {why}")
    names = [name for name in given if name not in _FIXED_FLAGS]
    refuse_unknown(what, names, session_options(class_), UNSUPPORTED_SESSION_OPTIONS)


def execute_options(
    statement: Any, execution_options: Mapping[str, Any] | None, bind_arguments: Any = None
) -> dict[str, Any]:
    """One ``Session.execute()``'s options, checked, over those its statement carries."""
    check_bind_arguments(bind_arguments, "Session.execute()")
    given = dict(execution_options or {})
    check_call_options(
        given, "Session.execute(execution_options=)", ORM_OPTIONS | STREAMING_OPTIONS
    )
    carried: Mapping[str, Any] | None = getattr(statement, "_execution_options", None)
    return {**carried, **given} if carried else given
