"""What the weak identity map (the default) costs: CPU time of loading 50,000 objects and of
50,000 ``get()`` calls answered from the identity map, weak against the strong map of
``Session(weak_identity_map=False)``, best of five rounds on SQLite (docs/sessions.md):

    PYTHONPATH=src python benchmarks/weak_identity_map.py
"""

from __future__ import annotations

import gc
import tempfile
import time
from pathlib import Path

from corral import Integer, String, create_engine, select
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column

ROWS = 50_000
ROUNDS = 5


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


def one_round(engine: object, weak: bool) -> tuple[float, float]:
    """CPU seconds of the load and of the get() hits, in one new session."""
    with Session(engine, weak_identity_map=weak) as session:
        gc.collect()
        start = time.process_time()
        items = session.scalars(select(Item)).all()
        load = time.process_time() - start
        get = session.get
        start = time.process_time()
        for i in range(1, ROWS + 1):
            get(Item, i)
        hits = time.process_time() - start
        del items
    return load, hits


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            session.add_all([Item(id=i, name=f"n{i}") for i in range(1, ROWS + 1)])
            session.commit()
        best: dict[bool, tuple[float, float]] = {}
        for _ in range(ROUNDS):
            for weak in (False, True):
                load, hits = one_round(engine, weak)
                old = best.get(weak, (load, hits))
                best[weak] = (min(old[0], load), min(old[1], hits))
        engine.dispose()
    for weak, (load, hits) in best.items():
        print(
            f"weak_identity_map={weak!s:5}: load {ROWS:,} rows {load * 1000:6.1f} ms CPU, "
            f"{ROWS:,} get() hits {hits * 1000:5.1f} ms CPU"
        )


if __name__ == "__main__":
    main()
