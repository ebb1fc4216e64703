"""``listen()``, ``listens_for()``, ``remove()`` and ``contains()``: SQLAlchemy's event API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from corral import exc
from corral.event.dispatch import Listener
from corral.event.families import FAMILIES, Events

F = TypeVar("F", bound=Callable[..., Any])

#: ``listen()`` keywords every family takes.
COMMON_OPTIONS = frozenset({"once", "insert", "named", "retval", "propagate"})


def listen(target: Any, identifier: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> None:
    """Run ``fn`` when ``identifier`` happens on ``target`` (see docs/events.md)."""
    if args:
        raise exc.ArgumentError(
            f"event.listen({identifier!r}) got extra positional arguments {args!r}; "
            "pass options by keyword (once=True, retval=True, propagate=True, ...)"
        )
    family = _family(target, identifier)
    unknown = sorted(set(kw) - COMMON_OPTIONS - family.options)
    if unknown:
        raise exc.ArgumentError(
            f"event.listen(): {', '.join(unknown)} not supported for "
            f"{family.family_name}.{identifier}; it takes "
            f"{', '.join(sorted(COMMON_OPTIONS | family.options))}"
        )
    call = family._adapt(identifier, fn, kw)
    if kw.get("named"):
        call = _named(call, family.argument_names(identifier))
    unchanged = family.retval_events.get(identifier)
    if kw.get("once"):
        call = _once(call, unchanged)
    if unchanged is not None:
        if not kw.get("retval"):
            call = _passing_through(call, unchanged)
    elif kw.get("retval") and identifier not in family.returning_events:
        raise exc.ArgumentError(
            f"retval=True: {family.family_name}.{identifier} does not use a listener's return "
            "value; drop retval=True"
        )
    call = _naming_errors(call, fn, f"{family.family_name}.{identifier}")
    listener = Listener(fn, identifier, call, bool(kw.get("propagate")))
    family._add(target, listener, bool(kw.get("insert")))


def listens_for(target: Any, identifier: str, *args: Any, **kw: Any) -> Callable[[F], F]:
    """Decorator form of ``listen()``: ``@event.listens_for(Session, "before_flush")``."""

    def decorate(fn: F) -> F:
        listen(target, identifier, fn, *args, **kw)
        return fn

    return decorate


def remove(target: Any, identifier: str, fn: Callable[..., Any]) -> None:
    """Remove a listener added with ``listen()`` (the same target, event and function)."""
    family = _family(target, identifier)
    if not family._remove(target, fn, identifier):
        raise exc.InvalidRequestError(
            f"No listener {_describe(fn)} for event {identifier!r} on {target!r}; "
            "remove() takes the target, event and function given to listen()"
        )


def contains(target: Any, identifier: str, fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` listens to ``identifier`` on ``target``."""
    family = _family(target, identifier)
    return family._contains(target, fn, identifier)


def _family(target: Any, identifier: str) -> type[Events]:
    accepting = [family for family in FAMILIES if family._accepts(target)]
    for family in accepting:
        if identifier in family.event_names():
            return family
    if not accepting:
        synced = [name for name in _SYNC_SIDES if hasattr(type(target), name)]
        hint = (
            f"; asyncio objects fire no events of their own: listen on its {synced[0]}"
            if synced
            else ""
        )
        raise exc.InvalidRequestError(
            f"No events are defined for {target!r}; events attach to a Session, sessionmaker, "
            "scoped_session, mapped class, Mapper, attribute, Engine, Connection or Pool "
            f"(or their classes){hint}"
        )
    offered = sorted({name for family in accepting for name in family.event_names()})
    raise exc.InvalidRequestError(
        f"No such event {identifier!r} for target {target!r}; it offers: {', '.join(offered)}"
    )


#: The sync object under an asyncio one (AsyncEngine, AsyncConnection, AsyncSession).
_SYNC_SIDES = ("sync_engine", "sync_connection", "sync_session")


def _describe(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return f"{module}.{name}" if module else name


def _naming_errors(
    call: Callable[..., Any], fn: Callable[..., Any], event: str
) -> Callable[..., Any]:
    """Errors raised by the listener carry a note naming it and the event."""
    note = f"raised by listener {_describe(fn)} of event {event}"

    def run(*args: Any, **kw: Any) -> Any:
        try:
            return call(*args, **kw)
        except Exception as error:
            error.add_note(note)
            raise

    return run


def _named(call: Callable[..., Any], names: list[str]) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        return call(**dict(zip(names, args, strict=False)))

    return run


def _passing_through(
    call: Callable[..., Any], unchanged: Callable[[tuple[Any, ...]], Any]
) -> Callable[..., Any]:
    """A listener without retval=True: the event goes on with the values it had."""

    def run(*args: Any) -> Any:
        call(*args)
        return unchanged(args)

    return run


def _once(
    call: Callable[..., Any], unchanged: Callable[[tuple[Any, ...]], Any] | None
) -> Callable[..., Any]:
    """Run the listener on the first occurrence only (after it, the values pass through)."""
    done = False

    def run(*args: Any, **kw: Any) -> Any:
        nonlocal done
        if done:
            return unchanged(args) if unchanged is not None else None
        done = True
        return call(*args, **kw)

    return run


__all__ = ["contains", "listen", "listens_for", "remove"]
