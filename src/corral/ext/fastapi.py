"""FastAPI: a dependency yielding the request's Session, or its AsyncSession.

::

    sessions = RequestSessions(engine)
    DbSession = Annotated[Session, session_depends(sessions)]

    @app.post("/users")
    def create_user(name: str, session: DbSession) -> dict[str, int]: ...

    async_sessions = AsyncRequestSessions(create_async_engine(url))
    AsyncDb = Annotated[AsyncSession, session_depends(async_sessions)]

    @app.post("/orders")
    async def create_order(total: int, session: AsyncDb) -> dict[str, int]: ...

The Session is committed when the endpoint returns and rolled back when it raises (an
``HTTPException`` included), then closed; the request's report names the matched route.
``session_depends`` declares the dependency with ``scope="function"`` so that the commit runs
before the response is sent: a failing commit is the client's 500, not a 200 for work that
was lost. (``Depends(session_dependency(sessions))`` without it commits after the response.)
Given :class:`~corral.ext.request_sessions.AsyncRequestSessions`, the dependency is an async
generator whose commit and rollback are awaited on the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, overload

from fastapi import Depends, Request

from corral import exc
from corral.ext.request_sessions import AsyncRequestSessions, RequestSessions
from corral.orm import Session

if TYPE_CHECKING:
    from corral.ext.asyncio import AsyncSession

__all__ = ["route_of", "session_dependency", "session_depends"]


def route_of(request: Request) -> str:
    """``"GET /items/{item_id}"``: the method and the matched route's path (else the URL's)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    return f"{request.method} {path}"


@overload
def session_dependency(sessions: RequestSessions) -> Callable[[Request], Iterator[Session]]: ...


@overload
def session_dependency(
    sessions: AsyncRequestSessions,
) -> Callable[[Request], AsyncIterator[AsyncSession]]: ...


def session_dependency(
    sessions: RequestSessions | AsyncRequestSessions,
) -> Callable[[Request], Iterator[Session]] | Callable[[Request], AsyncIterator[AsyncSession]]:
    """A dependency (for ``Depends``) yielding one Session per request from ``sessions``
    (one AsyncSession from :class:`AsyncRequestSessions`)."""
    if isinstance(sessions, AsyncRequestSessions):
        async_sessions = sessions

        async def request_async_session(request: Request) -> AsyncIterator[AsyncSession]:
            async with async_sessions.session(lambda: route_of(request)) as session:
                yield session

        return request_async_session

    if not isinstance(sessions, RequestSessions):
        raise exc.ArgumentError(
            f"session_dependency() takes a RequestSessions or an AsyncRequestSessions; got "
            f"{sessions!r}"
        )

    def request_session(request: Request) -> Iterator[Session]:
        with sessions.session(lambda: route_of(request)) as session:
            yield session

    return request_session


def session_depends(sessions: RequestSessions | AsyncRequestSessions) -> Any:
    """``Depends(...)`` for the request's Session (or AsyncSession), committed before the
    response is sent."""
    return Depends(session_dependency(sessions), scope="function")
