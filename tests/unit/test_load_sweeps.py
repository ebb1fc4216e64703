"""A load of many rows does not sweep the weak identity map between its chunks (every
object it built is alive in its list), and what was dead before it is still swept by the
next load."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import create_engine, insert, select
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from corral.orm.loading.entities import EntityLoader
from corral.orm.mapping.identity_map import WeakIdentityMap
from corral.util.gc_pause import PAUSE_AT

CHUNKS = 5


class Base(DeclarativeBase):
    pass


class Reading(Base):
    __tablename__ = "reading"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int]


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as filling:
        rows = [{"id": n, "value": n} for n in range(1, 2 * CHUNKS * PAUSE_AT + 1)]
        filling.execute(insert(Reading), rows)
        filling.commit()
    with Session(engine) as opened:
        yield opened
    engine.dispose()


def _count_sweeps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many entries each sweep of a weak map scanned, in order."""
    scanned: list[int] = []
    sweep = WeakIdentityMap.sweep

    def counted(self: WeakIdentityMap) -> None:
        scanned.append(len(self.entries))
        sweep(self)

    monkeypatch.setattr(WeakIdentityMap, "sweep", counted)
    return scanned


def _page(number: int) -> Any:
    """``CHUNKS`` chunks of rows: the ``number``-th half of the table."""
    first = 1 + (number - 1) * CHUNKS * PAUSE_AT
    return select(Reading).where(Reading.id >= first, Reading.id < first + CHUNKS * PAUSE_AT)


def test_a_load_of_many_chunks_scans_none_of_its_own_objects(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    scanned = _count_sweeps(monkeypatch)
    loaded = session.scalars(_page(1)).all()
    assert len(loaded) == CHUNKS * PAUSE_AT
    assert scanned == []
    assert session.identity_map.weak
    assert len(session.identity_map.entries) == CHUNKS * PAUSE_AT
    assert all(session.get(Reading, n) is loaded[n - 1] for n in (1, PAUSE_AT + 1, len(loaded)))


def test_control_sweeping_before_each_chunk_scans_the_live_objects(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: with the check before every chunk, the map's doubling sweeps scan the load's
    own objects, all alive, and free none."""
    load_all = EntityLoader.load_all

    def always(self: EntityLoader, rows: list[Any], *, sweep: bool = True) -> list[Any]:
        return load_all(self, rows)

    monkeypatch.setattr(EntityLoader, "load_all", always)
    scanned = _count_sweeps(monkeypatch)
    loaded = session.scalars(_page(1)).all()
    assert scanned == [PAUSE_AT, 2 * PAUSE_AT, 4 * PAUSE_AT]
    assert len(session.identity_map.entries) == len(loaded) == CHUNKS * PAUSE_AT


def test_the_next_load_sweeps_what_the_program_dropped(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paging through a table, each page dropped: the second page's load sweeps the first
    page's dead entries before its first chunk, so the map holds one page, not two."""
    scanned = _count_sweeps(monkeypatch)
    assert len(session.scalars(_page(1)).all()) == CHUNKS * PAUSE_AT  # then dropped
    second = session.scalars(_page(2)).all()
    assert scanned == [CHUNKS * PAUSE_AT]
    assert len(session.identity_map.entries) == len(second) == CHUNKS * PAUSE_AT
