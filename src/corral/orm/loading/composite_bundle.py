"""``Vertex.start`` on the class: a composite's columns selected as one value object.

``select(Vertex.start)`` returns ``Point`` objects, and ``Vertex.start ==
Point(1, 2)`` compares each column; the mapping layer asks for this Bundle
through ``mapping.composite.SELECTABLE_FACTORY``, which this module fills.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from corral.orm.loading.bundle import Bundle
from corral.orm.mapping.composite import SELECTABLE_FACTORY, CompositeAttribute


class CompositeBundle(Bundle):
    """The columns of one composite, loaded as its value object."""

    def __init__(self, attribute: CompositeAttribute) -> None:
        super().__init__(attribute.key, *attribute.columns)
        self.attribute = attribute

    def create_row_processor(
        self, query: Any, procs: Sequence[Callable[[Any], Any]], labels: Sequence[str]
    ) -> Callable[[Any], Any]:
        make = self.attribute.composite_class

        def proc(row: Any) -> Any:
            return make(*[p(row) for p in procs])

        return proc

    def __eq__(self, other: object) -> Any:
        return self.attribute.compare(other, negate=False)

    def __ne__(self, other: object) -> Any:
        return self.attribute.compare(other, negate=True)

    __hash__ = Bundle.__hash__

    def __repr__(self) -> str:
        return f"<CompositeBundle {self.attribute!r}>"


def _make(attribute: CompositeAttribute) -> CompositeBundle:
    return CompositeBundle(attribute)


SELECTABLE_FACTORY.append(_make)

__all__ = ["CompositeBundle"]
