"""``statement.compile(...)``: choosing the dialect and the options SQLAlchemy's
``compile()`` takes, and attaching the statement's values to the result."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql.compiler.display import display_compiler
from corral.sql.linting import FROM_LINTING

if TYPE_CHECKING:
    from corral.sql.compiler.compiled import Compiled
    from corral.sql.compiler.dialect import SQLDialect
    from corral.sql.elements import BindParameter, ClauseElement

#: The ``compile_kwargs`` corral understands.
COMPILE_KWARGS = frozenset({"literal_binds"})


def _dialect_of(bind: Any, dialect: Any) -> SQLDialect:
    from corral.sql.compiler.dialect import SQLDialect

    given_a_dialect = isinstance(bind, SQLDialect) or (
        isinstance(bind, type) and issubclass(bind, SQLDialect)
    )
    if dialect is None and given_a_dialect:
        dialect = bind  # compile(dialect) positionally, as corral took it before
    elif dialect is None and bind is not None:
        dialect = getattr(bind, "dialect", None)
        if dialect is None:
            raise exc.ArgumentError(
                f"compile(bind) takes an Engine or Connection, got {type(bind).__name__}"
            )
    if dialect is None:
        from corral.sql.compiler.default import default_dialect

        return default_dialect()
    if isinstance(dialect, type) and issubclass(dialect, SQLDialect):
        dialect = dialect()
    if not isinstance(dialect, SQLDialect):
        raise exc.ArgumentError(
            "compile(dialect=...) takes a corral dialect, e.g. "
            f"corral.dialects.postgresql.dialect(), got {type(dialect).__name__}"
        )
    return dialect


def _stringify_dialect(element: ClauseElement) -> Any:
    name = getattr(element, "stringify_dialect", None)
    if not name:
        return None
    module = importlib.import_module(f"corral.dialects.{name}")
    return module.dialect()


def compile_element(
    element: ClauseElement,
    bind: Any,
    dialect: Any,
    compile_kwargs: dict[str, Any] | None,
    linting: int = 0,
) -> Compiled:
    """``element`` compiled for the dialect, with its values attached (``Compiled.params``)."""
    if bind is None and dialect is None:
        # A dialect's own construct (postgresql.insert()) shows in that dialect's SQL.
        dialect = _stringify_dialect(element)
    target = _dialect_of(bind, dialect)
    options = dict(compile_kwargs or {})
    unknown = sorted(set(options) - COMPILE_KWARGS)
    if unknown:
        raise exc.ArgumentError(
            f"compile(compile_kwargs=...) got {', '.join(unknown)}, which corral does not "
            f"support; it takes {', '.join(sorted(COMPILE_KWARGS))}"
        )
    # What would run (an ORM select with its loader options applied), compiled as str()
    # shows it: a DML statement without values() lists every column.
    element = element._for_display()
    keys = element._display_keys()
    binds: list[BindParameter[Any]]
    if element.is_ddl:
        ddl = target.ddl_compiler(target)
        ddl.shown = True  # laid out on several lines, as SQLAlchemy prints DDL
        return ddl.compile(element, [], keys).with_binds([])
    # Compiled afresh, never cached, by the dialect's compiler writing SQL as SQLAlchemy
    # prints it (named parameters, labels, line breaks; see display.py). What runs is
    # compiled apart (``_compile_for``) and may be spelled more compactly.
    binds = []
    element._key(binds)
    compiler = display_compiler(target.statement_compiler)(target)
    compiler.literal_binds = bool(options.get("literal_binds"))
    compiler.linting = linting & FROM_LINTING == FROM_LINTING
    return compiler.compile(element, binds, keys).with_binds(binds)
