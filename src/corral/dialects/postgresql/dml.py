"""PostgreSQL's ``insert()``: an INSERT with ``ON CONFLICT ... DO NOTHING / DO UPDATE``."""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.sql import dml
from corral.sql.upsert import OnConflictDoNothing, OnConflictDoUpdate, ProposedRow


class Insert(dml.Insert):
    """An INSERT that may say what to do when a row collides with a unique key."""

    stringify_dialect = "postgresql"

    @property
    def excluded(self) -> ProposedRow:
        """The row the INSERT proposed, for ``set_`` and ``where``: ``excluded.column``."""
        return ProposedRow(self.table, "excluded")

    def _with_conflict(self, clause: OnConflictDoNothing | OnConflictDoUpdate) -> Insert:
        if self._upsert is not None:
            raise exc.InvalidRequestError(
                f"This INSERT already has an ON CONFLICT clause; {clause.method} cannot add another"
            )
        clause.dialect_name = "postgresql"
        clone: Insert = self._clone()
        clone._upsert = clause
        return clone

    def on_conflict_do_nothing(
        self, constraint: Any = None, index_elements: Any = None, index_where: Any = None
    ) -> Insert:
        """``ON CONFLICT [target] DO NOTHING``: colliding rows are skipped."""
        return self._with_conflict(
            OnConflictDoNothing(self, index_elements, index_where, constraint)
        )

    def on_conflict_do_update(
        self,
        constraint: Any = None,
        index_elements: Any = None,
        index_where: Any = None,
        set_: Any = None,
        where: Any = None,
    ) -> Insert:
        """``ON CONFLICT target DO UPDATE SET ... [WHERE ...]``: the existing row is updated."""
        return self._with_conflict(
            OnConflictDoUpdate(
                self, index_elements, index_where, constraint, set_, where, target_required=True
            )
        )


def insert(table: Any) -> Insert:
    """``INSERT`` into a Table or mapped class, with PostgreSQL's ``ON CONFLICT``."""
    return Insert(dml._check_table(table, "insert"), dml._entity(table))
