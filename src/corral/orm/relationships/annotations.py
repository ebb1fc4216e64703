"""``foreign()`` and ``remote()``: marks on the columns of a ``primaryjoin``, and join
conditions that are not ``column == column`` (``remote(foreign(path)).like(path + ".%")``).

A mark is a copy of the column carrying its roles; the copy renders as the column. When
the relationship is configured the copies are traced back to the columns they stand for:
``foreign`` columns act as ``foreign_keys=``, ``remote`` ones as ``remote_side=``. A
condition with no ``column == column`` term is kept whole (a :class:`CustomJoin`) and each
load puts the parent's values, or the parent's FROM, in place of its local columns.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from corral import exc
from corral.sql.columns import NamedColumn
from corral.sql.elements import ColumnElement
from corral.sql.visitors import substitute

_ROLES = "_corral_join_roles"
_ORIGINAL = "_corral_join_original"


def _annotate(role: str, expression: Any) -> Any:
    element = getattr(expression, "__clause_element__", lambda: expression)()
    if not isinstance(element, NamedColumn):
        raise exc.ArgumentError(
            f"{role}() marks a column of a relationship's primaryjoin; got {expression!r}. "
            f"Wrap the column itself, e.g. {role}(Child.parent_id) == Parent.id"
        )
    marked = copy.copy(element)
    setattr(marked, _ORIGINAL, getattr(element, _ORIGINAL, element))
    setattr(marked, _ROLES, getattr(element, _ROLES, frozenset()) | {role})
    return marked


def foreign(expression: Any) -> Any:
    """Mark a column of ``primaryjoin`` as the one that refers to the other side (as
    ``foreign_keys=`` would)."""
    return _annotate("foreign", expression)


def remote(expression: Any) -> Any:
    """Mark a column of ``primaryjoin`` as belonging to the related rows (as
    ``remote_side=`` would); needed when both sides are one table."""
    return _annotate("remote", expression)


def roles_of(column: Any) -> frozenset[str]:
    roles: frozenset[str] = getattr(column, _ROLES, frozenset())
    return roles


def original_of(column: Any) -> Any:
    return getattr(column, _ORIGINAL, column)


def unmark(condition: Any) -> tuple[Any, set[Any], set[Any]]:
    """The condition on the real columns, and the columns marked foreign and remote."""
    foreign_columns: set[Any] = set()
    remote_columns: set[Any] = set()

    def plain(column: NamedColumn[Any]) -> Any:
        roles = roles_of(column)
        if "foreign" in roles:
            foreign_columns.add(original_of(column))
        if "remote" in roles:
            remote_columns.add(original_of(column))
        return original_of(column)

    return substitute(condition, plain), foreign_columns, remote_columns


class CustomJoin:
    """A relationship's ``primaryjoin`` without ``column == column`` terms, kept whole.

    An occurrence of a column is *remote* (the related rows' side) when marked
    ``remote()``, or, between two tables, when it is a column of the target's table;
    every other column of the parent's table is *local*.
    """

    def __init__(self, condition: Any, parent_table: Any, target_table: Any) -> None:
        self.condition = getattr(condition, "__clause_element__", lambda: condition)()
        self.parent_table = parent_table
        self.target_table = target_table
        self.local_columns: list[Any] = []
        self.foreign_is_remote = False
        self.foreign_is_local = False

        def visit(column: NamedColumn[Any]) -> Any:
            if self._is_remote(column):
                if "foreign" in roles_of(column):
                    self.foreign_is_remote = True
            elif original_of(column).table is parent_table:
                if "foreign" in roles_of(column):
                    self.foreign_is_local = True
                if not any(c is original_of(column) for c in self.local_columns):
                    self.local_columns.append(original_of(column))
            return column

        substitute(self.condition, visit)

    def describe(self) -> str:
        """The condition as SQL, for messages."""
        return str(substitute(self.condition, original_of))

    def _is_remote(self, column: NamedColumn[Any]) -> bool:
        if "remote" in roles_of(column):
            return True
        table = original_of(column).table
        return table is self.target_table and table is not self.parent_table

    def render(self, local: Callable[[Any], Any], remote: Callable[[Any], Any]) -> Any:
        """The condition with local columns replaced by ``local(column)`` and remote ones by
        ``remote(column)``; other columns stay."""

        def place(column: NamedColumn[Any]) -> Any:
            original = original_of(column)
            if self._is_remote(column):
                return remote(original)
            if original.table is self.parent_table:
                return local(original)
            return original

        result: ColumnElement[Any] = substitute(self.condition, place)
        return result


__all__ = ["CustomJoin", "foreign", "remote"]
