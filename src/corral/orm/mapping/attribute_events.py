"""Attribute events (SQLAlchemy's ``AttributeEvents``): values set on a mapped attribute,
objects appended to and removed from a relationship's collection.

Listeners attach to a class attribute: ``User.name`` (a column) or
``User.addresses`` (a relationship); ``propagate=True`` also reaches the same
attribute of the subclasses mapped so far. The attribute checks
``self.dispatch.<event>`` before doing anything for listeners.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from corral.event.dispatch import Dispatch, Listener
from corral.event.families import Events, instance_dispatch


class AttributeEvents(Events):
    """Changes to one mapped attribute of objects."""

    family_name = "AttributeEvents"
    on_models = True
    options = frozenset({"raw", "active_history"})
    retval_events = {"set": lambda args: args[1], "init_scalar": lambda args: args[1]}

    def set(self, target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
        """A value is being set; with ``retval=True`` return the value to set instead."""

    def init_scalar(self, target: Any, value: Any, dict_: Any) -> Any:
        """A column attribute with no value is read on a new (transient or pending) object;
        with ``retval=True`` the listener's value is what the read returns (store it in
        ``dict_`` to keep it and have it INSERTed)."""

    def append(self, target: Any, value: Any, initiator: Any) -> None:
        """An object joined the collection (after it was added)."""

    def remove(self, target: Any, value: Any, initiator: Any) -> None:
        """An object left the collection."""

    def bulk_replace(self, target: Any, values: Any, initiator: Any) -> None:
        """The collection is being replaced by assignment; ``values`` is the new list,
        which the listener may change in place."""

    def modified(self, target: Any, initiator: Any) -> None:
        """The attribute changed (after set, append or remove)."""

    # ``remove`` also fires for ``del obj.column`` (the value removed).

    @classmethod
    def _dispatch_for(cls, target: Any) -> Dispatch | None:
        attribute = _attribute_of(target)
        return None if attribute is None else _own(attribute)

    @classmethod
    def _add(cls, target: Any, listener: Listener, insert: bool) -> None:
        for attribute in _reached(_attribute_of(target), listener.propagate):
            _own(attribute)._add_listener(listener, insert=insert)
            mapper = attribute.class_.__dict__.get("__mapper__")
            if mapper is not None:
                mapper.constructor_events = True

    @classmethod
    def _remove(cls, target: Any, fn: Callable[..., Any], name: str) -> bool:
        removed = False
        for attribute in _reached(_attribute_of(target), True):
            removed = _own(attribute)._remove_listener(fn, name) or removed
        return removed

    @classmethod
    def _adapt(
        cls, name: str, fn: Callable[..., Any], options: dict[str, Any]
    ) -> Callable[..., Any]:
        if not options.get("raw"):
            return fn
        from corral.orm.mapping.instance_state import state_of

        def run(target: Any, *rest: Any) -> Any:
            return fn(state_of(target), *rest)

        return run


ATTRIBUTE_EVENTS = AttributeEvents.event_names()


class InstrumentationEvents(Events):
    """Classes and their attributes being instrumented; a listener on a class also hears
    about its subclasses."""

    family_name = "InstrumentationEvents"
    on_models = True

    def attribute_instrument(self, cls: Any, key: Any, inst: Any) -> None:
        """An attribute was set up on a mapped class (a column or a relationship)."""

    def class_instrument(self, cls: Any) -> None:
        """A class was mapped."""

    @classmethod
    def _accepts(cls, target: Any) -> bool:
        return isinstance(target, type) and _is_model_class(target)

    @classmethod
    def _dispatch_for(cls, target: Any) -> Dispatch | None:
        if isinstance(target, type) and _is_model_class(target):
            own = _instrumented_bases.get(target)
            if own is None:
                own = _instrumented_bases[target] = Dispatch(INSTRUMENTATION_EVENTS, owner=target)
            return own
        return None


INSTRUMENTATION_EVENTS = InstrumentationEvents.event_names()
#: Classes with InstrumentationEvents listeners (few: usually one declarative base).
_instrumented_bases: dict[type[Any], Dispatch] = {}


def _is_model_class(target: type[Any]) -> bool:
    """A class of the application's models: a declarative base, mapped class or mixin."""
    from corral.event.families import FAMILIES

    return not any(f._accepts(target) for f in FAMILIES if not f.on_models)


def attribute_instrumented(cls: type[Any], key: str, attribute: Any) -> None:
    """Run the attribute_instrument listeners of ``cls``'s bases (none: nothing to do)."""
    for base, dispatch in _instrumented_bases.items():
        if issubclass(cls, base):
            for listener in dispatch.attribute_instrument:
                listener(cls, key, attribute)


