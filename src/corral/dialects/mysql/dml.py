"""MySQL's and MariaDB's ``insert()``: an INSERT with ``ON DUPLICATE KEY UPDATE``."""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.sql import dml
from corral.sql.upsert import OnDuplicateClause, ProposedRow


class Insert(dml.Insert):
    """An INSERT that may update the existing row when the new one collides with a key."""

    stringify_dialect = "mysql"

    @property
    def inserted(self) -> ProposedRow:
        """The row the INSERT proposed, for the update's values: ``VALUES(column)``."""
        return ProposedRow(self.table, "inserted")

    def on_duplicate_key_update(self, *args: Any, **kwargs: Any) -> Insert:
        """``ON DUPLICATE KEY UPDATE``: a dict, a list of (column, value) pairs (SET in that
        order) or keywords."""
        if self._upsert is not None:
            raise exc.InvalidRequestError(
                "This INSERT already has an ON DUPLICATE KEY UPDATE clause; give every "
                "column in one on_duplicate_key_update() call"
            )
        clone: Insert = self._clone()
        clone._upsert = OnDuplicateClause(self, args, kwargs)
        return clone


def insert(table: Any) -> Insert:
    """``INSERT`` into a Table or mapped class, with MySQL's ``ON DUPLICATE KEY UPDATE``."""
    return Insert(dml._check_table(table, "insert"), dml._entity(table))
