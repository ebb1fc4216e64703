"""corral.ext.fastapi and corral.ext.asgi with FastAPI's and Starlette's own test clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from corral import exc, select
from corral.engine import Engine
from corral.ext.asgi import SessionMiddleware, request_session
from corral.ext.fastapi import session_depends
from corral.ext.request_sessions import RequestReport, RequestSessions
from corral.orm import Session, sessionmaker
from tests.integration.web_models import Customer, Order, WebBase


@pytest.fixture
def tables(engine: Engine) -> Iterator[Engine]:
    """The engine, with the customer and order tables created."""
    WebBase.metadata.create_all(engine)
    yield engine


def names(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Customer.name).order_by(Customer.name)))


def fastapi_app(sessions: RequestSessions) -> FastAPI:
    app = FastAPI()
    # A default, not Annotated[...]: with postponed annotations FastAPI resolves the
    # annotation by name in the module, where a local alias would not be found.
    db = session_depends(sessions)

    @app.post("/customers/{name}")
    def create(name: str, session: Session = db) -> dict[str, str]:
        session.add(Customer(name=name))
        session.flush()
        if name.startswith("bad"):
            raise HTTPException(status_code=422, detail="bad name")
        return {"created": name}

    @app.post("/twice/{name}")
    def create_twice(name: str, session: Session = db) -> dict[str, str]:
        session.add_all([Customer(name=name), Customer(name=name)])  # fails at commit
        return {"created": name}

    @app.get("/orders")
    def orders(session: Session = db) -> list[str]:
        return [o.customer.name for o in session.scalars(select(Order).order_by(Order.id))]

    return app


def make_sessions(engine: Engine, reports: list[RequestReport]) -> RequestSessions:
    # n_plus_one=None on the Session: the request, not the Session, reports N+1 here.
    return RequestSessions(
        sessionmaker(engine, n_plus_one=None), on_request=reports.append, n_plus_one_threshold=3
    )


def test_fastapi_commits_when_the_endpoint_returns(tables: Engine) -> None:
    """The request's Session is committed after a successful endpoint and reported under
    the route's pattern with its statement count."""
    reports: list[RequestReport] = []
    client = TestClient(fastapi_app(make_sessions(tables, reports)))
    assert client.post("/customers/ann").json() == {"created": "ann"}
    assert names(tables) == ["ann"]
    [report] = reports
    assert report.route == "POST /customers/{name}"
    assert report.stats.statements >= 1 and report.error is None


def test_fastapi_rolls_back_when_the_endpoint_raises(tables: Engine) -> None:
    """An HTTPException after a flush rolls the request's work back."""
    reports: list[RequestReport] = []
    client = TestClient(fastapi_app(make_sessions(tables, reports)))
    assert client.post("/customers/bad-bob").status_code == 422
    assert names(tables) == []
    assert isinstance(reports[0].error, HTTPException)


def test_fastapi_failing_commit_is_a_server_error(tables: Engine) -> None:
    """A commit that fails is the client's 500, never a success it already received."""
    reports: list[RequestReport] = []
    client = TestClient(fastapi_app(make_sessions(tables, reports)), raise_server_exceptions=False)
    assert client.post("/twice/cy").status_code == 500
    assert names(tables) == []
    assert isinstance(reports[0].error, exc.IntegrityError)


def test_fastapi_n_plus_one_is_attributed_to_the_route(tables: Engine) -> None:
    """Lazy-loading a relationship past the threshold in one request warns naming the route."""
    with Session(tables) as session:
        for number in range(5):
            session.add(Order(total=number, customer=Customer(name=f"c{number}")))
        session.commit()
    reports: list[RequestReport] = []
    client = TestClient(fastapi_app(make_sessions(tables, reports)))
    with pytest.warns(exc.NPlusOneWarning, match=r"N\+1 loading in GET /orders: Order.customer"):
        assert len(client.get("/orders").json()) == 5
    assert reports[0].n_plus_one and reports[0].stats.lazy_loads == {"Order.customer": 5}


def starlette_app(sessions: RequestSessions) -> SessionMiddleware:
    def create(request: Request) -> JSONResponse:
        session = request_session(request.scope)
        name = request.path_params["name"]
        session.add(Customer(name=name))
        session.flush()
        return JSONResponse({"created": name}, status_code=409 if name == "taken" else 201)

    def create_twice(request: Request) -> JSONResponse:
        name = request.path_params["name"]
        request_session(request.scope).add_all([Customer(name=name), Customer(name=name)])
        return JSONResponse({"created": name})  # the commit, as the response starts, fails

    def fail(request: Request) -> JSONResponse:
        request_session(request.scope).add(Customer(name="never"))
        raise RuntimeError("endpoint failed")

    routes = [
        Route("/customers/{name}", create, methods=["POST"]),
        Route("/fail", fail, methods=["POST"]),
        Route("/twice/{name}", create_twice, methods=["POST"]),
    ]
    return SessionMiddleware(Starlette(routes=routes), sessions)


def test_asgi_middleware_commits_below_400_and_rolls_back_otherwise(tables: Engine) -> None:
    """A 201 response commits; a 409 response and an exception roll back; each report names
    the Starlette route's pattern."""
    reports: list[RequestReport] = []
    client = TestClient(starlette_app(make_sessions(tables, reports)))
    assert client.post("/customers/ann").status_code == 201
    assert client.post("/customers/taken").status_code == 409
    with pytest.raises(RuntimeError, match="endpoint failed"):
        client.post("/fail")
    assert names(tables) == ["ann"]
    assert [r.route for r in reports] == [
        "POST /customers/{name}",
        "POST /customers/{name}",
        "POST /fail",
    ]
    assert isinstance(reports[2].error, RuntimeError)


def test_asgi_failing_commit_is_a_server_error(tables: Engine) -> None:
    """The middleware commits before the response starts: a failing commit is a 500."""
    reports: list[RequestReport] = []
    client = TestClient(
        starlette_app(make_sessions(tables, reports)), raise_server_exceptions=False
    )
    assert client.post("/twice/dee").status_code == 500
    assert names(tables) == []
    assert isinstance(reports[0].error, exc.IntegrityError)


def test_request_without_the_middleware_says_how_to_add_it() -> None:
    """request_session() on a scope the middleware did not see names the middleware."""
    with pytest.raises(exc.InvalidRequestError, match="SessionMiddleware"):
        request_session({"type": "http"})


def test_request_sessions_refuses_other_binds() -> None:
    """RequestSessions() takes an Engine or a sessionmaker, and says so."""
    with pytest.raises(exc.ArgumentError, match="Engine or a sessionmaker"):
        RequestSessions("sqlite://")  # type: ignore[arg-type]
    with pytest.raises(exc.ArgumentError, match="n_plus_one='log'"):
        RequestSessions(sessionmaker(), n_plus_one="log")  # type: ignore[arg-type]
