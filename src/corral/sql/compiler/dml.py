"""Compiles INSERT, UPDATE and DELETE for the statement compiler.

Columns are written in table order and each placeholder's slot is made as its
column is written, so placeholders and parameter slots always line up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql import operators as ops
from corral.sql.columns import NamedColumn
from corral.sql.compiler import flags
from corral.sql.compiler.compiled import StatementKind
from corral.sql.compiler.upsert import upsert_sql
from corral.sql.conditions import BooleanClauseList
from corral.sql.elements import BinaryExpression, BindParameter, ClauseElement
from corral.sql.enum_type import Enum

if TYPE_CHECKING:
    from corral.sql.compiler.statement import StatementCompiler
    from corral.sql.dml import Delete, DMLStatement, Insert, Update
    from corral.sql.elements import ColumnElement
    from corral.sql.from_clause import FromClause, TableClause
    from corral.sql.type_api import TypeEngine


def _start(compiler: StatementCompiler, statement: DMLStatement, kind: StatementKind) -> None:
    compiler._kind = kind
    compiler._table = statement.table


def _returning(compiler: StatementCompiler, statement: DMLStatement, supported: bool) -> str:
    if not statement._returning:
        return ""
    if not supported:
        raise exc.UnsupportedCompilationError(
            f"{compiler.dialect.name} has no {compiler._kind.upper()} ... RETURNING; "
            "select the rows in the same transaction instead"
        )
    columns = []
    key = compiler._primary_key
    generated = key[0] if len(key) == 1 and key[0].is_autoincrement else None
    for position, column in enumerate(statement._returning):
        columns.append(compiler.process(column, include_table=compiler.returning_include_table))
        compiler.result_columns.append((column.key or f"anon_{position + 1}", column.type))
        compiler.result_elements.append(column)
        if column is generated and compiler._generated_key_at is None:
            compiler._generated_key_at = position
    return compiler.returning_sql(columns, [column.type for column in statement._returning])


def _given_keys(compiler: StatementCompiler, table: TableClause, consumed: set[str]) -> list[str]:
    """Keys from ``execute``'s parameters that name columns, checked against the table."""
    keys = []
    for key in compiler._keys or ():
        if key in consumed:
            continue
        if key not in table.columns:
            if key in compiler._named_binds:
                continue
            raise exc.NoSuchColumnError(
                f"Parameter {key!r} is not a column of table {table.name!r}; its columns "
                f"are {', '.join(table.columns.keys())}"
            )
        keys.append(key)
    return keys


def compile_insert(compiler: StatementCompiler, insert: Insert, kw: dict[str, Any]) -> str:
    _start(compiler, insert, "insert")
    compiler._upsert_statement = insert
    table = insert.table
    name = compiler.table_name(table)
    compiler._primary_key = list(getattr(getattr(table, "primary_key", None), "columns", ()))
    if insert._from_select is not None:
        names, select = insert._from_select
        columns = ", ".join(compiler.quote(_column_name(table, n)) for n in names)
        body = compiler.process(select, **flags.nested(kw))
        return (
            f"INSERT INTO {name} ({columns}) {body}"
            + upsert_sql(compiler, insert)
            + _returning(compiler, insert, compiler.features.insert_returning)
        )
    if insert._multi_values:
        return _insert_multi(compiler, insert, name)
    first_slot = len(compiler.slots)
    values = dict(
        _assigned_columns(compiler, table, insert._values, "default", include_table=False)
    )
    if values:
        columns = ", ".join(compiler.quote(_column_name(table, k)) for k in values)
        sql = f"INSERT INTO {name} ({columns}) VALUES "
        group = f"({', '.join(values.values())})"
        if first_slot == 0:  # where the row's values are, to repeat them for many rows
            compiler._values_span = (len(sql), len(sql) + len(group), len(compiler.slots))
        sql += group
    elif compiler.features.default_values_insert:
        sql = f"INSERT INTO {name} DEFAULT VALUES"
    else:
        sql = f"INSERT INTO {name} () VALUES ()"
    sql += upsert_sql(compiler, insert)
    returning = _returning(compiler, insert, compiler.features.insert_returning)
    if not returning and _wants_implicit_returning(compiler, values):
        compiler._implicit_returning_at = len(sql)
        include_table = compiler.returning_include_table
        keys = compiler._primary_key
        pk = [compiler.process(c, include_table=include_table) for c in keys]
        returning = compiler.returning_sql(pk, [c.type for c in keys])
        compiler._implicit_returning = True
        compiler.result_columns = [(c.key or c.name, c.type) for c in compiler._primary_key]
        compiler.result_elements = list(compiler._primary_key)
    return sql + returning


