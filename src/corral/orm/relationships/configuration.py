"""Reading a relationship's configuration: annotations, expressions, foreign-key column pairs.

``Relationship.configure()`` asks these helpers to read ``Mapped[...]``
annotations (target class, list or set), to evaluate string arguments
(``primaryjoin="Trip.destination_id == City.id"``) in the declaring module, and
to pair each foreign-key column with the column it refers to. Each error names
the relationship and the argument that would resolve it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, ForwardRef, Union, cast, get_args, get_origin

from corral import exc
from corral.sql import operators as ops
from corral.sql.columns import NamedColumn
from corral.sql.conditions import BooleanClauseList
from corral.sql.elements import BinaryExpression, ColumnElement
from corral.sql.from_clause import FromClause, Subquery
from corral.sql.schema import Column, Table

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper
    from corral.orm.relationships.relationship import Relationship


def evaluation_namespace(rel: Relationship, classes: dict[str, type]) -> dict[str, Any]:
    module = sys.modules.get(rel.parent.class_.__module__)
    namespace: dict[str, Any] = dict(vars(module)) if module is not None else {}
    namespace.update(classes)
    from corral import sql

    for name in ("and_", "or_", "not_", "func", "desc", "asc", "literal"):
        if hasattr(sql, name):
            namespace.setdefault(name, getattr(sql, name))
    from corral.orm.relationships.annotations import foreign, remote

    # A string primaryjoin may mark columns without importing the markers, as in SQLAlchemy.
    namespace.setdefault("foreign", foreign)
    namespace.setdefault("remote", remote)
    return namespace


def evaluate(rel: Relationship, value: Any, namespace: dict[str, Any], what: str) -> Any:
    if isinstance(value, str):
        try:
            return eval(value, namespace)
        except Exception as error:
            raise exc.ArgumentError(
                f"{rel.describe()}: cannot evaluate {what}={value!r} ({error}); names in it "
                "must be mapped classes or importable from the module that declares it"
            ) from None
    if callable(value) and not isinstance(value, ColumnElement | Table | type):
        try:
            return value()
        except NameError as error:  # a class not defined yet: configuration waits for it
            raise exc.ArgumentError(
                f"{rel.describe()}: cannot evaluate {what} ({error}); the names it uses must "
                "be defined by the time the classes are first used"
            ) from None
    return value


def from_annotation(rel: Relationship, classes: dict[str, type]) -> tuple[Any, type | None, bool]:
    """(target class or name, list/set or None, Optional) read from ``Mapped[...]``."""
    annotation = rel.annotation
    if annotation is None:
        return None, None, False
    if isinstance(annotation, str):
        return _from_annotation_text(rel, annotation)
    if get_origin(annotation) is not None and get_args(annotation):
        from corral.orm.base import Mapped
        from corral.orm.relationships.dynamic import AppenderQuery
        from corral.orm.relationships.write_only import WriteOnlyCollection

        if get_origin(annotation) is Mapped:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (WriteOnlyCollection, AppenderQuery):
            # WriteOnlyMapped["Event"], DynamicMapped["Event"]
            target, _, _ = _from_type(rel, get_args(annotation)[0])
            return target, list, False
    return _from_type(rel, annotation)


def lazy_from_annotation(rel: Relationship) -> str | None:
    """``"write_only"`` / ``"dynamic"`` when annotated ``WriteOnlyMapped[...]`` /
    ``DynamicMapped[...]`` (which choose the collection's kind), else None."""
    annotation = rel.annotation
    if isinstance(annotation, str):
        name = annotation.split("[", 1)[0].strip().rpartition(".")[2]
    else:
        origin = get_origin(annotation)
        name = getattr(origin, "__name__", "")
    if name in ("WriteOnlyMapped", "WriteOnlyCollection"):
        return "write_only"
    if name in ("DynamicMapped", "AppenderQuery"):
        return "dynamic"
    return None


def _from_type(rel: Relationship, annotation: Any) -> tuple[Any, type | None, bool]:
    origin = get_origin(annotation)
    if origin in (list, set):
        (inner,) = get_args(annotation)
        target, _, _ = _from_type(rel, inner)
        return target, origin, False
    if origin in (dict, Mapping, MutableMapping) and len(get_args(annotation)) == 2:
        target, _, _ = _from_type(rel, get_args(annotation)[1])  # dict[str, "Note"]
        return target, dict, False
    if origin is Union or type(annotation).__name__ == "UnionType":
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            target, collection, _ = _from_type(rel, members[0])
            return target, collection, True
    if isinstance(annotation, ForwardRef):  # Mapped["Parent"], Mapped["Parent | None"]
        return _from_annotation_text(rel, annotation.__forward_arg__)
    if isinstance(annotation, str):
        return _from_annotation_text(rel, annotation)
    return annotation, None, False


def _from_annotation_text(rel: Relationship, text: str) -> tuple[Any, type | None, bool]:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise exc.ArgumentError(f"{rel.describe()}: cannot read the annotation {text!r}") from None
    return _from_node(rel, node, text)


def _from_node(rel: Relationship, node: ast.expr, text: str) -> tuple[Any, type | None, bool]:
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name | ast.Attribute):
        name = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
        if name == "Mapped":
            return _from_node(rel, node.slice, text)
        if name in ("WriteOnlyMapped", "WriteOnlyCollection", "DynamicMapped", "AppenderQuery"):
            target, _, _ = _from_node(rel, node.slice, text)
            return target, list, False
        if name in ("dict", "Dict", "Mapping", "MutableMapping") and isinstance(
            node.slice, ast.Tuple
        ):
            target, _, _ = _from_node(rel, node.slice.elts[-1], text)
            return target, dict, False
        if name in ("list", "List", "set", "Set"):
            target, _, _ = _from_node(rel, node.slice, text)
            return target, list if name.lower() == "list" else set, False
        if name == "Optional":
            target, collection, _ = _from_node(rel, node.slice, text)
            return target, collection, True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [n for n in (node.left, node.right) if not _is_none(n)]
        if len(sides) == 1:
            target, collection, _ = _from_node(rel, sides[0], text)
            return target, collection, True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _from_annotation_text(rel, node.value)
    if isinstance(node, ast.Name):
        return node.id, None, False
    if isinstance(node, ast.Attribute):
        return node.attr, None, False
    raise exc.ArgumentError(
        f"{rel.describe()}: cannot tell the target class from the annotation {text!r}; write "
        'Mapped["Target"], Mapped[list["Target"]] or pass the class to relationship()'
    )


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def resolve_mapper(rel: Relationship, argument: Any, classes: dict[str, type]) -> Mapper:
    from corral.orm.mapping.mapper import Mapper

    if argument is None:
        raise exc.ArgumentError(
            f"{rel.describe()}: relationship() needs its target class, as an argument "
            '(relationship("Address")) or from a Mapped[list["Address"]] annotation'
        )
    if isinstance(argument, str):
        found = classes.get(argument.rpartition(".")[2])
        if found is None:
            raise exc.ArgumentError(
                f"{rel.describe()}: no mapped class named {argument!r} in this registry; "
                f"the mapped classes are {', '.join(sorted(classes)) or 'none'}"
            )
        argument = found
    elif callable(argument) and not isinstance(argument, type):
        argument = argument()
    if isinstance(argument, Mapper):
        return argument
    mapper = getattr(argument, "__mapper__", None)
    if not isinstance(mapper, Mapper):
        raise exc.ArgumentError(f"{rel.describe()}: {argument!r} is not a mapped class")
    return mapper


