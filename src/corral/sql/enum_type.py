"""``Enum``: one of a fixed set of names (re-exported by ``corral.sql.types``).

corral never uses a database's native enum type. On every dialect the
column is a ``VARCHAR`` sized to the longest name (or to ``length=``) and
holds the member's **name**; reading it back gives the member (or, for an
``Enum("a", "b")`` of plain strings, the string).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql.type_api import Processor, TypeEngine, describe_value

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect

#: Names listed in a rejection message before the rest are counted.
NAMES_SHOWN = 10


class Enum(TypeEngine):
    """One of a Python ``enum.Enum`` class's members, or one of the given strings.

    ``Enum(Color)`` accepts ``Color.RED``, the name ``"RED"`` or the value
    ``Color.RED.value``, stores ``"RED"`` and reads back ``Color.RED``.
    ``Enum("draft", "published")`` accepts and reads back those strings.
    """

    python_types = (str,)
    affinity = "enum"
    visit_name = "enum"

    def __init__(
        self,
        *enums: str | type[enum.Enum],
        length: int | None = None,
        name: str | None = None,
    ) -> None:
        enum_class: type[enum.Enum] | None = None
        if len(enums) == 1 and isinstance(enums[0], type):
            if not issubclass(enums[0], enum.Enum):
                raise exc.ArgumentError(
                    f"Enum() takes an enum.Enum class or strings, got the class {enums[0].__name__}"
                )
            enum_class = enums[0]
            names = tuple(enum_class.__members__)
        else:
            bad = [e for e in enums if not isinstance(e, str)]
            if bad:
                raise exc.ArgumentError(
                    f"Enum() takes one enum.Enum class or any number of strings, "
                    f"got {describe_value(bad[0])}"
                )
            names = tuple(dict.fromkeys(e for e in enums if isinstance(e, str)))
        if not names:
            raise exc.ArgumentError(
                "Enum() needs at least one name (or an enum class with members)"
            )
        longest = max(len(n) for n in names)
        if length is not None and (isinstance(length, bool) or not isinstance(length, int)):
            raise exc.ArgumentError(f"Enum(length=...) must be an int, got {length!r}")
        if length is not None and length < longest:
            raise exc.ArgumentError(
                f"Enum(length={length}) is shorter than its longest name ({longest} characters)"
            )
        self.enum_class = enum_class
        self.enums = names
        self.length = longest if length is None else length
        self.name = name
        # Every accepted input, mapped to the name stored: members, then names, then values.
        to_name: dict[Any, str] = {}
        if enum_class is not None:
            for member in enum_class:
                # An unhashable value can only be passed as the member itself.
                with contextlib.suppress(TypeError):
                    to_name.setdefault(member.value, member.name)
        for n in names:
            # An alias name is stored as its canonical member's name.
            to_name[n] = enum_class.__members__[n].name if enum_class is not None else n
        self._to_name = to_name

    @property
    def python_type(self) -> type:
        return self.enum_class if self.enum_class is not None else str

    def accepts(self, value: object) -> bool:
        if value is None:
            return True
        if self.enum_class is not None and isinstance(value, self.enum_class):
            return True
        if self.enum_class is None and not isinstance(value, str):
            return False
        try:
            return value in self._to_name
        except TypeError:
            return False

    def rejection(self, value: object) -> str:
        shown = ", ".join(repr(n) for n in self.enums[:NAMES_SHOWN])
        hidden = len(self.enums) - NAMES_SHOWN
        if hidden > 0:
            shown += f" and {hidden} more"
        what = (
            f"a member of {self.enum_class.__name__} or one of its names {shown}"
            if self.enum_class is not None
            else f"one of {shown}"
        )
        return f"expected {what} for {self.describe()}, got {describe_value(value)}"

    def name_of(self, value: Any) -> str:
        """The name stored for an accepted ``value``; ``ArgumentError`` for anything else."""
        if self.enum_class is not None and isinstance(value, self.enum_class):
            return value.name
        try:
            return self._to_name[value]
        except (KeyError, TypeError):
            raise exc.ArgumentError(self.rejection(value)) from None

    def generic_bind_processor(self, dialect: SQLDialect) -> Processor | None:
        if self.enum_class is None:
            return None  # the strings are their own names, checked by accepts()
        name_of = self.name_of

        def member_to_name(value: Any) -> Any:
            return value if value is None else name_of(value)

        return member_to_name

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        if self.enum_class is None:
            return None
        members = self.enum_class.__members__

        def name_to_member(value: Any) -> Any:
            return value if value is None else members[value]

        return name_to_member

    def cache_key(self) -> Hashable:
        return (Enum, self.enum_class, self.enums, self.length, self.name)

    def describe(self) -> str:
        if self.enum_class is not None:
            return f"Enum({self.enum_class.__name__})"
        return f"Enum({', '.join(repr(n) for n in self.enums)})"
