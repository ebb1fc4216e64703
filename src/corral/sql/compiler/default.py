"""A dialect for ``str(statement)``: generic SQL as SQLAlchemy prints it (named parameters,
double-quoted names); see ``display.py``."""

from __future__ import annotations

from collections.abc import Hashable
from functools import cache

from corral.sql import types as sqltypes
from corral.sql.compiler.compiled import Compiled
from corral.sql.compiler.ddl import DDLCompiler
from corral.sql.compiler.dialect import SQLDialect
from corral.sql.compiler.display import DisplayStatementCompiler
from corral.sql.compiler.types import TypeCompiler
from corral.sql.features import Features
from corral.sql.type_api import TypeEngine

GENERIC_FEATURES = Features(
    data_modifying_ctes=True,
    paramstyle="named",
    shown_paramstyle=None,
    quote_char='"',
    max_bind_params=32766,
    lastrowid=True,
    bulk_insert_keys="returning_ordered",
    insert_returning=True,
    update_returning=True,
    delete_returning=True,
    insert_many_returning=True,
    executemany_returning="per_row",
    savepoints=True,
    transactional_ddl=True,
    alter_add_foreign_key=True,
    for_update=True,
    for_update_nowait=True,
    for_update_skip_locked=True,
    for_update_of=True,
    for_share=True,
    write_lock_on_begin=False,
    native_ilike=False,
    nulls_ordering=True,
    concat_operator=True,
    true_division="cast_numeric",
    limit_for_offset_only="-1",
    limit_offset_comma=False,
    default_values_insert=True,
    native_boolean=True,
    native_uuid=True,
    native_json=True,
    native_interval=True,
    timezone_datetime=True,
    varchar_needs_length=False,
    isolation_levels=frozenset(),
    default_isolation_level="",
)


class DisplayTypeCompiler(TypeCompiler):
    """Types as SQLAlchemy prints them with no dialect (``str(Column.type)``, ``str()`` of
    CREATE TABLE): ``DATETIME``, ``FLOAT``, ``NULL`` for an unknown type."""

    def visit_null(self, type_: TypeEngine) -> str:
        return "NULL"

    def visit_float(self, type_: sqltypes.Float) -> str:
        return "FLOAT"

    def visit_datetime(self, type_: sqltypes.DateTime) -> str:
        return "DATETIME"

    def visit_interval(self, type_: sqltypes.Interval) -> str:
        return "DATETIME"  # an Interval is stored as a datetime where there is no native one

    def visit_uuid(self, type_: sqltypes.Uuid) -> str:
        return "CHAR(32)"


class GenericDialect(SQLDialect):
    """Writes standard SQL for display; not tied to a database."""

    name = "generic"
    features = GENERIC_FEATURES
    statement_compiler = DisplayStatementCompiler
    ddl_compiler = DDLCompiler
    type_compiler = DisplayTypeCompiler

    def cache_get(self, key: Hashable) -> Compiled | None:
        # Compiled afresh each time: what str() shows (parameter names, the side written
        # first) depends on more than the statement's shape, which the cache is keyed by.
        return None

    def cache_put(self, key: Hashable, compiled: Compiled) -> None:
        self.compile_count += 1


@cache
def default_dialect() -> GenericDialect:
    return GenericDialect()
