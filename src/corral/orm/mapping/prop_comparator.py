"""``PropComparator``: the base of a custom comparator, which defines what SQL the
operators of a class-level attribute build (``Cls.attr == value``).

A subclass redefines the operators it changes (``__eq__``, ...); the others apply to
what its ``__clause_element__()`` gives. Used with ``@hybrid.comparator`` and as
``comparator_factory``-style classes written for SQLAlchemy.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any


class PropComparator:
    """Operators of a class-level attribute; subclasses redefine the ones they change."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self, prop: Any = None, parentmapper: Any = None, adapt_to_entity: Any = None
    ) -> None:
        self.prop = self.property = prop
        self._parententity = parentmapper
        self._adapt_to_entity = adapt_to_entity

    def __clause_element__(self) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} does not define this operator and has no "
            "__clause_element__() to apply it to; define the operator (e.g. __eq__) or "
            "__clause_element__() on the comparator"
        )

    def operate(self, op: Callable[..., Any], *other: Any, **kwargs: Any) -> Any:
        """``op(self.__clause_element__(), *other)``, unless the subclass redefines ``op``."""
        return op(self.__clause_element__(), *other, **kwargs)

    def reverse_operate(self, op: Callable[..., Any], other: Any, **kwargs: Any) -> Any:
        return op(other, self.__clause_element__(), **kwargs)

    def __eq__(self, other: object) -> Any:
        return self.operate(operator.eq, other)

    def __ne__(self, other: object) -> Any:
        return self.operate(operator.ne, other)

    def __lt__(self, other: Any) -> Any:
        return self.operate(operator.lt, other)

    def __le__(self, other: Any) -> Any:
        return self.operate(operator.le, other)

    def __gt__(self, other: Any) -> Any:
        return self.operate(operator.gt, other)

    def __ge__(self, other: Any) -> Any:
        return self.operate(operator.ge, other)

    def __getattr__(self, name: str) -> Any:
        """Other column methods (``like``, ``in_``, ...) apply to ``__clause_element__()``."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.__clause_element__(), name)


__all__ = ["PropComparator"]