def class_instrumented(cls: type[Any]) -> None:
    for base, dispatch in _instrumented_bases.items():
        if issubclass(cls, base):
            for listener in dispatch.class_instrument:
                listener(cls)


#: The dispatch of attributes nothing listens to (each gets its own on the first listen).
NO_LISTENERS = Dispatch(ATTRIBUTE_EVENTS)


def _attribute_of(target: Any) -> Any:
    """The class attribute a target stands for: itself, or for a property of a mapper
    (``mapper.column_attrs[...]``), its class's attribute of that name; else None."""
    if isinstance(target, type):
        return None
    dispatch = type(target).__dict__.get("dispatch")
    if isinstance(dispatch, Dispatch) and dispatch.names == ATTRIBUTE_EVENTS:
        return target
    parent_class = getattr(getattr(target, "parent", None), "class_", None)
    key = getattr(target, "key", None)
    if isinstance(parent_class, type) and isinstance(key, str):
        attribute = parent_class.__dict__.get(key)
        if attribute is not None and attribute is not target:
            return _attribute_of(attribute)
    return None


def _own(attribute: Any) -> Dispatch:
    dispatch = instance_dispatch(attribute, ATTRIBUTE_EVENTS)
    attribute.has_listeners = True
    rel = attribute.__dict__.get("rel")
    if rel is not None:  # a relationship: its collections find the listeners on it
        rel.dispatch = dispatch
    return dispatch


def _reached(attribute: Any, propagate: bool) -> list[Any]:
    """The attribute, and with ``propagate`` the same attribute of mapped subclasses."""
    found = [attribute]
    if propagate:
        for cls in type.__subclasses__(attribute.class_):
            other = cls.__dict__.get(attribute.key)
            if other is not None and other is not attribute:
                found.extend(_reached(other, True))
    return found


class LoaderCallableStatus(enum.Enum):
    """What ``oldvalue`` is when the attribute held no value (as SQLAlchemy passes it)."""

    NO_VALUE = 1
    NEVER_SET = 2


def _old(value: Any) -> Any:
    from corral.orm.base import NO_VALUE

    return LoaderCallableStatus.NO_VALUE if value is NO_VALUE else value


class AttributeEventToken:
    """The ``initiator`` listeners receive: which attribute and which operation."""

    __slots__ = ("key", "op", "parent_token")

    def __init__(self, attribute: Any, op: str) -> None:
        self.key = attribute.key
        self.op = op
        self.parent_token = attribute

    def __repr__(self) -> str:
        return f"<AttributeEventToken {self.key} {self.op}>"


def fire_set(attribute: Any, target: Any, value: Any, old: Any) -> Any:
    """Run the ``set`` listeners; the value to set (theirs with retval=True)."""
    dispatch = attribute.dispatch
    initiator = AttributeEventToken(attribute, "set")
    old = _old(old)
    for listener in dispatch.set:
        value = listener(target, value, old, initiator)
    for listener in dispatch.modified:
        listener(target, initiator)
    return value


def fire_init_scalar(attribute: Any, target: Any) -> Any:
    """Run the ``init_scalar`` listeners: the value a read of an unset attribute returns."""
    value = None
    d = target.__dict__
    for listener in attribute.dispatch.init_scalar:
        value = listener(target, value, d)
    return value


def fire_remove(attribute: Any, target: Any, value: Any) -> None:
    """``del obj.attr``: run the ``remove`` and ``modified`` listeners."""
    initiator = AttributeEventToken(attribute, "remove")
    for listener in attribute.dispatch.remove:
        listener(target, value, initiator)
    for listener in attribute.dispatch.modified:
        listener(target, initiator)


def fire_collection(
    dispatch: Dispatch, attribute: Any, event: str, target: Any, value: Any
) -> None:
    """Run the ``append`` / ``remove`` / ``bulk_replace`` listeners of a relationship."""
    initiator = AttributeEventToken(attribute, event)
    for listener in getattr(dispatch, event):
        listener(target, value, initiator)
    if event != "bulk_replace":
        for listener in dispatch.modified:
            listener(target, initiator)


__all__ = [
    "ATTRIBUTE_EVENTS",
    "NO_LISTENERS",
    "AttributeEventToken",
    "AttributeEvents",
    "InstrumentationEvents",
    "LoaderCallableStatus",
    "attribute_instrumented",
    "class_instrumented",
    "fire_collection",
    "fire_init_scalar",
    "fire_remove",
    "fire_set",
]
