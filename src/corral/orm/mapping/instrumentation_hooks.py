"""Functions run on each class just after it is mapped, for extensions above the ORM.

``corral.ext.mutable`` registers here to instrument columns of the types it
tracks; the mapping layer cannot import the extensions, so they register.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper

#: Called with (class, mapper) after each class is mapped, in registration order.
AFTER_MAPPED: list[Callable[[type[Any], Mapper], None]] = []


def after_mapped(cls: type[Any], mapper: Mapper) -> None:
    """Run the registered functions on a class just mapped."""
    for hook in AFTER_MAPPED:
        hook(cls, mapper)


__all__ = ["AFTER_MAPPED", "after_mapped"]
