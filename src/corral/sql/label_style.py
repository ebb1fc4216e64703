"""How a SELECT names its columns: ``select(...).set_label_style(LABEL_STYLE_...)``.

- ``LABEL_STYLE_DISAMBIGUATE_ONLY`` (the default): each column by its own name; a name taken by
  an earlier column is labelled apart (``b.id AS id_1``).
- ``LABEL_STYLE_TABLENAME_PLUS_COL``: a table's column by its table and column names
  (``a.id AS a_id``), in the SQL, the result's keys and a subquery's ``.c`` alike; other
  columns as by default. Joined tables with columns of the same names keep them apart.
- ``LABEL_STYLE_NONE``: no label is added to tell repeated names apart (``SELECT a.id, b.id``,
  keys ``('id', 'id')``); an expression of no name is still labelled (``count(*) AS count_1``).

Pure: the names are decided from the statement, without I/O.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from corral import exc
from corral.sql.columns import NamedColumn
from corral.sql.elements import ColumnElement


class SelectLabelStyle(Enum):
    """The label styles a SELECT can be given (the values are SQLAlchemy's)."""

    LABEL_STYLE_NONE = 0
    LABEL_STYLE_TABLENAME_PLUS_COL = 1
    LABEL_STYLE_DISAMBIGUATE_ONLY = 2
    #: A legacy ``Query``'s own: named as by default, but ``str(query)`` prints every table
    #: column labelled ``<table>_<column>``.
    LABEL_STYLE_LEGACY_ORM = 3


LABEL_STYLE_NONE = SelectLabelStyle.LABEL_STYLE_NONE
LABEL_STYLE_TABLENAME_PLUS_COL = SelectLabelStyle.LABEL_STYLE_TABLENAME_PLUS_COL
LABEL_STYLE_DISAMBIGUATE_ONLY = SelectLabelStyle.LABEL_STYLE_DISAMBIGUATE_ONLY
LABEL_STYLE_LEGACY_ORM = SelectLabelStyle.LABEL_STYLE_LEGACY_ORM
LABEL_STYLE_DEFAULT = LABEL_STYLE_DISAMBIGUATE_ONLY


def checked(style: object) -> SelectLabelStyle:
    """``style`` if it is a label style, else an error that lists them."""
    if isinstance(style, SelectLabelStyle):
        return style
    names = ", ".join(member.name for member in SelectLabelStyle)
    raise exc.ArgumentError(
        f"set_label_style() takes one of {names} (import them from corral), got {style!r}"
    )


def table_label(column: ColumnElement[Any]) -> str | None:
    """``<table>_<column>`` (``<schema>_<table>_<column>`` for a table in a schema) for a
    named table's column; None for any other column, named as by default."""
    if not isinstance(column, NamedColumn) or column.is_literal:
        return None
    table = column.table
    name = getattr(table, "name", None)
    if table is None or name is None:
        return None
    schema = getattr(table, "schema", None)
    prefix = f"{schema.replace('.', '_')}_{name}" if schema else name
    return f"{prefix}_{column.name}"
