"""FastAPI: a dependency yielding the request's Session.

::

    sessions = RequestSessions(engine)
    DbSession = Annotated[Session, session_depends(sessions)]

    @app.post("/users")
    def create_user(name: str, session: DbSession) -> dict[str, int]: ...

The Session is committed when the endpoint returns and rolled back when it raises (an
``HTTPException`` included), then closed; the request's report names the matched route.
``session_depends`` declares the dependency with ``scope="function"`` so that the commit runs
before the response is sent: a failing commit is the client's 500, not a 200 for work that
was lost. (``Depends(session_dependency(sessions))`` without it commits after the response.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Depends, Request

from corral.ext.request_sessions import RequestSessions
from corral.orm import Session

__all__ = ["route_of", "session_dependency", "session_depends"]


def route_of(request: Request) -> str:
    """``"GET /items/{item_id}"``: the method and the matched route's path (else the URL's)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    return f"{request.method} {path}"


def session_dependency(sessions: RequestSessions) -> Callable[[Request], Iterator[Session]]:
    """A dependency (for ``Depends``) yielding one Session per request from ``sessions``."""

    def request_session(request: Request) -> Iterator[Session]:
        with sessions.session(lambda: route_of(request)) as session:
            yield session

    return request_session


def session_depends(sessions: RequestSessions) -> Any:
    """``Depends(...)`` for the request's Session, committed before the response is sent."""
    return Depends(session_dependency(sessions), scope="function")
