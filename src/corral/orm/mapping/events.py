"""Mapper and instance events (SQLAlchemy's ``MapperEvents`` and ``InstanceEvents``).

Listeners attach to a mapped class, to ``Mapper`` (every mapper), or with
``propagate=True`` to a base class or mixin (every class mapped under it, also
those mapped later). Each mapper holds one dispatch for both families, under
the one of ``Mapper``; the flush, the loader and the constructor check
``mapper.dispatch.<event>`` before doing any work for listeners.

The configure events (``before_configured``, ``before_mapper_configured``,
``mapper_configured``, ``after_configured``) fire when ``configure_mappers()``
runs, by itself on first use or called directly, for the mappers created since
the last time.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.event.dispatch import Dispatch, Listener
from corral.event.families import FAMILIES, Events
from corral.orm.base import STATE_ATTR
from corral.orm.mapping import properties
from corral.orm.mapping.attribute_events import class_instrumented

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper


class MapperEvents(Events):
    """What the flush does to a mapped class's rows, and mappers being configured."""

    family_name = "MapperEvents"
    on_models = True
    options = frozenset({"raw"})

    def before_insert(self, mapper: Any, connection: Any, target: Any) -> None:
        """Before the flush INSERTs ``target``'s row; changes to its columns are written."""

    def after_insert(self, mapper: Any, connection: Any, target: Any) -> None:
        """After the flush INSERTed ``target``'s row (its primary key is set)."""

    def before_update(self, mapper: Any, connection: Any, target: Any) -> None:
        """Before the flush UPDATEs ``target`` (every dirty object, changed columns or not)."""

    def after_update(self, mapper: Any, connection: Any, target: Any) -> None:
        """After the flush UPDATEd ``target``."""

    def before_delete(self, mapper: Any, connection: Any, target: Any) -> None:
        """Before the flush DELETEs ``target``'s row."""

    def after_delete(self, mapper: Any, connection: Any, target: Any) -> None:
        """After the flush DELETEd ``target``'s row."""

    def after_mapper_constructed(self, mapper: Any, class_: Any) -> None:
        """A class was just mapped (its relationships may not be configured yet)."""

    def before_mapper_configured(self, mapper: Any, class_: Any) -> None:
        """``configure_mappers()`` is about to announce this mapper as configured."""

    def mapper_configured(self, mapper: Any, class_: Any) -> None:
        """This mapper's relationships are configured."""

    def before_configured(self) -> None:
        """``configure_mappers()`` is about to configure new mappers (on ``Mapper`` only)."""

    def after_configured(self) -> None:
        """``configure_mappers()`` configured new mappers (on ``Mapper`` only)."""

    @classmethod
    def _dispatch_for(cls, target: Any) -> Dispatch | None:
        return _dispatch_for(target)

    @classmethod
    def _add(cls, target: Any, listener: Listener, insert: bool) -> None:
        _add(cls, target, listener, insert)

    @classmethod
    def _remove(cls, target: Any, fn: Callable[..., Any], name: str) -> bool:
        return _remove(target, fn, name)

    @classmethod
    def adapt(
        cls, name: str, fn: Callable[..., Any], options: dict[str, Any]
    ) -> Callable[..., Any]:
        return _raw(name, fn, options, 2)


class InstanceEvents(Events):
    """What happens to instances of a mapped class: construction, loading, refreshing and
    expiring."""

    family_name = "InstanceEvents"
    on_models = True
    options = frozenset({"raw", "restore_load_context"})

    def init(self, target: Any, args: Any, kwargs: Any) -> None:
        """The default constructor is about to set ``kwargs`` on a new object (the
        listener may change ``kwargs``)."""

    def load(self, target: Any, context: Any) -> None:
        """An object was created from a row (not when the identity map already held it)."""

    def refresh(self, target: Any, context: Any, attrs: Any) -> None:
        """Values from a row were put into an object the session already held: its expired
        or unloaded attributes (``attrs``, their names), or all of them (``attrs`` None:
        ``Session.refresh()`` without names, a ``populate_existing`` query)."""

    def refresh_flush(self, target: Any, flush_context: Any, attrs: Any) -> None:
        """A flush wrote the object's row and set attributes it did not give: Python-side
        defaults and onupdate values, a new version id, server defaults fetched with the
        row (``attrs``, their names; never the primary key)."""

    def expire(self, target: Any, attrs: Any) -> None:
        """The object's attributes were expired (``attrs`` their names, None for all)."""

    @classmethod
    def _dispatch_for(cls, target: Any) -> Dispatch | None:
        return _dispatch_for(target)

    @classmethod
    def _add(cls, target: Any, listener: Listener, insert: bool) -> None:
        _add(cls, target, listener, insert)

    @classmethod
    def _remove(cls, target: Any, fn: Callable[..., Any], name: str) -> bool:
        return _remove(target, fn, name)

    @classmethod
    def adapt(
        cls, name: str, fn: Callable[..., Any], options: dict[str, Any]
    ) -> Callable[..., Any]:
        return _raw(name, fn, options, 0)


