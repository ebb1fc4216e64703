"""ASGI middleware (Starlette, FastAPI or any ASGI app): a Session per HTTP request.

::

    app = SessionMiddleware(app, RequestSessions(engine))
    # in an endpoint: session = request_session(request.scope)   # or scope["corral.session"]

The Session is committed just before the response starts when its status is below 400 (a
failing commit turns into the server's 500, not a success the client already received),
rolled back for a 4xx/5xx response or an exception, then closed and reported. Requests
other than HTTP (lifespan, websockets) pass through. The Session is corral's sync Session:
its queries block the thread that runs them, as in a sync endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from corral import exc
from corral.ext.request_sessions import RequestSessions
from corral.orm import Session

__all__ = ["SESSION_KEY", "SessionMiddleware", "request_session"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The key of the request's Session in the ASGI scope.
SESSION_KEY = "corral.session"


def request_session(scope: Scope) -> Session:
    """The Session SessionMiddleware opened for this request's scope."""
    session = scope.get(SESSION_KEY)
    if not isinstance(session, Session):
        raise exc.InvalidRequestError(
            "This request has no corral Session: wrap the application in "
            "corral.ext.asgi.SessionMiddleware(app, RequestSessions(engine))"
        )
    return session


def route_of(scope: Scope) -> str:
    """``"GET /items/{item_id}"`` once a router has matched a route, else the method and path."""
    route = scope.get("route")  # FastAPI's router sets it; Starlette's sets the endpoint
    if route is None and "endpoint" in scope:
        routes = getattr(scope.get("app"), "routes", ())
        route = next((r for r in routes if getattr(r, "endpoint", None) is scope["endpoint"]), None)
    path = getattr(route, "path", None) or scope.get("path", "")
    return f"{scope.get('method', '')} {path}"


class SessionMiddleware:
    """Opens a Session per HTTP request from ``sessions`` and puts it in the scope."""

    def __init__(self, app: ASGIApp, sessions: RequestSessions) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.sessions.session(lambda: route_of(scope)) as session:
            scope[SESSION_KEY] = session

            async def send_after_ending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    if message["status"] < 400:
                        self.sessions.finish(session)
                    else:
                        session.rollback()
                await send(message)

            await self.app(scope, receive, send_after_ending)
