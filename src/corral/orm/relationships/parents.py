"""Which parent holds an object, as far as memory knows: what ``delete-orphan`` decides from.

An object is an orphan when it was taken out of a ``delete-orphan`` relationship and put in
no other parent along it. Only changes seen in memory count, as in SQLAlchemy: a loaded
object whose parent was never touched keeps its parent (``kid.parent = None`` when the old
parent is not in the session changes only the foreign key), while a change that reaches the
old parent (its collection, loaded or not, or the parent itself in the identity map) records
the removal. Relationships with ``delete-orphan`` or ``single_parent`` keep these records;
others need none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import ObjectStatus
from corral.orm.mapping.instance_state import InstanceState, ParentLinks, state_of

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper
    from corral.orm.relationships.relationship import Relationship


def tracks_parents(rel: Relationship) -> bool:
    """Whether ``rel`` records which parent holds each of its members."""
    return rel.cascade.delete_orphan or rel.single_parent


def _links(state: InstanceState) -> ParentLinks:
    links = state.parents
    if links is None:
        links = state.parents = ParentLinks()
    return links


def attached(item: Any, rel: Relationship, parent: Any) -> None:
    """``item`` joined ``parent`` along ``rel``."""
    if tracks_parents(rel):
        _links(state_of(item)).by_relationship[rel] = state_of(parent)


def detached(item: Any, rel: Relationship, parent: Any) -> None:
    """``item`` left ``parent`` along ``rel``; it keeps a different parent it joined since."""
    if not tracks_parents(rel):
        return
    links = _links(state_of(item))
    last = links.by_relationship.get(rel, False)
    parent_state = state_of(parent)
    if last is not False and last is not parent_state:
        assert isinstance(last, InstanceState)
        if last.key is None or last.key != parent_state.key:
            return  # moved to another parent first: that one holds it now
    links.by_relationship[rel] = False


def has_parent(item: Any, rel: Relationship, *, optimistic: bool) -> bool:
    """Whether ``item`` is held along ``rel``; ``optimistic`` answers when nothing was seen."""
    links = state_of(item).parents
    if links is None or rel not in links.by_relationship:
        return optimistic
    return links.by_relationship[rel] is not False


def orphaned_outside_session(item: Any) -> None:
    """``item`` left a ``delete-orphan`` parent that is not in ``item``'s session as new."""
    _links(state_of(item)).orphaned_outside_session = True


def added_to_session(state: InstanceState) -> None:
    """Adding an object to a session forgets that a parent outside it orphaned it."""
    if state.parents is not None:
        state.parents.orphaned_outside_session = False


def orphan_parents(mapper: Mapper) -> list[Relationship]:
    """The ``delete-orphan`` relationships holding objects of ``mapper`` (or a base of it)."""
    return [rel for m in mapper.iterate_to_root() for rel in m.delete_orphan_parents]


def is_orphan(item: Any) -> bool:
    """Whether ``item`` lacks a parent that a ``delete-orphan`` relationship says it needs.

    One missing parent is enough, unless its class maps ``legacy_is_orphan=True``: then
    only missing every one of them is. A loaded object has its parents unless memory saw
    it removed; a new one has none until it is put in one.
    """
    state = state_of(item)
    rels = orphan_parents(state.mapper)
    if not rels:
        return False
    optimistic = state.key is not None
    legacy = state.mapper.legacy_is_orphan
    for rel in rels:
        held = has_parent(item, rel, optimistic=optimistic)
        if legacy and held:
            return False
        if not legacy and not held:
            return True
    return legacy


def was_removed(item: Any) -> bool:
    """Whether memory saw ``item`` taken from a ``delete-orphan`` parent and put in no other
    (the flush deletes such a loaded object even under ``legacy_is_orphan``)."""
    links = state_of(item).parents
    if links is None:
        return False
    recorded = links.by_relationship
    return any(recorded.get(rel) is False for rel in orphan_parents(state_of(item).mapper))


def check_single_parent(rel: Relationship, owner: Any, item: Any, old: Any = None) -> None:
    """``single_parent=True``: refuse to put ``item`` under a second parent along ``rel``."""
    if item is None or item is old or not has_parent(item, rel, optimistic=False):
        return
    raise exc.InvalidRequestError(
        f"{item!r} is already held by a {rel.parent.class_.__name__} through "
        f"{rel.describe()}, which is single_parent=True: an object may have one such parent. "
        f"Take it out of its current parent first (or give {type(owner).__name__} a new "
        f"{rel.mapper.class_.__name__})"
    )


def is_new_in_session(item: Any, session: Any) -> bool:
    """Whether ``item`` is pending in ``session`` (what a removal can expunge at once)."""
    state = state_of(item)
    return state.session is session and state.status is ObjectStatus.PENDING
