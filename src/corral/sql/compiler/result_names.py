"""The names a SELECT's result gives its columns (``result.keys()``, ``row._fields``), as
SQLAlchemy 2.0 gives them.

Two conventions, decided here without I/O: a Core statement's rows are keyed by the labels its
printed SQL gives (``id, id_1`` for two tables' ``id``, ``id__1`` for the same column twice,
``count_1`` for ``func.count()``: ``needs_labels`` says when those differ from the plain names);
an ORM statement's column entities by their own names made unique (``count``, ``max_1``,
``_no_label`` for an expression of no name): ``entity_names``.
"""

from __future__ import annotations

from typing import Any

from corral.sql.columns import NamedColumn
from corral.sql.constructs import TypeCoerce
from corral.sql.elements import ClauseElement, ColumnElement
from corral.sql.functions import Function
from corral.sql.label_style import (
    LABEL_STYLE_DEFAULT,
    LABEL_STYLE_NONE,
    LABEL_STYLE_TABLENAME_PLUS_COL,
    SelectLabelStyle,
    table_label,
)
from corral.sql.text import TextColumn
from corral.sql.wrappers import Cast, Label

#: The name SQLAlchemy gives an ORM column entity that has none of its own.
NO_LABEL = "_no_label"


def is_orm(select: Any) -> bool:
    """Whether a SELECT names a mapped class or is built on one's attributes (its rows are then
    named by the ORM's convention)."""
    for entity in select._entities:
        if not isinstance(entity, ClauseElement) or getattr(entity, "_selected_through", None):
            return True
    return False


def own_name(column: ColumnElement[Any]) -> str | None:
    """The name an expression has of itself: a column's key, a label's, a function's, the
    column a CAST wraps; None for any other expression."""
    if isinstance(column, Label):
        return column.name
    if isinstance(column, Cast | TypeCoerce):
        return own_name(column.element) if isinstance(column.element, NamedColumn) else None
    if isinstance(column, NamedColumn):
        return column.key or column.name
    if isinstance(column, Function | TextColumn):
        return column.key
    return None


def entity_names(
    columns: list[ColumnElement[Any] | None], style: SelectLabelStyle = LABEL_STYLE_DEFAULT
) -> list[str | None]:
    """The ORM's row keys for ``columns`` (None: a mapped entity's place, not named here): each
    its own name (a table column's ``<table>_<column>`` under ``LABEL_STYLE_TABLENAME_PLUS_COL``),
    ``_no_label`` for none; a name taken again gets ``_1``, ``_2`` per name, except under
    ``LABEL_STYLE_NONE``."""
    tables = style is LABEL_STYLE_TABLENAME_PLUS_COL
    apart = style is not LABEL_STYLE_NONE
    taken: set[str] = set()
    counters: dict[str, int] = {}
    out: list[str | None] = []
    for column in columns:
        if column is None:
            out.append(None)
            continue
        name = (table_label(column) if tables else None) or own_name(column) or NO_LABEL
        if apart and name in taken:
            while True:
                counters[name] = counters.get(name, 0) + 1
                unique = f"{name}_{counters[name]}"
                if unique not in taken:
                    break
            name = unique
        taken.add(name)
        out.append(name)
    return out


def needs_labels(columns: list[tuple[str, ColumnElement[Any]]]) -> bool:
    """Whether a Core SELECT's plain names differ from the labels SQLAlchemy keys its rows by:
    a name repeated, or an expression named by a numbered label (``count_1``, ``anon_1``)."""
    seen: set[str] = set()
    for name, column in columns:
        if not name or name in seen:
            return True
        seen.add(name)
        if isinstance(column, Label):
            if column.name is None:
                return True
        elif not isinstance(column, NamedColumn | TextColumn):
            return True
    return False
