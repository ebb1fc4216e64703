"""Literal SQL: ``text()`` with ``:name`` parameters bound safely."""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from corral import exc
from corral.sql.elements import BindParameter, ClauseElement, ColumnElement
from corral.sql.type_api import TypeEngine, to_instance

_TEXT_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


class TextClause(ClauseElement):
    """Literal SQL with ``:name`` parameters; ``\\:`` writes a plain colon."""

    visit_name = "text"

    def __init__(self, text: str) -> None:
        self.text = text
        self.bind_names = _TEXT_BIND.findall(text)
        self.binds: dict[str, BindParameter[Any]] = {}
        self.column_types: list[tuple[str, TypeEngine]] = []
        #: The columns given to ``columns()``, as a subquery of the text exposes them.
        self.column_elements: list[tuple[str, ColumnElement[Any]]] = []
        #: Every column was given positionally: rows match them by position, else by name.
        self.positional = False

    def bindparams(self, *binds: BindParameter[Any], **values: Any) -> TextClause:
        """Attach values (or typed ``bindparam``\\ s) to the text's ``:name`` parameters."""
        clone = TextClause(self.text)
        clone.binds = dict(self.binds)
        clone.column_types = list(self.column_types)
        clone.column_elements = list(self.column_elements)
        clone.positional = self.positional
        for bind in binds:
            clone._attach(bind.key or "", bind)
        for name, value in values.items():
            existing = clone.binds.get(name)
            clone._attach(name, BindParameter(name, value, existing.type if existing else None))
        return clone

    def _attach(self, name: str, bind: BindParameter[Any]) -> None:
        if name not in self.bind_names:
            raise exc.ArgumentError(
                f"text() has no parameter :{name}; it has "
                f"{', '.join(':' + n for n in self.bind_names) or 'none'}"
            )
        self.binds[name] = bind

    def columns(
        self, *cols: ColumnElement[Any], **types: TypeEngine | type[TypeEngine]
    ) -> TextClause:
        """Declare the result columns (their types convert values, as a select's do).

        Rows keep every column the SQL returns, keyed by the cursor's names; columns given
        only positionally match the cursor's by position, else by name."""
        from corral.sql.columns import ColumnClause

        remaining = {name: to_instance(t) for name, t in types.items()}
        elements: list[tuple[str, ColumnElement[Any]]] = []
        for col in cols:
            key = col.key or ""
            given = remaining.pop(key, None)  # a keyword type for it replaces the column
            own = col.__clause_element__() if given is None else ColumnClause(key, given)
            elements.append((key, own))
        positional = bool(elements) and not remaining
        elements += [(name, ColumnClause(name, t)) for name, t in remaining.items()]
        clone = self.bindparams()
        clone.column_elements = elements
        clone.column_types = [(name, column.type) for name, column in elements]
        clone.positional = positional
        return clone

    def _exported_columns(self) -> list[tuple[str, ColumnElement[Any]]]:
        return list(self.column_elements)

    def subquery(self, name: str | None = None) -> Any:
        """``(text) AS name``, its columns those given to ``columns()``."""
        if not self.column_elements:
            raise exc.ArgumentError(
                "text().subquery() needs the text's columns: text(...).columns(User.id, ...) "
                "or .columns(name=String)"
            )
        from corral.sql.from_clause import Subquery

        element: Any = self
        return Subquery(element, name)

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        bind_keys = []
        for name in sorted(self.binds):
            bind_keys.append((name, self.binds[name]._key(binds)))
        column_keys = tuple((n, t.cache_key()) for n, t in self.column_types)
        # The columns' own shapes too: rows are looked up by those objects.
        column_shapes = tuple(column._key([]) for _, column in self.column_elements)
        return ("text", self.text, tuple(bind_keys), column_keys, column_shapes, self.positional)


def text(sql: str) -> TextClause:
    """Raw SQL with ``:name`` parameters bound safely."""
    if not isinstance(sql, str):
        raise exc.ArgumentError(f"text() takes a string of SQL, got {type(sql).__name__}")
    return TextClause(sql)


class TextColumn(ColumnElement[Any]):
    """A ``text()`` fragment used where an expression goes: a selected column, a
    ``where()`` condition, an ORDER BY term."""

    visit_name = "text_column"

    def __init__(self, clause: TextClause) -> None:
        self.clause = clause
        self.key = clause.text

    def describe(self) -> str:
        return f"text({self.clause.text!r})"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("text_column", self.clause._key(binds))


class LabelReference(ColumnElement[Any]):
    """A name given to ``order_by()`` / ``group_by()`` as a string: the label of a selected
    column, or a selected column's name. Resolved when the statement compiles."""

    visit_name = "label_reference"

    def __init__(self, name: str) -> None:
        self.name = name

    def describe(self) -> str:
        return repr(self.name)

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("label_reference", self.name)
