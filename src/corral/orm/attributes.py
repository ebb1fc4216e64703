"""corral.orm.attributes: per-attribute history and state, under the module path SQLAlchemy uses.

``get_history()`` tells what changed in one attribute since it was loaded (for a
collection, which members came and went), ``set_committed_value()`` stores a value as
if it had been loaded, ``instance_state()`` is ``inspect(obj)``. The ``PASSIVE_*``
flags say whether ``get_history()`` may load an unloaded attribute.
"""

from __future__ import annotations

import enum
from typing import Any

from corral import exc
from corral.orm.base import NO_VALUE, Mapped, ObjectStatus
from corral.orm.mapping.inspection import InstanceInspection
from corral.orm.mapping.instance_state import History, state_of
from corral.orm.mapping.modified_flags import flag_modified


class PassiveFlag(enum.Enum):
    """May ``get_history()`` load the attribute when it is not loaded?"""

    PASSIVE_OFF = "load"
    PASSIVE_NO_INITIALIZE = "no load"
    PASSIVE_NO_FETCH = "no SQL"


PASSIVE_OFF = PassiveFlag.PASSIVE_OFF
PASSIVE_NO_INITIALIZE = PassiveFlag.PASSIVE_NO_INITIALIZE
PASSIVE_NO_FETCH = PassiveFlag.PASSIVE_NO_FETCH

_LOADED = (ObjectStatus.PERSISTENT, ObjectStatus.DETACHED, ObjectStatus.DELETED)


def instance_state(obj: object) -> InstanceInspection:
    """The state of a mapped object, as ``inspect(obj)`` gives it."""
    return InstanceInspection(obj, state_of(obj))


def _members(value: Any) -> list[Any]:
    if value is NO_VALUE or value is None:
        return []
    if isinstance(value, dict):
        return list(value.values())
    return list(value)


def get_history(obj: object, key: str, passive: PassiveFlag = PASSIVE_OFF) -> History:
    """``(added, unchanged, deleted)`` of ``obj.<key>`` since it was loaded or last flushed.

    With ``PASSIVE_OFF`` an unloaded attribute of a persistent object is loaded first;
    with ``PASSIVE_NO_INITIALIZE`` or ``PASSIVE_NO_FETCH`` it gives an empty history.
    """
    if not isinstance(passive, PassiveFlag):
        raise exc.ArgumentError(
            f"get_history(passive={passive!r}): pass PASSIVE_OFF, PASSIVE_NO_INITIALIZE "
            "or PASSIVE_NO_FETCH from corral.orm.attributes"
        )
    state = state_of(obj)
    mapper = state.mapper
    rel = mapper.relationships.get(key)
    if rel is None and key not in mapper.columns_by_key:
        raise exc.InvalidRequestError(
            f"get_history(): {type(obj).__name__}.{key} is not a mapped column or relationship"
        )
    if (
        passive is PASSIVE_OFF
        and key not in obj.__dict__
        and state.status in _LOADED
        and state.session is not None
    ):
        getattr(obj, key)
    if rel is None or not rel.uselist:
        return state.history(obj, key)
    current = _members(obj.__dict__.get(key, NO_VALUE))
    if key not in state.committed_state:
        if state.status in _LOADED:
            return History((), tuple(current), ())
        return History(tuple(current), (), ())
    original = _members(state.committed_state[key])
    before = {id(member) for member in original}
    now = {id(member) for member in current}
    return History(
        tuple(m for m in current if id(m) not in before),
        tuple(m for m in current if id(m) in before),
        tuple(m for m in original if id(m) not in now),
    )


def set_committed_value(obj: object, key: str, value: Any) -> None:
    """Store ``value`` in ``obj.<key>`` as if loaded: no history, nothing for the next flush."""
    state = state_of(obj)
    mapper = state.mapper
    rel = mapper.relationships.get(key)
    if rel is None and key not in mapper.columns_by_key:
        raise exc.InvalidRequestError(
            f"set_committed_value(): {type(obj).__name__}.{key} is not a mapped column or "
            "relationship"
        )
    if rel is not None and rel.uselist:
        value = rel.new_collection(obj, _members(value))
    obj.__dict__[key] = value
    if key in state.committed_state:
        remaining = {k: v for k, v in state.committed_state.items() if k != key}
        if remaining:
            state.committed_state = remaining
        else:
            state.commit_all()
    if key in state.expired:
        state.expired = state.expired - {key}


__all__ = [
    "PASSIVE_NO_FETCH",
    "PASSIVE_NO_INITIALIZE",
    "PASSIVE_OFF",
    "History",
    "Mapped",
    "PassiveFlag",
    "flag_modified",
    "get_history",
    "instance_state",
    "set_committed_value",
]
