"""What the benchmark times: the workloads, their sizes, and the implementations."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

#: The raw driver is the reference every ratio is taken against.
RAW = "raw"


@dataclass(frozen=True)
class ImplementationInfo:
    """One library under test: its label, its module here, and what it needs installed."""

    name: str
    label: str
    module: str
    needs: tuple[str, ...] = ()
    is_peer: bool = True
    #: Workloads this library has no API for, with the reason (shown as "-" in the table).
    lacks: tuple[tuple[str, str], ...] = ()
    #: It has only an asyncio API, so it runs the asyncio workloads alone.
    asyncio_only: bool = False

    def missing(self, database: str) -> list[str]:
        """The Python packages this implementation needs on ``database`` that aren't installed."""
        needed = list(self.needs) + list(_DRIVER_NEEDS.get((self.name, database), ()))
        return [name for name in needed if importlib.util.find_spec(name) is None]


# Peers that reach PostgreSQL through psycopg2 rather than psycopg 3.
_DRIVER_NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    (RAW, "postgresql"): ("psycopg",),
    ("corral", "postgresql"): ("psycopg",),
    ("sqlalchemy", "postgresql"): ("psycopg",),
    ("django", "postgresql"): ("psycopg",),
    ("peewee", "postgresql"): ("psycopg2",),
    ("pony", "postgresql"): ("psycopg2",),
    ("tortoise", "postgresql"): ("psycopg", "psycopg_pool"),
    ("tortoise", "sqlite"): ("aiosqlite",),
}

IMPLEMENTATIONS: tuple[ImplementationInfo, ...] = (
    ImplementationInfo(RAW, "raw driver", "corral.cli.benchmark.raw_driver", is_peer=False),
    ImplementationInfo("corral", "corral", "corral.cli.benchmark.corral_orm", is_peer=False),
    ImplementationInfo(
        "sqlalchemy", "SQLAlchemy", "corral.cli.benchmark.peer_sqlalchemy", ("sqlalchemy",)
    ),
    ImplementationInfo("peewee", "peewee", "corral.cli.benchmark.peer_peewee", ("peewee",)),
    ImplementationInfo(
        "pony",
        "Pony",
        "corral.cli.benchmark.peer_pony",
        ("pony",),
        lacks=(("bulk_insert_fast", "it inserts rows only as new entity objects"),),
    ),
    ImplementationInfo("django", "Django", "corral.cli.benchmark.peer_django", ("django",)),
    ImplementationInfo(
        "tortoise",
        "Tortoise ORM",
        "corral.cli.benchmark.peer_tortoise",
        ("tortoise",),
        asyncio_only=True,
    ),
)
IMPLEMENTATIONS_BY_NAME = {info.name: info for info in IMPLEMENTATIONS}
PEERS = tuple(info.name for info in IMPLEMENTATIONS if info.is_peer)


@dataclass(frozen=True)
class Inputs:
    """What one timed run gets: rows to insert, or primary keys to look up."""

    rows: Sequence[tuple[str, str]] = ()
    ids: Sequence[int] = ()


@dataclass(frozen=True)
class Workload:
    """One timed task: its full-scale size, how many rows it starts with, and how to run it."""

    name: str
    description: str
    full_size: int
    seeded: bool
    run: Callable[[Any, Inputs], Any]
    new_rows: bool = False
    wants_ids: bool = False
    measures_memory: bool = False
    #: Purchases seeded for each customer (the eager-loading workloads).
    children: int = 0
    notes: list[str] = field(default_factory=list)
    #: Only the implementations with an asyncio API run it (``ASYNCIO_IMPLEMENTATIONS``).
    asyncio: bool = False

    def size(self, scale: float) -> int:
        """The row or repetition count at ``scale`` (at least one)."""
        return max(1, round(self.full_size * scale))


def customer_row(number: int) -> tuple[str, str]:
    """The (name, description) of customer ``number``; seeded and inserted rows look alike."""
    return (f"customer {number}", f"Customer number {number}, created for the benchmark.")


