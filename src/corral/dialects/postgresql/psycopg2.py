"""The PostgreSQL dialect through psycopg2 (``postgresql+psycopg2://``).

Everything PostgreSQL's own (SQL, types, reflection, errors by SQLSTATE,
multi-host URLs) is the psycopg 3 dialect's; this module holds what differs
in the driver:

- Transactions: the connection stays in psycopg2's autocommit mode and corral
  sends BEGIN, COMMIT and ROLLBACK itself (psycopg2's ``commit()`` does nothing
  in that mode). psycopg2 has no pipeline, but it binds parameters on the client
  and sends a statement as text, so BEGIN goes out in the same text as the
  transaction's first statement (``BEGIN; INSERT ...``): one round trip.
- Values: each connection reads ``uuid`` as ``uuid.UUID`` and ``bytea`` as
  ``bytes`` (psycopg2's defaults are text and ``memoryview``), arrays of them
  too, so results match the psycopg 3 dialect's. Binding a ``uuid.UUID`` needs
  psycopg2's UUID adapter, which psycopg2 keeps process-wide: the first
  connection registers it, as SQLAlchemy's psycopg2 dialect does.
- Many parameter sets: INSERTs become multi-row INSERTs (``insert_many.py``) as on
  every dialect; RETURNING rows of many sets come from multi-row INSERTs
  (psycopg2's executemany keeps no results). An UPDATE by key with many sets is one
  UPDATE joined to their values (``update_many.py``), as on psycopg 3. Another UPDATE
  or a DELETE with many sets (the flush's batches of deletes) travels as texts of up to
  ``SETS_PER_TEXT`` statements, one round trip each, that still report the rows
  matched in total, which the flush's stale-data check compares with the number
  of sets (see ``batched_dml``). Other statements go through psycopg2's
  ``executemany``: one round trip per set.
- Streaming: a named (server-side) cursor, declared ``WITH HOLD`` because psycopg2
  refuses a named cursor on an autocommit connection otherwise.

``cursor.lastrowid`` is psycopg2's: the OID of a row inserted into a table with
OIDs, never a generated key, so corral reads keys with RETURNING, as with psycopg 3.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from corral import exc
from corral.dialects.postgresql import batched_dml
from corral.dialects.postgresql.base import (
    IDLE,
    PostgreSQLDialect,
    libpq_connect_args,
    stream_names,
)
from corral.dialects.postgresql.features import FEATURES
from corral.dialects.postgresql.types import PostgreSQLTypeCompiler
from corral.engine.default import DefaultDialect
from corral.engine.url import URL
from corral.sql.array_type import ARRAY
from corral.sql.enum_type import Enum
from corral.sql.type_api import Processor, ProcessorFactory, TypeEngine

#: psycopg2's executemany keeps no RETURNING rows: those of many sets come from one
#: multi-row INSERT.
PSYCOPG2_FEATURES = dataclasses.replace(FEATURES, executemany_returning="multi_values")

#: ``psycopg2.connect()`` keywords that are not libpq connection options.
_PSYCOPG2_CONNECT_KEYWORDS = frozenset({"dsn", "connection_factory", "cursor_factory", "async"})

#: PostgreSQL's type OIDs: bytea and bytea[]; uuid and uuid[].
_BYTEA, _BYTEA_ARRAY, _UUID, _UUID_ARRAY = 17, 1001, 2950, 2951


def _numeric_bind(type_: TypeEngine, dialect: Any) -> Processor | None:
    """Decimal infinities sent as numeric ones: psycopg2's own adapter sends them as NaN."""
    generic = type_.generic_bind_processor(dialect)

    def bind(value: Any) -> Any:
        if isinstance(value, Decimal) and value.is_infinite():
            from psycopg2.extensions import AsIs

            return AsIs("'-Infinity'::numeric" if value < 0 else "'Infinity'::numeric")
        return value if generic is None else generic(value)

    return bind


class _CastArray:
    """A list psycopg2 sends as its ARRAY literal cast to the enum's array type: PostgreSQL
    types ``ARRAY['a']`` as ``text[]``, which it does not assign to an enum array column."""

    __slots__ = ("adapted", "cast")

    def __init__(self, adapted: Any, cast: bytes) -> None:
        self.adapted = adapted
        self.cast = cast

    def __conform__(self, protocol: object) -> _CastArray:
        return self

    def prepare(self, connection: Any) -> None:
        """Let the list's adapter quote its strings in the connection's encoding."""
        prepare = getattr(self.adapted, "prepare", None)
        if prepare is not None:
            prepare(connection)

    def getquoted(self) -> bytes:
        quoted: bytes = self.adapted.getquoted()
        return quoted + self.cast


