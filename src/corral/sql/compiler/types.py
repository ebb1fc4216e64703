"""Renders SQL types as DDL for a dialect, and holds the dialect's driver overrides.

``TypeCompiler.process(type_)`` calls ``visit_<type_.visit_name>``. The base
class spells each type the portable way and consults ``dialect.features``
where a capability decides the spelling (a native UUID or a ``CHAR(32)``);
each dialect's subclass overrides only the spellings that differ.

The class-level ``bind_processors`` and ``result_processors`` mappings are
the one place for conversions that belong to a driver rather than to a
capability: they map a type's ``visit_name`` to a factory
``(type_, dialect) -> Processor | None`` that replaces the type's generic
processor (see ``corral.sql.type_api``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from corral.exc import CompileError

if TYPE_CHECKING:
    from corral.sql import types as sqltypes
    from corral.sql.compiler.dialect import SQLDialect
    from corral.sql.type_api import ProcessorFactory, TypeEngine
    from corral.sql.type_decorator import UserDefinedType


class TypeCompiler:
    """Turns a type into its DDL spelling by calling ``visit_<type.visit_name>``."""

    #: Driver-specific bind conversions by visit name, replacing the type's generic one.
    bind_processors: ClassVar[Mapping[str, ProcessorFactory]] = {}
    #: Driver-specific result conversions by visit name, replacing the type's generic one.
    result_processors: ClassVar[Mapping[str, ProcessorFactory]] = {}

    def __init__(self, dialect: SQLDialect) -> None:
        self.dialect = dialect

    def process(self, type_: TypeEngine) -> str:
        """The DDL spelling of ``type_`` on this dialect."""
        type_ = type_.dialect_impl(self.dialect)
        method = getattr(self, f"visit_{type_.visit_name}", None)
        if method is None:
            raise CompileError(
                f"{self.dialect.name} has no DDL for the type {type_.describe()}; "
                f"give the column a concrete type"
            )
        result: str = method(type_)
        return result

    def process_cast(self, type_: TypeEngine) -> str:
        """The spelling of ``type_`` as the target of ``CAST(... AS <type>)``.

        The same as the DDL spelling except where the dialect's CAST takes
        other names (MySQL).
        """
        return self.process(type_)

    def visit_integer(self, type_: sqltypes.Integer) -> str:
        return "INTEGER"

    def visit_big_integer(self, type_: sqltypes.BigInteger) -> str:
        return "BIGINT"

    def visit_small_integer(self, type_: sqltypes.SmallInteger) -> str:
        return "SMALLINT"

    def visit_string(self, type_: sqltypes.String) -> str:
        return self._varchar(type_.length)

    def visit_text(self, type_: sqltypes.Text) -> str:
        return "TEXT"

    def visit_char(self, type_: sqltypes.String) -> str:
        return "CHAR" if type_.length is None else f"CHAR({type_.length})"

    def visit_boolean(self, type_: sqltypes.Boolean) -> str:
        return "BOOLEAN"

    def visit_float(self, type_: sqltypes.Float) -> str:
        return "DOUBLE PRECISION"

    def visit_numeric(self, type_: sqltypes.Numeric) -> str:
        if type_.precision is None:
            return "NUMERIC"
        if type_.scale is None:
            return f"NUMERIC({type_.precision})"
        return f"NUMERIC({type_.precision}, {type_.scale})"

    def visit_date(self, type_: sqltypes.Date) -> str:
        return "DATE"

    def visit_datetime(self, type_: sqltypes.DateTime) -> str:
        if type_.timezone and self.dialect.features.timezone_datetime:
            return "TIMESTAMP WITH TIME ZONE"
        return "TIMESTAMP"

    def visit_time(self, type_: sqltypes.Time) -> str:
        return "TIME"

    def visit_interval(self, type_: sqltypes.Interval) -> str:
        # Without a native interval the value is a count of microseconds.
        return "INTERVAL" if self.dialect.features.native_interval else "BIGINT"

    def visit_large_binary(self, type_: sqltypes.LargeBinary) -> str:
        return "BLOB"

    def visit_json(self, type_: sqltypes.JSON) -> str:
        return "JSON" if self.dialect.features.native_json else "TEXT"

    def visit_uuid(self, type_: sqltypes.Uuid) -> str:
        # Without a native UUID the value is its 32 hex digits.
        return "UUID" if self.dialect.features.native_uuid else "CHAR(32)"

    def visit_user_defined(self, type_: UserDefinedType) -> str:
        return type_.get_col_spec()

    def visit_enum(self, type_: sqltypes.Enum) -> str:
        native = self.dialect.features.native_enum if type_.native_enum else None
        if native == "inline":
            return f"ENUM({','.join(self.string_literal(text) for text in type_.enums)})"
        if native == "named":
            return self.enum_type_name(type_)
        # No enum type: the stored string, in a VARCHAR that fits the longest.
        return f"VARCHAR({type_.length})"

    def enum_type_name(self, type_: sqltypes.Enum) -> str:
        """The quoted name of a named enum type; an Enum of strings needs ``name=``."""
        if not type_.name:
            raise CompileError(
                f"{type_.describe()} becomes a named type on {self.dialect.name}, and has no "
                "name: give it one (Enum(..., name='status')) or pass native_enum=False"
            )
        return self.dialect.ddl_compiler(self.dialect).quote(type_.name)

    def string_literal(self, text: str) -> str:
        """``text`` as a quoted SQL string inside DDL (which the driver still formats)."""
        quoted = "'" + text.replace("'", "''") + "'"
        return quoted.replace("%", "%%") if self.dialect.features.paramstyle == "format" else quoted

    def _varchar(self, length: int | None) -> str:
        if length is not None:
            return f"VARCHAR({length})"
        if self.dialect.features.varchar_needs_length:
            raise CompileError(
                f"VARCHAR needs a length on {self.dialect.name}: give the column "
                f"String(length), or use Text for text of any length"
            )
        return "VARCHAR"