def _assigned_columns(
    compiler: StatementCompiler,
    table: TableClause,
    given: Mapping[str, ClauseElement],
    default_attribute: str,
    order: list[str] | None = None,
    **kw: Any,
) -> list[tuple[str, str]]:
    """(column key, rendered value) in table order (or ``order`` first, then the table's),
    so placeholders and slots line up.

    A column's value comes from the statement's ``values()``, else from the keys
    passed to ``execute``, else from the column's default (``default_attribute``).
    """
    from_execute = set(_given_keys(compiler, table, set(given)))
    assigned = []
    items = table.columns.items()
    if order is not None:
        items = [(k, table.columns[k]) for k in order] + [i for i in items if i[0] not in order]
    for key, column in items:
        default = getattr(column, default_attribute, None)
        if key in given:
            assigned.append((key, _process_value(compiler, given[key], **kw)))
        elif key not in from_execute and default is not None and default.is_clause_element:
            # A SQL expression default (func.now(), select(...)): the database evaluates it.
            # It is not part of the statement's tree, so its values are written inline.
            clause = default.clause()
            assigned.append((key, compiler.process(clause, **{**kw, "literal_binds": True})))
        elif key in from_execute or default is not None:
            if default is not None and default.is_clause_element:
                default = None  # a value was given: the expression is not needed
            slot = compiler._add_slot(
                key, column.type, column.describe(), default=default, stored=True
            )
            assigned.append((key, slot))
    return assigned


def _process_value(compiler: StatementCompiler, value: ClauseElement, **kw: Any) -> str:
    """A column's new value; a plain bound value is checked as stored (the column's width)."""
    if isinstance(value, BindParameter):
        return compiler.process(value, stored=True, **kw)
    sql = compiler.process(value, **kw)
    if compiler.group_assigned_expressions and isinstance(value, BinaryExpression):
        return f"({sql})"
    return sql


def _wants_implicit_returning(compiler: StatementCompiler, values: dict[str, str]) -> bool:
    features = compiler.features
    if features.lastrowid or not features.insert_returning or not compiler._primary_key:
        return False
    return any(c.is_autoincrement and c.key not in values for c in compiler._primary_key)


def _insert_multi(compiler: StatementCompiler, insert: Insert, name: str) -> str:
    rows = insert._multi_values
    table = insert.table
    # The columns are those any row names (SQLAlchemy would take only the first row's and
    # drop the others' extra keys); a row that leaves one out gets its Python-side default,
    # else NULL. A column no row gives takes its Python-side default in every row.
    keys = {k for row in rows for k in row}
    _check_partial_server_defaults(table, rows, keys)
    ordered = [
        k for k, c in table.columns.items() if k in keys or getattr(c, "default", None) is not None
    ]
    columns = ", ".join(compiler.quote(_column_name(table, k)) for k in ordered)
    groups = []
    for index, row in enumerate(rows):
        values = []
        for key in ordered:
            if key in row:
                values.append(
                    _process_value(compiler, row[key], include_table=False, row_number=index)
                )
                continue
            column = table.columns[key]
            default = getattr(column, "default", None)
            if default is None:  # another row gives this column; this one leaves it NULL
                values.append("NULL")
            elif isinstance(default.arg, ClauseElement):
                values.append(compiler.process(default.arg, include_table=False))
            else:
                values.append(
                    compiler._add_slot(
                        key, column.type, column.describe(), default=default, stored=True
                    )
                )
        groups.append("(" + ", ".join(values) + ")")
    sql = f"INSERT INTO {name} ({columns}) VALUES {', '.join(groups)}"
    sql += upsert_sql(compiler, insert)
    return sql + _returning(compiler, insert, compiler.features.insert_many_returning)


def _check_partial_server_defaults(table: Any, rows: list[dict[str, Any]], keys: set[str]) -> None:
    """A server default applies to a column left out of the INSERT, so not to some rows only."""
    for key in sorted(keys):
        column = table.columns[key]
        if getattr(column, "server_default", None) is None or getattr(column, "default", None):
            continue
        if any(key not in row for row in rows):
            raise exc.ArgumentError(
                f"insert().values([...]): some rows give {table.name}.{key} and others leave it "
                "out, but one multi-row INSERT cannot apply its server_default to only some "
                f"rows (they would get NULL); give {key} in every row or in none, or insert "
                "those rows separately"
            )


