"""Type variables for what a statement's rows hold, shared by Select, Result and Row.

For type checkers they have defaults (PEP 696), so a bare ``Select``, ``Result`` or ``Row``
means rows of anything and only typed code needs parameters; at runtime they are plain
TypeVars (``typing_extensions`` is imported for type checking only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from typing import TypeVar as _TypeVar

if TYPE_CHECKING:
    from typing_extensions import TypeVar

    #: The tuple a row is: ``Select[tuple[int, str]]`` gives ``Row[tuple[int, str]]``.
    TP_co = TypeVar("TP_co", bound=tuple[Any, ...], default=tuple[Any, ...], covariant=True)
    #: A scalar value: ``ScalarResult[User]``.
    TV = TypeVar("TV", default=Any)
else:
    TP_co = _TypeVar("TP_co", bound=tuple[Any, ...], covariant=True)
    TV = _TypeVar("TV")

__all__ = ["TV", "TP_co"]
