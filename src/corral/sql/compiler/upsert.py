"""Spells the upsert clauses of ``sql/upsert.py``: ``ON CONFLICT ... DO ...`` for the
PostgreSQL and SQLite compilers (a base of both), ``ON DUPLICATE KEY UPDATE`` for MySQL's.

``refuse_foreign`` runs first for every INSERT that carries a clause: a clause made
by one dialect's ``insert()`` is refused, naming the right one, on any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql.compiler import dml
from corral.sql.upsert import INSERT_MODULES

if TYPE_CHECKING:
    from corral.sql.compiler.statement import StatementCompiler
    from corral.sql.dml import Insert
    from corral.sql.elements import ColumnElement
    from corral.sql.upsert import (
        OnConflictClause,
        OnConflictDoNothing,
        OnConflictDoUpdate,
        OnDuplicateClause,
        ProposedColumn,
        UpsertClause,
    )

#: What each dialect offers for the same need, for the refusal's hint.
_EQUIVALENT = {
    "postgresql": "on_conflict_do_nothing() / on_conflict_do_update()",
    "sqlite": "on_conflict_do_nothing() / on_conflict_do_update()",
    "mysql": "on_duplicate_key_update()",
}


def refuse_foreign(compiler: StatementCompiler, clause: UpsertClause) -> None:
    """Raise when ``clause`` was made for another dialect than the compiler's."""
    target = compiler.dialect.name
    if clause.dialect_name == target:
        return
    module = INSERT_MODULES.get(clause.dialect_name, clause.dialect_name)
    hint = (
        f"build the statement with {INSERT_MODULES[target]}.insert() and its {_EQUIVALENT[target]}"
        if target in INSERT_MODULES
        else "this dialect has no upsert clause"
    )
    raise exc.UnsupportedCompilationError(
        f"{clause.method} comes from {module}.insert() and is {clause.dialect_name} SQL, but "
        f"this statement runs on {target}; {hint}"
    )


def upsert_sql(compiler: StatementCompiler, insert: Insert) -> str:
    """`` ON CONFLICT ...`` / `` ON DUPLICATE KEY UPDATE ...`` for ``insert``, or ``""``."""
    clause = insert._upsert
    if clause is None:
        return ""
    refuse_foreign(compiler, clause)
    return " " + compiler.process(clause)


def _set_list(
    compiler: StatementCompiler,
    insert: Insert,
    values: dict[str, ColumnElement[Any]],
    order: list[str],
) -> str:
    table = insert.table
    pairs = []
    for key in order:
        value = dml._process_value(compiler, values[key])
        pairs.append(f"{compiler.quote(dml._column_name(table, key))} = {value}")
    return ", ".join(pairs)


def _table_order(insert: Insert, values: dict[str, Any]) -> list[str]:
    return [key for key, _ in insert.table.columns.items() if key in values]


class OnConflictCompiler:
    """``visit_*`` methods for ``ON CONFLICT`` (mixed into PostgreSQL's and SQLite's compiler)."""

    #: Whether ``ON CONFLICT ON CONSTRAINT name`` exists (PostgreSQL, not SQLite).
    conflict_on_constraint = True

    def _conflict_target(self, clause: OnConflictClause) -> str:
        compiler: StatementCompiler = self  # type: ignore[assignment]
        if clause.constraint_name is not None:
            if not self.conflict_on_constraint:
                raise exc.UnsupportedCompilationError(
                    f"{compiler.dialect.name} has no ON CONFLICT ON CONSTRAINT; name the "
                    "columns of the unique index with index_elements= instead"
                )
            return f" ON CONSTRAINT {compiler.quote(clause.constraint_name)}"
        if clause.index_elements is None:
            return ""
        names = ", ".join(
            compiler.quote(e) if isinstance(e, str) else compiler.process(e, include_table=False)
            for e in clause.index_elements
        )
        target = f" ({names})"
        if clause.index_where is not None:
            target += " WHERE " + compiler.process(clause.index_where, include_table=False)
        return target

    def visit_on_conflict_do_nothing(self, clause: OnConflictDoNothing, **kw: Any) -> str:
        return f"ON CONFLICT{self._conflict_target(clause)} DO NOTHING"

    def visit_on_conflict_do_update(self, clause: OnConflictDoUpdate, **kw: Any) -> str:
        compiler: StatementCompiler = self  # type: ignore[assignment]
        insert = compiler._upsert_statement
        target = self._conflict_target(clause)
        sets = _set_list(compiler, insert, clause.set_, _table_order(insert, clause.set_))
        sql = f"ON CONFLICT{target} DO UPDATE SET {sets}"
        if clause.where is not None:
            sql += " WHERE " + compiler.process(clause.where)
        return sql

    def visit_proposed_column(self, column: ProposedColumn, **kw: Any) -> str:
        compiler: StatementCompiler = self  # type: ignore[assignment]
        return f"excluded.{compiler.quote(column.column.name)}"


class OnDuplicateKeyCompiler:
    """``visit_*`` methods for ``ON DUPLICATE KEY UPDATE`` (mixed into MySQL's compiler)."""

    def visit_on_duplicate_key_update(self, clause: OnDuplicateClause, **kw: Any) -> str:
        compiler: StatementCompiler = self  # type: ignore[assignment]
        insert = compiler._upsert_statement
        order = list(clause.update) if clause.ordered else _table_order(insert, clause.update)
        return "ON DUPLICATE KEY UPDATE " + _set_list(compiler, insert, clause.update, order)

    def visit_proposed_column(self, column: ProposedColumn, **kw: Any) -> str:
        compiler: StatementCompiler = self  # type: ignore[assignment]
        return f"VALUES({compiler.quote(column.column.name)})"
