"""A Session over several databases: ``Session(binds={Model: engine, table: engine})``.

``binds`` maps mapped classes (or any class in their bases: a declarative ``Base``, a
mixin), Mappers and Tables to an Engine or Connection. ``Session.get_bind()`` resolves a
statement's bind as SQLAlchemy does: the mapper's class and then its bases in MRO order,
then the tables the statement reads or writes, then the Session's own ``bind``.

The session checks one connection out per bind it uses, in the order it first needs
them, and commits (or rolls back) them in that order. With ``twophase=True`` it first
prepares every database's transaction (PostgreSQL's ``PREPARE TRANSACTION``, MySQL and
MariaDB's XA) and commits them only once all are prepared.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.engine.base import Connection
from corral.sql.schema import Table

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper
    from corral.orm.session.session import Session


def bind_map(binds: Mapping[Any, Any] | None) -> dict[Any, Any]:
    """``binds`` with each key checked and a Mapper keyed by its class (and its tables)."""
    out: dict[Any, Any] = {}
    for key, bind in (binds or {}).items():
        mapper = getattr(key, "__mapper__", None) if isinstance(key, type) else None
        if key.__class__.__name__ == "Mapper":
            mapper = key
        if mapper is not None:
            out[mapper.class_] = bind
            for table in _mapper_tables(mapper):
                out.setdefault(table, bind)
        elif isinstance(key, type | Table):
            out[key] = bind
        else:
            raise exc.ArgumentError(
                f"Session(binds=...): {key!r} is not a class, Mapper or Table; bind a mapped "
                "class, a base class of mapped classes, or a Table to each engine"
            )
    return out


def _mapper_tables(mapper: Mapper) -> list[Table]:
    tables = getattr(mapper, "tables", None)
    if tables:
        return list(tables)
    table = getattr(mapper, "table", None)
    return [table] if isinstance(table, Table) else []


def resolve(session: Session, mapper: Any, clause: Any) -> Any:
    """The bind for ``mapper`` / ``clause`` from ``session``'s binds, else its ``bind``."""
    binds = session._binds
    if binds:
        if mapper is not None:
            cls = mapper if isinstance(mapper, type) else getattr(mapper, "class_", None)
            for klass in getattr(cls, "__mro__", ()):
                found = binds.get(klass)
                if found is not None:
                    return found
            if clause is None:
                clause = getattr(mapper, "__mapper__", mapper)
                clause = getattr(clause, "table", None)
        if clause is not None:
            for table in tables_of(clause):
                found = binds.get(table)
                if found is not None:
                    return found
    if session.bind is not None:
        return session.bind
    what = ""
    if mapper is not None:
        cls = mapper if isinstance(mapper, type) else getattr(mapper, "class_", mapper)
        what = f" for {getattr(cls, '__name__', cls)}"
    elif clause is not None:
        what = f" for the statement {type(clause).__name__}"
    raise exc.UnboundExecutionError(
        f"This Session has no bind{what}: give Session(bind=engine), or "
        "Session(binds={Model: engine, Base: engine, table: engine}) naming it"
    )


def tables_of(clause: Any) -> Iterable[Any]:
    """The tables a statement (or a Table / Join) reads or writes, outermost first."""
    if isinstance(clause, Table):
        yield clause
        return
    table = getattr(clause, "table", None)  # INSERT / UPDATE / DELETE
    if table is not None and not callable(table):
        yield from tables_of(table)
        return
    froms = getattr(clause, "_froms", None)
    if callable(froms):
        for item in froms():
            yield from tables_of(item)
        return
    for side in ("left", "right", "element", "original"):
        inner = getattr(clause, side, None)
        if inner is not None and inner is not clause:
            yield from tables_of(inner)


def statement_mapper(statement: Any) -> Any:
    """The mapper a statement is about: its first mapped entity, or a DML's entity."""
    entity = getattr(statement, "_entity", None)
    if entity is not None:
        return getattr(entity, "__mapper__", None)
    for item in getattr(statement, "_entities", ()):
        mapper = getattr(item, "__mapper__", None)
        if mapper is None:
            mapper = getattr(getattr(item, "class_", None), "__mapper__", None)
        if mapper is not None:
            return mapper
    return None


class ExtraConnection:
    """A connection a multi-database Session uses besides its first, and its transaction."""

    __slots__ = ("bind", "connection", "owned", "transaction")

    def __init__(self, session: Session, bind: Any) -> None:
        self.bind = bind
        if isinstance(bind, Connection):
            if bind.in_transaction():
                raise exc.InvalidRequestError(
                    "Session(binds=...): a Connection given as a bind must not be in a "
                    "transaction already; bind the Engine, or the Connection before begin()"
                )
            self.connection, self.owned = bind, False
        else:
            self.connection, self.owned = bind.connect(), True
        self.connection._meter.attach(session.stats, session._deadline, None)
        try:
            self.transaction = begin(session, self.connection)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.owned:
            self.connection.close()
        else:
            if self.transaction is not None and self.transaction.is_active:
                self.transaction.rollback()
            self.connection._meter.detach()


