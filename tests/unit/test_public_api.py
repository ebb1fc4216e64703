"""The top-level package exports exactly the intended public names."""

from __future__ import annotations

import corral

INTENDED = {
    # SQL: schema, statements, expressions
    "MetaData", "Table", "Column", "ForeignKey", "ForeignKeyConstraint", "PrimaryKeyConstraint",
    "UniqueConstraint", "CheckConstraint", "Index", "select", "insert", "update", "delete",
    "Select", "Insert", "Update", "Delete", "Join", "Alias", "Subquery", "CTE", "CompoundSelect",
    "Values", "values",
    "Exists", "TextClause", "union", "union_all", "exists", "table", "and_", "or_", "not_",
    "func", "case", "cast", "literal", "literal_column", "column", "bindparam", "text", "true",
    "false", "null",
    # SQL: expression constructs
    "asc", "desc", "distinct", "between", "collate", "extract", "nulls_first", "nulls_last",
    "tuple_", "type_coerce", "over", "within_group", "funcfilter", "lateral", "Over",
    "WithinGroup", "FunctionFilter", "Tuple", "Extract", "TypeCoerce", "Lateral",
    "TableValuedAlias",
    # SQL: the element classes SQLAlchemy exports from its top level
    "ClauseElement", "ColumnElement", "BinaryExpression", "UnaryExpression", "BindParameter",
    "BooleanClauseList", "ClauseList", "ColumnClause", "ColumnCollection", "Case", "Cast",
    "Function", "Grouping", "Label", "Null", "True_", "False_", "FromClause", "TableClause",
    "SelectBase", "ScalarSelect", "ColumnDefault", "Constraint", "DDLElement", "Compiled",
    "TypeCompiler",
    # how a SELECT names its columns (set_label_style)
    "LABEL_STYLE_DEFAULT", "LABEL_STYLE_DISAMBIGUATE_ONLY", "LABEL_STYLE_NONE",
    "LABEL_STYLE_TABLENAME_PLUS_COL", "SelectLabelStyle",
    # types
    "Integer", "BigInteger", "SmallInteger", "String", "Text", "Boolean", "Float", "Numeric",
    "Date", "DateTime", "Time", "Interval", "LargeBinary", "JSON", "Uuid", "Enum",
    "Unicode", "UnicodeText", "TypeDecorator", "Identity", "declarative_base",
    "BIGINT", "BLOB", "BOOLEAN", "CHAR", "DATE", "DATETIME", "DECIMAL", "DOUBLE",
    "DOUBLE_PRECISION", "FLOAT", "INTEGER", "NUMERIC", "REAL", "SMALLINT", "TEXT", "TIME",
    "TIMESTAMP", "VARCHAR",
    # engine
    "create_engine", "make_url", "URL", "Engine", "Connection", "Transaction",
    "NestedTransaction", "Result", "CursorResult", "ScalarResult", "FrozenResult",
    "MappingResult", "Row", "RowMapping", "Inspector",
    # pool
    "Pool", "QueuePool", "StaticPool", "NullPool",
    # ORM
    "DeclarativeBase", "registry", "Mapped", "mapped_column", "Mapper", "Session",
    "SessionTransaction", "sessionmaker", "inspect", "ObjectStatus", "scoped_session",
    "SessionLeakWarning", "Backoff", "AttributeState", "MappedColumn", "MapperProperty",
    "Query",
    # relationships and loading
    "relationship", "backref", "foreign", "remote", "Relationship", "RelationshipProperty",
    "configure_mappers",
    "selectinload", "joinedload",
    "subqueryload", "lazyload", "raiseload", "noload", "defaultload", "contains_eager", "defer",
    "undefer", "undefer_group", "query_expression", "with_expression", "with_polymorphic",
    "selectin_polymorphic", "ConcreteBase", "AbstractConcreteBase",
    "load_only", "deferred", "Load", "WriteOnlyCollection", "WriteOnlyMapped",
    "NPlusOneWarning",
    "aliased", "Bundle", "with_parent",
    # the package itself
    "join", "outerjoin",
    "exc", "__version__",
}  # fmt: skip


def test_all_is_exactly_the_intended_names() -> None:
    """__all__ lists every intended public name and nothing else."""
    assert set(corral.__all__) == INTENDED
    assert len(corral.__all__) == len(set(corral.__all__))


def test_every_exported_name_is_importable() -> None:
    """Each name in __all__ is an attribute of the top-level package."""
    missing = [name for name in corral.__all__ if not hasattr(corral, name)]
    assert missing == []
