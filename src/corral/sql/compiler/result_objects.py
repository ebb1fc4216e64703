"""Which objects name each column of a statement's result rows (``row._mapping[users.c.id]``).

The compiler records the expression selected at each position; the map from object to
position is built on the first lookup by an object (lookups by name or position never
need it), once per compiled statement. An object matches the position that selected it
(a table or alias column, a label, an expression, an ORM attribute or entity); an ORM
attribute also matches through the column it stands for. A statement built again (a
cache hit) selects new label and expression objects of the same shape as the ones
compiled: those match by shape, as SQLAlchemy matches them by position.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

#: Position of an object that names several columns.
AMBIGUOUS = -1


class ResultObjects:
    """The objects a compiled statement's result columns are looked up by."""

    __slots__ = ("_by_identity", "_by_shape", "columns", "row_type")

    def __init__(self, columns: Sequence[Any]) -> None:
        #: Per position, the object selected there (None where nothing names it).
        self.columns = tuple(columns)
        #: The engine's ``Row`` class for these rows, made at the first execution and kept.
        self.row_type: Any = None
        self._by_identity: dict[Any, int] | None = None
        self._by_shape: dict[Hashable, int] | None = None

    def position_of(self, key: object) -> int | None:
        """Where the column ``key`` names is: ``AMBIGUOUS`` when it names several, None
        when it names none."""
        index = self._by_identity
        if index is None:
            index = self._by_identity = self._identity_index()
        try:
            found = index.get(key)
        except TypeError:  # unhashable: names nothing
            return None
        if found is not None:
            return found
        inner = _clause_of(key)
        if inner is not None and inner is not key:
            found = index.get(inner)
            if found is not None:
                return found
        shape = _shape_of(inner if inner is not None else key)
        if shape is None:
            return None
        shapes = self._by_shape
        if shapes is None:
            shapes = self._by_shape = self._shape_index()
        return shapes.get(shape)

    def _identity_index(self) -> dict[Any, int]:
        """Each selected object (and the column an ORM attribute stands for) to its
        position; a column selected twice names the first (as SQLAlchemy's repeat)."""
        index: dict[Any, int] = {}
        for position, column in enumerate(self.columns):
            if column is None:
                continue
            index.setdefault(column, position)
            inner = _clause_of(column)
            if inner is not None:
                index.setdefault(inner, position)
        return index

    def _shape_index(self) -> dict[Hashable, int]:
        """Each selected expression's shape to its position (``AMBIGUOUS`` when shared)."""
        shapes: dict[Hashable, int] = {}
        for position, column in enumerate(self.columns):
            inner = _clause_of(column)
            shape = _shape_of(inner if inner is not None else column)
            if shape is not None:
                shapes[shape] = AMBIGUOUS if shape in shapes else position
        return shapes


def _clause_of(key: object) -> Any:
    """The SQL element ``key`` stands for (an ORM attribute's column), else None."""
    clause = getattr(key, "__clause_element__", None)
    if clause is None or isinstance(key, type):
        return None
    try:
        return clause()
    except Exception:  # an attribute with no single column (a relationship)
        return None


def _shape_of(element: object) -> Hashable | None:
    """The element's cache-key shape, or None for what has none."""
    from corral.sql.elements import ClauseElement

    if not isinstance(element, ClauseElement):
        return None
    try:
        return element._key([])
    except Exception:  # an element with no cache key is matched by identity only
        return None


def describe_key(key: object) -> str:
    """How an error names a column looked up by object: ``users.id``, or its SQL."""
    from corral.sql.elements import ClauseElement

    element = _clause_of(key)
    element = key if element is None else element
    table = getattr(element, "table", None)
    name = getattr(element, "name", None)
    if table is not None and isinstance(name, str):
        table_name = getattr(table, "name", None)
        return f"{table_name}.{name}" if table_name else name
    if isinstance(key, type):
        return key.__name__
    if isinstance(element, ClauseElement):
        try:
            return str(element)
        except Exception:
            return repr(key)
    return repr(key)
