"""``immutabledict``: a read-only dict, shown as SQLAlchemy shows its own (``URL.query``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class immutabledict(Mapping[K, V]):
    """A mapping that cannot be changed after it is made; ``union()`` gives a new one."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._data: dict[K, V] = dict(data)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return self._data == (dict(other) if isinstance(other, Mapping) else other)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"immutabledict({self._data!r})"

    def union(self, other: Mapping[K, V]) -> immutabledict[K, V]:
        """A new mapping with ``other``'s items added (replacing equal keys)."""
        return immutabledict({**self._data, **other})

    def __reduce__(self) -> tuple[Any, ...]:
        return (immutabledict, (self._data,))