def compile_update(compiler: StatementCompiler, update: Update) -> str:
    _start(compiler, update, "update")
    table = update.table
    extra = update._extra_froms()
    correlated = _correlated_to(table, extra)
    name = compiler.table_name(table)
    comma_style = bool(extra) and compiler.features.multi_table_update == "comma"
    if comma_style:  # UPDATE t, other SET t.x=... (the FROMs come first in the text)
        name = ", ".join([name, *(compiler.process(f, asfrom=True, **correlated) for f in extra)])
    order = list(update._values) if update._ordered else None
    # Other tables' columns come first in SET (as SQLAlchemy writes it); their
    # placeholders are made first so that slots follow the text.
    others = _other_tables_sets(compiler, update, extra, comma_style, correlated)
    assignments = _assigned_columns(
        compiler, table, update._values, "onupdate", order=order, **correlated
    )
    if not assignments and not others:
        raise exc.ArgumentError(
            f"update() of table {table.name!r} has no values to SET; use .values(...) "
            "or pass them to execute()"
        )
    prefix = compiler.table_name(table) + "." if comma_style else ""
    sets = ", ".join(
        [
            *others,
            *(f"{prefix}{compiler.quote(_column_name(table, k))}={v}" for k, v in assignments),
        ]
    )
    sql = f"UPDATE {name} SET {sets}"
    if extra and not comma_style:
        sql += " FROM " + ", ".join(compiler.process(f, asfrom=True, **correlated) for f in extra)
    where = update._compiled_where()
    if extra:
        compiler.lint_froms([table, *extra], where, "UPDATE")
    if where:
        sql += " WHERE " + compiler._conditions(where, correlated)
    if compiler.features.update_many_values and not (extra or others or update._returning):
        compiler._update_many = _many_update(compiler, table, name, assignments, where)
    return sql + _returning(compiler, update, compiler.features.update_returning)


#: The name of the list of parameter sets an UPDATE of many rows joins (``_many_update``).
ROWS = "corral_rows"


def _many_update(
    compiler: StatementCompiler,
    table: TableClause,
    name: str,
    assignments: list[tuple[str, str]],
    where: list[ColumnElement[Any]],
) -> tuple[str, str, str, tuple[int, ...]] | None:
    """An UPDATE setting bound values in the rows whose columns equal bound values, as
    (head, row, tail, keys): ``head`` + ``row`` repeated with ", " + ``tail`` updates the
    rows of many parameter sets in one statement,

        UPDATE t SET a=corral_rows.p0 FROM (VALUES (CAST(%s AS VARCHAR), CAST(%s AS
        INTEGER)), ...) AS corral_rows (p0, p1) WHERE t.id = corral_rows.p1

    each set's values in the order of the one-set statement's placeholders. ``keys``: the
    positions among them of the values the WHERE compares with a column the SET leaves
    alone; sets that differ in those match different rows, which nothing in the
    statement moves (see engine/update_many.py).

    Each value is cast to its column's type without modifiers (a VALUES list's
    parameters have no type of their own; ``VARCHAR(30)`` would cut a longer string
    where assigning it fails, ``NUMERIC(10, 2)`` would round a key before comparing),
    so the column's own modifiers apply on assignment as in the one-set UPDATE. None
    for any other UPDATE (RETURNING, a SET of an expression, other conditions, a key
    only the SET changes) and for a column of a type not known to cast that way."""
    placeholder = compiler.placeholder
    conditions = _bound_equalities(table, where)
    if (
        placeholder is None
        or conditions is None
        or not assignments
        or any(value != placeholder for _, value in assignments)
        or len(compiler.slots) != len(assignments) + len(conditions)
    ):
        return None
    set_columns = [table.columns[key] for key, _ in assignments]
    kept = {id(column) for column in set_columns}
    keys = tuple(
        len(assignments) + i for i, column in enumerate(conditions) if id(column) not in kept
    )
    casts = [_plain_cast(compiler, column.type) for column in [*set_columns, *conditions]]
    if not keys or None in casts:
        return None
    names = [f"p{i}" for i in range(len(casts))]
    sets = ", ".join(
        f"{compiler.quote(_column_name(table, key))}={ROWS}.{names[i]}"
        for i, (key, _) in enumerate(assignments)
    )
    row = ", ".join(f"CAST({placeholder} AS {cast})" for cast in casts)
    matches = " AND ".join(
        f"{name}.{compiler.quote(column.name)} = {ROWS}.{names[len(assignments) + i]}"
        for i, column in enumerate(conditions)
    )
    head = f"UPDATE {name} SET {sets} FROM (VALUES "
    tail = f") AS {ROWS} ({', '.join(names)}) WHERE {matches}"
    return head, f"({row})", tail, keys


#: Types whose name without modifiers casts a value to the same kind of value, and
#: constrains it no further (``CHAR`` and ``BIT`` alone mean one character or bit).
_PLAIN_CASTS = frozenset(
    {
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "BOOLEAN",
        "REAL",
        "FLOAT",
        "DOUBLE PRECISION",
        "NUMERIC",
        "DECIMAL",
        "VARCHAR",
        "TEXT",
        "DATE",
        "TIMESTAMP",
        "TIMESTAMP WITHOUT TIME ZONE",
        "TIMESTAMP WITH TIME ZONE",
        "TIME",
        "TIME WITHOUT TIME ZONE",
        "TIME WITH TIME ZONE",
        "INTERVAL",
        "UUID",
        "JSON",
        "JSONB",
        "BYTEA",
    }
)
#: A type's modifiers as its name is written: ``(30)``, ``(10, 2)``.
_MODIFIERS = re.compile(r"\(\s*\d+(?:\s*,\s*\d+)?\s*\)")


