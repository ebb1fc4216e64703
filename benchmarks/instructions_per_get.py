"""Instructions the CPU runs per (new Session + get) on SQLite, counted by valgrind.

CPU time on a shared machine varies by 10-30% from run to run; an instruction count
varies by well under 1%, so it shows a change of a few percent on the hot path. It
runs this file under ``valgrind --tool=cachegrind`` twice (0 and ``N`` gets, the
difference divided by ``N``), about 40 seconds:

    PYTHONPATH=src python benchmarks/instructions_per_get.py [N]

(it needs valgrind; compare two source trees by changing PYTHONPATH).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

VALGRIND = ("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")


def _gets(count: int) -> None:
    from corral import Integer, String, create_engine
    from corral.orm import DeclarativeBase, Mapped, Session, mapped_column

    class Base(DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "item"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(50))

    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            session.add_all([Item(id=i, name=f"n{i}") for i in range(1, 101)])
            session.commit()
        for i in range(count):
            with Session(engine) as session:
                session.get(Item, i % 100 + 1)
        engine.dispose()


def _instructions(count: int) -> int:
    run = subprocess.run(
        [*VALGRIND, sys.executable, __file__, "--run", str(count)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    assert found is not None, run.stderr
    return int(found.group(1).replace(",", ""))


def main(count: int) -> None:
    per_get = (_instructions(count) - _instructions(0)) // count
    print(f"{per_get:,} instructions per (Session + get), SQLite")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        _gets(int(sys.argv[2]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