def resolve_secondary(
    rel: Relationship, value: Any, namespace: dict[str, Any]
) -> FromClause | None:
    if value is None:
        return None
    if isinstance(value, str):
        tables = rel.parent.table.metadata.tables
        if value in tables:
            return tables[value]
        value = evaluate(rel, value, namespace, "secondary")
    elif callable(value) and not isinstance(value, FromClause):
        value = value()
    if not isinstance(value, Table | Subquery):
        raise exc.ArgumentError(
            f"{rel.describe()}: secondary= must be a Table or a subquery "
            f"(select(...).alias()), got {value!r}"
        )
    return value


def column_set(rel: Relationship, value: Any, namespace: dict[str, Any], what: str) -> set[Column]:
    if value is None:
        return set()
    value = evaluate(rel, value, namespace, what)
    items = value if isinstance(value, list | tuple | set) else [value]
    columns: set[Column] = set()
    for item in items:
        column = getattr(item, "column", item)
        if isinstance(item, str):
            column = evaluate(rel, item, namespace, what)
            column = getattr(column, "column", column)
        if not isinstance(column, Column):
            raise exc.ArgumentError(f"{rel.describe()}: {what}= takes columns, got {item!r}")
        columns.add(column)
    return columns


def foreign_key_pairs(
    referring: Table, referred: Table, only: set[Column]
) -> list[tuple[Column, Column]]:
    """(referenced column, foreign-key column) for foreign keys of ``referring`` to ``referred``."""
    pairs: list[tuple[Column, Column]] = []
    for column in referring.columns:
        if not isinstance(column, Column) or (only and column not in only):
            continue
        for fk in column.foreign_keys:
            target = fk.column
            if target.table is referred:
                pairs.append((target, column))
    return pairs


def stored_tables(mapper: Mapper) -> list[Table]:
    """The tables a relationship of ``mapper`` may link through: its own table, or each
    table of a class mapped against a join."""
    return mapper.tables if mapper.multi_table else [mapper.local_table]


