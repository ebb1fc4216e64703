"""Comparisons of a container's contents: ``any()``, ``contained_by()`` and ``overlap()``
of an ``ARRAY`` (and ``contained_by()`` of a ``JSONB`` document), a base of ``ColumnElement``.

On any other type they raise, naming it. ``contains()`` stays in ``elements`` (it means
LIKE on text) and turns into ``@>`` for these types; ``col[i]`` likewise. The elements
they build are in ``array_type``; imported when called, since it imports ``elements``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral import exc

if TYPE_CHECKING:
    from corral.sql.elements import ColumnElement
    from corral.sql.type_api import TypeEngine


class ContainerComparators:
    """The ARRAY (and JSONB) comparisons every column expression offers."""

    type: TypeEngine

    def describe(self) -> str:
        raise NotImplementedError

    def _array_only(self, method: str, containment_too: bool = False) -> None:
        if self.type.affinity == "array":
            return
        if containment_too and getattr(self.type, "containment", False):
            return
        raise exc.ArgumentError(
            f"{self.describe()}.{method}() compares array elements, but "
            f"{self.describe()} is {self.type.describe()}, not an ARRAY"
        )

    def _self(self) -> ColumnElement[Any]:
        from corral.sql.elements import ColumnElement

        assert isinstance(self, ColumnElement)
        return self

    def any(self, criterion: Any = None, **kwargs: Any) -> ColumnElement[bool]:
        """``other = ANY (array)``: whether an element of this ARRAY equals ``other`` (given
        positionally or as ``other=``, SQLAlchemy's name; relationships share the method)."""
        from corral.sql.array_type import any_

        self._array_only("any")
        other = kwargs.pop("other", criterion)
        if kwargs:
            raise exc.ArgumentError(
                f"{self.describe()}.any() takes the value to look for, not "
                f"{', '.join(sorted(kwargs))}"
            )
        return any_(self._self(), other)

    def contained_by(self, other: object) -> ColumnElement[bool]:
        """``array <@ other``: every element of this ARRAY (or JSONB) is in ``other``."""
        from corral.sql.array_type import array_compare

        self._array_only("contained_by", containment_too=True)
        return array_compare(self._self(), "<@", other)

    def overlap(self, other: object) -> ColumnElement[bool]:
        """``array && other``: this ARRAY and ``other`` share an element."""
        from corral.sql.array_type import array_compare

        self._array_only("overlap")
        return array_compare(self._self(), "&&", other)