UPDATED_SUFFIX = " (renamed)"
#: What the web-request workloads write into each customer's description.
VISITED = "visited by a request"
#: Purchases per customer in the eager-loading workloads.
PURCHASES_PER_CUSTOMER = 5
#: Customers the small query of a web request reads (those after the one it gets).
PAGE_SIZE = 5
#: Threads of the ``web_requests_8_threads`` workload.
WEB_THREADS = 8


def purchase_item(customer_id: int, number: int) -> str:
    """The item of a customer's ``number``-th purchase."""
    return f"item {number} of customer {customer_id}"


def spread_requests(
    ids: Sequence[int],
    threads: int,
    request: Callable[[int], str],
    thread_done: Callable[[], None] | None = None,
) -> list[str]:
    """``request(id)`` for each of ``ids``, on ``threads`` threads (one: this thread), each
    taking every ``threads``-th id; what each returned, in ``ids``'s order. ``thread_done``
    runs in each extra thread after its share (to close its own connection)."""
    if threads == 1:
        return [request(each) for each in ids]
    got: dict[int, str] = {}

    def share(part: Sequence[int]) -> None:
        try:
            for each in part:
                got[each] = request(each)
        finally:
            if thread_done is not None:
                thread_done()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(share, [ids[k::threads] for k in range(threads)]))
    return [got[each] for each in ids]


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "bulk_insert",
        "20,000 new objects added to one session, one commit",
        20_000,
        seeded=False,
        new_rows=True,
        run=lambda impl, inputs: impl.bulk_insert(inputs.rows),
    ),
    Workload(
        "bulk_insert_fast",
        "20,000 rows through the library's bulk INSERT without objects, one commit",
        20_000,
        seeded=False,
        new_rows=True,
        run=lambda impl, inputs: impl.bulk_insert_fast(inputs.rows),
    ),
    Workload(
        "single_inserts",
        "1,000 x (new session, add one object, commit)",
        1_000,
        seeded=False,
        new_rows=True,
        run=lambda impl, inputs: impl.single_inserts(inputs.rows),
    ),
    Workload(
        "load_objects",
        "50,000 rows as full objects in a list",
        50_000,
        seeded=True,
        measures_memory=True,
        run=lambda impl, inputs: impl.load_objects(),
    ),
    Workload(
        "load_tuples",
        "50,000 rows as column tuples",
        50_000,
        seeded=True,
        run=lambda impl, inputs: impl.load_tuples(),
    ),
    Workload(
        "get_by_pk",
        "1,000 x (new session, get one row by primary key)",
        1_000,
        seeded=True,
        wants_ids=True,
        run=lambda impl, inputs: impl.get_by_pk(inputs.ids),
    ),
    Workload(
        "update_objects",
        "load 10,000 objects, change one attribute on each, commit",
        10_000,
        seeded=True,
        run=lambda impl, inputs: impl.update_objects(),
    ),
    Workload(
        "identity_get",
        "load 1,000 objects, then get() each again in the same session",
        1_000,
        seeded=True,
        wants_ids=True,
        run=lambda impl, inputs: impl.identity_get(inputs.ids),
    ),
    Workload(
        "eager_selectin",
        "10,000 customers with their 5 purchases each, eager: selectinload or the "
        "library's prefetch",
        10_000,
        seeded=True,
        children=PURCHASES_PER_CUSTOMER,
        run=lambda impl, inputs: impl.eager_selectin(),
    ),
    Workload(
        "eager_joined",
        "10,000 customers with their 5 purchases each, eager in one query: joinedload + "
        "unique() (the peers' own idiom where they have no joined collection load)",
        10_000,
        seeded=True,
        children=PURCHASES_PER_CUSTOMER,
        run=lambda impl, inputs: impl.eager_joined(),
    ),
    Workload(
        "web_requests",
        "1,000 requests: new session, get one customer, read the next 5, update the one, commit",
        1_000,
        seeded=True,
        wants_ids=True,
        run=lambda impl, inputs: impl.web_requests(inputs.ids),
    ),
    Workload(
        "web_requests_8_threads",
        "the same 1,000 requests spread over 8 threads",
        1_000,
        seeded=True,
        wants_ids=True,
        run=lambda impl, inputs: impl.web_requests_8_threads(inputs.ids),
    ),
    Workload(
        "async_get_by_pk",
        "1,000 gets by primary key from 50 asyncio tasks, each get in a new session",
        1_000,
        seeded=True,
        wants_ids=True,
        asyncio=True,
        run=lambda impl, inputs: impl.async_get_by_pk(inputs.ids),
    ),
    Workload(
        "async_load_objects",
        "50,000 rows as full objects through asyncio",
        50_000,
        seeded=True,
        asyncio=True,
        run=lambda impl, inputs: impl.async_load_objects(),
    ),
)
#: Implementations with an asyncio API.
ASYNCIO_IMPLEMENTATIONS = frozenset(
    {RAW, "corral", "sqlalchemy", *(info.name for info in IMPLEMENTATIONS if info.asyncio_only)}
)
#: Concurrent tasks of ``async_get_by_pk``, sharing a pool of this many connections.
ASYNC_TASKS = 50
ASYNC_POOL_SIZE = 5
WORKLOADS_BY_NAME = {workload.name: workload for workload in WORKLOADS}


