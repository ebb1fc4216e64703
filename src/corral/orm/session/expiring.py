"""Expiring and refreshing objects: dropping loaded values so they reload from the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import ObjectStatus
from corral.orm.mapping.instance_state import state_of
from corral.orm.session import cascades, querying

if TYPE_CHECKING:
    from corral.orm.session.session import Session


def refresh(
    session: Session,
    obj: object,
    attribute_names: Iterable[str] | None,
    with_for_update: bool | Mapping[str, Any] | None = None,
) -> None:
    """Session.refresh(): expire ``obj`` (and what cascades ``refresh-expire``), autoflush,
    reload it.

    As in SQLAlchemy, the autoflush comes after the expire, so the object's own discarded
    changes are not written, and before the SELECT, so it reads the flushed rows by the
    primary key the flush left.
    """
    names = None if attribute_names is None else set(attribute_names)
    related = expire_for_refresh(session, obj, names)
    finish_refresh(session, obj, names, state_of(obj).expired, related, with_for_update)


def finish_refresh(
    session: Session,
    obj: object,
    names: set[str] | None,
    expired: frozenset[str],
    related: list[object],
    with_for_update: bool | Mapping[str, Any] | None = None,
) -> None:
    """The second half of refresh(), after ``expire_for_refresh`` (which left ``expired``):
    the autoflush, ``obj``'s SELECT (locking its row with ``with_for_update``), then the
    ``refresh-expire`` cascade's objects expired."""
    with session._guard:
        session._autoflush()
        expire_again(obj, names, expired)
        state = state_of(obj)
        querying.load_unloaded(
            session, obj, state, whole=names is None, with_for_update=with_for_update
        )
        expire_related(session, related)


def expire_again(obj: object, names: set[str] | None, expired: frozenset[str]) -> None:
    """After refresh()'s autoflush: if the flush loaded or wrote some of ``obj``'s expired
    attributes (it changed ``expired``), expire them again, so the refresh SELECT reads them
    all (its ``expire`` listeners heard once)."""
    state = state_of(obj)
    if state.expired is not expired:
        state.expire(obj, names, announce=False)


def expire_for_refresh(
    session: Session, obj: object, attribute_names: Iterable[str] | None
) -> list[object]:
    """The first half of refresh(), no I/O: ``obj`` checked and expired (it stays among the
    modified objects only for changes to attributes not refreshed); returns what the
    ``refresh-expire`` cascade reaches (expired after the reload: ``expire_related``)."""
    state = state_of(obj)
    if state.session is not session or state.status is not ObjectStatus.PERSISTENT:
        raise exc.InvalidRequestError(
            f"Cannot refresh {obj!r}: it is not persistent in this Session"
        )
    names = set(attribute_names) if attribute_names is not None else None
    related = cascades.along(obj, "refresh_expire") if names is None else []
    state.expire(obj, names)
    if not state.committed_state:
        session._modified.pop(id(obj), None)
    return related


def expire_related(session: Session, related: list[object]) -> None:
    for item in related:
        item_state = state_of(item)
        if item_state.session is session and item_state.status is ObjectStatus.PERSISTENT:
            item_state.expire(item)
            session._modified.pop(id(item), None)


def expire(session: Session, obj: object, attribute_names: Iterable[str] | None) -> None:
    """Session.expire(): drop ``obj``'s loaded values (and of what cascades to it)."""
    state = state_of(obj)
    if state.session is not session:
        raise exc.InvalidRequestError(f"{obj!r} is not in this Session")
    if state.status is not ObjectStatus.PERSISTENT:
        # As in SQLAlchemy: a pending object has no row to reload from, so
        # expiring it would silently drop the values it is to be inserted with.
        raise exc.InvalidRequestError(
            f"Cannot expire {obj!r}: it is {state.status.value}, not persistent; "
            "only objects with a row in this Session can be expired"
        )
    names = set(attribute_names) if attribute_names is not None else None
    related = cascades.along(obj, "refresh_expire") if names is None else []
    for item in [obj, *related]:
        item_state = state_of(item)
        if item_state.session is session and item_state.status is ObjectStatus.PERSISTENT:
            item_state.expire(item, names)
            if not item_state.committed_state:
                session._modified.pop(id(item), None)
