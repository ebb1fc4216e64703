"""What a statement selects or changes, as SQLAlchemy describes it to programs.

``select(...).column_descriptions`` is one dict per selected item: ``name``,
``type`` and ``expr`` (what was passed), plus ``aliased`` and ``entity`` (the
mapped class or alias it comes from, else None) when the select names anything
mapped. ``update(User).entity_description`` describes the statement's target;
``returning_column_descriptions`` the items of ``returning()``. The SQL layer
asks for these through hooks this module sets, so it never imports the ORM.
"""

from __future__ import annotations

from typing import Any

from corral.orm.loading.bundle import Bundle
from corral.orm.mapping.aliased import AliasedAttribute, AliasedClass
from corral.orm.mapping.attributes import InstrumentedAttribute
from corral.orm.mapping.query_expression import QueryExpressionAttribute
from corral.sql.dml import DMLStatement
from corral.sql.elements import ClauseElement
from corral.sql.from_clause import FromClause
from corral.sql.selectable import Select

Description = dict[str, Any]


def _is_orm(item: Any) -> bool:
    return (
        hasattr(item, "__mapper__")
        or isinstance(item, InstrumentedAttribute | AliasedAttribute | Bundle)
        or _entity_in(item) is not None
    )


def _entity_in(element: Any, depth: int = 0) -> Any:
    """The mapped class (or alias) an expression is built on, found in its parts."""
    if isinstance(element, InstrumentedAttribute | QueryExpressionAttribute):
        return element.class_
    if isinstance(element, AliasedAttribute):
        return element.entity
    if depth > 6 or not isinstance(element, ClauseElement) or isinstance(element, FromClause):
        return None
    for value in vars(element).values():
        parts = value if isinstance(value, list | tuple) else (value,)
        for part in parts:
            if isinstance(part, ClauseElement):
                found = _entity_in(part, depth + 1)
                if found is not None:
                    return found
    return None


def _expression_name(expr: Any) -> str | None:
    for attribute in ("key", "name"):
        value = getattr(expr, attribute, None)
        if isinstance(value, str):
            return value
    return None


def _describe(item: Any, orm: bool) -> list[Description]:
    """The description(s) of one selected item: a table gives one per column."""
    if isinstance(item, AliasedClass):
        return [
            {
                "aliased": True,
                "entity": item,
                "expr": item,
                "name": item._name,
                "type": item.__mapper__.class_,
            }
        ]
    if isinstance(item, type) and hasattr(item, "__mapper__"):
        return [
            {"aliased": False, "entity": item, "expr": item, "name": item.__name__, "type": item}
        ]
    if isinstance(item, Bundle):
        entity = next((e for e in map(_entity_in, item.exprs) if e is not None), None)
        aliased = isinstance(entity, AliasedClass)
        return [
            {"aliased": aliased, "entity": entity, "expr": item, "name": item.name, "type": Bundle}
        ]
    if isinstance(item, FromClause):
        return [_column(column, orm) for column in item.columns]
    return [_column(item, orm)]


def _column(expr: Any, orm: bool) -> Description:
    described: Description = {
        "expr": expr,
        "name": _expression_name(expr),
        "type": getattr(expr, "type", None),
    }
    if orm:
        entity = _entity_in(expr)
        described = {
            "aliased": isinstance(entity, AliasedClass),
            "entity": entity,
            **described,
        }
    return described


def column_descriptions(statement: Select) -> list[Description]:
    """``Select.column_descriptions``."""
    entities = statement._entities
    orm = any(_is_orm(e) for e in entities)
    out: list[Description] = []
    for entity in entities:
        out.extend(_describe(entity, orm))
    if not orm:  # repeated names are told apart as the columns of a subquery would be
        seen: dict[str, int] = {}
        for described in out:
            name = described["name"]
            if name is None:
                continue
            count = seen.get(name, 0)
            seen[name] = count + 1
            if count:
                described["name"] = f"{name}_{count}"
    return [dict(sorted(d.items())) for d in out]


def entity_description(statement: DMLStatement) -> Description:
    """``update(User).entity_description``: the statement's target class and table."""
    entity = statement._entity
    table = statement.table
    if entity is None:
        return {"name": getattr(table, "name", None), "table": table}
    mapper = entity.__mapper__
    aliased = isinstance(entity, AliasedClass)
    name = entity._name if aliased else entity.__name__
    return {
        "entity": entity,
        "expr": entity,
        "name": name,
        "table": mapper.table,
        "type": mapper.class_,
    }


def returning_column_descriptions(statement: DMLStatement) -> list[Description]:
    """``update(User).returning(...).returning_column_descriptions``."""
    given = statement._returning_given
    orm = statement._entity is not None or any(_is_orm(e) for e in given)
    out: list[Description] = []
    for item in given:
        out.extend(_describe(item, orm))
    return [dict(sorted(d.items())) for d in out]


Select._describe_columns = column_descriptions
DMLStatement._describe_entity = entity_description
DMLStatement._describe_returning = returning_column_descriptions
