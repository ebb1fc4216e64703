"""How the rows of ``text(...).columns(...)`` are named and typed, from the cursor's columns.

A textual statement's SQL is the user's, so its result's layout is known only once the
cursor describes it. As SQLAlchemy 2.0 does: when every declared column was given
positionally (no keyword types), the cursor's columns are matched by position, the first
ones taking the declared columns' types and objects; otherwise they are matched by name.
Either way each row has every column the cursor returns, keyed by the cursor's names;
those not declared are untyped. Decided here without I/O, once per cursor layout.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

from corral import exc
from corral.sql.compiler.result_objects import ResultObjects
from corral.sql.type_api import Processor

#: Cursor layouts remembered per compiled text (one is usual; ``SELECT *`` may vary).
_LAYOUTS_KEPT = 8


class TextualLayout(NamedTuple):
    """A textual result's keys, converters and lookup objects for one cursor layout."""

    keys: tuple[str, ...]
    processors: tuple[Processor | None, ...] | None
    objects: ResultObjects


class TextualColumns:
    """The columns declared by ``text().columns()``, matched to a cursor's description."""

    __slots__ = ("_layouts", "elements", "names", "positional", "processors")

    def __init__(
        self,
        names: Sequence[str],
        elements: Sequence[Any],
        processors: Sequence[Processor | None],
        positional: bool,
    ) -> None:
        self.names = tuple(names)
        self.elements = tuple(elements)
        self.processors = tuple(processors)
        #: Every column was given positionally: match the cursor's columns by position.
        self.positional = positional
        self._layouts: dict[tuple[str, ...], TextualLayout] = {}

    def layout(self, description: Sequence[Sequence[Any]]) -> TextualLayout:
        """The keys, converters and objects of rows with this cursor ``description``."""
        cursor_names = tuple(str(entry[0]) for entry in description)
        found = self._layouts.get(cursor_names)
        if found is None:
            found = self._merge(cursor_names)
            if len(self._layouts) >= _LAYOUTS_KEPT:
                self._layouts.clear()
            self._layouts[cursor_names] = found
        return found

    def _merge(self, cursor_names: tuple[str, ...]) -> TextualLayout:
        positions = (
            self._by_position(cursor_names) if self.positional else self._by_name(cursor_names)
        )
        processors = tuple(None if p is None else self.processors[p] for p in positions)
        objects = [None if p is None else self.elements[p] for p in positions]
        return TextualLayout(
            cursor_names,
            processors if any(p is not None for p in processors) else None,
            ResultObjects(objects),
        )

    def _by_position(self, cursor_names: tuple[str, ...]) -> list[int | None]:
        declared = len(self.names)
        if declared > len(cursor_names):
            warnings.warn(
                f"text().columns() declares {declared} columns but the statement returned "
                f"{len(cursor_names)} ({', '.join(cursor_names)}); the last "
                f"{declared - len(cursor_names)} match nothing: declare only the columns "
                "the SQL selects",
                exc.SAWarning,
                stacklevel=6,
            )
        seen: set[int] = set()
        for element in self.elements[: len(cursor_names)]:
            if id(element) in seen:
                raise exc.InvalidRequestError(
                    f"text().columns() names the column {element!r} twice; give each "
                    "position its own column"
                )
            seen.add(id(element))
        return [index if index < declared else None for index in range(len(cursor_names))]

    def _by_name(self, cursor_names: tuple[str, ...]) -> list[int | None]:
        by_name: dict[str, int] = {}
        for index, (name, element) in enumerate(zip(self.names, self.elements, strict=True)):
            by_name.setdefault(name, index)
            # A column whose key differs from its name is found by either.
            for alias in (getattr(element, "name", None), getattr(element, "key", None)):
                if isinstance(alias, str):
                    by_name.setdefault(alias, index)
        return [by_name.get(name) for name in cursor_names]
