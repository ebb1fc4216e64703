"""``row_filler``: the function that copies one row's columns into a new object's
``__dict__``, made once per column layout.

It is a small generated function, ``d["id"] = row[0]`` and so on per column: about
twice as fast per row as ``d.update(zip(keys, row))``, which builds a pair per column.
Copying the values is the largest part of building an object from a row, so the bulk
loaders (``EntityLoader.load_all``) use it. The source holds only the attribute names
(as string literals, ``repr``) and column positions (integers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

#: ``fill(obj.__dict__, row)``.
RowFiller = Callable[[dict[str, Any], Sequence[Any]], None]


@lru_cache(maxsize=512)
def row_filler(keys: tuple[str, ...], start: int) -> RowFiller:
    """A function setting ``d[keys[i]] = row[start + i]`` for each key, in order."""
    body = [f"    d[{key!r}] = row[{start + index}]" for index, key in enumerate(keys)]
    source = "def fill(d, row):\n" + ("\n".join(body) or "    pass") + "\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<corral row filler for {', '.join(keys)}>", "exec"), namespace)
    fill: RowFiller = namespace["fill"]
    return fill
