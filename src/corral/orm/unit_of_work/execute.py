"""Runs a flush plan on a connection: the thin I/O half of the unit of work."""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.orm.unit_of_work.plan import FlushPlan, Step, StepKind
from corral.sql.dml import insert
from corral.sql.text import text


def execute_plan(connection: Any, plan: FlushPlan) -> None:
    """Execute every step in order; fill generated keys into the rows' parameters."""
    for step in plan.steps:
        execute_step(connection, step)


def execute_step(connection: Any, step: Step) -> None:
    """Execute one step; an INSERT fills generated keys into its rows' parameters."""
    route = getattr(connection, "route", None)  # a Session over several databases
    if route is not None:
        connection = route(step.mapper)
    if step.kind is StepKind.INSERT:
        _insert(connection, step)
        return
    params: Any = step.params[0] if len(step.params) == 1 else step.params
    result = connection.execute(step.statement, params)
    if step.check_rowcount:
        _check_rowcount(step, result.rowcount)


def _check_rowcount(step: Step, rowcount: int) -> None:
    if rowcount < 0 or rowcount == len(step.params):
        return
    mapper = step.mapper
    version = mapper.version_id_key
    what = "update" if step.kind is StepKind.UPDATE else "delete"
    detail = ""
    if len(step.params) == 1:
        from corral.orm.unit_of_work.plan import KEY_PARAM, VERSION_PARAM

        row = step.params[0]
        key = tuple(row[KEY_PARAM + k] for k in mapper.primary_key_attrs)
        detail = f" (primary key {key}"
        if version is not None:
            detail += f", expected {version} {row[VERSION_PARAM]!r}"
        detail += ")"
    raise exc.StaleDataError(
        f"{what.upper()} of {mapper.class_.__name__}{detail} on table {mapper.table.name!r} "
        f"expected to match {len(step.params)} row(s) but matched {rowcount}: the row was "
        "changed or deleted by another transaction. Reload the object and try again "
        "(sessionmaker.run_transaction retries this automatically)."
    )


def _insert(connection: Any, step: Step) -> None:
    mapper = step.mapper
    generated = step.generated_keys
    decided = [k for k in step.server_generated if k not in mapper.primary_key_attrs]
    if decided and connection.dialect.features.insert_returning:
        # Values the database decided (server defaults, SQL expressions) come back with
        # the row, as SQLAlchemy's eager_defaults="auto" fetches them: no later SELECT.
        _insert_fetching(connection, step, [*generated, *decided])
        return
    if not generated:
        params: Any = step.params[0] if len(step.params) == 1 else step.params
        connection.execute(step.statement, params)
        return
    if len(step.params) == 1:
        result = connection.execute(step.statement, step.params[0])
        values = tuple(result.inserted_primary_key)
        pk_values = dict(zip(mapper.primary_key_attrs, values, strict=True))
        step.params[0].update({k: pk_values[k] for k in generated})
        return
    if len(generated) != 1:
        for row in step.params:  # composite generated keys: one row at a time
            result = connection.execute(step.statement, row)
            pk_values = dict(
                zip(mapper.primary_key_attrs, result.inserted_primary_key, strict=True)
            )
            row.update({k: pk_values[k] for k in generated})
        return
    strategy = connection.dialect.features.bulk_insert_keys
    (key,) = generated
    if strategy == "sequence_prefetch":
        _prefetch_keys(connection, step, key)
        connection.execute(insert(mapper.table), step.params)
    elif strategy == "lastrowid_range":
        connection.execute(step.statement, step.params)
        sql = connection.dialect.statement_compiler.last_insert_id_sql
        last = connection.execute(text(sql)).scalar()
        first = last - len(step.params) + 1
        for offset, row in enumerate(step.params):
            row[key] = first + offset
    else:
        _insert_returning(connection, step, key)


def _prefetch_keys(connection: Any, step: Step, key: str) -> None:
    dialect = connection.dialect
    column = step.mapper.columns_by_key[key]
    compiler = dialect.statement_compiler(dialect)
    compiler.schema_map = connection.get_execution_options().get("schema_translate_map")
    # in the SQL text, where a listener rewriting table names reaches it (a string literal)
    table = compiler.table_name(step.mapper.table).replace("'", "''")
    sql = dialect.statement_compiler.sequence_prefetch_sql.format(table=table)
    query = text(sql).bindparams(column=column.name, count=len(step.params))
    keys = connection.execute(query).scalars().all()
    for row, value in zip(step.params, keys, strict=True):
        row[key] = value


def _insert_returning(connection: Any, step: Step, key: str) -> None:
    mapper = step.mapper
    column = mapper.columns_by_key[key]
    width = max(1, len(step.params[0]))
    per_statement = max(1, min(1000, connection.dialect.features.max_bind_params // width))
    for start in range(0, len(step.params), per_statement):
        chunk = step.params[start : start + per_statement]
        statement = insert(mapper.table).values(chunk).returning(column)
        values = connection.execute(statement).scalars().all()
        for row, value in zip(chunk, values, strict=True):
            row[key] = value


def _insert_fetching(connection: Any, step: Step, keys: list[str]) -> None:
    """INSERT ... RETURNING the columns in ``keys``; their values go into the rows' params."""
    columns = [step.mapper.columns_by_key[k] for k in keys]
    statement = insert(step.mapper.table).returning(*columns)
    params: Any = step.params[0] if len(step.params) == 1 else step.params
    rows = connection.execute(statement, params).all()
    for row_params, row in zip(step.params, rows, strict=True):
        row_params.update(zip(keys, row, strict=True))
