"""What ``Connection.execute`` was given: a statement it can compile, and its parameters.

Pure decisions, no I/O: the connection asks these, then runs the statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from corral import exc

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


def statement_compiler(statement: Any) -> Callable[..., Any]:
    """The statement's ``_compile_for``; a clear error for a string or another object."""
    compile_for = getattr(statement, "_compile_for", None)
    if compile_for is None:
        if isinstance(statement, str):
            raise exc.ArgumentError(
                f"execute() takes a statement object, not a string: wrap the SQL in "
                f"text(), as in execute(text({statement[:60]!r})), or use exec_driver_sql()"
            )
        raise exc.ArgumentError(
            f"execute() takes a statement (select(), insert(), text(), ...), "
            f"got {type(statement).__name__}"
        )
    result: Callable[..., Any] = compile_for
    return result


def split_parameters(parameters: Parameters) -> tuple[Parameters, tuple[str, ...] | None, bool]:
    """(parameters, the keys that shape the statement, whether it is an executemany).

    A dict is one execution; a list of dicts is one per dict (a list of one is a
    single execution); an empty list is an execution without parameters.
    """
    if parameters is None:
        return None, None, False
    if type(parameters) is dict or isinstance(parameters, Mapping):  # dict: no ABC check
        return parameters, tuple(parameters), False
    if isinstance(parameters, list | tuple) and (
        # dicts, nearly always: checked in C, without an ABC check per set
        set(map(type, parameters)) <= {dict} or all(isinstance(p, Mapping) for p in parameters)
    ):
        if not parameters:
            return None, None, False
        if len(parameters) == 1:
            return parameters[0], tuple(parameters[0]), False
        return parameters, tuple(parameters[0]), True
    raise exc.ArgumentError(
        f"execute() parameters must be a dict or a list of dicts, got {type(parameters).__name__}"
    )
