"""``@declared_attr``: a mixin attribute built for each class that maps the mixin.

A mixin cannot hold one ``relationship()`` (or ``ForeignKey`` column, or
``__tablename__``) shared by every class using it: each mapped class needs its
own. ``@declared_attr def owner(cls) -> Mapped[User]: return relationship(...)``
is called once per mapped class, with that class, and the result is mapped as
if the class body had declared it. ``@declared_attr.directive`` is the same for
``__tablename__`` / ``__table_args__`` / ``__mapper_args__`` (typed as what it
returns, not as ``Mapped[...]``).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from corral import exc

T = TypeVar("T")


class declared_attr(Generic[T]):
    """Mark a mixin method that builds a mapped attribute (or directive) per class."""

    def __init__(self, fget: Callable[..., T], cascading: bool = False) -> None:
        if cascading:
            raise exc.ArgumentError(
                "declared_attr.cascading is not supported; declare the attribute on each "
                "mapped class (inheritance mapping does not call it for subclasses)"
            )
        fget = getattr(fget, "__func__", fget)  # a @classmethod under the decorator
        self.fget = fget
        self.__doc__ = fget.__doc__
        self.__name__ = getattr(fget, "__name__", "declared_attr")

    def __get__(self, instance: object | None, owner: type) -> T:
        # On a class (mapped or not) the attribute is what the function builds for it.
        return self.fget(owner)

    @classmethod
    def directive(cls, fget: Callable[..., T]) -> declared_attr[T]:
        """The same, for ``__tablename__``, ``__table_args__`` and ``__mapper_args__``."""
        return cls(fget)

    @classmethod
    def cascading(cls, fget: Callable[..., T]) -> declared_attr[T]:
        """Refused (see the error): corral calls each declared_attr once per mapped class."""
        return cls(fget, cascading=True)

    def return_annotation(self) -> Any:
        """The function's return annotation (``Mapped[int]``), or None."""
        annotation = inspect.get_annotations(self.fget).get("return")
        if isinstance(annotation, str):  # resolved where the mixin was written
            from corral.orm.base import Mapped

            namespace = {"Mapped": Mapped, **getattr(self.fget, "__globals__", {})}
            with contextlib.suppress(Exception):  # else the mapping resolves or explains it
                annotation = eval(annotation, namespace)
        return annotation


def resolve_declared_attrs(cls: type, stop: Callable[[type], bool]) -> None:
    """Call every ``declared_attr`` the class inherits (or declares) with the class and set
    the result on the class itself, with the function's return annotation as the
    attribute's annotation, so that the mapping reads it as declared in the class body.

    ``stop`` tells which classes of the MRO are not mixins (the declarative base and
    above, and already mapped classes)."""
    built: dict[str, Any] = {}
    annotations: dict[str, Any] = {}
    for klass in cls.__mro__:
        if stop(klass):
            continue
        for name, value in klass.__dict__.items():
            if name in built or not isinstance(value, declared_attr):
                continue
            if klass is not cls and name in cls.__dict__:
                continue  # the class overrides the mixin's attribute
            built[name] = value.fget(cls)
            # A mixin's function gives its return annotation to the attribute; one in the
            # class body does not (as in SQLAlchemy: its result maps as it is).
            annotation = value.return_annotation() if klass is not cls else None
            if annotation is not None and not name.startswith("__"):
                annotations[name] = annotation
    if not built:
        return
    own = cls.__dict__.get("__annotations__")  # noqa: RUF063 - the class's own dict, to add to
    if own is None:
        own = {}
        type.__setattr__(cls, "__annotations__", own)
    for name, value in built.items():
        type.__setattr__(cls, name, value)
        if name in annotations and name not in own:
            own[name] = annotations[name]


__all__ = ["declared_attr", "resolve_declared_attrs"]
