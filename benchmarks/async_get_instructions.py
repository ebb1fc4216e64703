"""The async_get_by_pk workload's shape (50 tasks, a pool of 5, each get in a new AsyncSession)
for valgrind: run it with 0 and N gets and divide the difference by N (instructions per get).

    PYTHONHASHSEED=0 PYTHONPATH=src valgrind --tool=cachegrind --cache-sim=no \
        --cachegrind-out-file=/dev/null python benchmarks/async_get_instructions.py \
        corral|raw sqlite|POSTGRESQL_URL N --nogc

``raw`` is aiosqlite / psycopg's AsyncConnection alone (as the bench's raw driver); TASKS=1
POOL=1 in the environment runs the gets one after another (a PostgreSQL count that depends
less on when the server answers). ``--time`` prints the wall time, ``--prof`` a cProfile.
Each run drops and fills the ``customer`` table of its database: one database per
concurrent run.
"""
import asyncio, os, sys, tempfile, gc
from pathlib import Path

impl, url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
TASKS, POOL, ROWS = int(os.environ.get("TASKS", 50)), int(os.environ.get("POOL", 5)), 2000

def setup():
    from corral import create_engine, Integer, String, Text, ForeignKey
    from corral.orm import DeclarativeBase, Mapped, mapped_column, Session
    class Base(DeclarativeBase):
        pass
    class Customer(Base):
        __tablename__ = "customer"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(255))
        description: Mapped[str | None] = mapped_column(Text)
    e = create_engine(sync_url)
    Base.metadata.drop_all(e); Base.metadata.create_all(e)
    with Session(e) as s:
        s.add_all([Customer(id=i, name=f"n{i}", description="d") for i in range(1, ROWS + 1)])
        s.commit()
    e.dispose()
    return Customer

if url == "sqlite":
    path = str(Path(tempfile.gettempdir()) / f"async_get_{os.getpid()}.db")
    sync_url = f"sqlite:///{path}"; async_url = f"sqlite+aiosqlite:///{path}"
else:
    sync_url = url; async_url = url
Customer = setup()
ids = [i % ROWS + 1 for i in range(count)]

async def corral_main():
    from corral.ext.asyncio import create_async_engine, async_sessionmaker
    engine = create_async_engine(async_url, pool_size=POOL, max_overflow=0)
    maker = async_sessionmaker(engine)
    names = {}
    async def worker(part):
        for cid in part:
            async with maker() as session:
                c = await session.get(Customer, cid)
                names[cid] = c.name
    # warm: one get per task, so connections open and statements compile
    await asyncio.gather(*(worker([k + 1]) for k in range(50)))
    if "--prof" in sys.argv:
        import cProfile, pstats
        p = cProfile.Profile(); p.enable()
    import time; t0 = time.perf_counter()
    await asyncio.gather(*(worker(ids[k::TASKS]) for k in range(TASKS)))
    if "--time" in sys.argv: print(f"corral {time.perf_counter() - t0:.3f}")
    if "--prof" in sys.argv:
        p.disable(); pstats.Stats(p).sort_stats("tottime").print_stats(45)
    await engine.dispose()

async def raw_main():
    idle = asyncio.Queue()
    if url == "sqlite":
        import aiosqlite
        for _ in range(POOL): idle.put_nowait(await aiosqlite.connect(path))
        sql = "SELECT id, name, description FROM customer WHERE id = ?"
    else:
        import psycopg
        for _ in range(POOL): idle.put_nowait(await psycopg.AsyncConnection.connect(url))
        sql = "SELECT id, name, description FROM customer WHERE id = %s"
    names = {}
    async def worker(part):
        for cid in part:
            c = await idle.get()
            try:
                cur = await c.execute(sql, (cid,))
                row = await cur.fetchone()
                names[cid] = row[1]
                await c.rollback()
            finally:
                idle.put_nowait(c)
    await asyncio.gather(*(worker([k + 1]) for k in range(50)))
    import time; t0 = time.perf_counter()
    await asyncio.gather(*(worker(ids[k::TASKS]) for k in range(TASKS)))
    if "--time" in sys.argv: print(f"raw {time.perf_counter() - t0:.3f}")
    while not idle.empty(): await idle.get_nowait().close()

if "--nogc" in sys.argv: gc.disable()
asyncio.run(corral_main() if impl == "corral" else raw_main())