def begin(session: Session, connection: Connection) -> Any:
    """Begin the session's transaction on ``connection``: a two-phase one if asked."""
    if session.twophase:
        return TwoPhaseTransaction(connection)
    return connection.begin()


class TwoPhaseTransaction:
    """A transaction that is prepared, then committed: PostgreSQL's ``PREPARE TRANSACTION``
    or MySQL / MariaDB's XA. The connection runs in AUTOCOMMIT mode so that corral sends no
    BEGIN of its own: this transaction sends its own statements."""

    def __init__(self, connection: Connection) -> None:
        name = connection.dialect.name
        if name not in ("postgresql", "mysql", "mariadb"):
            raise exc.ArgumentError(
                f"Session(twophase=True) needs PostgreSQL or MySQL/MariaDB; this connection is "
                f"to {name}, which has no two-phase commit. Drop twophase=True"
            )
        self.connection = connection
        self.xid = f"corral_{uuid.uuid4().hex}"
        self.is_mysql = name != "postgresql"
        self.prepared = False
        self.is_active = True
        connection.execution_options(isolation_level="AUTOCOMMIT")
        self._sql(f"XA START '{self.xid}'" if self.is_mysql else "BEGIN")

    def _sql(self, sql: str) -> None:
        self.connection.exec_driver_sql(sql)

    def prepare(self) -> None:
        """Phase one: the database promises to commit this transaction when told to."""
        if self.is_mysql:
            self._sql(f"XA END '{self.xid}'")
            self._sql(f"XA PREPARE '{self.xid}'")
        else:
            self._sql(f"PREPARE TRANSACTION '{self.xid}'")
        self.prepared = True

    def commit(self) -> None:
        """Phase two (preparing first if that was not done)."""
        if not self.prepared:
            self.prepare()
        self._sql(f"XA COMMIT '{self.xid}'" if self.is_mysql else f"COMMIT PREPARED '{self.xid}'")
        self.is_active = False

    def rollback(self) -> None:
        if not self.is_active:
            return
        self.is_active = False
        if self.is_mysql:
            if not self.prepared:
                self._sql(f"XA END '{self.xid}'")
            self._sql(f"XA ROLLBACK '{self.xid}'")
        else:
            self._sql(f"ROLLBACK PREPARED '{self.xid}'" if self.prepared else "ROLLBACK")


def commit_all(first: Any, extras: list[ExtraConnection]) -> None:
    """Commit the first database's transaction, then the others in the order they began;
    two-phase ones are all prepared before any commits."""
    transactions = [first, *(extra.transaction for extra in extras)]
    try:
        for transaction in transactions:
            if isinstance(transaction, TwoPhaseTransaction):
                transaction.prepare()
    except BaseException:
        abandon(transactions)  # one database refused: none of them commits
        raise
    for transaction in transactions:
        transaction.commit()


def abandon(transactions: Iterable[Any]) -> None:
    """Roll back two-phase transactions, prepared or not, ignoring what fails."""
    for transaction in transactions:
        if isinstance(transaction, TwoPhaseTransaction):
            with contextlib.suppress(Exception):  # the connection is discarded after
                transaction.rollback()


def release_all(extras: list[ExtraConnection]) -> None:
    """Roll back what is still open on the extra connections, and give them back."""
    abandon(extra.transaction for extra in extras)
    for extra in extras:
        extra.close()


class FlushRouter:
    """What a flush writes through when the Session routes: each table's statements go to
    the connection get_bind() names for its mapper (the unit of work asks ``route``)."""

    __slots__ = ("by_table", "connections", "session", "transaction")

    def __init__(self, session: Session, transaction: Any) -> None:
        self.session = session
        self.transaction = transaction
        self.connections: dict[Any, Connection] = {}
        self.by_table: dict[Any, Any] = {}

    def route(self, mapper: Any) -> Connection:
        """The connection ``mapper``'s rows are written on."""
        found = self.connections.get(mapper)
        if found is None:
            for table in _mapper_tables(mapper):
                self.by_table.setdefault(table, mapper)
            for rel in mapper.relationships.values():  # association rows go with the owner
                if rel.secondary is not None:
                    self.by_table.setdefault(rel.secondary, mapper)
            bind = self.session.get_bind(mapper, clause=mapper.table)
            found = self.session._connection_for_transaction(self.transaction, None, bind)
            self.connections[mapper] = found
        return found

    def execute(self, statement: Any, params: Any = None) -> Any:
        """A statement of the flush's own (a post-update, an association row), routed by
        its table: to its mapper's connection, else to get_bind(clause=statement)."""
        for table in tables_of(statement):
            mapper = self.by_table.get(table)
            if mapper is not None:
                return self.route(mapper).execute(statement, params)
        bind = self.session.get_bind(None, clause=statement)
        connection = self.session._connection_for_transaction(self.transaction, None, bind)
        return connection.execute(statement, params)
