"""Every entry point refuses a keyword it does not support, naming it; nothing is ignored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Optional

import pytest

from corral import (
    DeclarativeBase,
    Engine,
    ForeignKey,
    Mapped,
    Session,
    String,
    backref,
    configure_mappers,
    create_engine,
    deferred,
    exc,
    mapped_column,
    relationship,
    scoped_session,
    select,
    selectinload,
    sessionmaker,
    text,
    update,
)
from corral.orm.mapping import properties


class AuditBase(DeclarativeBase):
    pass


class Owner(AuditBase):
    __tablename__ = "audit_owner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    bio: Mapped[Optional[str]] = mapped_column(String(50))  # noqa: UP045
    pets: Mapped[list[Pet]] = relationship(back_populates="owner")


class Pet(AuditBase):
    __tablename__ = "audit_pet"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("audit_owner.id"))  # noqa: UP045
    owner: Mapped[Optional[Owner]] = relationship(back_populates="pets")  # noqa: UP045


@pytest.fixture
def memory() -> Iterator[Engine]:
    """A SQLite memory database with the audit tables."""
    engine = create_engine("sqlite://")
    AuditBase.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pending_restored() -> Iterator[None]:
    """Relationships a test leaves unconfigurable are forgotten afterwards."""
    before = list(properties.PENDING)
    yield
    properties.PENDING[:] = before


def _engine_with(**kw: Any) -> Callable[[], Any]:
    return lambda: create_engine("sqlite://", **kw)


def _session_execute(engine: Engine, **kw: Any) -> None:
    with Session(engine) as session:
        session.execute(select(Owner), **kw)


def _session_execute_statement(engine: Engine, statement: Any) -> None:
    with Session(engine) as session:
        session.execute(statement)


def _connection_execute(engine: Engine, **kw: Any) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"), **kw)


def _connection_options(engine: Engine, **kw: Any) -> None:
    with engine.connect() as connection:
        connection.execution_options(**kw)


#: (entry point, the call, the error it raises, a regex its message must match)
REFUSALS: list[tuple[str, Callable[..., Any], type[Exception], str]] = [
    ("create_engine unknown", _engine_with(pool_sise=1), exc.ArgumentError, r"pool_sise"),
    (
        "create_engine SQLAlchemy-only",
        _engine_with(json_serializer=repr),
        exc.ArgumentError,
        r"json_serializer: JSON columns use the json module",
    ),
    ("create_engine future=False", _engine_with(future=False), exc.ArgumentError, r"future"),
    (
        "create_engine execution_options",
        _engine_with(execution_options={"logging_token": "x"}),
        exc.ArgumentError,
        r"logging_token: corral's log has no per-connection tokens",
    ),
    (
        "create_engine execution_options ORM",
        _engine_with(execution_options={"populate_existing": True}),
        exc.ArgumentError,
        r"populate_existing: an ORM option",
    ),
    (
        "sqlite URL query",
        lambda: create_engine("sqlite:///x.db?bogus=1"),
        exc.ArgumentError,
        r"'bogus'",
    ),
    (
        "sqlite connect_args",
        _engine_with(connect_args={"bogus": 1}),
        exc.ArgumentError,
        r"sqlite3 driver's connect\(\) .* the keyword bogus",
    ),
    (
        "postgresql URL query",
        lambda: create_engine("postgresql://u@localhost/db?bogus=1"),
        exc.ArgumentError,
        r"psycopg driver refuses .*bogus",
    ),
    (
        "postgresql connect_args",
        lambda: create_engine("postgresql://u@localhost/db", connect_args={"bogus": 1}),
        exc.ArgumentError,
        r"psycopg driver refuses .*bogus",
    ),
    (
        "mysql URL query",
        lambda: create_engine("mysql://u@localhost/db?bogus=1"),
        exc.ArgumentError,
        r"pymysql driver's connect\(\) .* the keyword bogus",
    ),
    (
        "mysql connect_args",
        lambda: create_engine("mysql://u@localhost/db", connect_args={"bogus": 1}),
        exc.ArgumentError,
        r"pymysql driver's connect\(\) .* the keyword bogus",
    ),
    (
        "Connection.execution_options SQLAlchemy-only",
        lambda e: _connection_options(e, logging_token="x"),
        exc.ArgumentError,
        r"Connection.execution_options\(\) does not support logging_token",
    ),
    (
        "Connection.execution_options yield_per",
        lambda e: _connection_options(e, yield_per=10),
        exc.ArgumentError,
        r"yield_per: corral implements it for ORM selects",
    ),
    (
        "Connection.execution_options ORM",
        lambda e: _connection_options(e, synchronize_session=False),
        exc.ArgumentError,
        r"synchronize_session: an ORM option",
    ),
    (
        "Connection.execute execution_options",
        lambda e: _connection_execute(e, execution_options={"app_tag": 1}),
        exc.ArgumentError,
        r"app_tag: an application key passed with one call",
    ),
    (
        "Connection.execute isolation_level",
        lambda e: _connection_execute(e, execution_options={"isolation_level": "SERIALIZABLE"}),
        exc.ArgumentError,
        r"isolation_level: set it on a connection",
    ),
    ("Session unknown", lambda: Session(autoflsh=False), exc.ArgumentError, r"autoflsh"),
    (
        "Session SQLAlchemy-only",
        lambda: Session(close_resets_only=False),
        exc.ArgumentError,
        r"close_resets_only: close\(\) always resets",
    ),
    (
        "sessionmaker",
        lambda: sessionmaker(enable_baked_queries=True),
        exc.ArgumentError,
        r"enable_baked_queries: corral caches",
    ),
    (
        "sessionmaker.configure",
        lambda: sessionmaker().configure(query_cls=object),
        exc.ArgumentError,
        r"sessionmaker.configure\(\) does not support query_cls",
    ),
    (
        "scoped_session.configure",
        lambda: scoped_session(sessionmaker()).configure(bogus=1),
        exc.ArgumentError,
        r"scoped_session.configure\(\) does not support the keyword bogus",
    ),
    (
        "scoped_session()",
        lambda: scoped_session(sessionmaker())(bogus=1),
        exc.ArgumentError,
        r"Session\(\) does not support the keyword bogus",
    ),
    (
        "Session.execute execution_options SQLAlchemy-only",
        lambda e: _session_execute(e, execution_options={"compiled_cache": {}}),
        exc.ArgumentError,
        r"compiled_cache: set it on the connection or engine",
    ),
    (
        "Session.execute execution_options app key",
        lambda e: _session_execute(e, execution_options={"app_tag": 1}),
        exc.ArgumentError,
        r"app_tag: an application key .* get_execution_options\(\)",
    ),
    (
        "Session.execute isolation_level",
        lambda e: _session_execute(e, execution_options={"isolation_level": "SERIALIZABLE"}),
        exc.ArgumentError,
        r"isolation_level: set it on a connection",
    ),
    (
        "Session.execute bind_arguments",
        lambda e: _session_execute(e, bind_arguments=["mapper"]),
        exc.ArgumentError,
        r"bind_arguments must be a dict of Session.get_bind\(\) keywords",
    ),
    (
        "Select.execution_options",
        lambda: select(Owner).execution_options(logging_token="x"),
        exc.ArgumentError,
        r"Select.execution_options\(\) does not support logging_token",
    ),
    (
        "Select.execution_options isolation_level",
        lambda: select(Owner).execution_options(isolation_level="SERIALIZABLE"),
        exc.ArgumentError,
        r"isolation_level: set it on a connection",
    ),
    (
        "Update.execution_options",
        lambda: update(Owner).execution_options(dml_strategy="bulk"),
        exc.ArgumentError,
        r"Update.execution_options\(\) does not support dml_strategy",
    ),
    (
        "Select.options non-loader",
        lambda: select(Owner).options(Owner.name),
        exc.ArgumentError,
        r"options\(\) takes loader options",
    ),
    (
        "loader option on a column-only select",
        lambda e: _session_execute_statement(
            e, select(Owner.name).options(selectinload(Owner.pets))
        ),
        exc.ArgumentError,
        r"selects only columns and expressions",
    ),
    (
        "selectinload recursion_depth on a relationship to another class",
        lambda: selectinload(Owner.pets, recursion_depth=2),
        exc.ArgumentError,
        r"recursion_depth=\.\.\.\) is for a relationship from a class to itself",
    ),
    (
        "mapped_column unknown",
        lambda: mapped_column(primry_key=True),
        exc.ArgumentError,
        r"mapped_column\(\) got unknown options: primry_key",
    ),
    (
        "mapped_column SQLAlchemy-only",
        lambda: mapped_column(sort_order=1),
        exc.ArgumentError,
        r"sort_order: columns follow the order of the class body",
    ),
    (
        "deferred keyword",
        lambda: deferred(mapped_column(), grop="a"),  # type: ignore[call-arg]
        TypeError,
        r"grop",
    ),
    (
        "relationship unknown",
        lambda: relationship("Pet", lazzy="joined"),
        exc.ArgumentError,
        r"relationship\(\) does not support the keyword lazzy",
    ),
    (
        "relationship SQLAlchemy-only",
        lambda: relationship("Pet", distinct_target_key=True),
        exc.ArgumentError,
        r"distinct_target_key: corral does not implement it yet",
    ),
    (
        "relationship overlaps not a string",
        lambda: relationship("Pet", overlaps=1),
        exc.ArgumentError,
        r"overlaps",
    ),
    (
        "relationship passive_deletes='all'",
        lambda: relationship("Pet", passive_deletes="all"),
        exc.ArgumentError,
        r"passive_deletes='all' .* is not supported yet",
    ),
    ("backref unknown", lambda: backref("x", bogus=1), exc.ArgumentError, r"keyword bogus"),
    (
        "backref secondary",
        lambda: backref("x", secondary="a_b"),
        exc.ArgumentError,
        r"secondary: a backref shares its relationship's secondary table",
    ),
    (
        "backref collection_class",
        lambda: backref("x", collection_class=dict),
        exc.ArgumentError,
        r"collection_class=...\) must be list or set",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [pytest.param(call, error, message, id=name) for name, call, error, message in REFUSALS],
)
def test_entry_point_refuses_unknown_keyword(
    call: Callable[..., Any], error: type[Exception], message: str, memory: Engine
) -> None:
    """The call raises an error naming the keyword it does not support."""
    arguments = (memory,) if call.__code__.co_argcount else ()
    with pytest.raises(error, match=message):
        call(*arguments)


def test_application_keys_are_kept_where_readable(memory: Engine) -> None:
    """Keys corral does not act on stay readable on the engine's connections and statements."""
    engine = create_engine("sqlite://", execution_options={"tenant": "a"})
    assert engine.get_execution_options() == {"tenant": "a"}
    with engine.connect() as connection:
        assert connection.get_execution_options() == {"tenant": "a"}
        connection.execution_options(request_id=7)
        assert connection.get_execution_options() == {"tenant": "a", "request_id": 7}
    statement = select(Owner).execution_options(request_id=7)
    assert statement.get_execution_options() == {"request_id": 7}
    assert select(Owner).get_execution_options() == {}
    with Session(memory) as session:
        assert session.execute(statement).all() == []


