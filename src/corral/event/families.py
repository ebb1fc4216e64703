"""Event families: the events one kind of target offers, and where its listeners live.

A family is a class with one method per event (the method's arguments are
what a listener receives; its docstring says when it fires). Defining a
subclass registers it; ``listen()`` picks the family that both accepts the
target and offers the event. Families live next to their layer (the
connection's in ``engine/``, the pool's in ``pool/``, the Session's and the
mapper's in ``orm/``); this module only knows the base.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

from corral.event.dispatch import Dispatch, Listener

#: Every family defined so far, in definition order.
FAMILIES: list[type[Events]] = []


class Events:
    """Base of a family of events."""

    #: The family's name as SQLAlchemy spells it (``SessionEvents``), for messages.
    family_name: ClassVar[str] = "Events"
    #: Events whose listeners may return a replacement with ``retval=True``: for each,
    #: the value to use when the listener was registered without it (from the arguments).
    retval_events: ClassVar[dict[str, Callable[[tuple[Any, ...]], Any]]] = {}
    #: Events whose listeners' return values are always used (``retval=True`` is accepted
    #: and changes nothing), e.g. ``do_orm_execute`` returning a Result.
    returning_events: ClassVar[frozenset[str]] = frozenset()
    #: ``listen()`` keywords this family accepts besides once/insert/named/retval.
    options: ClassVar[frozenset[str]] = frozenset()
    #: Whether the family's targets are the application's model classes (which then are
    #: any class no other family claims: a declarative base, a mixin).
    on_models: ClassVar[bool] = False

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        FAMILIES.append(cls)

    @classmethod
    def event_names(cls) -> frozenset[str]:
        return frozenset(
            name
            for name, value in vars(cls).items()
            if not name.startswith("_") and inspect.isfunction(value)
        )

    @classmethod
    def argument_names(cls, name: str) -> list[str]:
        """The names of the event's arguments, for ``named=True`` listeners."""
        params = list(inspect.signature(getattr(cls, name)).parameters)
        return [p for p in params if p != "self"]

    # -- targets: subclasses say which they accept and where the listeners go --------------

    @classmethod
    def _dispatch_for(cls, target: Any) -> Dispatch | None:
        """The dispatch that holds this target's listeners, or None: not a target of ours."""
        raise NotImplementedError

    @classmethod
    def _accepts(cls, target: Any) -> bool:
        return cls._dispatch_for(target) is not None

    @classmethod
    def _add(cls, target: Any, listener: Listener, insert: bool) -> None:
        dispatch = cls._dispatch_for(target)
        assert dispatch is not None
        dispatch._add_listener(listener, insert=insert)

    @classmethod
    def _remove(cls, target: Any, fn: Callable[..., Any], name: str) -> bool:
        dispatch = cls._dispatch_for(target)
        return dispatch is not None and dispatch._remove_listener(fn, name)

    @classmethod
    def _contains(cls, target: Any, fn: Callable[..., Any], name: str) -> bool:
        dispatch = cls._dispatch_for(target)
        return dispatch is not None and dispatch._contains_listener(fn, name)

    @classmethod
    def _adapt(
        cls, name: str, fn: Callable[..., Any], options: dict[str, Any]
    ) -> Callable[..., Any]:
        """The callable to run for ``fn`` given the family's own options (``raw=``...)."""
        return fn


def class_dispatch(cls: type[Any], names: frozenset[str], attribute: str = "dispatch") -> Dispatch:
    """The dispatch of a class (its own, created on first use, under its base class's).

    Instances find it by attribute lookup through the class; a subclass without
    listeners of its own uses its base's.
    """
    own = cls.__dict__.get(attribute)
    if isinstance(own, Dispatch):
        return own
    parent = None
    for base in cls.__mro__[1:]:
        if isinstance(base.__dict__.get(attribute), Dispatch):
            parent = class_dispatch(base, names, attribute)
            break
    dispatch = Dispatch(names, parent)
    setattr(cls, attribute, dispatch)
    return dispatch


class DispatchHolder:
    """Base of a class whose instances check ``self.dispatch`` on hot paths (a Session, a Pool).

    The class's listeners live in ``_class_dispatch``: each subclass gets its own when it is
    defined, under its base's, so a listener added to a class later reaches the instances
    made before. An instance's ``__init__`` sets its ``dispatch`` to its class's
    (``instance_dispatch`` gives it its own on the first listen on the instance). With no
    class attribute named ``dispatch``, each check of an event is a plain instance
    attribute read: CPython 3.11 never specializes the read of an instance attribute that a
    class attribute shadows, which costs about ten times as much.
    """

    #: The events of the class's family (the root class sets them in its body).
    _event_names: ClassVar[frozenset[str]]
    _class_dispatch: ClassVar[Dispatch]
    dispatch: Dispatch

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._class_dispatch = Dispatch(cls._event_names, getattr(cls, "_class_dispatch", None))


def instance_dispatch(target: Any, names: frozenset[str], attribute: str = "dispatch") -> Dispatch:
    """The dispatch of one instance: its own, created on first use under the one it used
    (its class's, or a shared one such as its sessionmaker's)."""
    current = target.__dict__.get(attribute)
    if isinstance(current, Dispatch) and current.owner_id == id(target):
        return current
    if isinstance(target, DispatchHolder) and not isinstance(current, Dispatch):
        current = target._class_dispatch
    elif not isinstance(current, Dispatch):
        current = class_dispatch(type(target), names, attribute)
    dispatch = current._child(target)
    target.__dict__[attribute] = dispatch
    return dispatch


__all__ = ["FAMILIES", "DispatchHolder", "Events", "class_dispatch", "instance_dispatch"]
