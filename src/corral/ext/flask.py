"""Flask: ``Corral(app)`` configures an engine from ``app.config`` and a scoped Session.

::

    app.config["CORRAL_DATABASE_URL"] = "postgresql://..."
    db = Corral(app, metadata=Base.metadata)
    # in a view:  db.session.add(...); db.session.commit()
    # shell:      flask create-all  /  flask drop-all

Settings: ``CORRAL_DATABASE_URL`` (required), ``CORRAL_ENGINE_OPTIONS`` (create_engine keyword
arguments) and ``CORRAL_SESSION_OPTIONS`` (Session keyword arguments). ``db.session`` is a
``scoped_session`` with one Session per application context, removed (closed, its uncommitted
work rolled back) when the context is torn down; commits are the view's to make, as with
Flask-SQLAlchemy. Each request's Session ``stats`` and N+1 findings, attributed to the URL
rule, go to ``on_request`` (see ``corral.ext.request_sessions``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app, g, request
from flask.cli import with_appcontext

from corral import exc
from corral.engine import Engine, create_engine
from corral.ext.request_sessions import (
    NPlusOneMode,
    RequestReport,
    RequestSessions,
    log_request,
)
from corral.orm import Session, scoped_session, sessionmaker
from corral.sql import MetaData

__all__ = ["Corral"]

EXTENSION = "corral"


def _context_key() -> int:
    """The scope of ``db.session``: the current application context."""
    return id(g._get_current_object())


class Corral:
    """corral's Flask extension: ``Corral(app)`` or ``db = Corral(); db.init_app(app)``."""

    def __init__(
        self,
        app: Flask | None = None,
        *,
        metadata: MetaData | None = None,
        on_request: Callable[[RequestReport], object] | None = log_request,
        n_plus_one: NPlusOneMode = "warn",
        n_plus_one_threshold: int = 10,
    ) -> None:
        self.metadata = metadata
        self.on_request = on_request
        self.n_plus_one: NPlusOneMode = n_plus_one
        self.n_plus_one_threshold = n_plus_one_threshold
        self.session: scoped_session[Session] = scoped_session(self._make_session, _context_key)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Create ``app``'s engine from its config, and register teardown and CLI commands."""
        url = app.config.get("CORRAL_DATABASE_URL")
        if not url:
            raise exc.ArgumentError(
                "Corral(app) needs app.config['CORRAL_DATABASE_URL'], the database URL "
                "(e.g. 'sqlite:///app.db'); set it before init_app()"
            )
        engine = create_engine(url, **app.config.get("CORRAL_ENGINE_OPTIONS", {}))
        app.extensions[EXTENSION] = _AppState(self, engine, app.config)
        app.teardown_request(self._report_request)
        app.teardown_appcontext(self._remove_session)
        app.cli.add_command(self._command("create-all", "create_all"))
        app.cli.add_command(self._command("drop-all", "drop_all"))

    @property
    def engine(self) -> Engine:
        """The current application's Engine."""
        return self._state(current_app).engine

    def _state(self, app: Flask) -> _AppState:
        state = app.extensions.get(EXTENSION)
        if not isinstance(state, _AppState) or state.corral is not self:
            raise exc.InvalidRequestError(
                f"The Flask app {app.name!r} is not set up with this Corral; call "
                f"db.init_app(app) first"
            )
        return state

    def _make_session(self) -> Session:
        state = self._state(current_app)
        return state.requests.sessionmaker()

    def _report_request(self, error: BaseException | None = None) -> None:
        """Report the request's Session (if the request used one) against its URL rule."""
        if not self.session.has():
            return
        rule = request.url_rule.rule if request.url_rule is not None else request.path
        self._state(current_app).requests.report(self.session(), f"{request.method} {rule}", error)

    def _remove_session(self, error: BaseException | None = None) -> None:
        self.session.remove()

    def _command(self, name: str, method: str) -> click.Command:
        @click.command(name, help=f"Run MetaData.{method}() on the app's database.")
        @with_appcontext
        def command() -> None:
            metadata = self.metadata
            if metadata is None:
                raise click.UsageError(
                    f"flask {name} needs the tables: Corral(app, metadata=Base.metadata)"
                )
            getattr(metadata, method)(self.engine)
            click.echo(f"{method.replace('_', ' ')}: {', '.join(metadata.tables)}")

        return command


class _AppState:
    """One app's Engine and request sessions."""

    def __init__(self, corral: Corral, engine: Engine, config: Any) -> None:
        self.corral = corral
        self.engine = engine
        options = dict(config.get("CORRAL_SESSION_OPTIONS", {}))
        self.requests = RequestSessions(
            sessionmaker(engine, **options),
            on_request=corral.on_request,
            n_plus_one=corral.n_plus_one,
            n_plus_one_threshold=corral.n_plus_one_threshold,
        )
