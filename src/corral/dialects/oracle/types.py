"""Oracle Database's names for SQL types."""

from __future__ import annotations

from corral.sql import types as sqltypes
from corral.sql.compiler.types import TypeCompiler


class OracleTypeCompiler(TypeCompiler):
    """Oracle's spellings: ``VARCHAR2(n CHAR)``, ``CLOB``, ``NUMBER(19)``, booleans as
    ``SMALLINT``, ``DATE`` for date and time."""

    def visit_big_integer(self, type_: sqltypes.BigInteger) -> str:
        return "NUMBER(19)"

    def visit_string(self, type_: sqltypes.String) -> str:
        return "VARCHAR2" if type_.length is None else f"VARCHAR2({type_.length} CHAR)"

    def visit_text(self, type_: sqltypes.Text) -> str:
        return "CLOB"

    def visit_boolean(self, type_: sqltypes.Boolean) -> str:
        return "SMALLINT"

    def visit_float(self, type_: sqltypes.Float) -> str:
        return "FLOAT"

    def visit_datetime(self, type_: sqltypes.DateTime) -> str:
        return "DATE"

    def visit_interval(self, type_: sqltypes.Interval) -> str:
        return "INTERVAL DAY TO SECOND"

    def visit_json(self, type_: sqltypes.JSON) -> str:
        return "CLOB"
