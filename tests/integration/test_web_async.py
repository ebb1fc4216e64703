"""The async integrations: FastAPI's AsyncSession dependency and the ASGI middleware with
``AsyncRequestSessions``, called through httpx's AsyncClient on an ASGITransport, on SQLite
(aiosqlite), PostgreSQL (psycopg's async connection) and MariaDB (aiomysql). Each test runs
its requests on one event loop (asyncio.run), where the AsyncEngine's connections live."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from corral import create_engine, exc, select
from corral.engine import URL, make_url
from corral.ext.asgi import SessionMiddleware, request_async_session, request_session
from corral.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from corral.ext.fastapi import session_depends
from corral.ext.request_sessions import AsyncRequestSessions, RequestReport, RequestSessions
from corral.orm import Session, selectinload, sessionmaker
from tests.integration.conftest import Servers, require_driver
from tests.integration.web_models import Customer, Order, WebBase

DRIVERS = [
    ("sqlite", "aiosqlite"),
    ("postgresql", "psycopg"),
    ("mysql", "aiomysql"),
]


@pytest.fixture(params=DRIVERS, ids=[f"{db}+{driver}" for db, driver in DRIVERS])
def async_url(request: pytest.FixtureRequest, servers: Servers, tmp_path: Path) -> Iterator[URL]:
    """An empty database for this test, as a URL naming the asyncio driver."""
    backend, driver = request.param
    require_driver(driver)
    if backend == "sqlite":
        yield make_url(f"sqlite+aiosqlite:///{tmp_path / 'web.db'}")
        return
    database = servers.get(backend)
    if database.dirty:
        database.clean()
    yield database.url.set(drivername=f"{backend}+{driver}")
    database.clean()


Client = httpx.AsyncClient


def serve(
    url: URL,
    make_app: Callable[[AsyncRequestSessions], Any],
    calls: Callable[[Client, AsyncEngine], Awaitable[None]],
    reports: list[RequestReport],
) -> None:
    """Create the tables, build the app on ``AsyncRequestSessions`` reporting into
    ``reports``, and run ``calls(client, engine)`` against it on one event loop."""

    async def main() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(WebBase.metadata.create_all)
            # n_plus_one=None on the Session: the request, not the Session, reports N+1 here.
            sessions = AsyncRequestSessions(
                async_sessionmaker(engine, n_plus_one=None),
                on_request=reports.append,
                n_plus_one_threshold=3,
            )
            transport = httpx.ASGITransport(make_app(sessions), raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                await calls(client, engine)
            assert engine.pool.checkedout() == 0, "a request's connection was not given back"
        finally:
            await engine.dispose()

    asyncio.run(main())


async def names(engine: AsyncEngine) -> list[str]:
    async with AsyncSession(engine) as session:
        return list(await session.scalars(select(Customer.name).order_by(Customer.name)))


def fastapi_app(sessions: AsyncRequestSessions) -> FastAPI:
    app = FastAPI()
    db = session_depends(sessions)  # a default, for the reason test_web_fastapi.py gives

    @app.post("/customers/{name}")
    async def create(name: str, session: AsyncSession = db) -> dict[str, str]:
        session.add(Customer(name=name))
        await session.flush()
        if name.startswith("bad"):
            raise HTTPException(status_code=422, detail="bad name")
        return {"created": name}

    @app.post("/twice/{name}")
    async def create_twice(name: str, session: AsyncSession = db) -> dict[str, str]:
        session.add_all([Customer(name=name), Customer(name=name)])  # fails at commit
        return {"created": name}

    @app.get("/orders")
    async def orders(eager: bool = False, session: AsyncSession = db) -> list[str]:
        statement = select(Order).order_by(Order.id)
        if eager:
            statement = statement.options(selectinload(Order.customer))
        loaded = list(await session.scalars(statement))
        # Reading each order's customer in the worker thread: one lazy SELECT per order
        # unless the query loaded them.
        return await session.run_sync(lambda _: [o.customer.name for o in loaded])

    return app


def test_fastapi_async_dependency_commits_or_rolls_back(async_url: URL) -> None:
    """An async endpoint's AsyncSession is committed when it returns and rolled back when it
    raises HTTPException after a flush; each request is reported under its route."""
    reports: list[RequestReport] = []

    async def calls(client: Client, engine: AsyncEngine) -> None:
        assert (await client.post("/customers/ann")).json() == {"created": "ann"}
        assert (await client.post("/customers/bad-bob")).status_code == 422
        assert await names(engine) == ["ann"]

    serve(async_url, fastapi_app, calls, reports)
    assert [r.route for r in reports] == ["POST /customers/{name}"] * 2
    assert reports[0].error is None and reports[0].stats.flushes == 1
    assert isinstance(reports[1].error, HTTPException)


def test_fastapi_async_failing_commit_is_a_server_error(async_url: URL) -> None:
    """The awaited commit runs before the response: a failing one is the client's 500."""
    reports: list[RequestReport] = []

    async def calls(client: Client, engine: AsyncEngine) -> None:
        assert (await client.post("/twice/cy")).status_code == 500
        assert await names(engine) == []

    serve(async_url, fastapi_app, calls, reports)
    assert isinstance(reports[0].error, exc.IntegrityError)