def _array_bind(type_: TypeEngine, dialect: Any) -> Processor | None:
    """An array of a native enum cast to its type (``%s::mood[]``), as SQLAlchemy casts it."""
    assert isinstance(type_, ARRAY)
    generic = type_.generic_bind_processor(dialect)
    item = type_.item_type.dialect_impl(dialect)
    if not (isinstance(item, Enum) and item.native_enum):
        return generic
    cast = f"::{dialect.type_compiler(dialect).process(item)}[]".encode()

    def bind(value: Any) -> Any:
        from psycopg2.extensions import adapt

        return _CastArray(adapt(value if generic is None else generic(value)), cast)

    return bind


class Psycopg2TypeCompiler(PostgreSQLTypeCompiler):
    """PostgreSQL's type DDL, and psycopg2's conversions."""

    bind_processors: ClassVar[Mapping[str, ProcessorFactory]] = {
        "numeric": _numeric_bind,
        "array": _array_bind,
    }


class Psycopg2Dialect(PostgreSQLDialect):
    """PostgreSQL through psycopg2."""

    corral_mode_args = frozenset()  # autocommit is set on the connection, not passed

    driver = "psycopg2"
    driver_extra = "psycopg2"
    features = PSYCOPG2_FEATURES
    type_compiler = Psycopg2TypeCompiler

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._casters: tuple[Any, ...] | None = None
        self._stream_cursor: type | None = None
        self._batching_cursors: dict[type, type] = {}

    def create_connect_args(self, url: URL) -> dict[str, Any]:
        return libpq_connect_args(url)

    def check_connect_args(self, args: Mapping[str, Any]) -> None:
        try:
            from psycopg2 import ProgrammingError
            from psycopg2.extensions import make_dsn, parse_dsn
        except ImportError:  # the missing driver is reported when connecting
            return
        if "autocommit" in args:
            raise exc.ArgumentError(
                "psycopg2.connect() takes no autocommit argument: corral runs psycopg2 "
                "connections in autocommit mode and sends BEGIN itself; for the AUTOCOMMIT "
                'isolation level use create_engine(..., isolation_level="AUTOCOMMIT")'
            )
        conninfo = {k: v for k, v in args.items() if k not in _PSYCOPG2_CONNECT_KEYWORDS}
        try:
            parse_dsn(make_dsn(**conninfo))
        except ProgrammingError as error:
            raise exc.ArgumentError(
                "The psycopg2 driver refuses a URL query option or connect_args key: "
                f"{str(error).strip()}"
            ) from None

    def adopt_connection(self, dbapi_connection: Any) -> None:
        connection_class = self.dbapi.extensions.connection
        if not isinstance(dbapi_connection, connection_class):
            raise exc.ArgumentError(
                f"create_engine(creator=...) returned {type(dbapi_connection).__name__} "
                f"{dbapi_connection!r}; the postgresql+psycopg2 dialect drives psycopg2 "
                "connections: return psycopg2.connect(...) from the creator"
            )

    def on_connect(self, dbapi_connection: Any) -> None:
        dbapi_connection.autocommit = True  # corral sends BEGIN itself
        for caster in self._type_casters():
            self.dbapi.extensions.register_type(caster, dbapi_connection)
        # Cursors that can report a batch's rows matched (a connect_args cursor_factory kept).
        factory = dbapi_connection.cursor_factory or self.dbapi.extensions.cursor
        dbapi_connection.cursor_factory = self._batching_cursor(factory)

    def _batching_cursor(self, factory: type) -> type:
        """``factory`` (psycopg2's cursor or a connect_args one) able to stand for a batch."""
        if getattr(factory, "counted_class", None) is not None:
            return factory  # already one (a creator's connection made by this engine)
        batching = self._batching_cursors.get(factory)
        if batching is None:
            batching = self._batching_cursors[factory] = batched_dml.batching_cursor(factory)
        return batching

    def _type_casters(self) -> tuple[Any, ...]:
        """psycopg2 type casters reading uuid and bytea (and their arrays) as psycopg 3 does."""
        if self._casters is None:
            import uuid

            import psycopg2.extras

            extensions = self.dbapi.extensions
            # psycopg2 keeps adapters process-wide: uuid.UUID binds as '...'::uuid.
            extensions.register_adapter(uuid.UUID, psycopg2.extras.UUID_adapter)

            def read_bytea(value: str | None, cursor: Any) -> bytes | None:
                memory = self.dbapi.BINARY(value, cursor)
                return None if memory is None else bytes(memory)

            def read_uuid(value: str | None, cursor: Any) -> uuid.UUID | None:
                return None if value is None else uuid.UUID(value)

            bytea = extensions.new_type((_BYTEA,), "CORRAL_BYTEA", read_bytea)
            uuid_type = extensions.new_type((_UUID,), "CORRAL_UUID", read_uuid)
            self._casters = (
                bytea,
                extensions.new_array_type((_BYTEA_ARRAY,), "CORRAL_BYTEA_ARRAY", bytea),
                uuid_type,
                extensions.new_array_type((_UUID_ARRAY,), "CORRAL_UUID_ARRAY", uuid_type),
            )
        return self._casters

    def begins_with_statement(self) -> bool:
        """BEGIN travels in the text of the transaction's first statement."""
        return True

    def do_execute(
        self, cursor: Any, sql: str, args: Any, many: bool, returning: bool = False
    ) -> None:
        if many and not returning and batched_dml.batches(cursor, sql, args):
            batched_dml.execute(cursor, (), sql, args)
        else:
            DefaultDialect.do_execute(self, cursor, sql, args, many, returning)

    def do_execute_after(
        self,
        dbapi_connection: Any,
        cursor: Any,
        controls: Sequence[str],
        sql: str,
        args: Any,
        many: bool,
        returning: bool = False,
    ) -> None:
        batched = many and not returning and batched_dml.batches(cursor, sql, args)
        if many and not batched:  # one by one: executemany would repeat them for every set
            DefaultDialect.do_execute_after(
                self, dbapi_connection, cursor, controls, sql, args, many, returning
            )
            return
        try:
            if batched:  # the controls lead the first text of the batch
                batched_dml.execute(cursor, controls, sql, args)
            else:
                # One text, one round trip; the cursor's result is the last statement's.
                self.do_execute(cursor, "; ".join((*controls, sql)), args, many, returning)
        except BaseException:
            # A syntax error stops the whole text before BEGIN runs: open the transaction
            # corral now counts as open. The statement's error is the one to report.
            if dbapi_connection.info.transaction_status == IDLE and not dbapi_connection.closed:
                with contextlib.suppress(Exception):
                    for control in controls:
                        self.run(dbapi_connection, control)
            raise

    def executemany_round_trips(self, sql: str, sets: int) -> int:
        """One per text of a batched UPDATE / DELETE; else one per set (psycopg2's executemany)."""
        return batched_dml.round_trips(sql, sets)

    def do_commit(self, dbapi_connection: Any) -> None:
        # psycopg2's commit() sends nothing on an autocommit connection.
        if dbapi_connection.info.transaction_status != IDLE:
            self.run(dbapi_connection, "COMMIT")

    def do_rollback(self, dbapi_connection: Any) -> None:
        """ROLLBACK unless libpq reports the connection idle, outside a transaction."""
        if dbapi_connection.info.transaction_status != IDLE:
            self.run(dbapi_connection, "ROLLBACK")

    def streaming_cursor(self, dbapi_connection: Any) -> Any:
        """A named cursor: ``DECLARE ... WITH HOLD`` on execute, ``FETCH`` per round."""
        name = f"corral_stream_{next(stream_names)}"
        return dbapi_connection.cursor(
            name=name, withhold=True, cursor_factory=self._stream_cursor_class()
        )

    def _stream_cursor_class(self) -> type:
        if self._stream_cursor is None:
            base: type = self.dbapi.extensions.cursor

            class StreamCursor(base):  # type: ignore[misc]  # psycopg2 is untyped
                """A named cursor whose columns are known once it is executed."""

                def execute(self, sql: str, args: Any = None) -> None:
                    super().execute(sql, args)
                    # psycopg2 describes a named cursor's columns at its first FETCH;
                    # FETCH FORWARD 0 reads no row.
                    self.fetchmany(0)

            self._stream_cursor = StreamCursor
        return self._stream_cursor

    def install_row_class(self, cursor: Any, row_class: type) -> bool:
        return False  # psycopg2 has no row factory; it makes tuples

    def native_placeholders(self, sql: str) -> str | None:
        return None  # psycopg2 binds on the client, into the text


dialect = Psycopg2Dialect  # as SQLAlchemy's ``dialects.postgresql.psycopg2.dialect``
