"""Runs a flush plan on a connection: the thin I/O half of the unit of work.

What each step sends, and what it does with the results (generated keys into the rows'
parameters, rowcount checks), is written once as a generator (``step_statements``):
it yields ``(statement, parameters)`` and is sent back each statement's Result. The
sync driver below executes them on a Connection; the asyncio executor awaits them
(``corral.ext.asyncio.native_session``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from corral import exc
from corral.orm.unit_of_work.plan import FlushPlan, Step, StepKind
from corral.sql.dml import insert
from corral.sql.text import text

# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_INSERT = StepKind.INSERT
_UPDATE = StepKind.UPDATE

#: A step's statements: yields ``(statement, parameters)``, is sent each one's Result.
Statements = Generator[tuple[Any, Any], Any, None]


def execute_plan(connection: Any, plan: FlushPlan, commit: bool = False) -> bool:
    """Execute every step in order; fill generated keys into the rows' parameters.

    ``commit``: the transaction commits right after (a Session's commit, nothing
    listening in between). Where the last step is one statement that the database alone
    judges (an INSERT of one row: no row count to check after it), the COMMIT goes with
    it, in its round trip where the dialect can. Returns whether the transaction was
    committed here."""
    last = committing_step(plan) if commit else None
    if last is not None and not connection.dialect.commits_with_statement():
        last = None  # (a dialect that cannot: every step runs as usual)
    for step in plan.steps:
        if step is last:
            return _execute_committing(connection, step)
        execute_step(connection, step)
    return False


def execute_step(connection: Any, step: Step) -> None:
    """Execute one step; an INSERT fills generated keys into its rows' parameters."""
    route = getattr(connection, "route", None)  # a Session over several databases
    if route is not None:
        connection = route(step.mapper)
    statements = step_statements(connection, step)
    result = None
    while True:
        try:
            statement, params = statements.send(result)
        except StopIteration:
            return
        result = connection.execute(statement, params)


def committing_step(plan: FlushPlan) -> Step | None:
    """The plan's last step if the COMMIT may go with it: an INSERT of one row, one
    statement (``_insert``), whose success the database alone decides."""
    steps = plan.steps
    if steps and steps[-1].kind is _INSERT and len(steps[-1].params) == 1:
        return steps[-1]
    return None


def more_after_commit(step: Step) -> exc.InvalidRequestError:
    """The error for a step that ``committing_step`` chose and that sends a second
    statement after its transaction committed (which must not happen)."""
    return exc.InvalidRequestError(
        f"corral internal error: the INSERT of one {step.mapper.class_.__name__} row "
        "became several statements after its transaction committed; please report it"
    )


def _execute_committing(connection: Any, step: Step) -> bool:
    """The one statement of ``step`` with the COMMIT behind it, where the connection
    can (``Connection._execute_then_commit``); else executed alone. Whether it committed."""
    statements = step_statements(connection, step)
    statement, params = next(statements)
    result = connection._execute_then_commit(statement, params)
    committed = result is not None
    if not committed:
        result = connection.execute(statement, params)
    try:
        statements.send(result)
    except StopIteration:
        return committed
    raise more_after_commit(step)


def step_statements(connection: Any, step: Step) -> Statements:
    """The statements of one step on ``connection`` (read for its dialect and options,
    never executed on); each one's Result is sent back."""
    if step.kind is _INSERT:
        yield from _insert(connection, step)
        return
    params: Any = step.params[0] if len(step.params) == 1 else step.params
    result = yield step.statement, params
    if step.check_rowcount:
        _check_rowcount(step, result.rowcount)


def _check_rowcount(step: Step, rowcount: int) -> None:
    if rowcount < 0 or rowcount == len(step.params):
        return
    mapper = step.mapper
    version = mapper.version_id_key
    what = "update" if step.kind is _UPDATE else "delete"
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


def _insert(connection: Any, step: Step) -> Statements:
    dialect = connection.dialect
    mapper = step.mapper
    generated = step.generated_keys
    decided = [k for k in step.server_generated if k not in mapper.primary_key_attrs]
    if decided and dialect.features.insert_returning:
        # Values the database decided (server defaults, SQL expressions) come back with
        # the row, as SQLAlchemy's eager_defaults="auto" fetches them: no later SELECT.
        yield from _insert_fetching(step, [*generated, *decided])
        return
    if not generated:
        params: Any = step.params[0] if len(step.params) == 1 else step.params
        yield step.statement, params
        return
    if len(step.params) == 1:
        result = yield step.statement, step.params[0]
        values = tuple(result.inserted_primary_key)
        pk_values = dict(zip(mapper.primary_key_attrs, values, strict=True))
        step.params[0].update({k: pk_values[k] for k in generated})
        return
    if len(generated) != 1:
        for row in step.params:  # composite generated keys: one row at a time
            result = yield step.statement, row
            pk_values = dict(
                zip(mapper.primary_key_attrs, result.inserted_primary_key, strict=True)
            )
            row.update({k: pk_values[k] for k in generated})
        return
    strategy = dialect.features.bulk_insert_keys
    (key,) = generated
    if strategy == "sequence_prefetch":
        yield from _prefetch_keys(connection, step, key)
        yield insert(mapper.table), step.params
    elif strategy == "lastrowid_range":
        yield step.statement, step.params
        sql = dialect.statement_compiler.last_insert_id_sql
        last = (yield text(sql), None).scalar()
        first = last - len(step.params) + 1
        for offset, row in enumerate(step.params):
            row[key] = first + offset
    else:
        yield from _insert_returning(connection, step, key)


def _prefetch_keys(connection: Any, step: Step, key: str) -> Statements:
    dialect = connection.dialect
    column = step.mapper.columns_by_key[key]
    compiler = dialect.statement_compiler(dialect)
    compiler.schema_map = connection.get_execution_options().get("schema_translate_map")
    # in the SQL text, where a listener rewriting table names reaches it (a string literal)
    table = compiler.table_name(step.mapper.table).replace("'", "''")
    sql = dialect.statement_compiler.sequence_prefetch_sql.format(table=table)
    query = text(sql).bindparams(column=column.name, count=len(step.params))
    keys = (yield query, None).scalars().all()
    for row, value in zip(step.params, keys, strict=True):
        row[key] = value


def _insert_returning(connection: Any, step: Step, key: str) -> Statements:
    dialect = connection.dialect
    mapper = step.mapper
    column = mapper.columns_by_key[key]
    width = max(1, len(step.params[0]))
    per_statement = max(1, min(1000, dialect.features.max_bind_params // width))
    for start in range(0, len(step.params), per_statement):
        chunk = step.params[start : start + per_statement]
        statement = insert(mapper.table).values(chunk).returning(column)
        values = (yield statement, None).scalars().all()
        for row, value in zip(chunk, values, strict=True):
            row[key] = value


def _insert_fetching(step: Step, keys: list[str]) -> Statements:
    """INSERT ... RETURNING the columns in ``keys``; their values go into the rows' params."""
    columns = [step.mapper.columns_by_key[k] for k in keys]
    statement = insert(step.mapper.table).returning(*columns)
    params: Any = step.params[0] if len(step.params) == 1 else step.params
    rows = (yield statement, params).all()
    for row_params, row in zip(step.params, rows, strict=True):
        row_params.update(zip(keys, row, strict=True))
