"""ShardedSession: rows of the same tables spread over two databases (ext.horizontal_shard)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral import (
    URL,
    Engine,
    ForeignKey,
    String,
    create_engine,
    exc,
    inspect,
    select,
    text,
    update,
)
from corral.ext.horizontal_shard import ShardedSession, ShardExecuteState, set_shard_id
from corral.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    selectinload,
    sessionmaker,
)
from tests.integration.conftest import EngineFactory
from tests.integration.orm_models import dml, recorded_sql


class Base(DeclarativeBase):
    pass


class Store(Base):
    __tablename__ = "shard_store"
    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))
    clerks: Mapped[list[Clerk]] = relationship(back_populates="store", order_by="Clerk.id")


class Clerk(Base):
    __tablename__ = "shard_clerk"
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("shard_store.id"))
    name: Mapped[str] = mapped_column(String(40))
    store: Mapped[Store] = relationship(back_populates="clerks")


REGIONS = ("east", "west")


def shard_chooser(mapper: Any, instance: Any, clause: Any = None) -> str:
    """A store's region is its shard; a clerk goes with its store."""
    if isinstance(instance, Store):
        return instance.region
    return shard_chooser(mapper, instance.store)


def identity_chooser(mapper: Any, primary_key: Any, *, lazy_loaded_from: Any, **kw: Any) -> Any:
    return list(REGIONS)


executed_on: list[Any] = []


def execute_chooser(state: ShardExecuteState) -> list[str]:
    """Every shard, but only "east" when the statement says region == 'east'."""
    executed_on.append(state.statement)
    where = str(getattr(state.statement, "_where", ""))
    return ["east"] if "east" in where else list(REGIONS)


def _admin(engine: Engine, sql: str) -> None:
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text(sql))


@pytest.fixture
def shards(
    backend: str, db_url: URL, make_engine: EngineFactory, tmp_path: Path
) -> Iterator[dict[str, Engine]]:
    """Two shards with the tables: two SQLite files, or the test's database and a private
    second one on the same server (dropped after)."""
    east = make_engine()
    second = f"{db_url.database}_west"
    if backend == "sqlite":
        west = create_engine(f"sqlite:///{tmp_path / 'west.db'}")
    else:
        _admin(east, f"DROP DATABASE IF EXISTS {second}")
        _admin(east, f"CREATE DATABASE {second}")
        west = create_engine(db_url.set(database=second))
    engines = {"east": east, "west": west}
    try:
        for engine in engines.values():
            Base.metadata.create_all(engine)
        yield engines
    finally:
        west.dispose()
        if backend != "sqlite":
            force = " WITH (FORCE)" if backend == "postgresql" else ""
            _admin(east, f"DROP DATABASE IF EXISTS {second}{force}")


@pytest.fixture
def maker(shards: dict[str, Engine]) -> sessionmaker[ShardedSession]:
    return sessionmaker(
        class_=ShardedSession,
        shards=shards,
        shard_chooser=shard_chooser,
        identity_chooser=identity_chooser,
        execute_chooser=execute_chooser,
    )


def _names(engine: Engine, table: str) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text(f"SELECT name FROM {table} ORDER BY id")).scalars())


def _seed(maker: sessionmaker[ShardedSession]) -> None:
    """Store 1 on both shards (the same key twice), each with its clerk 1."""
    with maker.begin() as session:
        session.add_all(
            [
                Store(id=1, region="east", name="Boston", clerks=[Clerk(id=1, name="Ann")]),
                Store(id=1, region="west", name="Denver", clerks=[Clerk(id=1, name="Bob")]),
                Store(id=2, region="west", name="Reno", clerks=[]),
            ]
        )


def test_flush_writes_each_object_to_its_shard(
    maker: sessionmaker[ShardedSession], shards: dict[str, Engine]
) -> None:
    """INSERTs go to the shard shard_chooser names, a clerk with its store, and the same
    primary key on both shards is two rows, one each."""
    with recorded_sql() as statements:
        _seed(maker)
    inserts = [s.split(" (")[0] for s in dml(statements)]
    assert sorted(inserts) == ["INSERT INTO shard_clerk"] * 2 + ["INSERT INTO shard_store"] * 2
    assert _names(shards["east"], "shard_store") == ["Boston"]
    assert _names(shards["west"], "shard_store") == ["Denver", "Reno"]
    assert _names(shards["east"], "shard_clerk") == ["Ann"]
    assert _names(shards["west"], "shard_clerk") == ["Bob"]


