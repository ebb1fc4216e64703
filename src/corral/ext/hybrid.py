"""Hybrid attributes: one Python definition read on an object and as SQL on the class.

``@hybrid_property def length(self): return self.end - self.start`` gives
``interval.length`` (a number, computed in Python) and ``Interval.length`` (the
same function called with the class, so a SQL expression usable in
``select()`` / ``where()``). ``.expression`` gives the class its own version
when the Python one does not translate; ``.setter`` / ``.deleter`` make the
attribute writable; ``.comparator`` returns a :class:`Comparator` that defines
the operators; ``.update_expression`` says which columns ``update().values()``
sets for the hybrid. Each modifier returns a copy; ``.inplace.<modifier>``
changes the hybrid itself (so the functions may keep their own names).
"""

from __future__ import annotations

import copy
import enum
import functools
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from corral import exc
from corral.sql.elements import ColumnElement

T = TypeVar("T")


class HybridExtensionType(enum.Enum):
    """What ``inspect(cls).all_orm_descriptors`` calls a hybrid (SQLAlchemy's names)."""

    HYBRID_METHOD = "HYBRID_METHOD"
    HYBRID_PROPERTY = "HYBRID_PROPERTY"


HYBRID_METHOD = HybridExtensionType.HYBRID_METHOD
HYBRID_PROPERTY = HybridExtensionType.HYBRID_PROPERTY


class hybrid_method(Generic[T]):
    """A method that runs on the object, and called on the class builds SQL (with the class
    in place of ``self``, or through its ``.expression`` function)."""

    is_attribute = True
    extension_type = HYBRID_METHOD

    def __init__(self, func: Callable[..., T], expr: Callable[..., Any] | None = None) -> None:
        self.func = func
        self.expr = expr if expr is not None else func
        self.__doc__ = func.__doc__

    def __get__(self, instance: object | None, owner: type) -> Callable[..., Any]:
        if instance is None:
            return self.expr.__get__(owner, owner)  # type: ignore[no-any-return]
        return self.func.__get__(instance, owner)  # type: ignore[no-any-return]

    def expression(self, expr: Callable[..., Any]) -> hybrid_method[T]:
        """The class-level version: called with the class, returns a SQL expression."""
        self.expr = _function(expr)
        if self.expr.__doc__ is None:
            self.expr.__doc__ = self.func.__doc__
        return self

    @property
    def inplace(self) -> hybrid_method[T]:
        """The hybrid itself (its modifiers already change it in place)."""
        return self


class hybrid_property(Generic[T]):
    """An attribute computed by ``fget``: on an object its value, on the class the SQL
    expression ``fget`` (or ``.expression``) builds from the class's attributes."""

    is_attribute = True
    extension_type = HYBRID_PROPERTY

    def __init__(
        self,
        fget: Callable[[Any], T],
        fset: Callable[[Any, Any], None] | None = None,
        fdel: Callable[[Any], None] | None = None,
        expr: Callable[[Any], Any] | None = None,
        custom_comparator: Callable[[Any], Any] | None = None,
        update_expr: Callable[[Any, Any], list[tuple[Any, Any]]] | None = None,
    ) -> None:
        self.fget = fget
        self.fset = fset
        self.fdel = fdel
        self.expr = expr
        self.custom_comparator = custom_comparator
        self.update_expr = update_expr
        self.__name__ = getattr(fget, "__name__", "hybrid")
        self._named = False
        self.__doc__ = fget.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        # The first name wins: with ``@x.inplace.setter def _x_setter`` the hybrid is also
        # bound under the setter's name, later in the class body.
        if not self.__dict__.get("_named"):
            self.__name__ = name
            self._named = True

    def __get__(self, instance: object | None, owner: type | None = None) -> Any:
        if instance is None:
            if owner is None:
                return self
            return self._class_level(owner)
        return self.fget(instance)

    def __set__(self, instance: object, value: Any) -> None:
        if self.fset is None:
            raise AttributeError(
                f"the hybrid property {type(instance).__name__}.{self.__name__} has no setter; "
                f"give it one with @{self.__name__}.setter"
            )
        self.fset(instance, value)

    def __delete__(self, instance: object) -> None:
        if self.fdel is None:
            raise AttributeError(
                f"the hybrid property {type(instance).__name__}.{self.__name__} has no deleter; "
                f"give it one with @{self.__name__}.deleter"
            )
        self.fdel(instance)

    def _class_level(self, owner: type) -> Any:
        expression: Any
        if self.custom_comparator is not None:
            expression = self.custom_comparator(owner)
        else:
            build = self.expr if self.expr is not None else self.fget
            expression = build(owner)
        if self.update_expr is not None and not hasattr(type(expression), "__get__"):
            # ``update(Cls).values({Cls.hybrid: v})`` asks the expression for its pairs (a
            # new expression each time; a shared class attribute is left alone).
            expression._update_pairs = functools.partial(self.update_pairs, owner)
        return expression

    def _copy(self, **changes: Any) -> hybrid_property[T]:
        other = copy.copy(self)
        other._named = False
        other.__dict__.update({name: _function(f) for name, f in changes.items()})
        return other

    def getter(self, fget: Callable[[Any], T]) -> hybrid_property[T]:
        """A copy reading the value with ``fget``."""
        return self._copy(fget=fget)

    def setter(self, fset: Callable[[Any, Any], None]) -> hybrid_property[T]:
        """A copy that sets the value with ``fset(obj, value)``."""
        return self._copy(fset=fset)

    def deleter(self, fdel: Callable[[Any], None]) -> hybrid_property[T]:
        """A copy that deletes the value with ``fdel(obj)``."""
        return self._copy(fdel=fdel)

    def expression(self, expr: Callable[[Any], Any]) -> hybrid_property[T]:
        """A copy whose class-level value is ``expr(cls)`` instead of ``fget(cls)``."""
        return self._copy(expr=expr)

    def comparator(self, comparator: Callable[[Any], Any]) -> hybrid_property[T]:
        """A copy whose class-level value is the :class:`Comparator` ``comparator(cls)``."""
        return self._copy(custom_comparator=comparator)

    def update_expression(
        self, meth: Callable[[Any, Any], list[tuple[Any, Any]]]
    ) -> hybrid_property[T]:
        """A copy that ``update().values({Cls.hybrid: v})`` expands into the
        ``(column, value)`` pairs ``meth(cls, v)`` returns."""
        return self._copy(update_expr=meth)

    @property
    def overrides(self) -> hybrid_property[T]:
        """The hybrid, to redefine a parent class's version in a subclass."""
        return self

    @property
    def inplace(self) -> _InPlace[T]:
        """Modifiers that change this hybrid instead of returning a copy."""
        return _InPlace(self)

    def update_pairs(self, owner: type, value: Any) -> list[tuple[Any, Any]]:
        """The ``(column, value)`` pairs an UPDATE sets for ``Cls.hybrid = value``."""
        if self.update_expr is None:
            raise exc.InvalidRequestError(
                f"{owner.__name__}.{self.__name__} is a hybrid property with no "
                f"update_expression; give it one with @{self.__name__}.update_expression to "
                "use it in update().values()"
            )
        return list(self.update_expr(owner, value))


