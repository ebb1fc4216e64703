"""The listeners of one event target: a tuple per event name, empty when nothing listens.

Code that fires an event reads one attribute, ``target.dispatch.<event>``; an
empty tuple is false, so a hot path pays one attribute lookup and a truth test
when nothing listens. It tests the tuple before looping over it (``if d.x: for
listener in d.x``): a loop over an empty tuple makes an iterator, about three
times the cost of the test. A target's dispatch may have a parent (the class of the
target, the ``Mapper`` class for every mapper, a sessionmaker for its
sessions): the parent's listeners run first, then the target's own, and a
listener added to the parent later reaches the children at once.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any


class Listener:
    """One registration: the user's function and the callable the dispatch runs."""

    __slots__ = ("call", "fn", "name", "propagate")

    def __init__(
        self, fn: Callable[..., Any], name: str, call: Callable[..., Any], propagate: bool
    ):
        self.fn = fn
        self.name = name
        self.call = call
        self.propagate = propagate


class Dispatch:
    """One target's listeners; ``dispatch.<event>`` is the tuple of callables to run.

    The event names are its public attributes (``remove``, ``close``, ``append`` among
    them), so its own methods carry a leading underscore.
    """

    def __init__(
        self, names: Iterable[str], parent: Dispatch | None = None, owner: object = None
    ) -> None:
        self._names = frozenset(names)
        #: ``id()`` of the one target this dispatch belongs to (0: a class or shared one).
        self.owner_id = 0 if owner is None else id(owner)
        self._parent = parent
        self._own: dict[str, list[Listener]] = {}
        self._children: weakref.WeakSet[Dispatch] = weakref.WeakSet()
        if parent is not None:
            parent._children.add(self)
        #: Whether any event of this dispatch has a listener (one check for a whole path).
        self.listening = False
        for name in self._names:
            self._refresh(name)

    def __repr__(self) -> str:
        active = sorted(n for n in self._names if getattr(self, n))
        return f"<Dispatch listening to {', '.join(active) or 'nothing'}>"

    @property
    def names(self) -> frozenset[str]:
        """The events this dispatch holds listeners for."""
        return self._names

    @property
    def parent(self) -> Dispatch | None:
        return self._parent

    def _child(self, owner: object = None) -> Dispatch:
        """A dispatch for one target (``owner``) that also runs this one's listeners."""
        return Dispatch(self._names, self, owner)

    def _add_listener(self, listener: Listener, *, insert: bool = False) -> None:
        own = self._own.setdefault(listener.name, [])
        if insert:
            own.insert(0, listener)
        else:
            own.append(listener)
        self._refresh(listener.name)

    def _remove_listener(self, fn: Callable[..., Any], name: str) -> bool:
        """Remove ``fn``'s registration for ``name``; whether there was one."""
        own = self._own.get(name, [])
        kept = [entry for entry in own if entry.fn is not fn]
        if len(kept) == len(own):
            return False
        self._own[name] = kept
        self._refresh(name)
        return True

    def _discard_listener(self, listener: Listener) -> None:
        """Remove one registration (a ``once=True`` listener after its call)."""
        own = self._own.get(listener.name, [])
        if listener in own:
            own.remove(listener)
            self._refresh(listener.name)

    def _contains_listener(self, fn: Callable[..., Any], name: str) -> bool:
        return any(entry.fn is fn for entry in self._own.get(name, ()))

    def _own_listeners(self, name: str) -> list[Listener]:
        return list(self._own.get(name, ()))

    def _refresh(self, name: str) -> None:
        inherited: tuple[Callable[..., Any], ...] = (
            getattr(self._parent, name) if self._parent is not None else ()
        )
        listeners = inherited + tuple(e.call for e in self._own.get(name, ()))
        setattr(self, name, listeners)
        self.listening = bool(listeners) or any(getattr(self, n, ()) for n in self._names)
        for child in list(self._children):
            child._refresh(name)

    if TYPE_CHECKING:  # the event tuples are set per name; a real __getattr__ would slow
        # down every lookup of them (CPython then routes all attribute reads through it).

        def __getattr__(self, name: str) -> tuple[Callable[..., Any], ...]: ...


__all__ = ["Dispatch", "Listener"]
