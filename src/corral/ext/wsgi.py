"""WSGI middleware (any WSGI application): a Session per request.

::

    app.wsgi_app = SessionMiddleware(app.wsgi_app, RequestSessions(engine))
    # in the application: session = request_session(environ)   # or environ["corral.session"]

The Session is committed when the application starts a response below 400 (before the
status line goes out, so a failing commit is the server's 500), rolled back for a 4xx/5xx
response or an exception, and closed and reported once the response body has been sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from corral import exc
from corral.ext.request_sessions import RequestSessions
from corral.orm import Session

__all__ = ["SESSION_KEY", "SessionMiddleware", "request_session"]

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

#: The key of the request's Session in the WSGI environ.
SESSION_KEY = "corral.session"


def request_session(environ: Environ) -> Session:
    """The Session SessionMiddleware opened for this request."""
    session = environ.get(SESSION_KEY)
    if not isinstance(session, Session):
        raise exc.InvalidRequestError(
            "This request has no corral Session: wrap the WSGI application in "
            "corral.ext.wsgi.SessionMiddleware(app, RequestSessions(engine))"
        )
    return session


class SessionMiddleware:
    """Opens a Session per request from ``sessions`` and puts it in the environ."""

    def __init__(self, app: WSGIApp, sessions: RequestSessions) -> None:
        self.app = app
        self.sessions = sessions

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        route = f"{environ.get('REQUEST_METHOD', '')} {environ.get('PATH_INFO', '')}"
        with self.sessions.session(route) as session:
            environ[SESSION_KEY] = session

            def start_after_ending(status: str, headers: Any, exc_info: Any = None) -> Any:
                if int(status.split(" ", 1)[0]) < 400:
                    self.sessions.finish(session)
                else:
                    session.rollback()
                return start_response(status, headers, exc_info)

            body = self.app(environ, start_after_ending)
            try:
                yield from body
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
