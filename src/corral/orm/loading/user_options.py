"""``UserDefinedOption``: an option that carries the application's data on a statement
(``select(User).options(MyOption(payload))``) for ``do_orm_execute`` listeners to read
from ``ORMExecuteState.user_defined_options``; loading ignores it."""

from __future__ import annotations

from typing import Any


class UserDefinedOption:
    """An option holding ``payload`` for event listeners; subclass it to name your own."""

    #: Whether the option also applies to the loads the statement's objects trigger later.
    propagate_to_loaders = False
    #: Statements take as options what has a ``path`` (a loader option's); this has none.
    path: tuple[object, ...] = ()

    def __init__(self, payload: Any = None) -> None:
        self.payload = payload

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.payload!r})"


__all__ = ["UserDefinedOption"]
