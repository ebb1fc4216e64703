"""PostgreSQL's ``insert()``: an INSERT with ``ON CONFLICT ... DO NOTHING / DO UPDATE``."""

from __future__ import annotations

from typing import Any

from corral.sql import dml
from corral.sql.upsert import OnConflictDoNothing, OnConflictDoUpdate, OnConflictInsert


class Insert(OnConflictInsert):
    """An INSERT that may say what to do when a row collides with a unique key."""

    stringify_dialect = "postgresql"

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
