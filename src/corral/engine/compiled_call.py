"""One ``Connection.execute`` call before and after its driver call: compiled, and turned
into a ``Result``. Both halves are free of I/O, so the sync connection and the asyncio
executor (``async_execute.py``) run the same code around their own driver call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from corral import exc
from corral.engine.inserted import cursor_result
from corral.engine.parameters import split_parameters, statement_compiler
from corral.engine.result import CursorSource, Result, row_processing
from corral.engine.streaming import row_buffer

if TYPE_CHECKING:
    from corral.engine.base import Connection


class CompiledCall(NamedTuple):
    """A statement compiled for one execution, with its driver arguments."""

    statement: Any
    compiled: Any
    binds: Any
    parameters: Any
    args: Any
    many: bool
    write_lock: bool
    #: Rows to buffer at a time (``yield_per`` / ``stream_results``), None to read all.
    buffer: int | None


def compile_call(
    connection: Connection,
    statement: Any,
    parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> CompiledCall:
    compile_for = statement_compiler(statement)
    parameters, keys, many = split_parameters(parameters)
    options = connection._execution_options
    cache = options.get("compiled_cache", True)
    # The connection's schema_translate_map, else the statement's (as SQLAlchemy merges
    # them); a statement is compiled and cached once per map.
    schema_map = options.get("schema_translate_map")
    if schema_map is None:
        own = getattr(statement, "_execution_options", None)
        schema_map = own.get("schema_translate_map") if own else None
    if schema_map:
        compiled, binds = compile_for(connection.dialect, keys, cache, schema_map)
    else:
        compiled, binds = compile_for(connection.dialect, keys, cache)
    # Without row locks, a locking read that opens the transaction takes the write lock.
    write_lock = (
        connection.dialect.features.write_lock_on_begin
        and not connection._stack.begun
        and getattr(statement, "_for_update", None) is not None
    )
    args: Any
    if compiled.expanding is not None:  # IN lists written for this execution's lengths
        if many:
            raise exc.ArgumentError(
                f"The statement {compiled.sql!r} has an expanding IN parameter, which takes "
                "one list per execution: run each parameter set with its own execute() "
                "(nothing was sent to the database)"
            )
        compiled, args = compiled.construct_expanded(binds, parameters)
    elif many:
        assert isinstance(parameters, list | tuple)
        args = compiled.construct_params_many(binds, parameters)
    else:
        assert parameters is None or type(parameters) is dict or isinstance(parameters, Mapping)
        args = compiled.construct_params(binds, parameters)
    buffer = row_buffer(options, statement)
    return CompiledCall(statement, compiled, binds, parameters, args, many, write_lock, buffer)


def result_of(connection: Connection, call: CompiledCall, cursor: Any) -> Result:
    """The Result of ``call`` from the cursor its driver call ran on."""
    compiled = call.compiled
    on_error = partial(connection._translate, statement=compiled.sql, params=call.args)
    result = cursor_result(
        connection.dialect,
        cursor,
        compiled,
        call.binds,
        call.parameters,
        call.many,
        on_error,
        connection._meter,
    )
    if call.buffer is not None:
        result._source.yield_per = call.buffer
    return result


def rows_of(connection: Connection, call: CompiledCall, cursor: Any) -> list[Any]:
    """``result_of(connection, call, cursor).raw_rows()`` without building the Result: the
    rows of a SELECT as the loader reads them, counted, the cursor closed."""
    compiled = call.compiled
    if compiled.kind == "insert" or cursor.description is None:  # no plain rows: the Result
        return result_of(connection, call, cursor).raw_rows()  # says so, or holds the key
    on_error = partial(connection._translate, statement=compiled.sql, params=call.args)
    textual = compiled.textual
    if textual is not None:
        processors = textual.layout(cursor.description).processors
    else:
        processors = compiled.result_processors
    return CursorSource(cursor, (), processors, False, on_error, connection._meter).fetchall()


#: Where a frozen SELECT keeps its ``RowsPlan`` (``Select._clone`` leaves it behind).
PLAN_ATTR = "_rows_plan"


class RowsPlan:
    """What running a frozen SELECT for its rows needs besides its parameters, worked out
    once per dialect (``_execute_rows``): the compiled statement, its binds, the parameter
    names it was compiled for and the function converting its rows (None: none converts)."""

    __slots__ = ("binds", "compiled", "dialect", "frozen", "keys", "process")

    def __init__(self, frozen: Any, dialect: Any, keys: Any, call: CompiledCall) -> None:
        self.frozen = frozen
        self.dialect = dialect
        self.keys = keys
        self.compiled = call.compiled
        self.binds = call.binds
        processors = call.compiled.result_processors
        self.process = None if processors is None else row_processing(processors)


def plan_rows(connection: Connection, statement: Any, call: CompiledCall) -> None:
    """Keep ``call``'s compiled form on ``statement`` for its next executions on this dialect,
    when nothing of it varies by execution but the values: a frozen SELECT of plain rows
    (no FOR UPDATE, expanding IN, streaming, schema map or options of its own), run on a
    connection without execution options with one dict of parameters."""
    compiled = call.compiled
    frozen = statement.__dict__.get("_frozen_key")
    if (
        frozen is None
        or call.many
        or type(call.parameters) is not dict
        or compiled.kind != "select"
        or compiled.expanding is not None
        or compiled.textual is not None
        or call.write_lock
        or call.buffer is not None
        or connection._execution_options
        or getattr(statement, "_execution_options", None)
        or getattr(statement, "_for_update", None) is not None
    ):
        return
    statement.__dict__[PLAN_ATTR] = RowsPlan(
        frozen, connection.dialect, tuple(call.parameters), call
    )


def planned_rows(connection: Connection, plan: RowsPlan, args: Any, cursor: Any) -> list[Any]:
    """``rows_of`` for a statement run from its ``RowsPlan``: its rows, converted, counted,
    the cursor closed (a fetch error is translated as a Result's would be)."""
    try:
        rows = cursor.fetchall()
    except Exception as error:
        on_error = partial(connection._translate, statement=plan.compiled.sql, params=args)
        raise CursorSource(cursor, (), None, False, on_error, connection._meter)._failed(
            error
        ) from error
    cursor.close()
    connection._meter.rows(len(rows))
    return rows if plan.process is None else plan.process(rows)
