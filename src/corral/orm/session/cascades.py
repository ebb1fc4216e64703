"""Session operations that follow relationships: add, delete, expunge, refresh, merge."""

from __future__ import annotations

from typing import Any

from corral.orm.mapping.instance_state import state_of
from corral.orm.relationships.in_memory import cascade_add, related_objects
from corral.orm.unit_of_work.dependencies import cascade_delete

__all__ = ["along", "cascade_add", "cascade_delete"]


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
