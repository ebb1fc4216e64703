"""corral.ext.flask and corral.ext.wsgi with Flask's and Werkzeug's own test clients."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import Client

from corral import exc, inspect, select
from corral.engine import Engine
from corral.ext.flask import Corral
from corral.ext.request_sessions import RequestReport, RequestSessions
from corral.ext.wsgi import SessionMiddleware, request_session
from corral.orm import Session, sessionmaker
from tests.integration.web_models import Customer, Order, WebBase


def names(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Customer.name).order_by(Customer.name)))


def flask_app(engine: Engine, reports: list[RequestReport]) -> tuple[Flask, Corral]:
    app = Flask(__name__)
    app.config["CORRAL_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    app.config["CORRAL_SESSION_OPTIONS"] = {"n_plus_one": None}
    db = Corral(app, metadata=WebBase.metadata, on_request=reports.append, n_plus_one_threshold=3)
    seen: list[Session] = []

    @app.post("/customers/<name>")
    def create(name: str) -> dict[str, Any]:
        db.session.add(Customer(name=name))
        db.session.flush()
        seen.append(db.session())
        if name != "uncommitted":
            db.session.commit()
        return {"created": name, "sessions": len({id(s) for s in seen})}

    @app.get("/orders")
    def orders() -> list[str]:
        return [o.customer.name for o in db.session.scalars(select(Order).order_by(Order.id))]

    return app, db


def test_flask_cli_create_all_then_views_commit(engine: Engine) -> None:
    """`flask create-all` creates the tables from app.config's URL; a view's commit persists,
    work it leaves uncommitted is rolled back when the app context ends, and each request
    gets a new Session, reported under its URL rule."""
    reports: list[RequestReport] = []
    app, db = flask_app(engine, reports)
    result = app.test_cli_runner().invoke(args=["create-all"])
    assert result.exit_code == 0, result.output
    assert {"web_customer", "web_order"} <= set(inspect(engine).get_table_names())
    client = app.test_client()
    assert client.post("/customers/ann").json == {"created": "ann", "sessions": 1}
    assert client.post("/customers/uncommitted").json == {
        "created": "uncommitted",
        "sessions": 2,
    }
    assert names(engine) == ["ann"]
    assert [r.route for r in reports] == ["POST /customers/<name>"] * 2
    with app.app_context():
        db.engine.dispose()


def test_flask_n_plus_one_is_attributed_to_the_url_rule(engine: Engine) -> None:
    """Lazy loads past the threshold in one Flask request warn naming the method and rule."""
    WebBase.metadata.create_all(engine)
    with Session(engine) as session:
        for number in range(4):
            session.add(Order(total=number, customer=Customer(name=f"c{number}")))
        session.commit()
    reports: list[RequestReport] = []
    app, db = flask_app(engine, reports)
    with pytest.warns(exc.NPlusOneWarning, match=r"N\+1 loading in GET /orders: Order.customer"):
        assert len(app.test_client().get("/orders").json or []) == 4
    assert reports[0].stats.lazy_loads == {"Order.customer": 4}
    with app.app_context():
        db.engine.dispose()


def test_flask_without_a_url_says_which_setting() -> None:
    """Corral(app) without CORRAL_DATABASE_URL names the setting."""
    with pytest.raises(exc.ArgumentError, match="CORRAL_DATABASE_URL"):
        Corral(Flask(__name__))


def test_flask_create_all_without_metadata_is_a_usage_error() -> None:
    """`flask create-all` with no metadata given says how to give it."""
    app = Flask(__name__)
    app.config["CORRAL_DATABASE_URL"] = "sqlite://"
    Corral(app)
    result = app.test_cli_runner().invoke(args=["create-all"])
    assert result.exit_code != 0
    assert "Corral(app, metadata=Base.metadata)" in result.output


StartResponse = Callable[..., Any]


def wsgi_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    session = request_session(environ)
    name = environ["PATH_INFO"].rsplit("/", 1)[-1]
    session.add(Customer(name=name))
    session.flush()
    if name == "boom":
        raise RuntimeError("application failed")
    status = "500 Internal Server Error" if name == "oops" else "200 OK"
    start_response(status, [("Content-Type", "text/plain")])
    return [name.encode()]


@pytest.fixture
def tables(engine: Engine) -> Iterator[Engine]:
    """The engine, with the customer and order tables created."""
    WebBase.metadata.create_all(engine)
    yield engine


def test_wsgi_middleware_commits_below_400_and_rolls_back_otherwise(tables: Engine) -> None:
    """A 200 response commits; a 500 response and an exception roll back; each request is
    reported with its method and path."""
    reports: list[RequestReport] = []
    sessions = RequestSessions(sessionmaker(tables, n_plus_one=None), on_request=reports.append)
    client = Client(SessionMiddleware(wsgi_app, sessions))
    assert client.post("/customers/ann").status_code == 200
    assert client.post("/customers/oops").status_code == 500
    with pytest.raises(RuntimeError, match="application failed"):
        client.post("/customers/boom")
    assert names(tables) == ["ann"]
    assert [r.route for r in reports] == [
        "POST /customers/ann",
        "POST /customers/oops",
        "POST /customers/boom",
    ]
    assert reports[0].stats.statements >= 1
    assert isinstance(reports[2].error, RuntimeError)


def test_wsgi_request_without_the_middleware_says_how_to_add_it() -> None:
    """request_session() on an environ the middleware did not see names the middleware."""
    with pytest.raises(exc.InvalidRequestError, match="SessionMiddleware"):
        request_session({})
