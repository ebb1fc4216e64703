"""What a column holds when a row is written without a value for it.

``ColumnDefault`` is the client side: a constant, a Python callable (called per
row), or a SQL expression (``func.now()``, ``select(...)``, ``text(...)``) written
into the INSERT or UPDATE statement for the database to evaluate. ``Identity``
makes the database number the column (``GENERATED ... AS IDENTITY``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from corral import exc
from corral.sql.elements import ClauseElement


class ColumnDefault:
    """A client-side value for a column: a constant, a callable called per row, or a SQL
    expression evaluated by the database in the statement."""

    __slots__ = ("arg", "is_callable", "is_clause_element", "takes_context")

    def __init__(self, arg: Any) -> None:
        self.arg = arg
        self.is_clause_element = isinstance(arg, ClauseElement)
        self.is_callable = callable(arg) and not self.is_clause_element
        #: A callable taking one argument gets the row's context, as in SQLAlchemy.
        self.takes_context = self.is_callable and _takes_one_argument(arg)

    @property
    def is_scalar(self) -> bool:
        """A constant (not a callable nor a SQL expression)."""
        return not (self.is_callable or self.is_clause_element)

    is_sequence = False
    is_server_default = False

    def value(self, parameters: Mapping[str, Any] | None = None) -> Any:
        """The value for a row; ``parameters``: the row's other values, which a callable
        taking a context reads with ``context.get_current_parameters()``."""
        if self.is_clause_element:
            raise exc.InvalidRequestError(
                f"The default {self.arg!r} is a SQL expression, which the database evaluates; "
                "it has no Python value"
            )
        if self.takes_context:
            return self.arg(DefaultContext(parameters))
        return self.arg() if self.is_callable else self.arg

    def clause(self) -> ClauseElement:
        """The SQL expression to write into the statement (a subquery for a SELECT)."""
        from corral.sql.selectable import SelectBase

        arg = self.arg
        if isinstance(arg, SelectBase):
            return arg.scalar_subquery()
        assert isinstance(arg, ClauseElement)
        return arg

    def __repr__(self) -> str:
        return f"ColumnDefault({self.arg!r})"


#: Where a default callable's ``context.connection`` comes from while a flush writes rows
#: (set by the session around its flush; see ``connection_source``).
_connection_source: ContextVar[Callable[[], Any] | None] = ContextVar(
    "corral_default_connection", default=None
)


class ConnectionSource:
    """``with ConnectionSource(source):`` within the block, default callables reach
    ``source()`` as ``context.connection``. (A class: a generator's context manager costs
    several times more, and every flush enters one.)"""

    __slots__ = ("_source", "_token")

    def __init__(self, source: Callable[[], Any]) -> None:
        self._source = source

    def __enter__(self) -> None:
        self._token = _connection_source.set(self._source)

    def __exit__(self, *exc_info: object) -> None:
        _connection_source.reset(self._token)


class DefaultContext:
    """What a column default callable taking one argument is given: the row being written
    (``get_current_parameters()``, ``current_parameters``) and, in a session's flush, the
    connection writing it (``connection``)."""

    __slots__ = ("_source", "current_parameters")

    def __init__(self, parameters: Mapping[str, Any] | None) -> None:
        self.current_parameters: dict[str, Any] = dict(parameters or {})
        self._source = _connection_source.get()

    @property
    def connection(self) -> Any:
        """The connection the row is written on (in a session's flush)."""
        if self._source is None:
            raise exc.InvalidRequestError(
                "A column default read context.connection, which corral gives only while a "
                "Session flushes (not to defaults of Core statements, computed before they "
                "execute, nor in an AsyncSession flush run on the event loop). Compute the "
                "value first and pass it as a parameter"
            )
        return self._source()

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> dict[str, Any]:
        return self.current_parameters


def _takes_one_argument(function: Any) -> bool:
    """Whether ``function`` requires a positional argument (SQLAlchemy passes it the context)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: called with none
        return False
    positional = [
        p
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return len(positional) >= 1


class Identity:
    """``GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY (...)``: the database numbers the column.

    PostgreSQL writes every option. MariaDB/MySQL and SQLite have no identity
    columns: there a plain ``Identity()`` on the integer primary key means their
    own numbering (``AUTO_INCREMENT``, the rowid), and anything more raises
    ``CompileError`` rather than being ignored.
    """

    def __init__(
        self,
        always: bool = False,
        on_null: bool | None = None,
        start: int | None = None,
        increment: int | None = None,
        minvalue: int | None = None,
        maxvalue: int | None = None,
        nominvalue: bool | None = None,
        nomaxvalue: bool | None = None,
        cycle: bool | None = None,
        cache: int | None = None,
        order: bool | None = None,
    ) -> None:
        if on_null is not None or order is not None:
            raise exc.ArgumentError(
                "Identity(on_null=..., order=...) are Oracle options, and corral has no Oracle "
                "dialect; remove them"
            )
        self.always = always
        self.start = start
        self.increment = increment
        self.minvalue = minvalue
        self.maxvalue = maxvalue
        self.nominvalue = nominvalue
        self.nomaxvalue = nomaxvalue
        self.cycle = cycle
        self.cache = cache

    def options(self) -> list[str]:
        """The parenthesised options as PostgreSQL writes them, in its order."""
        spelled = []
        if self.start is not None:
            spelled.append(f"START WITH {int(self.start)}")
        if self.increment is not None:
            spelled.append(f"INCREMENT BY {int(self.increment)}")
        if self.minvalue is not None:
            spelled.append(f"MINVALUE {int(self.minvalue)}")
        if self.maxvalue is not None:
            spelled.append(f"MAXVALUE {int(self.maxvalue)}")
        if self.nominvalue:
            spelled.append("NO MINVALUE")
        if self.nomaxvalue:
            spelled.append("NO MAXVALUE")
        if self.cache is not None:
            spelled.append(f"CACHE {int(self.cache)}")
        if self.cycle is not None:
            spelled.append("CYCLE" if self.cycle else "NO CYCLE")
        return spelled

    def __repr__(self) -> str:
        given = {k: v for k, v in vars(self).items() if v not in (None, False)}
        return f"Identity({', '.join(f'{k}={v!r}' for k, v in given.items())})"


def take_identity(items: list[Any], what: str) -> Identity | None:
    """Remove the ``Identity()`` from a column's positional arguments and return it."""
    identities = [item for item in items if isinstance(item, Identity)]
    if len(identities) > 1:
        raise exc.ArgumentError(f"{what} got more than one Identity(); give one")
    items[:] = [item for item in items if not isinstance(item, Identity)]
    return identities[0] if identities else None
