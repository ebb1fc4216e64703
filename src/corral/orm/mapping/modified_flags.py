"""``flag_modified()``: mark an attribute changed when its value was changed in place.

A flush writes the columns whose values differ from those loaded. A dict or
list changed in place is still the same object, so nothing tells it apart; a
flagged attribute is written by the next flush whatever it holds.
"""

from __future__ import annotations

from corral import exc
from corral.orm.base import ObjectStatus
from corral.orm.mapping.instance_state import state_of


class _ChangedInPlace:
    """The "loaded value" recorded for a flagged attribute: equal to no value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<changed in place>"


CHANGED_IN_PLACE = _ChangedInPlace()


def flag_modified(instance: object, key: str) -> None:
    """Make the next flush write ``instance.<key>`` (changed in place, e.g. a JSON dict)."""
    state = state_of(instance)
    mapper = state.mapper
    if key not in mapper.columns_by_key:
        raise exc.InvalidRequestError(
            f"flag_modified(): {type(instance).__name__}.{key} is not a mapped column"
        )
    if key not in instance.__dict__:
        raise exc.InvalidRequestError(
            f"flag_modified(): {type(instance).__name__}.{key} is not loaded, so it has no "
            "change to write; load or set it first"
        )
    if state.status in (ObjectStatus.PERSISTENT, ObjectStatus.DETACHED):
        state.record_change(instance, key, CHANGED_IN_PLACE)


__all__ = ["CHANGED_IN_PLACE", "flag_modified"]
