"""``select(User).from_statement(stmt)``: rows of another statement read as mapped objects.

The statement (a ``text()`` or a ``select()``) runs as written; the ORM matches its
result columns to the selected classes' columns by name and builds the objects.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from corral import exc
from corral.sql.elements import BindParameter, ClauseElement
from corral.sql.execution_options import HasExecutionOptions


class FromStatement(ClauseElement, HasExecutionOptions):
    """The entities of a select, loaded from the rows of ``element``."""

    visit_name = "from_statement"

    def __init__(self, entities: list[Any], element: ClauseElement, options: tuple[Any, ...]):
        # with_expression() options name a column of the statement; nothing else applies.
        refused = [o for o in options if not _reads_a_column(o)]
        if refused:
            options = tuple(refused)
            raise exc.InvalidRequestError(
                f"from_statement() runs its statement as written, so the loader options "
                f"{', '.join(map(repr, options))} cannot change it; drop them (relationships "
                "load when first read)"
            )
        if not hasattr(element, "_compile_for") or getattr(element, "kind", None) == "dml":
            raise exc.ArgumentError(
                f"from_statement() takes a text() or select() returning rows, got {element!r}"
            )
        self._entities = entities
        self.element = element
        self._with_options = options

    def _clone(self) -> FromStatement:
        clone = FromStatement.__new__(FromStatement)
        clone.__dict__.update(self.__dict__)
        return clone

    def options(self, *options: Any) -> FromStatement:
        """Only ``with_expression()``, reading a column of the statement by its name;
        other loader options cannot change a statement that runs as written."""
        return FromStatement(self._entities, self.element, (*self._with_options, *options))

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("from_statement", self.element._key(binds))

    def __repr__(self) -> str:
        return f"<FromStatement {self.element!r}>"


def _reads_a_column(option: Any) -> bool:
    """A ``with_expression()`` option with no relationship path (duck-typed: the SQL layer
    does not import the ORM)."""
    columns: tuple[Any, ...] = getattr(option, "columns", None) or ()
    return (
        not getattr(option, "path", True)
        and bool(columns)
        and all(getattr(c, "kind", None) == "expression" for c in columns)
    )
