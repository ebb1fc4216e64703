"""A statement's Result built from its cursor; for a single-row INSERT, with the key it created."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from corral.engine.result import ErrorTranslator, Result
from corral.engine.row import Row, make_row, statement_row_class

if TYPE_CHECKING:
    from corral.engine.default import DefaultDialect
    from corral.engine.meter import Meter
    from corral.sql.compiler.compiled import Compiled


def cursor_result(
    dialect: DefaultDialect,
    cursor: Any,
    compiled: Compiled,
    binds: Sequence[Any],
    parameters: Any,
    many: bool,
    on_error: ErrorTranslator,
    meter: Meter | None = None,
) -> Result:
    """The Result of ``compiled`` just executed on ``cursor`` (``meter`` counts its rows)."""
    if compiled.kind == "insert" and not many:
        return insert_result(cursor, compiled, binds, parameters, on_error, meter)
    description = cursor.description
    if description is None:
        rowcount = cursor.rowcount
        cursor.close()
        return Result(None, (), rowcount=rowcount)
    textual = compiled.textual
    if textual is not None:  # text().columns(): laid out by the cursor's columns
        layout = textual.layout(description)
        keys = layout.keys
        row_type = statement_row_class(keys, layout.objects)
        processors = layout.processors
    else:
        keys = compiled.result_keys or tuple([d[0] for d in description])
        row_type = statement_row_class(keys, compiled.result_objects)
        processors = compiled.result_processors
    return Result(
        cursor,
        keys,
        processors,
        rowcount=cursor.rowcount,
        row_builder=dialect if processors is None else None,
        iterate=dialect.cursor_iteration_is_cheap,
        on_error=on_error,
        meter=meter,
        row_type=row_type,
    )


def insert_result(
    cursor: Any,
    compiled: Compiled,
    binds: Sequence[Any],
    parameters: Any,
    on_error: ErrorTranslator,
    meter: Meter | None = None,
) -> Result:
    """The Result of a single-row INSERT: its rowcount, the new row's key, RETURNING rows."""
    rowcount = cursor.rowcount
    if meter is not None and compiled.implicit_returning:
        meter.rows(1)  # the new key, read here
    primary_key = inserted_primary_key(cursor, compiled, binds, parameters)
    if not compiled.implicit_returning and cursor.description is not None:
        keys = compiled.result_keys or tuple([d[0] for d in cursor.description])
        return Result(
            cursor,
            keys,
            compiled.result_processors,
            rowcount=rowcount,
            inserted_primary_key=primary_key,
            on_error=on_error,
            meter=meter,
            row_type=statement_row_class(keys, compiled.result_objects),
        )
    cursor.close()
    return Result(None, (), rowcount=rowcount, inserted_primary_key=primary_key)


def inserted_primary_key(
    cursor: Any, compiled: Compiled, binds: Sequence[Any], parameters: Any
) -> Row | None:
    """The new row's key: from the implicit RETURNING row, the parameters, or ``lastrowid``.

    With an implicit RETURNING the cursor's one row is read and the cursor closed.
    """
    columns = compiled.primary_key
    if not columns:
        return None
    keys = [column.key or column.name for column in columns]
    if compiled.implicit_returning:
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return make_row(keys, [None] * len(keys))
        values = list(row)
        processors = compiled.result_processors
        if processors is not None:
            values = [
                v if p is None or v is None else p(v)
                for v, p in zip(values, processors, strict=False)
            ]
        return make_row(keys, values)
    given: dict[str, Any] = {}
    # (a dict answers at once; isinstance() of an ABC is a Python-level check)
    mapping = type(parameters) is dict or isinstance(parameters, Mapping)
    for slot in compiled.slots:
        if mapping and slot.key in parameters:
            given[slot.key] = parameters[slot.key]
        elif slot.bind_index >= 0:
            bind = binds[slot.bind_index]
            if bind.has_value():
                given[slot.key] = bind.effective_value
    values = [given.get(key) for key in keys]
    if len(values) == 1 and values[0] is None:
        # A single generated key the driver reports (SQLite, MariaDB).
        lastrowid = getattr(cursor, "lastrowid", None)
        if lastrowid:
            values[0] = lastrowid
    return make_row(keys, values)
