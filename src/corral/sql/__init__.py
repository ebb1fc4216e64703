"""corral.sql: types, schema, expressions, statements and the compiler."""

from corral.sql.columns import column, literal_column
from corral.sql.conditions import and_, not_, or_
from corral.sql.ddl import (
    AddConstraint,
    CreateIndex,
    CreateTable,
    DropConstraint,
    DropIndex,
    DropTable,
)
from corral.sql.dml import Delete, Insert, Update, delete, insert, update
from corral.sql.elements import (
    BindParameter,
    ClauseElement,
    ColumnElement,
    bindparam,
    false,
    literal,
    null,
    true,
)
from corral.sql.from_clause import CTE, Alias, Join, Subquery, table
from corral.sql.functions import case, func
from corral.sql.schema import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from corral.sql.selectable import CompoundSelect, Exists, Select, exists, select, union, union_all
from corral.sql.text import TextClause, text
from corral.sql.wrappers import cast

__all__ = [
    "CTE",
    "AddConstraint",
    "Alias",
    "BindParameter",
    "CheckConstraint",
    "ClauseElement",
    "Column",
    "ColumnElement",
    "CompoundSelect",
    "CreateIndex",
    "CreateTable",
    "Delete",
    "DropConstraint",
    "DropIndex",
    "DropTable",
    "Exists",
    "ForeignKey",
    "ForeignKeyConstraint",
    "Index",
    "Insert",
    "Join",
    "MetaData",
    "PrimaryKeyConstraint",
    "Select",
    "Subquery",
    "Table",
    "TextClause",
    "UniqueConstraint",
    "Update",
    "and_",
    "bindparam",
    "case",
    "cast",
    "column",
    "delete",
    "exists",
    "false",
    "func",
    "insert",
    "literal",
    "literal_column",
    "not_",
    "null",
    "or_",
    "select",
    "table",
    "text",
    "true",
    "union",
    "union_all",
    "update",
]
