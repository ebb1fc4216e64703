"""corral.schema: tables, columns, keys, constraints, indexes and DDL statements, under the
module path SQLAlchemy gives them.

A facade over ``corral.sql.schema`` and ``corral.sql.ddl``, so that
``from sqlalchemy.schema import ...`` moves over by renaming.
"""

from corral.sql.ddl import (
    AddConstraint,
    CreateIndex,
    CreateTable,
    DDLElement,
    DropConstraint,
    DropIndex,
    DropTable,
)
from corral.sql.schema import (
    CheckConstraint,
    Column,
    ColumnDefault,
    Constraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)

__all__ = [
    "AddConstraint",
    "CheckConstraint",
    "Column",
    "ColumnDefault",
    "Constraint",
    "CreateIndex",
    "CreateTable",
    "DDLElement",
    "DropConstraint",
    "DropIndex",
    "DropTable",
    "ForeignKey",
    "ForeignKeyConstraint",
    "Identity",
    "Index",
    "MetaData",
    "PrimaryKeyConstraint",
    "Table",
    "UniqueConstraint",
]