def test_fastapi_async_n_plus_one_is_attributed_to_the_route(async_url: URL) -> None:
    """Lazy loads run through run_sync count for the request: past the threshold the
    warning names the route; the same endpoint loading eagerly (the control) does not warn."""
    reports: list[RequestReport] = []

    async def calls(client: Client, engine: AsyncEngine) -> None:
        async with AsyncSession(engine) as session:
            for number in range(5):
                session.add(Order(total=number, customer=Customer(name=f"c{number}")))
            await session.commit()
        assert len((await client.get("/orders", params={"eager": True})).json()) == 5
        with pytest.warns(exc.NPlusOneWarning, match=r"in GET /orders: Order.customer"):
            assert len((await client.get("/orders")).json()) == 5

    serve(async_url, fastapi_app, calls, reports)
    eager, lazy = reports
    assert eager.n_plus_one == [] and not eager.stats.lazy_loads
    assert lazy.route == "GET /orders" and lazy.stats.lazy_loads == {"Order.customer": 5}


def starlette_app(sessions: AsyncRequestSessions) -> SessionMiddleware:
    async def create(request: Request) -> JSONResponse:
        session = request_async_session(request.scope)
        name = request.path_params["name"]
        session.add(Customer(name=name))
        await session.flush()
        return JSONResponse({"created": name}, status_code=409 if name == "taken" else 201)

    async def create_twice(request: Request) -> JSONResponse:
        name = request.path_params["name"]
        request_async_session(request.scope).add_all([Customer(name=name), Customer(name=name)])
        return JSONResponse({"created": name})  # the commit, as the response starts, fails

    async def fail(request: Request) -> JSONResponse:
        session = request_async_session(request.scope)
        session.add(Customer(name="never"))
        await session.flush()
        raise RuntimeError("endpoint failed")

    routes = [
        Route("/customers/{name}", create, methods=["POST"]),
        Route("/fail", fail, methods=["POST"]),
        Route("/twice/{name}", create_twice, methods=["POST"]),
    ]
    return SessionMiddleware(Starlette(routes=routes), sessions)


def test_asgi_async_middleware_commits_below_400_and_rolls_back_otherwise(async_url: URL) -> None:
    """A 201 commits; a 409, an exception and a commit that fails roll back (the last two
    are 500s); each report names the Starlette route's pattern and how the request ended."""
    reports: list[RequestReport] = []

    async def calls(client: Client, engine: AsyncEngine) -> None:
        assert (await client.post("/customers/ann")).status_code == 201
        assert (await client.post("/customers/taken")).status_code == 409
        assert (await client.post("/fail")).status_code == 500
        assert (await client.post("/twice/dee")).status_code == 500
        assert await names(engine) == ["ann"]

    serve(async_url, starlette_app, calls, reports)
    assert [r.route for r in reports] == [
        "POST /customers/{name}",
        "POST /customers/{name}",
        "POST /fail",
        "POST /twice/{name}",
    ]
    assert [type(r.error) for r in reports] == [
        type(None),
        type(None),
        RuntimeError,
        exc.IntegrityError,
    ]
    assert reports[2].stats.flushes == 1


def test_async_and_sync_sessions_say_which_accessor_to_use(tmp_path: Path) -> None:
    """Each accessor names the other when the scope holds the other kind of session, and
    each RequestSessions class names the other when given the other kind of bind."""
    engine = create_engine(f"sqlite:///{tmp_path / 'kinds.db'}")
    sync_session = Session(engine)
    with pytest.raises(exc.InvalidRequestError, match=r"request_session\(scope\)"):
        request_async_session({"corral.session": sync_session})
    async_session = AsyncSession(create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"))
    with pytest.raises(exc.InvalidRequestError, match=r"request_async_session\(scope\)"):
        request_session({"corral.session": async_session})
    with pytest.raises(exc.InvalidRequestError, match="AsyncRequestSessions"):
        request_async_session({"type": "http"})
    with pytest.raises(exc.ArgumentError, match="for Engine use RequestSessions"):
        AsyncRequestSessions(engine)  # type: ignore[arg-type]
    with pytest.raises(exc.ArgumentError, match="for async_sessionmaker use AsyncRequest"):
        RequestSessions(async_sessionmaker())  # type: ignore[arg-type]
    with pytest.raises(exc.ArgumentError, match="RequestSessions or an AsyncRequestSessions"):
        SessionMiddleware(Starlette(), sessionmaker(engine))  # type: ignore[arg-type]
    with pytest.raises(exc.ArgumentError, match="n_plus_one='log'"):
        AsyncRequestSessions(async_sessionmaker(), n_plus_one="log")  # type: ignore[arg-type]
    engine.dispose()
