"""Session(twophase=True): every database prepares its transaction before any commits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import Engine, Integer, String, create_engine, exc, text
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from corral.orm.session import binds
from tests.integration.conftest import EngineFactory
from tests.integration.orm_models import recorded_sql


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "tpc_order"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(40))


class Stock(Base):
    __tablename__ = "tpc_stock"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(40))


@pytest.fixture
def pair(
    backend: str, make_engine: EngineFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[Engine, Engine]]:
    """Two engines (two connections, two transactions) on a database with two-phase commit:
    a private PostgreSQL allowing prepared transactions, or this test's MariaDB database."""
    if backend == "sqlite":
        pytest.skip("SQLite has no two-phase commit (test_sqlite_refuses_twophase covers it)")
    if backend == "postgresql":
        server: Any = request.getfixturevalue("twophase_postgresql")
        first, second = create_engine(server.url), create_engine(server.url)
    else:
        first, second = make_engine(), make_engine()
    Base.metadata.drop_all(first)
    Base.metadata.create_all(first)
    yield first, second
    Base.metadata.drop_all(first)
    first.dispose()
    second.dispose()


def _rows(engine: Engine, table: str) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text(f"SELECT item FROM {table}")).scalars())


def _prepared(engine: Engine) -> list[Any]:
    """Transactions still prepared and neither committed nor rolled back."""
    sql = (
        "SELECT gid FROM pg_prepared_xacts" if engine.dialect.name == "postgresql" else "XA RECOVER"
    )
    with engine.connect() as connection:
        return list(connection.execute(text(sql)))


def test_commit_prepares_both_then_commits_both(pair: tuple[Engine, Engine]) -> None:
    """commit() sends PREPARE to both databases before the first COMMIT, and both rows land."""
    first, second = pair
    session = Session(binds={Order: first, Stock: second}, twophase=True)
    session.add_all([Order(id=1, item="lamp"), Stock(id=1, item="lamp")])
    with recorded_sql() as statements:
        session.commit()
    phases = [
        " ".join(s.split(" ")[:2])
        for s in statements
        if "'corral_" in s and not s.startswith("XA START")
    ]
    if first.dialect.name == "postgresql":
        assert phases == [
            "PREPARE TRANSACTION",
            "PREPARE TRANSACTION",
            "COMMIT PREPARED",
            "COMMIT PREPARED",
        ]
    else:
        assert phases == ["XA END", "XA PREPARE", "XA END", "XA PREPARE", "XA COMMIT", "XA COMMIT"]
    assert _rows(first, "tpc_order") == ["lamp"]
    assert _rows(first, "tpc_stock") == ["lamp"]
    assert _prepared(first) == []
    session.close()


def test_a_failed_prepare_rolls_back_every_database(
    pair: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the second database refuses to prepare, the first's prepared transaction is rolled
    back too: no row on either, nothing left prepared."""
    first, second = pair
    prepare = binds.TwoPhaseTransaction.prepare
    calls: list[int] = []

    def refuse_second(self: binds.TwoPhaseTransaction) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise exc.OperationalError("prepare refused (injected)", None, None)
        prepare(self)

    monkeypatch.setattr(binds.TwoPhaseTransaction, "prepare", refuse_second)
    session = Session(binds={Order: first, Stock: second}, twophase=True)
    session.add_all([Order(id=2, item="desk"), Stock(id=2, item="desk")])
    with pytest.raises(exc.OperationalError, match="injected"):
        session.commit()
    session.close()
    assert _rows(first, "tpc_order") == []
    assert _rows(first, "tpc_stock") == []
    assert _prepared(first) == []


def test_rollback_and_close_leave_nothing_prepared(pair: tuple[Engine, Engine]) -> None:
    """rollback() and close() on a two-phase session end both transactions, unprepared."""
    first, second = pair
    session = Session(binds={Order: first, Stock: second}, twophase=True)
    session.add_all([Order(id=3, item="a"), Stock(id=3, item="b")])
    session.flush()
    session.rollback()
    session.add_all([Order(id=4, item="c"), Stock(id=4, item="d")])
    session.flush()
    session.close()
    assert _rows(first, "tpc_order") == []
    assert _rows(first, "tpc_stock") == []
    assert _prepared(first) == []


def test_sqlite_refuses_twophase(tmp_path: Any) -> None:
    """twophase=True on SQLite raises, naming the databases that have it."""
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    Base.metadata.create_all(engine)
    session = Session(engine, twophase=True)
    session.add(Order(id=1, item="x"))
    with pytest.raises(exc.ArgumentError, match="needs PostgreSQL or MySQL/MariaDB"):
        session.flush()
    session.close()
    engine.dispose()
