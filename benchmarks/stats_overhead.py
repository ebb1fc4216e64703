"""What always-on statistics cost: CPU time of 1,000 x (new Session + get) and of a
20,000-row flush on SQLite, best of several rounds.

CPU time (``time.process_time``), not wall time, so that other programs on the machine
count less. Compare two source trees by running this once under each, alternately:

    PYTHONPATH=/path/to/old/src python benchmarks/stats_overhead.py
    PYTHONPATH=src python benchmarks/stats_overhead.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from corral import Integer, String, create_engine
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            session.add_all([Item(id=i, name=f"n{i}") for i in range(1, 101)])
            session.commit()

        def gets() -> float:
            started = time.process_time()
            for i in range(1000):
                with Session(engine) as session:
                    session.get(Item, i % 100 + 1)
            return time.process_time() - started

        def flush() -> float:
            with Session(engine) as session:
                session.add_all([Item(id=1001 + i, name=f"x{i}") for i in range(20000)])
                started = time.process_time()
                session.flush()
                spent = time.process_time() - started
                session.rollback()
            return spent

        gets(), flush()  # warm up
        best_gets = min(gets() for _ in range(rounds))
        best_flush = min(flush() for _ in range(max(1, rounds // 3)))
        engine.dispose()
    print(f"1,000 x (Session + get): {best_gets * 1e3:.2f} ms CPU")
    print(f"flush of 20,000 rows:    {best_flush * 1e3:.2f} ms CPU")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
