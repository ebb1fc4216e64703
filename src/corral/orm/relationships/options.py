"""The keywords ``relationship()`` and ``backref()`` accept; SQLAlchemy's others are refused."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from functools import cache
from typing import Any

from corral import exc
from corral.util.arguments import refuse_unknown

_NOT_YET = "corral does not implement it yet; remove it"

#: SQLAlchemy's relationship() keywords corral does not implement, with what to do instead.
UNSUPPORTED_RELATIONSHIP_OPTIONS: dict[str, str] = {
    "join_depth": "eager loading does not follow a self-referential relationship more than "
    "one level; load deeper levels with selectinload() options",
    "passive_updates": "corral does not cascade primary key changes to children; rely on the "
    "database's ON UPDATE CASCADE and remove it",
    "distinct_target_key": _NOT_YET,
    "load_on_pending": _NOT_YET,
    "enable_typechecks": _NOT_YET,
    "sync_backref": _NOT_YET,
    "comparator_factory": _NOT_YET,
    "omit_join": _NOT_YET,
    "raiseload": "use lazy='raise' (or lazy='raise_on_sql')",
    "query_class": "lazy='dynamic' collections are corral's AppenderQuery; remove it",
    "info": "relationships carry no info dictionary yet; keep that data elsewhere",
    "doc": "relationships carry no docstring yet; remove it",
    "bake_queries": "it has no effect in SQLAlchemy 2.0; remove it",
    "cascade_backrefs": "removed in SQLAlchemy 2.0; remove it",
}

#: What configures a relationship's join: a backref takes it from the forward side.
_JOIN_OPTIONS = ("primaryjoin", "secondaryjoin", "foreign_keys", "remote_side", "secondary")


@cache
def relationship_keywords() -> frozenset[str]:
    """The keyword arguments ``relationship()`` takes, read from ``Relationship.__init__``."""
    from corral.orm.relationships.relationship import Relationship

    parameters = inspect.signature(Relationship.__init__).parameters
    return frozenset(name for name in parameters if name not in ("self", "argument"))


def check_relationship_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """``options`` without ``overlaps``, refusing any keyword relationship() does not take.

    ``overlaps`` only silences a SQLAlchemy warning about two relationships
    writing one column, which corral does not emit; it is accepted and dropped.
    """
    overlaps = options.get("overlaps")
    if overlaps is not None and not isinstance(overlaps, str):
        raise exc.ArgumentError(
            f"relationship(overlaps=...) takes relationship names in a string, got {overlaps!r}"
        )
    rest = {k: v for k, v in options.items() if k != "overlaps"}
    refuse_unknown(
        "relationship()", rest, relationship_keywords(), UNSUPPORTED_RELATIONSHIP_OPTIONS
    )
    _check_passive_deletes(rest, "relationship()")
    return rest


def has_own_join(options: Mapping[str, Any]) -> bool:
    """Whether backref() options configure the backref's join themselves."""
    return any(options.get(name) is not None for name in _JOIN_OPTIONS)


def _check_passive_deletes(options: Mapping[str, Any], what: str) -> None:
    value = options.get("passive_deletes", False)
    if value == "all":
        raise exc.ArgumentError(
            f"{what}: passive_deletes='all' (never set the children's key to NULL) is not "
            "supported yet; use passive_deletes=True, which leaves unloaded children to the "
            "database's ON DELETE but still updates those in memory"
        )
    if not isinstance(value, bool):
        raise exc.ArgumentError(f"{what}: passive_deletes must be True or False, got {value!r}")


def check_backref_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` without ``overlaps``, refusing unknown keywords. Without ``primaryjoin=``
    (and the other join keywords) a backref's join is its forward side's, turned around;
    with them it is configured from its own, as a relationship() is."""
    rest = {k: v for k, v in options.items() if k != "overlaps"}
    known = relationship_keywords() - {"back_populates", "backref", "secondary"}
    advice = dict(UNSUPPORTED_RELATIONSHIP_OPTIONS)
    advice["secondary"] = "a backref shares its relationship's secondary table; leave it out"
    refuse_unknown("backref()", rest, known, advice)
    _check_passive_deletes(rest, "backref()")
    collection = options.get("collection_class")
    if collection is not None and collection not in (list, set):
        raise exc.ArgumentError(
            f"backref(collection_class=...) must be list or set, got {collection!r}"
        )
    return rest
