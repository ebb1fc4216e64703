"""Session operations that follow relationships: add, delete, expunge, refresh, merge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral.orm.base import ObjectStatus
from corral.orm.instance_state import state_of
from corral.orm.relationship_events import related_objects
from corral.orm.unit_of_work.dependencies import cascade_delete

if TYPE_CHECKING:
    from corral.orm.session.session import Session

__all__ = ["along", "cascade_add", "cascade_delete"]


def cascade_add(session: Session, obj: object) -> None:
    """``save-update``: objects held by ``obj`` join the session with it."""
    for rel in state_of(obj).mapper.relationships.values():
        if not rel.cascade.save_update:
            continue
        for item in related_objects(obj, rel):
            item_state = state_of(item)
            if item_state.session is None and item_state.status in (
                ObjectStatus.TRANSIENT,
                ObjectStatus.DETACHED,
            ):
                session._add(item)


def along(obj: object, cascade: str) -> list[Any]:
    """Objects reachable from ``obj`` in memory along relationships with ``cascade``.

    ``cascade`` is the attribute name of the cascade: ``"expunge"``,
    ``"refresh_expire"``, ``"merge"``. Nothing is loaded.
    """
    found: dict[int, Any] = {}
    stack = [obj]
    while stack:
        current = stack.pop()
        for rel in state_of(current).mapper.relationships.values():
            if not getattr(rel.cascade, cascade):
                continue
            for item in related_objects(current, rel):
                if id(item) not in found and item is not obj:
                    found[id(item)] = item
                    stack.append(item)
    return list(found.values())
