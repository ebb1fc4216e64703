"""``lazy="write_only"``: a collection too large to load, changed by add() and remove().

The collection never loads itself. Additions and removals wait for the next
flush, which writes them like any collection change (foreign keys, association
rows, orphans); ``select()`` is the query for its members, to run with the
filters, order and limit the caller needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

from corral import exc
from corral.orm.base import ObjectStatus
from corral.orm.mapping.instance_state import state_of
from corral.orm.relationships import in_memory as events
from corral.orm.relationships.expressions import lazy_statement
from corral.sql.conditions import and_
from corral.sql.dml import Delete, Insert, Update, delete, insert, update
from corral.sql.elements import literal
from corral.sql.selectable import Select, select

if TYPE_CHECKING:
    from corral.orm.relationships.relationship import Relationship

T = TypeVar("T")


class WriteOnlyCollection(Generic[T]):
    """``user.events``: ``add()``, ``add_all()``, ``remove()`` and ``select()``."""

    __slots__ = ("_owner", "_rel", "pending_added", "pending_removed")

    def __init__(self, owner: Any, rel: Relationship) -> None:
        self._owner = owner
        self._rel = rel
        self.pending_added: list[Any] = []
        self.pending_removed: list[Any] = []

    def __repr__(self) -> str:
        return (
            f"<WriteOnlyCollection {self._rel.describe()} +{len(self.pending_added)} "
            f"-{len(self.pending_removed)} pending>"
        )

    def _changed(self) -> None:
        state = state_of(self._owner)
        tracked = state.status in (ObjectStatus.PERSISTENT, ObjectStatus.DETACHED)
        if tracked and self._rel.key not in state.committed_state:
            state.record_change(self._owner, self._rel.key, ())

    def add(self, item: Any) -> None:
        """Add ``item`` to the collection at the next flush."""
        events.check_member(self._rel, item)
        self._quiet_append(item)
        events.appended(self._owner, self._rel, item)

    def add_all(self, items: Iterable[Any]) -> None:
        for item in items:
            self.add(item)

    def remove(self, item: Any) -> None:
        """Remove ``item`` from the collection at the next flush."""
        events.check_member(self._rel, item)
        self._quiet_remove(item)
        events.removed(self._owner, self._rel, item)

    def _quiet_append(self, item: Any) -> None:
        self._changed()
        kept = [i for i in self.pending_removed if i is not item]
        if len(kept) != len(self.pending_removed):
            self.pending_removed[:] = kept
        elif not any(i is item for i in self.pending_added):
            self.pending_added.append(item)

    def _quiet_remove(self, item: Any) -> None:
        self._changed()
        kept = [i for i in self.pending_added if i is not item]
        if len(kept) != len(self.pending_added):
            self.pending_added[:] = kept
        elif not any(i is item for i in self.pending_removed):
            self.pending_removed.append(item)

    def select(self) -> Select:
        """``SELECT`` of the members (as flushed), to refine with where/order_by/limit."""
        rel = self._rel
        statement = lazy_statement(rel)
        base = select(rel.mapper.class_)
        base._from_obj = list(statement._from_obj)
        return base.where(self._criteria("select()")).order_by(*rel.order_by)

    def _criteria(self, what: str) -> Any:
        """The members' rows: the owner's key values bound as SQLAlchemy writes them
        (``:param_1 = child.parent_id``)."""
        rel = self._rel
        state = state_of(self._owner)
        if state.key is None:
            raise exc.InvalidRequestError(
                f"{rel.describe()}.{what} needs the {type(self._owner).__name__} to have a "
                "row; flush the session first"
            )
        values = [getattr(self._owner, rel.parent.attribute_of(c)) for c in rel.local_columns]
        conditions = [
            literal(value, column.type) == column
            for column, value in zip(rel.remote_columns(), values, strict=True)
        ]
        return and_(*conditions, *rel.extra_criteria)

    def _row_criteria(self, what: str) -> Any:
        """``_criteria`` and, through an association table, its join to the members."""
        rel = self._rel
        criteria = self._criteria(what)
        if rel.secondary is None:
            return criteria
        joined = [target == secondary for target, secondary in rel.target_pairs]
        return and_(criteria, *joined)

    def _direct(self, what: str) -> Relationship:
        rel = self._rel
        if rel.secondary is not None:
            raise exc.InvalidRequestError(
                f"{rel.describe()}.{what} is for one-to-many collections; this one goes "
                "through an association table. Write the statement against the tables"
            )
        return rel

    def insert(self) -> Insert:
        """``INSERT`` of new members, with the owner's foreign key values filled in."""
        rel = self._direct("insert()")
        if state_of(self._owner).key is None:
            raise exc.InvalidRequestError(
                f"{rel.describe()}.insert() needs the {type(self._owner).__name__} to have a "
                "row; flush the session first"
            )
        values = {
            rel.mapper.attribute_of(remote): getattr(self._owner, rel.parent.attribute_of(local))
            for local, remote in zip(rel.local_columns, rel.remote_columns(), strict=True)
        }
        return insert(rel.mapper.class_).values(values)

    def update(self) -> Update:
        """``UPDATE`` of the members' rows, to complete with ``.values()``."""
        statement: Update = update(self._rel.mapper.class_).where(self._row_criteria("update()"))
        return statement

    def delete(self) -> Delete:
        """``DELETE`` of the members' rows."""
        statement: Delete = delete(self._rel.mapper.class_).where(self._row_criteria("delete()"))
        return statement

    def __iter__(self) -> Iterator[Any]:
        raise self._refusal()

    def __len__(self) -> NoReturn:
        raise self._refusal()

    def _refusal(self) -> TypeError:
        return TypeError(
            f"{self._rel.describe()} is write-only and never loads whole; query its members "
            f"with session.scalars(obj.{self._rel.key}.select())"
        )


#: The annotation of a write-only relationship: ``events: WriteOnlyMapped["Event"]``.
WriteOnlyMapped = WriteOnlyCollection