def _plain_cast(compiler: StatementCompiler, type_: TypeEngine) -> str | None:
    """What a value for a column of ``type_`` is cast to in an UPDATE of many rows (its
    type without modifiers, an array of one, a native enum's name), or None."""
    written = compiler.cast_type(type_)
    if isinstance(type_, Enum) and type_.native_enum and "(" not in written:
        return written
    plain = _MODIFIERS.sub("", written)
    element = plain.removesuffix("[]")
    return plain if element.upper() in _PLAIN_CASTS else None


def _bound_equalities(table: TableClause, where: list[ColumnElement[Any]]) -> list[Any] | None:
    """The columns of ``table`` that the conditions, joined by AND, each compare with a
    bound parameter, in order; None if they hold anything else (or nothing)."""
    columns: list[Any] = []
    pending = list(reversed(where))
    while pending:
        condition = pending.pop()
        if isinstance(condition, BooleanClauseList) and condition.operator is ops.AND:
            pending.extend(reversed(condition.clauses))
            continue
        if not (
            isinstance(condition, BinaryExpression)
            and condition.operator is ops.EQ
            and isinstance(condition.right, BindParameter)
            and isinstance(condition.left, NamedColumn)
            and condition.left.table is table
            and not condition.left.is_literal
        ):
            return None
        columns.append(condition.left)
    return columns or None


def _other_tables_sets(
    compiler: StatementCompiler,
    update: Update,
    extra: list[FromClause],
    comma_style: bool,
    kw: dict[str, Any],
) -> list[str]:
    """``other.column=value`` for values given to columns of other tables (MariaDB/MySQL)."""
    if not update._other_values:
        return []
    tables = ", ".join(sorted({c.table.describe() for c, _ in update._other_values if c.table}))
    if not comma_style:
        if extra and compiler.features.multi_table_update == "from":
            raise exc.UnsupportedCompilationError(
                f"{compiler.dialect.name} cannot SET columns of other tables ({tables}) in an "
                f"UPDATE of {update.table.name!r}; update each table with its own statement"
            )
        raise exc.UnsupportedCompilationError(
            f"update() of {update.table.name!r} sets columns of {tables}, which its WHERE "
            "does not name, so it is not a multi-table UPDATE; add the join condition to .where()"
        )
    sets = []
    for column, value in update._other_values:
        assert column.table is not None
        target = f"{compiler._from_name(column.table)}.{compiler.quote(column.name)}"
        sets.append(f"{target}={_process_value(compiler, value, **kw)}")
    return sets


def compile_delete(compiler: StatementCompiler, delete: Delete) -> str:
    _start(compiler, delete, "delete")
    name = compiler.table_name(delete.table)
    extra = delete._extra_froms()
    correlated = _correlated_to(delete.table, extra)
    sql = f"DELETE FROM {name}"
    if extra:
        style = compiler.features.multi_table_delete
        if style is None:
            raise exc.UnsupportedCompilationError(
                f"{compiler.dialect.name} has no multi-table DELETE, and the WHERE of this "
                f"delete() from {delete.table.name!r} names "
                f"{', '.join(f.describe() for f in extra)}; select the rows with a subquery "
                "instead, e.g. .where(table.c.id.in_(select(...)))"
            )
        using = [compiler.process(f, asfrom=True, **correlated) for f in extra]
        sql += " USING " + ", ".join([name, *using] if style == "using_all" else using)
    where = delete._compiled_where()
    if extra:
        compiler.lint_froms([delete.table, *extra], where, "DELETE")
    if where:
        sql += " WHERE " + compiler._conditions(where, correlated)
    return sql + _returning(compiler, delete, compiler.features.delete_returning)


def _correlated_to(table: TableClause, extra: list[FromClause] | None = None) -> dict[str, Any]:
    """Flags under which subqueries in SET and WHERE correlate to the statement's tables.

    As in a SELECT, a subquery reading from the table and others leaves the table out
    of its FROM (it refers to the row being changed); INSERT ... VALUES correlates to
    nothing, since no row of the table is at hand there.
    """
    froms = [*table._covers(), *(f for e in extra or () for f in e._covers())]
    return flags.correlating(frozenset(id(f) for f in froms), frozenset())


def _column_name(table: TableClause, key: str) -> str:
    column = table.columns[key]
    assert isinstance(column, NamedColumn)
    return column.name