def test_identity_tokens_keep_equal_keys_apart(maker: sessionmaker[ShardedSession]) -> None:
    """Objects with the same primary key from two shards are two objects, each identity key
    carrying its shard as the token."""
    _seed(maker)
    with maker() as session:
        stores = session.scalars(select(Store).order_by(Store.name)).all()
        assert [s.name for s in stores] == ["Boston", "Denver", "Reno"]
        keys = {inspect(s).identity_key for s in stores}
        assert keys == {(Store, (1,), "east"), (Store, (1,), "west"), (Store, (2,), "west")}
        assert inspect(stores[0]).identity_token == "east"


def test_lazy_loads_and_expired_attributes_read_the_objects_shard(
    maker: sessionmaker[ShardedSession],
) -> None:
    """A lazy collection and an expired attribute load from their object's own shard."""
    _seed(maker)
    with maker() as session:
        boston = session.get(Store, 1, identity_token="east")
        denver = session.get(Store, 1, identity_token="west")
        assert boston is not None and denver is not None
        assert [c.name for c in boston.clerks] == ["Ann"]
        assert [c.name for c in denver.clerks] == ["Bob"]
        assert denver.clerks[0].store is denver
        session.expire(boston)
        assert boston.name == "Boston"


def test_get_searches_the_identity_choosers_shards(maker: sessionmaker[ShardedSession]) -> None:
    """get() without a token returns the first of identity_chooser's shards holding the key."""
    _seed(maker)
    with maker() as session:
        found = session.get(Store, 2)
        assert found is not None and found.name == "Reno"
        assert inspect(found).identity_token == "west"
        assert session.get(Store, 99) is None


def test_get_finds_an_object_of_any_shard_in_the_identity_map_without_a_select(
    maker: sessionmaker[ShardedSession],
) -> None:
    """get() looks in the identity map under each of identity_chooser's shards before it
    queries one: an object of the second shard, loaded already, costs no SELECT on the first.
    Loader options apply when it does query."""
    _seed(maker)
    with maker() as session:
        reno = session.scalars(select(Store).where(Store.name == "Reno")).one()
        with recorded_sql() as statements:
            assert session.get(Store, 2, options=[selectinload(Store.clerks)]) is reno
        assert dml(statements) == []
        with recorded_sql() as statements:
            boston = session.get(Store, 1, options=[selectinload(Store.clerks)])
        assert boston is not None and boston.name == "Boston"
        selects = dml(statements)
        assert len(selects) == 2 and "shard_clerk" in selects[1]  # the clerks came with it
        with recorded_sql() as statements:
            assert [c.name for c in boston.clerks] == ["Ann"]
        assert dml(statements) == []


def test_choosing_one_shard(maker: sessionmaker[ShardedSession]) -> None:
    """set_shard_id(), bind_arguments shard_id and the _sa_shard_id option each run the
    statement on that shard alone; execute_chooser narrows the shards it is given."""
    _seed(maker)
    with maker() as session:
        by_option = session.scalars(select(Store.name).options(set_shard_id("west"))).all()
        assert sorted(by_option) == ["Denver", "Reno"]
        by_argument = session.scalars(select(Store.name), bind_arguments={"shard_id": "east"}).all()
        assert by_argument == ["Boston"]
        by_option = session.scalars(
            select(Store.name), execution_options={"_sa_shard_id": "east"}
        ).all()
        assert by_option == ["Boston"]
        narrowed = session.scalars(select(Store.name).where(Store.region == "east")).all()
        assert narrowed == ["Boston"]


def test_changes_and_deletes_flush_to_the_objects_shard(
    maker: sessionmaker[ShardedSession], shards: dict[str, Engine]
) -> None:
    """An UPDATE and a DELETE of loaded objects go to the shard they were loaded from."""
    _seed(maker)
    with maker() as session:
        denver = session.get_one(Store, 1, identity_token="west")
        denver.name = "Denver CO"
        with recorded_sql() as statements:
            ann = session.get_one(Clerk, 1, identity_token="east")  # autoflushes Denver first
            session.delete(ann)
            session.commit()
    assert [
        s.split(" SET")[0].split(" WHERE")[0].split(" FROM shard_clerk")[0] for s in dml(statements)
    ] == [
        "UPDATE shard_store",
        "SELECT shard_clerk.id, shard_clerk.store_id, shard_clerk.name",
        "DELETE",
    ]
    assert _names(shards["west"], "shard_store") == ["Denver CO", "Reno"]
    assert _names(shards["east"], "shard_store") == ["Boston"]
    assert _names(shards["east"], "shard_clerk") == []
    assert _names(shards["west"], "shard_clerk") == ["Bob"]


