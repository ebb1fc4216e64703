"""Refusing keyword arguments corral does not support, naming each and what to use instead."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from corral import exc


def refuse_unknown(
    what: str,
    given: Iterable[str],
    known: Iterable[str],
    advice: Mapping[str, str] | None = None,
    *,
    takes: str | None = None,
) -> None:
    """Raise ``ArgumentError`` if ``given`` holds a name outside ``known``.

    The message names every such keyword, adds the advice for those ``advice``
    knows (SQLAlchemy names corral lacks), and lists what ``what`` does take
    (or says ``takes`` instead, when a list would not be the whole story).
    """
    accepted = set(known)
    unknown = sorted(name for name in given if name not in accepted)
    if not unknown:
        return
    notes = advice or {}
    parts = [f"{name}: {notes[name]}" for name in unknown if name in notes]
    plain = [name for name in unknown if name not in notes]
    message = f"{what} does not support "
    if plain:
        message += (
            f"the keyword {', '.join(plain)}"
            if len(plain) == 1
            else (f"the keywords {', '.join(plain)}")
        )
        if parts:
            message += "; nor "
    message += "; ".join(parts)
    if takes is None:
        takes = f"It takes: {', '.join(sorted(accepted)) or 'no keywords'}"
    message += f". {takes}"
    raise exc.ArgumentError(message)
