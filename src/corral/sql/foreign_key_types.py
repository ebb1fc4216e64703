"""A column declared without a type takes the type of the column its foreign key refers to.

``Column(ForeignKey("parent.id"))`` needs no type: as soon as both tables are in
one MetaData (whichever comes first), the referring column adopts the referred
column's type, as in SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral.sql.schema_names import foreign_key_target
from corral.sql.type_api import NullType

if TYPE_CHECKING:
    from corral.sql.elements import ColumnElement
    from corral.sql.schema import ForeignKey, Table


def adopt_referred_types(table: Table) -> None:
    """Fill in untyped foreign-key columns of ``table``'s MetaData whose target is now known."""
    tables = table.metadata.tables
    changed = True
    while changed:  # a chain of untyped keys resolves one link per pass
        changed = False
        for each in tables.values():
            for column in each.columns:
                if isinstance(column.type, NullType) and _adopt(column, tables):
                    changed = True


def _adopt(column: ColumnElement[Any], tables: dict[str, Table]) -> bool:
    foreign_keys: list[ForeignKey] = getattr(column, "foreign_keys", [])
    for fk in foreign_keys:
        if fk.target.count(".") not in (1, 2):
            continue  # a malformed target: ForeignKey.column says so when it is used
        metadata = getattr(getattr(column, "table", None), "metadata", None)
        default_schema = getattr(metadata, "schema", None)
        table_name, column_name = foreign_key_target(fk.target, default_schema)
        target_table = tables.get(table_name)
        target = target_table.columns.get(column_name) if target_table is not None else None
        if target is not None and not isinstance(target.type, NullType):
            column.type = target.type
            return True
    return False