def measured(workload: str, implementation: str) -> bool:
    """Whether ``implementation`` has an API for ``workload`` (else its cell stays empty)."""
    info = IMPLEMENTATIONS_BY_NAME[implementation]
    if WORKLOADS_BY_NAME[workload].asyncio:
        if implementation not in ASYNCIO_IMPLEMENTATIONS:
            return False
    elif info.asyncio_only:
        return False
    return workload not in dict(info.lacks)


class Implementation:
    """One library's way of doing every workload; the database's table already exists.

    Each method is what a competent user of that library would write. Methods that read
    rows return what they read, so the worker can check it and nothing is optimised away.
    """

    def bulk_insert(self, rows: Sequence[tuple[str, str]]) -> None:
        raise NotImplementedError

    def bulk_insert_fast(self, rows: Sequence[tuple[str, str]]) -> None:
        """Insert ``rows`` by the library's bulk path that builds no objects (SQLAlchemy's
        ``session.execute(insert(Customer), [dict, ...])``), in one transaction."""
        raise NotImplementedError

    def single_inserts(self, rows: Sequence[tuple[str, str]]) -> None:
        raise NotImplementedError

    def load_objects(self) -> list[Any]:
        raise NotImplementedError

    def load_tuples(self) -> list[Any]:
        raise NotImplementedError

    def get_by_pk(self, ids: Sequence[int]) -> list[str]:
        """The name of each customer in ``ids``, each read in its own session."""
        raise NotImplementedError

    def update_objects(self) -> None:
        """Load every customer and append ``UPDATED_SUFFIX`` to its name, in one commit."""
        raise NotImplementedError

    def identity_get(self, ids: Sequence[int]) -> list[str]:
        """Load every customer, then get each of ``ids`` again in the same session."""
        raise NotImplementedError

    def eager_selectin(self) -> list[tuple[str, int]]:
        """Every customer with its purchases loaded eagerly (a second query, the library's
        usual idiom): ``(name, number of purchases)`` for each."""
        raise NotImplementedError

    def eager_joined(self) -> list[tuple[str, int]]:
        """As ``eager_selectin``, the purchases joined into the customers' query where the
        library can (each customer once); otherwise its own eager idiom."""
        raise NotImplementedError

    def web_requests(self, ids: Sequence[int], threads: int = 1) -> list[str]:
        """One request per id, spread over ``threads`` threads: in a new session (or
        transaction), get the customer, read the ``PAGE_SIZE`` customers after it in id
        order, set its description to ``VISITED``, commit. The names got, in ``ids``'s
        order."""
        raise NotImplementedError

    def web_requests_8_threads(self, ids: Sequence[int]) -> list[str]:
        """``web_requests`` on 8 threads (each with its own session and connection)."""
        return self.web_requests(ids, threads=WEB_THREADS)

    def async_get_by_pk(self, ids: Sequence[int]) -> list[str]:
        """The name of each customer in ``ids`` read by ``ASYNC_TASKS`` asyncio tasks, each
        get in its own session on a pool of ``ASYNC_POOL_SIZE`` connections."""
        raise NotImplementedError

    def async_load_objects(self) -> list[Any]:
        """Every customer as an object, read through the library's asyncio API."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections."""
