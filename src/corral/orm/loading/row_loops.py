"""The per-row loop of a plain object load, written out once per row shape.

Loading a class's rows repeats the same steps for every row: build the identity key,
look it up, and for a new object fill its ``__dict__`` and give it a state. Written
generically the loop pairs attribute names with values through ``zip`` and slices
each row; written for one shape (which row positions hold which attributes, where
the primary key is, whether the identity map is weak, whether keys carry a shard
token) each value goes straight from its position into the dict, which takes about a
third off the per-object work. The source of each shape's loop is generated and
compiled on first use and kept on the mapper (``Mapper.row_loops``); attribute names
enter the source only as ``repr()`` string literals.

Listeners (``load``, ``loaded_as_persistent``) and inheritance are not handled here:
``EntityLoader`` takes its general path for them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from corral.orm.base import STATE_ATTR, ObjectStatus
from corral.orm.mapping.instance_state import NO_CHANGES, NOT_EXPIRED, InstanceState

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper

#: ``loop(rows, entries, session, token, overwrite, refresh) -> objects``: the objects of
#: the rows in order (None for a row whose primary key is NULL: the outer side of a join).
RowLoop = Callable[..., list[Any]]


#: The names the generated loop reads on every row, bound as locals (see ``_compile``).
_CONSTANTS = (
    "cls",
    "new",
    "keys",
    "mapper",
    "make_state",
    "PERSISTENT",
    "NO_CHANGES",
    "NOT_EXPIRED",
    "weak",
)


def row_loop(
    mapper: Mapper,
    keys: tuple[str, ...],
    start: int,
    pk_positions: tuple[int, ...],
    *,
    whole_row: bool,
    weak: bool,
    tokened: bool,
) -> RowLoop:
    """The loop building ``mapper``'s objects from rows holding ``keys`` from ``start``
    (``whole_row``: the rows hold exactly those columns), compiled on first use."""
    shape = (keys, start, pk_positions, whole_row, weak, tokened)
    loop = mapper.row_loops.get(shape)
    if loop is None:
        loop = mapper.row_loops[shape] = _compile(mapper, *shape)
    return loop


def _compile(
    mapper: Mapper,
    keys: tuple[str, ...],
    start: int,
    pk_positions: tuple[int, ...],
    whole_row: bool,
    weak: bool,
    tokened: bool,
) -> RowLoop:
    if len(pk_positions) == 1:
        identity = "(pk,)"
        pk_lines = [f"pk = row[{pk_positions[0]}]", "if pk is None:"]
    else:
        identity = "pk"
        pk_lines = [f"pk = ({', '.join(f'row[{i}]' for i in pk_positions)},)", "if None in pk:"]
    key = f"(cls, {identity}, token)" if tokened else f"(cls, {identity})"
    if whole_row:
        fill = [f"{', '.join(f'd[{k!r}]' for k in keys)}, = row"]
        values = "row"
    else:
        fill = [f"d[{k!r}] = row[{start + i}]" for i, k in enumerate(keys)]
        values = f"row[{start}:{start + len(keys)}]"
    # What every row reads is bound as keyword-only defaults: locals, not globals, which
    # the interpreter reads for less (a dozen reads per new object).
    constants = ", ".join(f"{name}={name}" for name in _CONSTANTS)
    body = [
        f"def loop(rows, entries, session, token, overwrite, refresh, *, {constants}):",
        "    objects = []",
        "    session_ref = None if session is None else weak(session)",
        "    append = objects.append",
        "    get = entries.get",
        "    last = None",
        "    for row in rows:",
        *(f"        {line}" for line in pk_lines),
        "            append(None)",
        "            continue",
        f"        key = {key}",
        "        obj = get(key)",
        *(["        if obj is not None:", "            obj = obj()"] if weak else []),
        "        if obj is None:",
        "            obj = new(cls)",
        "            d = obj.__dict__",
        *(f"            {line}" for line in fill),
        f"            d[{STATE_ATTR!r}] = state = make_state(obj)",
        "            state.mapper = mapper",
        "            state.status = PERSISTENT",
        "            state.key = key",
        "            state._session = session_ref",
        "            state.committed_state = NO_CHANGES",
        "            state.expired = NOT_EXPIRED",
        "            state.parents = None",
        f"            entries[key] = {'state' if weak else 'obj'}",
        # A row repeating the previous row's object (a joined collection's parent) has
        # nothing more to give it, unless populate_existing overwrites it again.
        "        elif overwrite or obj is not last:",
        f"            refresh(obj, zip(keys, {values}, strict=True), overwrite)",
        "        append(obj)",
        "        last = obj",
        "    return objects",
    ]
    cls: Any = mapper.class_
    namespace: dict[str, Any] = {
        "cls": cls,
        "new": cls.__new__,
        "keys": keys,
        "mapper": mapper,
        "make_state": InstanceState,
        "PERSISTENT": ObjectStatus.PERSISTENT,
        "NO_CHANGES": NO_CHANGES,
        "NOT_EXPIRED": NOT_EXPIRED,
        "weak": weakref.ref,
    }
    filename = f"<corral row loop of {cls.__name__}>"
    exec(compile("\n".join(body), filename, "exec"), namespace)  # source built above
    loop: RowLoop = namespace["loop"]
    return loop
