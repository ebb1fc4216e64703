"""SQLite's ``insert()``: an INSERT with ``ON CONFLICT ... DO NOTHING / DO UPDATE``."""

from __future__ import annotations

from typing import Any

from corral.sql import dml
from corral.sql.upsert import OnConflictDoNothing, OnConflictDoUpdate, OnConflictInsert


def _no_constraint(method: str, extra: dict[str, Any]) -> None:
    if extra:
        raise TypeError(
            f"sqlite {method} got {', '.join(sorted(extra))}, which it does not take"
            + (
                "; SQLite names no constraint in ON CONFLICT: give the columns of the unique "
                "index with index_elements="
                if "constraint" in extra
                else ""
            )
        )


class Insert(OnConflictInsert):
    """An INSERT that may say what to do when a row collides with a unique key."""

    stringify_dialect = "sqlite"

    def on_conflict_do_nothing(
        self, index_elements: Any = None, index_where: Any = None, **extra: Any
    ) -> Insert:
        """``ON CONFLICT [(columns)] DO NOTHING``: colliding rows are skipped."""
        _no_constraint("on_conflict_do_nothing()", extra)
        return self._with_conflict(OnConflictDoNothing(self, index_elements, index_where, None))

    def on_conflict_do_update(
        self,
        index_elements: Any = None,
        index_where: Any = None,
        set_: Any = None,
        where: Any = None,
        **extra: Any,
    ) -> Insert:
        """``ON CONFLICT [(columns)] DO UPDATE SET ... [WHERE ...]``."""
        _no_constraint("on_conflict_do_update()", extra)
        return self._with_conflict(
            OnConflictDoUpdate(
                self, index_elements, index_where, None, set_, where, target_required=False
            )
        )


def insert(table: Any) -> Insert:
    """``INSERT`` into a Table or mapped class, with SQLite's ``ON CONFLICT``."""
    return Insert(dml._check_table(table, "insert"), dml._entity(table))
