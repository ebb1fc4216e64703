"""aiosqlite runs each call in its thread, and each call is a round trip to that thread
and back: a statement (BEGIN included) is one such call, not one per execute, fetch and
cursor close. Counted by wrapping aiosqlite's ``Connection._execute``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from corral import String
from corral.ext.asyncio import AsyncSession, create_async_engine
from corral.orm import DeclarativeBase, Mapped, mapped_column

aiosqlite = pytest.importorskip("aiosqlite")


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "trip_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


def _trips_of_each_step(
    path: Path, monkeypatch: pytest.MonkeyPatch, *, public_calls: bool
) -> dict[str, Any]:
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    if public_calls:  # an aiosqlite without the step: its public calls, one trip each
        monkeypatch.setattr(
            "corral.dialects.sqlite.asyncio.AiosqliteConnection.__init__",
            _without_step,
        )

    async def main() -> dict[str, Any]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            trips: dict[str, Any] = {}
            calls.clear()
            async with AsyncSession(engine) as session:
                session.add(Item(id=1, name="one"))
                await session.commit()  # BEGIN + INSERT, then COMMIT
            trips["insert"] = len(calls)
            calls.clear()
            async with AsyncSession(engine) as session:
                item = await session.get(Item, 1)
                assert item is not None and item.name == "one"
                assert await session.get(Item, 2) is None
            trips["gets"] = len(calls)
            assert engine.pool.checkedout() == 0
            return trips
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _without_step(self: Any, raw: Any) -> None:
    from corral.dialects.sqlite import asyncio as module

    self.raw = raw
    self._in_thread = None
    module._open_connections.add(self)


def test_a_statement_is_one_trip_to_aiosqlites_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BEGIN and an INSERT go in one trip, the COMMIT in another; each get's SELECT (which
    begins nothing on SQLite) is one trip, rows and cursor close included."""
    trips = _trips_of_each_step(tmp_path / "one.db", monkeypatch, public_calls=False)
    assert trips == {"insert": 2, "gets": 2}


def test_without_the_step_aiosqlites_public_calls_give_the_same_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: through aiosqlite's public calls each execute, fetch and close is a
    trip of its own (BEGIN a statement of its own); the results are the same."""
    trips = _trips_of_each_step(tmp_path / "public.db", monkeypatch, public_calls=True)
    assert trips == {"insert": 5, "gets": 6}