CLASS_EVENTS = MapperEvents.event_names() | InstanceEvents.event_names()
CONFIGURE_EVENTS = frozenset(
    {"before_configured", "after_configured", "before_mapper_configured", "mapper_configured"}
)

#: Listeners of every mapper (``listen(Mapper, ...)``): each mapper's dispatch is its child.
ALL_MAPPERS = Dispatch(CLASS_EVENTS)

#: Listeners given on a class for the mappers of classes mapped later: (class, listener,
#: insert). With ``propagate=True`` they reach its subclasses, else only the class itself.
_for_classes: list[tuple[type[Any], Listener, bool]] = []

#: Every mapper (for listeners on ``Mapper`` that a mapper records as a flag).
_all_mappers: weakref.WeakSet[Mapper] = weakref.WeakSet()

#: Mappers created since ``configure_mappers()`` last announced any.
_unannounced: list[Mapper] = []


def mapper(*args: Any, **kw: Any) -> Any:
    """Every mapper, as an event target (``listen(mapper, ...)``, like ``Mapper``).

    Classical mapping by calling it is SQLAlchemy 1.x's and corral does not have it.
    """
    raise exc.InvalidRequestError(
        "mapper() only stands for every mapper as an event target; map classes by "
        "subclassing a DeclarativeBase"
    )


def _is_mapper_target(target: Any) -> bool:
    from corral.orm.mapping.mapper import Mapper

    return target is Mapper or target is mapper or isinstance(target, Mapper)


def _dispatch_for(target: Any) -> Dispatch | None:
    from corral.orm.mapping.mapper import Mapper

    if target is Mapper or target is mapper:
        return ALL_MAPPERS
    if isinstance(target, Mapper):
        return target.dispatch
    if isinstance(target, type):
        found = target.__dict__.get("__mapper__")
        if isinstance(found, Mapper):
            return found.dispatch
        if _user_class(target):
            return ALL_MAPPERS  # stands for "mappers to come"; add() places the listener
    return None


def _user_class(target: type[Any]) -> bool:
    """A class of the application that may be (or be the base of) a mapped class: not
    one another family takes (a Session or Engine subclass)."""
    return not any(f._accepts(target) for f in FAMILIES if not f.on_models)


def _class_mappers(cls: type[Any], propagate: bool) -> list[Mapper]:
    """The existing mappers a listener on ``cls`` reaches."""
    from corral.orm.mapping.mapper import Mapper

    found = []
    for klass in [cls, *(_subclasses(cls) if propagate else [])]:
        own = klass.__dict__.get("__mapper__")
        if isinstance(own, Mapper) and own not in found:
            found.append(own)
    return found


def _subclasses(cls: type[Any]) -> list[type[Any]]:
    found: list[type[Any]] = []
    pending = list(cls.__subclasses__())
    while pending:
        klass = pending.pop()
        if klass not in found:
            found.append(klass)
            pending.extend(klass.__subclasses__())
    return found


def _add(family: type[Events], target: Any, listener: Listener, insert: bool) -> None:
    if listener.name in {"before_configured", "after_configured"} and not _is_mapper_target(target):
        raise exc.InvalidRequestError(
            f"{listener.name} fires once for all mappers; listen on Mapper, not {target!r}"
        )
    if listener.name in CONFIGURE_EVENTS:
        _ensure_announcement()
    if not isinstance(target, type) or _is_mapper_target(target):
        dispatch = _dispatch_for(target)
        assert dispatch is not None
        dispatch._add_listener(listener, insert=insert)
        _note_constructor_events(list(_all_mappers) if dispatch is ALL_MAPPERS else [target])
        return
    for each in _class_mappers(target, listener.propagate):
        each.dispatch._add_listener(listener, insert=insert)
        _note_constructor_events([each])
    if listener.propagate or "__mapper__" not in target.__dict__:
        _for_classes.append((target, listener, insert))


def _remove(target: Any, fn: Callable[..., Any], name: str) -> bool:
    if not isinstance(target, type) or _is_mapper_target(target):
        dispatch = _dispatch_for(target)
        return dispatch is not None and dispatch._remove_listener(fn, name)
    removed = False
    for each in _class_mappers(target, propagate=True):
        for entry in each.dispatch._own_listeners(name):
            if entry.fn is fn and _reaches(target, entry, each.class_):
                each.dispatch._discard_listener(entry)
                removed = True
    kept = [r for r in _for_classes if not (r[0] is target and r[1].fn is fn and r[1].name == name)]
    removed = removed or len(kept) != len(_for_classes)
    _for_classes[:] = kept
    return removed


