"""PostgreSQL's text form of an array (``{a,"c d",NULL}``) read back as a list.

psycopg 3 and psycopg2 turn an array into a list only for element types they
know; an array of an enum type (a type made by ``CREATE TYPE``, with an OID of
its own) comes back as the server's text. The ARRAY result processor of an
enum item type reads that text here, as SQLAlchemy does, so the column gives
lists on every driver (asyncpg already gives lists, which pass unchanged).

The text form: ``{`` items separated by ``,`` ``}``, nested for more dimensions,
optionally led by its bounds (``[0:1]={a,b}``) when they do not start at 1. An
item is double-quoted (with ``\\`` escaping ``"`` and ``\\``) when it is empty,
is ``NULL`` in any case, or holds ``{}",\\`` or white space; unquoted ``NULL`` is
SQL NULL.
"""

from __future__ import annotations

from typing import Any

from corral import exc


def parse_array(text: str) -> list[Any]:
    """The (nested) list of item strings, None for NULL, that ``text`` spells."""
    if text.startswith("["):  # explicit bounds: [1:2][0:1]={...}
        text = text[text.index("=") + 1 :]
    inner = text[1:-1]
    if text[:1] == "{" and text[-1:] == "}" and not any(c in inner for c in '"{}'):
        if not inner:  # the common case: one dimension, nothing quoted
            return []
        return [None if item.upper() == "NULL" else item for item in inner.split(",")]
    value, end = _parse(text, 0)
    if end != len(text):
        raise _malformed(text)
    return value


def _parse(text: str, at: int) -> tuple[list[Any], int]:
    """The array starting at ``text[at]`` (a ``{``) and the index just past its ``}``."""
    if not text.startswith("{", at):
        raise _malformed(text)
    items: list[Any] = []
    at += 1
    if text.startswith("}", at):
        return items, at + 1
    length = len(text)
    while at < length:
        char = text[at]
        if char == "{":
            item, at = _parse(text, at)
            items.append(item)
        elif char == '"':
            chars: list[str] = []
            at += 1
            while at < length and text[at] != '"':
                if text[at] == "\\":
                    at += 1
                chars.append(text[at : at + 1])
                at += 1
            if at >= length:
                raise _malformed(text)
            items.append("".join(chars))
            at += 1
        else:
            start = at
            while at < length and text[at] not in ",}":
                at += 1
            word = text[start:at].strip()
            items.append(None if word.upper() == "NULL" else word.replace("\\", ""))
        if at >= length:
            break
        if text[at] == "}":
            return items, at + 1
        if text[at] != ",":
            raise _malformed(text)
        at += 1
    raise _malformed(text)


def _malformed(text: str) -> exc.DataError:
    return exc.DataError(
        None,
        None,
        None,
        message=(
            f"The driver returned {text!r} for an array of an enum type, which is not "
            "PostgreSQL's array text; report it with the column's type"
        ),
    )