def test_statement_options_reach_the_orm(tmp_path: Path) -> None:
    """populate_existing and synchronize_session given on the statement take effect."""
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    AuditBase.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        session.add(Owner(id=1, name="ada"))
        session.commit()
        owner = session.get(Owner, 1)
        assert owner is not None
        session.commit()
        with engine.connect() as other, other.begin():
            other.execute(text("UPDATE audit_owner SET name = 'bob'"))
        session.execute(select(Owner))
        assert owner.name == "ada"  # the identity map keeps its loaded state
        session.execute(select(Owner).execution_options(populate_existing=True))
        assert owner.name == "bob"
        refused = update(Owner).values(name="x").execution_options(synchronize_session="nope")
        with pytest.raises(exc.ArgumentError, match="synchronize_session='nope'"):
            session.execute(refused)
    engine.dispose()


def test_overlaps_is_accepted(pending_restored: None) -> None:
    """relationship(overlaps="...") only silences a warning corral never gives: accepted."""
    assert relationship("Pet", overlaps="owner,pets").argument == "Pet"


def test_backref_collection_class_is_used(pending_restored: None) -> None:
    """backref(..., collection_class=set) makes the reverse collection a set."""

    class Base(DeclarativeBase):
        pass

    class Shelf(Base):
        __tablename__ = "audit_shelf"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Jar(Base):
        __tablename__ = "audit_jar"
        id: Mapped[int] = mapped_column(primary_key=True)
        shelf_id: Mapped[int] = mapped_column(ForeignKey("audit_shelf.id"))
        shelf = relationship(Shelf, backref=backref("jars", collection_class=set))

    configure_mappers()
    shelf: Any = Shelf()
    assert isinstance(shelf.jars, set)


def test_session_connection_options_apply_to_an_existing_connection(memory: Engine) -> None:
    """Session.connection(execution_options=...) after the first query applies them, not drops."""
    with Session(memory) as session:
        session.execute(select(Owner))
        connection = session.connection(execution_options={"request_id": 7})
        assert connection.get_execution_options()["request_id"] == 7
        with pytest.raises(exc.InvalidRequestError, match="inside a transaction"):
            session.connection(execution_options={"isolation_level": "READ UNCOMMITTED"})


def test_session_connection_options_keep_the_session_isolation_level(tmp_path: Path) -> None:
    """Options given to the first connection() add to Session(isolation_level=...), not replace."""
    engine = create_engine(f"sqlite:///{tmp_path / 'level.db'}")
    with Session(engine, isolation_level="READ UNCOMMITTED") as session:
        connection = session.connection(execution_options={"request_id": 7})
        assert connection.get_execution_options() == {
            "isolation_level": "READ UNCOMMITTED",
            "request_id": 7,
        }
        assert connection.get_isolation_level() == "READ UNCOMMITTED"
    engine.dispose()