def _function(func: Any) -> Any:
    """The function of a ``@classmethod`` / ``@staticmethod`` (the documented spelling for
    ``.inplace.expression``), else ``func``."""
    return func.__func__ if isinstance(func, classmethod | staticmethod) else func


class _InPlace(Generic[T]):
    """``hybrid.inplace``: the modifiers, changing the hybrid and returning it."""

    __slots__ = ("hybrid",)

    def __init__(self, hybrid: hybrid_property[T]) -> None:
        self.hybrid = hybrid

    def _set(self, name: str, func: Any) -> hybrid_property[T]:
        setattr(self.hybrid, name, _function(func))
        return self.hybrid

    def getter(self, fget: Callable[[Any], T]) -> hybrid_property[T]:
        return self._set("fget", fget)

    def setter(self, fset: Callable[[Any, Any], None]) -> hybrid_property[T]:
        return self._set("fset", fset)

    def deleter(self, fdel: Callable[[Any], None]) -> hybrid_property[T]:
        return self._set("fdel", fdel)

    def expression(self, expr: Callable[[Any], Any]) -> hybrid_property[T]:
        return self._set("expr", expr)

    def comparator(self, comparator: Callable[[Any], Any]) -> hybrid_property[T]:
        return self._set("custom_comparator", comparator)

    def update_expression(
        self, meth: Callable[[Any, Any], list[tuple[Any, Any]]]
    ) -> hybrid_property[T]:
        return self._set("update_expr", meth)


class Comparator(ColumnElement[T]):
    """The class-level value of a hybrid with ``.comparator``: wraps a SQL expression and
    behaves as it does; subclasses redefine operators (``__eq__``, ...) to change the SQL."""

    def __init__(self, expression: Any) -> None:
        self.expression = expression
        inner = getattr(expression, "__clause_element__", None)
        element = inner() if inner is not None else expression
        self.type = element.type

    def __clause_element__(self) -> ColumnElement[T]:
        inner = getattr(self.expression, "__clause_element__", None)
        element: ColumnElement[T] = inner() if inner is not None else self.expression
        return element

    def operate(self, op: Callable[..., Any], *other: Any, **kwargs: Any) -> Any:
        """``op(expression, *other)``: what an operator does unless the subclass redefines it."""
        return op(self.expression, *other, **kwargs)

    def reverse_operate(self, op: Callable[..., Any], other: Any, **kwargs: Any) -> Any:
        return op(other, self.expression, **kwargs)


__all__ = [
    "HYBRID_METHOD",
    "HYBRID_PROPERTY",
    "Comparator",
    "HybridExtensionType",
    "hybrid_method",
    "hybrid_property",
]
