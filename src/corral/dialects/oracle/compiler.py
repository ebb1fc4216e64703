"""Oracle Database's spelling of statements: ``FROM DUAL``, ``OFFSET m ROWS FETCH FIRST n
ROWS ONLY``, aliases without ``AS``, ``mod()``, ``TABLE (f(...)) name`` with
``name.COLUMN_VALUE``. Compiled for printing only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from corral.sql import operators as ops
from corral.sql.compiler import flags
from corral.sql.compiler.ddl import DDLCompiler
from corral.sql.compiler.statement import StatementCompiler
from corral.sql.elements import BinaryExpression, BindParameter
from corral.sql.table_valued import TableValuedColumn
from corral.sql.type_api import TypeEngine

#: Oracle Database's reserved words (quoted when used as names).
RESERVED_WORDS = frozenset(
    """
    access add all alter and any as asc audit between by char check cluster column comment
    compress connect create current date decimal default delete desc distinct drop else
    exclusive exists file float for from grant group having identified immediate in
    increment index initial insert integer intersect into is level like lock long
    maxextents minus mlslabel mode modify noaudit nocompress not nowait null number of
    offline on online option or order pctfree prior public raw rename resource revoke row
    rowid rownum rows select session set share size smallint start successful synonym
    sysdate table then to trigger uid union unique update user validate values varchar
    varchar2 view whenever where with
    """.split()  # noqa: SIM905 - a word list reads best as text
)


class OracleStatementCompiler(StatementCompiler):
    """Statements as Oracle Database writes them."""

    reserved_words = RESERVED_WORDS
    alias_keyword = " "
    from_nothing = " FROM DUAL"
    shown_as: ClassVar[Mapping[str, object]] = {"now_as_current_timestamp": True}

    def visit_binary(self, element: BinaryExpression[Any], **kw: Any) -> str:
        if element.operator is ops.MOD:
            left = self.process(element.left, **flags.plain(kw))
            right = self.process(element.right, **flags.plain(kw))
            return f"mod({left}, {right})"
        return super().visit_binary(element, **kw)

    def limit_offset(
        self, limit: BindParameter[Any] | None, offset: BindParameter[Any] | None
    ) -> str:
        # The row counts are written into the SQL when it runs (``__[POSTCOMPILE_...]``).
        sql = ""
        if offset is not None:
            sql += f"{self.limit_break}OFFSET {self._row_count(offset)} ROWS"
        if limit is not None:
            sql += f"{self.limit_break}FETCH FIRST {self._row_count(limit)} ROWS ONLY"
        return sql

    def _row_count(self, bind: BindParameter[Any]) -> str:
        placeholder = self.process(bind)
        return f"__[POSTCOMPILE_{placeholder[1:]}]" if placeholder.startswith(":") else placeholder

    def returning_sql(self, columns: list[str], types: list[TypeEngine]) -> str:
        # Oracle returns the values into out-parameters, one per column.
        targets = [self._add_slot(f"ret_{i}", t, f"ret_{i}") for i, t in enumerate(types)]
        return f" RETURNING {', '.join(columns)} INTO {', '.join(targets)}"

    def table_function(self, function: str, name: str) -> str:
        return f"TABLE ({function}) {name}"

    def visit_table_valued_column(self, element: TableValuedColumn, **kw: Any) -> str:
        return f"{self._from_name(element.source)}.COLUMN_VALUE"


class OracleDDLCompiler(OracleStatementCompiler, DDLCompiler):
    """DDL as Oracle Database writes it."""