def test_bulk_update_runs_on_every_chosen_shard(
    maker: sessionmaker[ShardedSession], shards: dict[str, Engine]
) -> None:
    """An UPDATE statement runs on each shard execute_chooser lists; rowcounts add up."""
    _seed(maker)
    with maker() as session:
        result = session.execute(
            update(Store).where(Store.id == 1).values(name="renamed"),
            execution_options={"synchronize_session": False},
        )
        assert result.rowcount == 2
        session.commit()
    assert _names(shards["east"], "shard_store") == ["renamed"]
    assert _names(shards["west"], "shard_store") == ["renamed", "Reno"]


def test_missing_choosers_and_unknown_shards_are_refused(shards: dict[str, Engine]) -> None:
    """ShardedSession() needs identity_chooser and execute_chooser, and an unknown shard id
    raises naming the shards there are."""
    with pytest.raises(exc.ArgumentError, match="needs identity_chooser="):
        ShardedSession(shard_chooser=shard_chooser, execute_chooser=execute_chooser)
    with pytest.raises(exc.ArgumentError, match=r"id_chooser=.*pass identity_chooser="):
        ShardedSession(
            shard_chooser=shard_chooser,
            id_chooser=lambda q, i: [],
            execute_chooser=execute_chooser,
        )
    session = ShardedSession(
        shard_chooser=shard_chooser,
        identity_chooser=identity_chooser,
        execute_chooser=execute_chooser,
        shards=shards,
    )
    with pytest.raises(exc.InvalidRequestError, match=r"no shard 'north'.*'east', 'west'"):
        session.execute(select(Store), bind_arguments={"shard_id": "north"})
    session.close()


def test_legacy_query_runs_across_shards_and_set_shard_picks_one(
    maker: sessionmaker[ShardedSession],
) -> None:
    """session.query() runs on every shard; ShardedQuery.set_shard() on one."""
    _seed(maker)
    with maker() as session:
        assert sorted(s.name for s in session.query(Store)) == ["Boston", "Denver", "Reno"]
        west = session.query(Store).set_shard("west").order_by(Store.name).all()
        assert [s.name for s in west] == ["Denver", "Reno"]
        assert session.query(Store).filter(Store.region == "east").count() == 1


def test_async_sharded_session_over_sqlite_files(tmp_path: Path) -> None:
    """async_sessionmaker(sync_session_class=ShardedSession, shards=...) with the shards'
    sync engines, as SQLAlchemy's examples/sharding/asyncio.py sets it up: rows go to their
    shards and come back from both, equal keys apart by identity token."""
    from corral.ext.asyncio import async_sessionmaker, create_async_engine

    async def main() -> list[Any]:
        engines = {
            region: create_async_engine(f"sqlite+aiosqlite:///{tmp_path / region}.db")
            for region in REGIONS
        }
        try:
            for engine in engines.values():
                async with engine.begin() as connection:
                    await connection.run_sync(Base.metadata.create_all)
            maker = async_sessionmaker(
                sync_session_class=ShardedSession,
                shards={region: engine.sync_engine for region, engine in engines.items()},
                shard_chooser=shard_chooser,
                identity_chooser=identity_chooser,
                execute_chooser=lambda state: list(REGIONS),
            )
            async with maker() as session:
                session.add_all(
                    [
                        Store(id=1, region="east", name="Boston"),
                        Store(id=1, region="west", name="Reno"),
                    ]
                )
                await session.commit()
                stores = (await session.scalars(select(Store))).all()
                return sorted((inspect(s).identity_token, s.name) for s in stores)
        finally:
            for engine in engines.values():
                await engine.dispose()

    import asyncio

    assert asyncio.run(main()) == [("east", "Boston"), ("west", "Reno")]
