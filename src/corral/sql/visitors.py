"""Walking an expression: ``iterate()`` and ``traverse()``, as SQLAlchemy's ``visitors``.

``traverse(clause, {}, {"binary": f, "column": g, "bindparam": h})`` calls each function
with every element of that kind in ``clause``, breadth-first: an element before the
elements inside it, as SQLAlchemy orders them. The names are the elements' ``visit_name``
(``binary``, ``column``, ``bindparam``, ``unary``, ``select``, ``table``, ...).

A column's table is not entered from the column (a WHERE clause's columns do not bring in
every column of their tables); a SELECT's FROM list is.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from corral.sql.columns import NamedColumn
from corral.sql.elements import ClauseElement, ColumnElement
from corral.sql.from_clause import FromClause

__all__ = ["iterate", "substitute", "traverse"]

#: Attributes that point back up or sideways (a column's table, an attribute's class), not
#: at the parts of an expression.
_NOT_PARTS = frozenset(
    {"table", "parent", "class_", "comparator", "type", "_annotations", "_selected_through"}
)


def _children(element: Any) -> list[ClauseElement]:
    values: list[Any] = []
    names = getattr(element, "__dict__", {})
    values.extend(v for k, v in names.items() if k not in _NOT_PARTS)
    for klass in type(element).__mro__:
        for name in getattr(klass, "__slots__", ()):
            if name not in _NOT_PARTS and hasattr(element, name):
                values.append(getattr(element, name))
    column = isinstance(element, ColumnElement)
    out: list[ClauseElement] = []
    for value in values:
        items = value if isinstance(value, list | tuple) else (value,)
        for item in items:
            if isinstance(item, ClauseElement) and not (column and isinstance(item, FromClause)):
                out.append(item)
    return out


def iterate(obj: Any, opts: Mapping[str, Any] | None = None) -> Iterator[ClauseElement]:
    """Every element of ``obj``, ``obj`` first, breadth-first (each element once)."""
    if obj is None:
        return
    obj = obj.__clause_element__() if hasattr(obj, "__clause_element__") else obj
    seen = {id(obj)}
    queue: deque[Any] = deque([obj])
    while queue:
        element = queue.popleft()
        yield element
        for child in _children(element):
            if id(child) not in seen:
                seen.add(id(child))
                queue.append(child)


def traverse(
    obj: Any, opts: Mapping[str, Any] | None, visitors: Mapping[str, Callable[[Any], Any]]
) -> Any:
    """Call ``visitors[element.visit_name](element)`` for each element of ``obj``."""
    for element in iterate(obj, opts):
        visit = visitors.get(getattr(element, "visit_name", ""))
        if visit is not None:
            visit(element)
    return obj


def substitute(element: Any, replace: Callable[[NamedColumn[Any]], Any]) -> Any:
    """``element`` with each column replaced by ``replace(column)`` (a clone where changed)."""
    if isinstance(element, NamedColumn):
        return replace(element)
    if isinstance(element, list | tuple):
        items = [substitute(item, replace) for item in element]
        if all(new is old for new, old in zip(items, element, strict=True)):
            return element
        return type(element)(items)
    if (
        not isinstance(element, ClauseElement)
        or isinstance(element, FromClause)
        or _is_select(element)
    ):
        return element
    changed = {}
    for name, value in vars(element).items():
        if isinstance(value, ClauseElement | list | tuple):
            new = substitute(value, replace)
            if new is not value:
                changed[name] = new
    if not changed:
        return element
    clone = copy.copy(element)
    clone.__dict__.update(changed)
    return clone


def _is_select(element: Any) -> bool:
    from corral.sql.selectable import SelectBase

    return isinstance(element, SelectBase)