def _reaches(target: type[Any], listener: Listener, cls: type[Any]) -> bool:
    return cls is target or (listener.propagate and issubclass(cls, target))


def mapper_dispatch(new: Mapper) -> Dispatch:
    """A new mapper's dispatch, with the listeners given beforehand on its class or bases."""
    dispatch = ALL_MAPPERS._child(new)
    for cls, listener, insert in _for_classes:
        if _reaches(cls, listener, new.class_):
            dispatch._add_listener(listener, insert=insert)
    return dispatch


def _note_constructor_events(mappers: list[Mapper]) -> None:
    for each in mappers:
        if each.dispatch.init:
            each.constructor_events = True


def mapper_constructed(new: Mapper) -> None:
    """A Mapper was built: queue it for the configure events, fire after_mapper_constructed."""
    _all_mappers.add(new)
    _note_constructor_events([new])
    _unannounced.append(new)
    class_instrumented(new.class_)
    if _listening_to_configure():
        _ensure_announcement()
    for listener in new.dispatch.after_mapper_constructed:
        listener(new, new.class_)


def _listening_to_configure() -> bool:
    return (
        bool(ALL_MAPPERS.before_configured or ALL_MAPPERS.after_configured)
        or any(r[1].name in CONFIGURE_EVENTS for r in _for_classes)
        or any(
            m.dispatch.mapper_configured or m.dispatch.before_mapper_configured
            for m in _unannounced
        )
    )


class _Announcement(properties.MapperProperty):
    """Queued with the pending properties so that the first use of the mappers runs
    ``configure_mappers()``, which fires the configure events once the others are done."""

    last = True
    key = "<configure events>"
    annotation = None
    configured = False

    def class_attribute(self) -> Any:
        raise AssertionError("not an attribute")

    def configure(self, classes: dict[str, type]) -> None:
        announce()

    def link(self, classes: dict[str, type]) -> None:
        return None


def _ensure_announcement() -> None:
    if not _unannounced or any(isinstance(p, _Announcement) for p in properties.PENDING):
        return
    announcement = _Announcement()
    announcement.parent = _unannounced[0]
    properties.PENDING.append(announcement)


def announce() -> None:
    """Fire the configure events for the mappers created since the last announcement."""
    mappers = list(_unannounced)
    _unannounced.clear()
    if not mappers:
        return
    for listener in ALL_MAPPERS.before_configured:
        listener()
    for each in mappers:
        for listener in each.dispatch.before_mapper_configured:
            listener(each, each.class_)
        for listener in each.dispatch.mapper_configured:
            listener(each, each.class_)
    for listener in ALL_MAPPERS.after_configured:
        listener()


class LoadContext:
    """What ``load`` listeners receive as ``context``: the session loading the object."""

    __slots__ = ("session",)

    def __init__(self, session: Any) -> None:
        self.session = session


def fire_load(session: Any, obj: object) -> None:
    """Run the ``load`` listeners of a new object made from a row."""
    dispatch = obj.__dict__[STATE_ATTR].mapper.dispatch
    context = LoadContext(session)
    for listener in dispatch.load:
        listener(obj, context)


def fire_refresh(session: Any, obj: object, attrs: Any) -> None:
    """Run the ``refresh`` listeners of an object whose attributes a row just filled."""
    dispatch = obj.__dict__[STATE_ATTR].mapper.dispatch
    context = LoadContext(session)
    for listener in dispatch.refresh:
        listener(obj, context, attrs)


def fire_init(mapper: Mapper, obj: object, kwargs: dict[str, Any]) -> None:
    """Run the ``init`` listeners before the default constructor sets ``kwargs``."""
    for listener in mapper.dispatch.init:
        listener(obj, (), kwargs)


def _raw(
    name: str, fn: Callable[..., Any], options: dict[str, Any], position: int
) -> Callable[..., Any]:
    """``raw=True``: the listener receives the object's InstanceState instead of it."""
    if not options.get("raw") or name in CONFIGURE_EVENTS or name == "after_mapper_constructed":
        return fn
    from corral.orm.mapping.instance_state import state_of

    def run(*args: Any) -> Any:
        given = list(args)
        given[position] = state_of(given[position])
        return fn(*given)

    return run


__all__ = [
    "ALL_MAPPERS",
    "CLASS_EVENTS",
    "InstanceEvents",
    "LoadContext",
    "MapperEvents",
    "announce",
    "fire_init",
    "fire_load",
    "fire_refresh",
    "mapper",
    "mapper_constructed",
    "mapper_dispatch",
]