def pairs_between(
    parents: list[Table], targets: list[Table], only: set[Column]
) -> list[tuple[Column, Column]]:
    """``foreign_key_pairs`` both ways between each parent and each target table."""
    pairs: list[tuple[Column, Column]] = []
    for parent in parents:
        for target in targets:
            pairs += foreign_key_pairs(parent, target, only)
            if target is not parent:
                pairs += foreign_key_pairs(target, parent, only)
    return pairs


def names(tables: list[Table]) -> str:
    """``'orders'``, or ``'user' and 'address'`` for the tables of a join."""
    return " and ".join(repr(table.name) for table in tables)


def one_constraint(
    rel: Relationship, pairs: list[tuple[Column, Column]]
) -> list[tuple[Column, Column]]:
    """Pairs of a single foreign key (a composite one may have several columns)."""
    constraints: dict[int, list[tuple[Column, Column]]] = {}
    for src, fk_col in pairs:
        fk = next(f for f in fk_col.foreign_keys if f.column is src)
        group = id(fk.constraint) if fk.constraint is not None else id(fk)
        constraints.setdefault(group, []).append((src, fk_col))
    if len(constraints) > 1:
        names = ", ".join(_qualified(fk) for _, fk in pairs)
        raise exc.ArgumentError(
            f"{rel.describe()}: more than one foreign key could link the tables ({names}); "
            f"choose one with foreign_keys=, e.g. foreign_keys=[{_attribute_of(rel, pairs[0][1])}]"
        )
    return pairs


def _qualified(column: Column) -> str:
    table = column.table
    return f"{table.name}.{column.key}" if isinstance(table, Table) else column.key


def _attribute_of(rel: Relationship, column: Column) -> str:
    """``Class.attribute`` for a column of either side's table, else ``table.c.column``."""
    for mapper in (rel.parent, rel.mapper):
        if column.table is mapper.table:
            for key, mapped in mapper.columns_by_key.items():
                if mapped is column:
                    return f"{mapper.class_.__name__}.{key}"
    return f"{column.table.name if isinstance(column.table, Table) else '?'}.c.{column.key}"


def pairs_from_condition(
    rel: Relationship, condition: Any, foreign: set[Any]
) -> tuple[list[tuple[Column, Column]], list[ColumnElement[Any]]]:
    """Column pairs (referenced, foreign key) of the ``a == b`` terms; the rest as criteria."""
    condition = getattr(condition, "__clause_element__", lambda: condition)()
    terms: Iterable[Any]
    if isinstance(condition, BooleanClauseList) and condition.operator is ops.AND:
        terms = condition.clauses
    else:
        terms = [condition]
    pairs: list[tuple[Column, Column]] = []
    extra: list[ColumnElement[Any]] = []
    for term in terms:
        pair = _column_pair(term, foreign)
        if pair is None:
            extra.append(term)
        else:
            pairs.append(pair)
    if not pairs:
        raise exc.ArgumentError(
            f"{rel.describe()}: the join condition {condition.describe()} has no "
            "column == column term with a foreign key; give foreign_keys= to say which column "
            "refers to the other"
        )
    return pairs, extra


def has_column_pair(condition: Any, foreign: set[Any]) -> bool:
    """Whether ``condition`` has a ``column == column`` term that makes a foreign-key pair."""
    condition = getattr(condition, "__clause_element__", lambda: condition)()
    if isinstance(condition, BooleanClauseList) and condition.operator is ops.AND:
        return any(_column_pair(term, foreign) is not None for term in condition.clauses)
    return _column_pair(condition, foreign) is not None


def _column_pair(term: Any, foreign: set[Any]) -> tuple[Column, Column] | None:
    # Columns of a subquery ``secondary=`` (viewonly) are ColumnClauses, never written to.
    if not (isinstance(term, BinaryExpression) and term.operator is ops.EQ):
        return None
    if not (isinstance(term.left, NamedColumn) and isinstance(term.right, NamedColumn)):
        return None
    # Typed as Columns: where they are not, they belong to a viewonly subquery secondary,
    # whose pairs are only read (never written through).
    left, right = cast("tuple[Column, Column]", (term.left, term.right))
    if foreign:
        if left in foreign and right not in foreign:
            return right, left
        if right in foreign and left not in foreign:
            return left, right
        return None
    if any(fk.column is right for fk in getattr(left, "foreign_keys", ())):
        return right, left
    if any(fk.column is left for fk in getattr(right, "foreign_keys", ())):
        return left, right
    return None


def resolve_order_by(rel: Relationship, namespace: dict[str, Any]) -> list[ColumnElement[Any]]:
    value = rel.order_by_argument
    if value is False or value is None:
        return []
    value = evaluate(rel, value, namespace, "order_by")
    items = value if isinstance(value, list | tuple) else [value]
    return [item.__clause_element__() for item in items]
