"""Async workloads: corral's AsyncSession against the raw asyncio driver and SQLAlchemy's.

``python benchmarks/async_bench.py POSTGRES_DATABASE_URL`` (a scratch database: the table
``async_customer`` is created and dropped). Prints seconds (best of 3) and ratios to the
raw driver for: 1,000 gets by primary key from 50 concurrent tasks (each get in a new
session), and loading 50,000 rows as objects.
"""

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

TASKS = 50
GETS = 1_000
ROWS = 50_000


def prepare(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS async_customer")
        connection.execute(
            "CREATE TABLE async_customer (id serial PRIMARY KEY, name varchar(100), "
            "description varchar(200))"
        )
        with connection.cursor().copy("COPY async_customer (name, description) FROM STDIN") as copy:
            for n in range(1, ROWS + 1):
                copy.write_row((f"customer {n}", f"Customer number {n}"))


async def fan_out(get: Callable[[int], Awaitable[Any]]) -> None:
    ids = list(range(1, GETS + 1))

    async def worker(part: list[int]) -> None:
        for i in part:
            await get(i)

    await asyncio.gather(*(worker(ids[k::TASKS]) for k in range(TASKS)))


async def best(run: Callable[[], Awaitable[Any]], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await run()
        times.append(time.perf_counter() - start)
    return min(times)


async def raw_asyncpg(dsn: str) -> tuple[float, float]:
    import asyncpg

    pool = await asyncpg.create_pool(dsn, min_size=5, max_size=5)

    async def get(i: int) -> Any:
        async with pool.acquire() as connection:
            return await connection.fetchrow(
                "SELECT id, name, description FROM async_customer WHERE id = $1", i
            )

    async def load() -> Any:
        async with pool.acquire() as connection:
            return [
                tuple(r)
                for r in await connection.fetch("SELECT id, name, description FROM async_customer")
            ]

    result = (await best(lambda: fan_out(get)), await best(load))
    await pool.close()
    return result


async def orm(module: str, url: str) -> tuple[float, float]:
    ext = __import__(f"{module}.ext.asyncio", fromlist=["x"])
    orm_module = __import__(f"{module}.orm", fromlist=["x"])
    lib = __import__(module)

    class Base(orm_module.DeclarativeBase):
        pass

    class Customer(Base):
        __tablename__ = "async_customer"
        id: orm_module.Mapped[int] = orm_module.mapped_column(primary_key=True)
        name: orm_module.Mapped[str] = orm_module.mapped_column(lib.String(100))
        description: orm_module.Mapped[str] = orm_module.mapped_column(lib.String(200))

    engine = ext.create_async_engine(url, pool_size=5, max_overflow=0)
    maker = ext.async_sessionmaker(engine)

    async def get(i: int) -> Any:
        async with maker() as session:
            return await session.get(Customer, i)

    async def load() -> Any:
        async with maker() as session:
            return (await session.scalars(lib.select(Customer))).all()

    result = (await best(lambda: fan_out(get)), await best(load))
    await engine.dispose()
    return result


def main(url: str) -> None:
    prepare(url.replace("postgresql://", "postgresql://", 1))
    dsn = url
    rows = {
        "raw asyncpg": asyncio.run(raw_asyncpg(dsn)),
        "corral (psycopg async)": asyncio.run(
            orm("corral", url.replace("postgresql://", "postgresql+psycopg://"))
        ),
        "corral (asyncpg)": asyncio.run(
            orm("corral", url.replace("postgresql://", "postgresql+asyncpg://"))
        ),
        "SQLAlchemy (psycopg async)": asyncio.run(
            orm("sqlalchemy", url.replace("postgresql://", "postgresql+psycopg://"))
        ),
        "SQLAlchemy (asyncpg)": asyncio.run(
            orm("sqlalchemy", url.replace("postgresql://", "postgresql+asyncpg://"))
        ),
    }
    raw_get, raw_load = rows["raw asyncpg"]
    print(f"{'':28} {'get_by_pk x1000/50 tasks':>26} {'load 50k objects':>22}")
    for name, (get, load) in rows.items():
        print(
            f"{name:28} {get:9.3f} s ({get / raw_get:5.2f}x) "
            f"{load:12.3f} s ({load / raw_load:5.2f}x)"
        )
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS async_customer")


if __name__ == "__main__":
    main(sys.argv[1])
