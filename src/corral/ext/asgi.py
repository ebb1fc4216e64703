"""ASGI middleware (Starlette, FastAPI or any ASGI app): a Session per HTTP request.

::

    app = SessionMiddleware(app, RequestSessions(engine))
    # in an endpoint: session = request_session(request.scope)   # or scope["corral.session"]

    app = SessionMiddleware(app, AsyncRequestSessions(create_async_engine(url)))
    # in an async endpoint: session = request_async_session(request.scope)

The Session is committed just before the response starts when its status is below 400 (a
failing commit turns into the server's 500, not a success the client already received),
rolled back for a 4xx/5xx response or an exception, then closed and reported. Requests
other than HTTP (lifespan, websockets) pass through. With ``RequestSessions`` the Session is
corral's sync Session: its queries block the thread that runs them, as in a sync endpoint.
With ``AsyncRequestSessions`` it is an ``AsyncSession``, committed and rolled back with
``await`` on the event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.ext.request_sessions import AsyncRequestSessions, RequestSessions
from corral.orm import Session

if TYPE_CHECKING:
    from corral.ext.asyncio import AsyncSession

__all__ = ["SESSION_KEY", "SessionMiddleware", "request_async_session", "request_session"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The key of the request's Session (or AsyncSession) in the ASGI scope.
SESSION_KEY = "corral.session"


def request_session(scope: Scope) -> Session:
    """The Session SessionMiddleware opened for this request's scope."""
    session = scope.get(SESSION_KEY)
    if isinstance(session, Session):
        return session
    if session is not None:
        raise exc.InvalidRequestError(
            f"This request's corral session is {session!r}, from AsyncRequestSessions: "
            "get it with request_async_session(scope) and await its database calls"
        )
    raise exc.InvalidRequestError(
        "This request has no corral Session: wrap the application in "
        "corral.ext.asgi.SessionMiddleware(app, RequestSessions(engine))"
    )


def request_async_session(scope: Scope) -> AsyncSession:
    """The AsyncSession SessionMiddleware opened for this request's scope."""
    from corral.ext.asyncio import AsyncSession

    session = scope.get(SESSION_KEY)
    if isinstance(session, AsyncSession):
        return session
    if isinstance(session, Session):
        raise exc.InvalidRequestError(
            "This request's corral session is a sync Session, from RequestSessions: get it "
            "with request_session(scope), or give the middleware AsyncRequestSessions(engine) "
            "made from an AsyncEngine"
        )
    raise exc.InvalidRequestError(
        "This request has no corral AsyncSession: wrap the application in "
        "corral.ext.asgi.SessionMiddleware(app, AsyncRequestSessions(async_engine))"
    )


def route_of(scope: Scope) -> str:
    """``"GET /items/{item_id}"`` once a router has matched a route, else the method and path."""
    route = scope.get("route")  # FastAPI's router sets it; Starlette's sets the endpoint
    if route is None and "endpoint" in scope:
        routes = getattr(scope.get("app"), "routes", ())
        route = next((r for r in routes if getattr(r, "endpoint", None) is scope["endpoint"]), None)
    path = getattr(route, "path", None) or scope.get("path", "")
    return f"{scope.get('method', '')} {path}"


class SessionMiddleware:
    """Opens a Session (or, from ``AsyncRequestSessions``, an AsyncSession) per HTTP request
    from ``sessions`` and puts it in the scope."""

    def __init__(self, app: ASGIApp, sessions: RequestSessions | AsyncRequestSessions) -> None:
        if not isinstance(sessions, RequestSessions | AsyncRequestSessions):
            raise exc.ArgumentError(
                "SessionMiddleware(app, sessions) takes a RequestSessions or an "
                f"AsyncRequestSessions; got {sessions!r}"
            )
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif isinstance(self.sessions, AsyncRequestSessions):
            await self._async_request(self.sessions, scope, receive, send)
        else:
            await self._request(self.sessions, scope, receive, send)

    async def _request(
        self, sessions: RequestSessions, scope: Scope, receive: Receive, send: Send
    ) -> None:
        with sessions.session(lambda: route_of(scope)) as session:
            scope[SESSION_KEY] = session

            async def send_after_ending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    if message["status"] < 400:
                        sessions.finish(session)
                    else:
                        session.rollback()
                await send(message)

            await self.app(scope, receive, send_after_ending)

    async def _async_request(
        self, sessions: AsyncRequestSessions, scope: Scope, receive: Receive, send: Send
    ) -> None:
        async with sessions.session(lambda: route_of(scope)) as session:
            scope[SESSION_KEY] = session

            async def send_after_ending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    if message["status"] < 400:
                        await sessions.finish(session)
                    else:
                        await session.rollback()
                await send(message)

            await self.app(scope, receive, send_after_ending)
