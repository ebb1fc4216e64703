"""``ARRAY(item_type)``: a list of values of one type in one column, and what reads it.

Only PostgreSQL has arrays among corral's databases: the other dialects refuse
the type when they create the table or cast to it, and refuse the operators
when they compile them. ``col[i]`` reads one element (PostgreSQL counts from 1
unless ``zero_indexes=True``), ``col[i:j]`` a slice, ``col.any(x)`` tests
``x = ANY (col)``, ``col.contains([...])`` / ``col.contained_by([...])`` /
``col.overlap([...])`` compare element sets (``@>``, ``<@``, ``&&``).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql.elements import BindParameter, ColumnElement
from corral.sql.type_api import Processor, TypeEngine, to_instance
from corral.sql.types import Boolean, Integer

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect
    from corral.sql.from_clause import FromClause


def _to_list(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class ARRAY(TypeEngine):
    """A one- or more-dimensional array of ``item_type`` values (``INTEGER[]``)."""

    #: ``contains()`` / ``contained_by()`` compare contents (``@>`` / ``<@``), not text.
    containment = True
    python_types = (list, tuple)
    affinity = "array"
    visit_name = "array"
    expected = "a list (or tuple) of values"

    def __init__(
        self,
        item_type: TypeEngine | type[TypeEngine],
        as_tuple: bool = False,
        dimensions: int | None = None,
        zero_indexes: bool = False,
    ) -> None:
        item = to_instance(item_type)
        if isinstance(item, ARRAY):
            raise exc.ArgumentError(
                "ARRAY(ARRAY(...)) is not how arrays nest: give the item type once and the "
                "number of dimensions with dimensions=N"
            )
        if dimensions is not None and (isinstance(dimensions, bool) or dimensions < 1):
            raise exc.ArgumentError(f"ARRAY(dimensions={dimensions!r}) must be a positive int")
        self.item_type = item
        self.as_tuple = as_tuple
        self.dimensions = dimensions
        self.zero_indexes = zero_indexes

    @property
    def python_type(self) -> type:
        return tuple if self.as_tuple else list

    def accepts(self, value: object) -> bool:
        if value is None:
            return True
        if not isinstance(value, list | tuple):
            return False
        return all(self._accepts_item(item, 1) for item in value)

    def _accepts_item(self, item: object, depth: int) -> bool:
        if isinstance(item, list | tuple) and (self.dimensions is None or depth < self.dimensions):
            return all(self._accepts_item(i, depth + 1) for i in item)
        return self.item_type.accepts(item)

    def generic_bind_processor(self, dialect: SQLDialect) -> Processor | None:
        convert = self.item_type.bind_processor(dialect)

        def to_driver(value: Any) -> Any:
            if value is None:
                return None
            return [to_driver(v) if isinstance(v, list | tuple) else _item(v) for v in value]

        def _item(value: Any) -> Any:
            return value if convert is None or value is None else convert(value)

        return to_driver

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        convert = self.item_type.result_processor(dialect)
        as_tuple = self.as_tuple
        if convert is None and not as_tuple:
            return None

        def from_driver(value: Any) -> Any:
            if value is None:
                return None
            items = [
                from_driver(v)
                if isinstance(v, list)
                else (v if convert is None or v is None else convert(v))
                for v in value
            ]
            return tuple(items) if as_tuple else items

        return from_driver

    def describe(self) -> str:
        return f"ARRAY({self.item_type.describe()})"


class ArrayIndex(ColumnElement[Any]):
    """``array[index]`` or ``array[lower:upper]``."""

    visit_name = "array_index"

    def __init__(self, array: ColumnElement[Any], key: object) -> None:
        type_ = array.type
        assert isinstance(type_, ARRAY)
        self.array = array.__clause_element__()
        shift = 1 if type_.zero_indexes else 0
        if isinstance(key, slice):
            if key.step is not None:
                raise exc.ArgumentError("An array slice takes no step: write col[lower:upper]")
            bounds = [key.start, key.stop]
            if any(b is None for b in bounds):
                raise exc.ArgumentError("An array slice needs both bounds: col[lower:upper]")
            self.index: BindParameter[Any] | ColumnElement[Any] = self._bound(bounds[0], shift)
            self.upper: BindParameter[Any] | ColumnElement[Any] | None = self._bound(
                bounds[1], shift
            )
            self.type = type_
        else:
            self.index = self._bound(key, shift)
            self.upper = None
            self.type = type_.item_type

    @staticmethod
    def _bound(value: object, shift: int) -> BindParameter[Any] | ColumnElement[Any]:
        if isinstance(value, ColumnElement):
            return value.__clause_element__() + shift if shift else value.__clause_element__()
        if isinstance(value, bool) or not isinstance(value, int):
            raise exc.ArgumentError(f"Array indexes are int, got {value!r}")
        return BindParameter(None, value + shift, Integer())

    def describe(self) -> str:
        return f"{self.array.describe()}[...]"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        upper = self.upper._key(binds) if self.upper is not None else None
        return ("array_index", self.array._key(binds), self.index._key(binds), upper)

    def _from_objects(self) -> list[FromClause]:
        return self.array._from_objects()


class ArrayOperation(ColumnElement[bool]):
    """``value = ANY (array)`` / ``array @> other`` / ``<@`` / ``&&``: a boolean test."""

    visit_name = "array_operation"

    def __init__(self, operator: str, left: ColumnElement[Any], right: ColumnElement[Any]) -> None:
        self.operator = operator
        self.left = left.__clause_element__()
        self.right = right.__clause_element__()
        self.type = Boolean()

    def describe(self) -> str:
        return f"{self.left.describe()} {self.operator} {self.right.describe()}"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("array_op", self.operator, self.left._key(binds), self.right._key(binds))

    def _from_objects(self) -> list[FromClause]:
        return [*self.left._from_objects(), *self.right._from_objects()]


def array_index(array: ColumnElement[Any], key: object) -> ArrayIndex:
    return ArrayIndex(array, key)


def _operand(array: ColumnElement[Any], other: object, as_array: bool) -> ColumnElement[Any]:
    if isinstance(other, ColumnElement):
        return other.__clause_element__()
    type_ = array.type
    target = type_ if as_array or not isinstance(type_, ARRAY) else type_.item_type
    if other is not None and not target.accepts(other):
        raise exc.ArgumentError(
            f"Bad value compared with {array.describe()}: {target.rejection(other)}"
        )
    return BindParameter(None, other, target, origin=array.describe())


def any_(array: ColumnElement[Any], other: object) -> ArrayOperation:
    """``other = ANY (array)``: whether some element equals ``other``."""
    return ArrayOperation("any", array, _operand(array, other, as_array=False))


def array_compare(array: ColumnElement[Any], operator: str, other: object) -> ArrayOperation:
    """``array @> other`` (contains), ``<@`` (contained_by) or ``&&`` (overlap); also
    ``@>`` / ``<@`` of a JSONB document."""
    return ArrayOperation(operator, array, _operand(array, other, as_array=True))
