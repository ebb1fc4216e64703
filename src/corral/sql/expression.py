"""corral.sql.expression: statements, clauses and the functions that build them, under the
module path SQLAlchemy gives them.

A facade over the modules of ``corral.sql`` that define them, so that
``from sqlalchemy.sql.expression import ...`` moves over by renaming.
"""

from corral.sql.columns import ColumnClause, column, literal_column
from corral.sql.conditions import BooleanClauseList, and_, not_, or_
from corral.sql.dml import Delete, Insert, Update, delete, insert, update
from corral.sql.elements import (
    BinaryExpression,
    BindParameter,
    ClauseElement,
    ClauseList,
    ColumnElement,
    False_,
    Null,
    True_,
    UnaryExpression,
    bindparam,
    false,
    literal,
    null,
    true,
)
from corral.sql.from_clause import (
    CTE,
    Alias,
    ColumnCollection,
    FromClause,
    Join,
    Subquery,
    TableClause,
    table,
)
from corral.sql.functions import Case, Function, case, func
from corral.sql.selectable import (
    CompoundSelect,
    Exists,
    ScalarSelect,
    Select,
    SelectBase,
    exists,
    select,
    union,
    union_all,
)
from corral.sql.text import TextClause, text
from corral.sql.values import Values, values
from corral.sql.wrappers import Cast, Grouping, Label, cast

__all__ = [
    "CTE",
    "Alias",
    "BinaryExpression",
    "BindParameter",
    "BooleanClauseList",
    "Case",
    "Cast",
    "ClauseElement",
    "ClauseList",
    "ColumnClause",
    "ColumnCollection",
    "ColumnElement",
    "CompoundSelect",
    "Delete",
    "Exists",
    "False_",
    "FromClause",
    "Function",
    "Grouping",
    "Insert",
    "Join",
    "Label",
    "Null",
    "ScalarSelect",
    "Select",
    "SelectBase",
    "Subquery",
    "TableClause",
    "TextClause",
    "True_",
    "UnaryExpression",
    "Update",
    "Values",
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
    "values",
]
