"""The events a flush fires: the mapper's before/after insert/update/delete and the
Session's after_flush / after_flush_postexec (before_flush is fired by ``flushing``).

A flush asks ``listening()`` once; when nothing listens it takes its usual path
and this module does nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from corral.orm.mapping.instance_state import state_of
from corral.orm.session.events import FlushContext, fire_object

if TYPE_CHECKING:
    from corral.orm.session.session import Session


def listening(session: Session, classes: Iterable[Any]) -> bool:
    """Whether a listener waits on this flush (the session's or a flushed class's)."""
    dispatch = session.dispatch
    if (
        dispatch.after_flush
        or dispatch.after_flush_postexec
        or dispatch.pending_to_persistent
        or dispatch.persistent_to_deleted
    ):
        return True
    for cls in classes:
        dispatch = cls.__mapper__.dispatch
        if dispatch.listening and any(getattr(dispatch, name) for name in WRITE_EVENTS):
            return True
    return False


#: The mapper and instance events a flush fires (a configure-time listener on ``Mapper`` makes every
#: mapper's dispatch "listening" without asking anything of a flush).
WRITE_EVENTS = (
    "before_insert",
    "after_insert",
    "before_update",
    "after_update",
    "before_delete",
    "after_delete",
    "refresh_flush",
)


def before_flush(session: Session, objects: Iterable[object] | None) -> None:
    context = FlushContext(session)
    instances = None if objects is None else list(objects)
    for listener in session.dispatch.before_flush:
        listener(session, context, instances)


def before_writes(
    connection: Any, new: Iterable[object], dirty: Iterable[object], deleted: Iterable[object]
) -> None:
    """Fire before_insert / before_update / before_delete, before the flush's SQL is built."""
    _fire(connection, "before_insert", new)
    _fire(connection, "before_update", dirty)
    _fire(connection, "before_delete", deleted)


@contextmanager
def after_writes(
    session: Session,
    connection: Any,
    new: list[object],
    dirty: list[object],
    deleted: list[object],
) -> Iterator[None]:
    """Around settling the objects: then fire after_insert / after_update / after_delete,
    after_flush (``session.new`` / ``dirty`` / ``deleted`` still showing what was
    flushed) and after_flush_postexec."""
    dispatch = session.dispatch
    before = (dict(session._new), dict(session._deleted), dict(session._modified))
    yield
    _fire(connection, "after_insert", new)
    _fire(connection, "after_update", dirty)
    _fire(connection, "after_delete", deleted)
    context = FlushContext(session)
    if dispatch.after_flush:
        _with_flushed_views(session, before, context)
    for obj in new if dispatch.pending_to_persistent else ():
        fire_object(session, "pending_to_persistent", obj)
    for obj in deleted if dispatch.persistent_to_deleted else ():
        fire_object(session, "persistent_to_deleted", obj)
    for listener in dispatch.after_flush_postexec:
        listener(session, context)


def _fire(connection: Any, event: str, objects: Iterable[object]) -> None:
    route = getattr(connection, "route", None)  # a Session over several databases
    for obj in objects:
        mapper = state_of(obj).mapper
        listeners = getattr(mapper.dispatch, event)
        if listeners:
            target = connection if route is None else route(mapper)  # the mapper's own
            for listener in listeners:
                listener(mapper, target, obj)


def _with_flushed_views(
    session: Session,
    before: tuple[dict[int, object], dict[int, object], dict[int, object]],
    context: FlushContext,
) -> None:
    """Run after_flush listeners while the session's collections show the pre-flush state;
    objects they add or change meanwhile stay for the next flush."""
    current = (session._new, session._deleted, session._modified)
    shown = tuple(dict(d) for d in before)
    session._new, session._deleted, session._modified = shown
    try:
        for listener in session.dispatch.after_flush:
            listener(session, context)
    finally:
        session._new, session._deleted, session._modified = current
        for now, seen, was in zip(current, shown, before, strict=True):
            now.update({key: obj for key, obj in seen.items() if key not in was})


__all__ = ["after_writes", "before_flush", "before_writes", "listening"]
