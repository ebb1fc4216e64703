"""Indexing a JSON expression: ``T.data["k"]``, ``T.data[("a", 1)]`` and the typed
reads ``.as_string()``, ``.as_integer()``, ``.as_float()``, ``.as_boolean()``,
``.as_numeric()`` and ``.as_json()``.

The element only records the path and the wanted type; each dialect's compiler
spells it (``->`` / ``#>`` on PostgreSQL, ``JSON_EXTRACT`` with a ``$`` path on
SQLite and MariaDB).
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Literal

from corral import exc
from corral.sql.elements import BindParameter, ColumnElement
from corral.sql.type_api import NULLTYPE, TypeEngine
from corral.sql.types import JSON, Boolean, Float, Integer, Numeric, String

if TYPE_CHECKING:
    from corral.sql.from_clause import FromClause

PathStep = str | int
#: What a typed read returns: the JSON value itself, or a SQL scalar of one type.
ReadAs = Literal["json", "string", "integer", "float", "boolean", "numeric"]


def _steps(key: object) -> tuple[PathStep, ...]:
    steps = key if isinstance(key, tuple) else (key,)
    if not steps:
        raise exc.ArgumentError("A JSON path needs at least one key or index")
    for step in steps:
        if isinstance(step, bool) or not isinstance(step, str | int):
            raise exc.ArgumentError(
                f"JSON keys are str (object keys) or int (array indexes), got {step!r}"
            )
    return steps


def json_index(element: ColumnElement[Any], key: object) -> JSONIndex:
    """``element[key]`` on a JSON expression (a path for a tuple key)."""
    if element.type.affinity != "json":
        raise exc.ArgumentError(
            f"{element.describe()}[{key!r}]: indexing needs a JSON expression, but "
            f"{element.describe()} is {element.type.describe()}"
        )
    steps = _steps(key)
    if isinstance(element, JSONIndex) and element.read_as == "json":
        return JSONIndex(element.element, element.path + steps, element.json_type)
    return JSONIndex(element, steps, element.type)


class JSONIndex(ColumnElement[Any]):
    """One value inside a JSON document, read as JSON or as a SQL scalar."""

    visit_name = "json_index"

    def __init__(
        self,
        element: ColumnElement[Any],
        path: tuple[PathStep, ...],
        json_type: TypeEngine,
        read_as: ReadAs = "json",
        numeric: tuple[int, int] | None = None,
    ) -> None:
        self.element = element.__clause_element__()
        self.path = path
        self.json_type = json_type
        self.read_as = read_as
        self.numeric = numeric
        self.type = _READ_TYPES[read_as](numeric) if read_as != "json" else json_type
        #: The path as PostgreSQL takes it (one key for ``->``, ``text[]`` for ``#>``) and
        #: as SQLite and MariaDB take it (``$."a"[1]``); each compiler uses its own.
        self.native_path = self._key_bind() if len(path) == 1 else self._text_path_bind()
        self.dollar_path = self._dollar_path_bind()

    @property
    def is_path(self) -> bool:
        """More than one step (PostgreSQL's ``#>`` rather than ``->``)."""
        return len(self.path) > 1

    def describe(self) -> str:
        return f"{self.element.describe()}{list(self.path)}"

    def _read(self, read_as: ReadAs, numeric: tuple[int, int] | None = None) -> JSONIndex:
        if self.read_as != "json":
            raise exc.ArgumentError(
                f"{self.describe()} is already read as {self.read_as}; call one as_...() only"
            )
        return JSONIndex(self.element, self.path, self.json_type, read_as, numeric)

    def as_json(self) -> JSONIndex:
        return self._read("json")

    def as_string(self) -> JSONIndex:
        return self._read("string")

    def as_integer(self) -> JSONIndex:
        return self._read("integer")

    def as_float(self) -> JSONIndex:
        return self._read("float")

    def as_boolean(self) -> JSONIndex:
        return self._read("boolean")

    def as_numeric(self, precision: int, scale: int, asdecimal: bool = True) -> JSONIndex:
        if not asdecimal:
            raise exc.ArgumentError("as_numeric(asdecimal=False) is not supported; use as_float()")
        return self._read("numeric", (precision, scale))

    # -- binds the compilers use --------------------------------------------------------

    def _key_bind(self) -> BindParameter[Any]:
        """The single key or index, as its own type (PostgreSQL's ``->``)."""
        step = self.path[0]
        bind: BindParameter[Any] = BindParameter(
            None, step, Integer() if isinstance(step, int) else String()
        )
        bind.display_name = self.element.key or "param"
        return bind

    def _text_path_bind(self) -> BindParameter[Any]:
        """The steps as text (PostgreSQL's ``#>`` takes ``text[]``)."""
        bind: BindParameter[Any] = BindParameter(None, [str(s) for s in self.path], NULLTYPE)
        bind.display_name = self.element.key or "param"
        return bind

    def _dollar_path_bind(self) -> BindParameter[Any]:
        """The path as SQLite and MariaDB write it: ``$."a"[1]``."""
        path = "$"
        for step in self.path:
            path += f"[{step}]" if isinstance(step, int) else f".{json.dumps(step)}"
        return BindParameter(None, path, String())

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (
            "json_index",
            len(self.path),
            self.read_as,
            self.numeric,
            self.json_type.cache_key(),
            self.element._key(binds),
            self.native_path._key(binds),
            self.dollar_path._key(binds),
        )

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


_READ_TYPES: dict[str, Any] = {
    "string": lambda _: String(),
    "integer": lambda _: Integer(),
    "float": lambda _: Float(),
    "boolean": lambda _: Boolean(),
    "numeric": lambda spec: Numeric(*spec),
}


def is_json(type_: TypeEngine) -> bool:
    return isinstance(type_, JSON) or type_.affinity == "json"
