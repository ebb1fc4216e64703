"""``Enum``: one of a fixed set of strings (re-exported by ``corral.sql.types``).

As in SQLAlchemy, the strings stored are a Python enum class's member
**names** (or what ``values_callable(enum_class)`` returns), or the strings
given. By default (``native_enum=True``) the column uses the database's own
enum type where it has one: a named type on PostgreSQL, created before the
tables that use it (``CREATE TYPE ... AS ENUM``) and dropped after them, and
an inline ``ENUM(...)`` on MariaDB/MySQL. Elsewhere, and with
``native_enum=False``, it is a ``VARCHAR`` sized to the longest string (or to
``length=``), with ``CHECK (column IN (...))`` when ``create_constraint=True``.
Reading gives back the member (or, for an ``Enum("a", "b")`` of plain strings,
the string).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql.type_api import Processor, TypeEngine, describe_value

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect

#: Names listed in a rejection message before the rest are counted.
NAMES_SHOWN = 10

_NOT_GIVEN: Any = object()


class Enum(TypeEngine):
    """One of a Python ``enum.Enum`` class's members, or one of the given strings.

    ``Enum(Color)`` accepts ``Color.RED``, the stored string ``"RED"`` or the
    value ``Color.RED.value``, stores ``"RED"`` and reads back ``Color.RED``.
    ``Enum("draft", "published")`` accepts and reads back those strings; any
    other value is refused before anything is sent (with or without
    ``validate_strings=True``).
    """

    python_types = (str,)
    affinity = "enum"
    visit_name = "enum"

    def __init__(
        self,
        *enums: str | type[enum.Enum],
        name: str | None = None,
        native_enum: bool = True,
        create_constraint: bool = False,
        length: int | None = None,
        values_callable: Callable[[type[enum.Enum]], Sequence[str]] | None = None,
        validate_strings: bool = False,
        omit_aliases: bool = True,
        schema: str | None = None,
        metadata: Any = None,
        inherit_schema: bool = False,
        quote: bool | None = None,
        sort_key_function: Any = _NOT_GIVEN,
    ) -> None:
        _refuse_unsupported(schema, metadata, inherit_schema, quote, sort_key_function)
        enum_class: type[enum.Enum] | None = None
        if len(enums) == 1 and isinstance(enums[0], type):
            if not issubclass(enums[0], enum.Enum):
                raise exc.ArgumentError(
                    f"Enum() takes an enum.Enum class or strings, got the class {enums[0].__name__}"
                )
            enum_class = enums[0]
            members = list(enum_class) if omit_aliases else list(enum_class.__members__.values())
            stored = _stored_strings(enum_class, members, values_callable, omit_aliases)
        else:
            bad = [e for e in enums if not isinstance(e, str)]
            if bad:
                raise exc.ArgumentError(
                    f"Enum() takes one enum.Enum class or any number of strings, "
                    f"got {describe_value(bad[0])}"
                )
            if values_callable is not None:
                raise exc.ArgumentError(
                    "Enum(values_callable=...) needs an enum.Enum class to call it with"
                )
            members = []
            stored = list(dict.fromkeys(e for e in enums if isinstance(e, str)))
        if not stored:
            raise exc.ArgumentError(
                "Enum() needs at least one name (or an enum class with members)"
            )
        longest = max(len(n) for n in stored)
        if length is not None and (isinstance(length, bool) or not isinstance(length, int)):
            raise exc.ArgumentError(f"Enum(length=...) must be an int, got {length!r}")
        if length is not None and length < longest:
            raise exc.ArgumentError(
                f"Enum(length={length}) is shorter than its longest name ({longest} characters)"
            )
        self.enum_class = enum_class
        #: The strings stored, in order.
        self.enums = tuple(stored)
        self.length = longest if length is None else length
        self.name = name if name is not None or enum_class is None else enum_class.__name__.lower()
        self.native_enum = native_enum
        self.create_constraint = create_constraint
        self.validate_strings = validate_strings
        self.values_callable = values_callable
        self.omit_aliases = omit_aliases
        self._kind = "names" if values_callable is None else "strings"
        # Every accepted input, mapped to the string stored: values, names, stored strings.
        to_stored: dict[Any, str] = {}
        to_member: dict[str, enum.Enum] = {}
        # (member, stored string); none for an Enum of strings.
        pairs = list(zip(members, stored, strict=True)) if members else []
        for member, text in pairs:
            to_member[text] = member
            with contextlib.suppress(TypeError):  # an unhashable value: pass the member
                to_stored.setdefault(member.value, text)
        if enum_class is not None:
            by_member = dict(pairs)
            for member_name, member in enum_class.__members__.items():
                if member in by_member:  # an alias name stores its canonical member's string
                    to_stored[member_name] = by_member[member]
        for text in stored:
            to_stored[text] = text
        self._to_stored = to_stored
        self._to_member = to_member
        self._member_to_stored: dict[enum.Enum, str] = {}
        for member, text in pairs:
            self._member_to_stored.setdefault(member, text)

    @property
    def python_type(self) -> type:
        return self.enum_class if self.enum_class is not None else str

    def accepts(self, value: object) -> bool:
        if value is None:
            return True
        if self.enum_class is not None and isinstance(value, self.enum_class):
            return value in self._member_to_stored
        if self.enum_class is None and not isinstance(value, str):
            return False
        try:
            return value in self._to_stored
        except TypeError:
            return False

    def rejection(self, value: object) -> str:
        shown = ", ".join(repr(n) for n in self.enums[:NAMES_SHOWN])
        hidden = len(self.enums) - NAMES_SHOWN
        if hidden > 0:
            shown += f" and {hidden} more"
        what = (
            f"a member of {self.enum_class.__name__} or one of its {self._kind} {shown}"
            if self.enum_class is not None
            else f"one of {shown}"
        )
        return f"expected {what} for {self.describe()}, got {describe_value(value)}"

    def stored_string(self, value: Any) -> str:
        """The string stored for an accepted ``value``; ``ArgumentError`` for anything else."""
        if self.enum_class is not None and isinstance(value, self.enum_class):
            found = self._member_to_stored.get(value)
            if found is not None:
                return found
        try:
            return self._to_stored[value]
        except (KeyError, TypeError):
            raise exc.ArgumentError(self.rejection(value)) from None

    def generic_bind_processor(self, dialect: SQLDialect) -> Processor | None:
        if self.enum_class is None:
            return None  # the strings are their own names, checked by accepts()
        stored_string = self.stored_string

        def member_to_string(value: Any) -> Any:
            return value if value is None else stored_string(value)

        return member_to_string

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        if self.enum_class is None:
            return None
        members = self._to_member

        def string_to_member(value: Any) -> Any:
            return value if value is None else members[value]

        return string_to_member

    def literal_value(self, value: Any, dialect: SQLDialect) -> Any:
        return value if value is None else self.stored_string(value)

    def cache_key(self) -> Hashable:
        return (
            Enum,
            self.enum_class,
            self.enums,
            self.length,
            self.name,
            self.native_enum,
            self.create_constraint,
        )

    def __repr__(self) -> str:
        shown = [repr(text) for text in self.enums]
        if self.name is not None:
            shown.append(f"name={self.name!r}")
        for option, default in (("native_enum", True), ("create_constraint", False)):
            if getattr(self, option) != default:
                shown.append(f"{option}={getattr(self, option)!r}")
        if self.length != max(len(text) for text in self.enums):
            shown.append(f"length={self.length!r}")
        return f"Enum({', '.join(shown)})"

    def describe(self) -> str:
        if self.enum_class is not None:
            return f"Enum({self.enum_class.__name__})"
        return f"Enum({', '.join(repr(n) for n in self.enums)})"


def _stored_strings(
    enum_class: type[enum.Enum],
    members: list[enum.Enum],
    values_callable: Callable[[type[enum.Enum]], Sequence[str]] | None,
    omit_aliases: bool,
) -> list[str]:
    if values_callable is None:
        if omit_aliases:
            return [m.name for m in members]
        return list(enum_class.__members__)
    stored = list(values_callable(enum_class))
    if len(stored) != len(members) or not all(isinstance(s, str) for s in stored):
        raise exc.ArgumentError(
            f"Enum({enum_class.__name__}, values_callable=...) must return one string per "
            f"member ({len(members)}), got {stored!r}"
        )
    return stored


def _refuse_unsupported(
    schema: str | None, metadata: Any, inherit_schema: bool, quote: bool | None, sort_key: Any
) -> None:
    given = {
        "schema": schema is not None,
        "metadata": metadata is not None,
        "inherit_schema": inherit_schema,
        "quote": quote is not None,
        "sort_key_function": sort_key is not _NOT_GIVEN,
    }
    refused = [key for key, present in given.items() if present]
    if refused:
        raise exc.ArgumentError(
            f"Enum({', '.join(f'{k}=...' for k in refused)}) is not supported by corral: "
            "schemas are not supported, an enum type belongs to the tables that use it, and "
            "strings are quoted and ordered as given; remove it"
        )
