"""One Session per web request: committed on success, rolled back on error, then reported.

The framework integrations (``corral.ext.fastapi``, ``corral.ext.asgi``, ``corral.ext.wsgi``,
``corral.ext.flask``) share this: :class:`RequestSessions` opens the request's Session, ends it,
and hands a :class:`RequestReport` (the route, the Session's ``stats``, the N+1 findings) to a
logging hook; :class:`AsyncRequestSessions` does the same with an ``AsyncSession`` from
``corral.ext.asyncio``, for ``async def`` endpoints. N+1 loading found in a request is
reported against its route, as an ``NPlusOneWarning`` naming the route (``warn``), an
``NPlusOneError`` (``raise``), or only in the report (``None``). Nothing here imports a web
framework.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from corral import exc
from corral.engine import Engine
from corral.engine.stats import SessionStats
from corral.orm import Session, sessionmaker

if TYPE_CHECKING:
    from corral.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

logger = logging.getLogger("corral.ext.requests")

NPlusOneMode = Literal["warn", "raise"] | None


@dataclass
class RequestReport:
    """What one request's Session did: handed to the ``on_request`` hook when it ends."""

    #: ``"GET /orders/{order_id}"``: the method and the route's pattern (else the path).
    route: str
    stats: SessionStats
    #: One message per relationship lazy-loaded past the threshold in this request.
    n_plus_one: list[str] = field(default_factory=list)
    #: The exception that ended the request, if one did.
    error: BaseException | None = None


def log_request(report: RequestReport) -> None:
    """The default hook: one DEBUG line per request on the ``corral.ext.requests`` logger."""
    stats = report.stats
    logger.debug(
        "%s: %d statements, %d round trips, %.1f ms in the database, %d objects loaded%s",
        report.route,
        stats.statements,
        stats.round_trips,
        stats.db_time * 1000,
        stats.objects_loaded,
        "" if report.error is None else f", ended by {type(report.error).__name__}",
    )


class _RequestReporting:
    """What the sync and async request sessions share: the hook and the N+1 policy."""

    def __init__(
        self,
        *,
        on_request: Callable[[RequestReport], object] | None,
        n_plus_one: NPlusOneMode,
        n_plus_one_threshold: int,
    ) -> None:
        if n_plus_one not in ("warn", "raise", None):
            raise exc.ArgumentError(
                f'n_plus_one={n_plus_one!r}: choose "warn", "raise" or None (report only)'
            )
        self.on_request = on_request
        self.n_plus_one = n_plus_one
        self.n_plus_one_threshold = n_plus_one_threshold

    def report(self, session: Session, route: str, error: BaseException | None) -> None:
        """Hand the request's report to the hook, after acting on N+1 findings (``session``
        is the request's Session, or an AsyncSession's ``sync_session``)."""
        findings = [
            f"N+1 loading in {route}: {relationship} was lazy-loaded {count} times, one SELECT "
            f"each (threshold {self.n_plus_one_threshold}); load it with its parents, e.g. "
            f".options(selectinload(...)) on the query that loads them"
            for relationship, count in session.stats.lazy_loads.items()
            if count > self.n_plus_one_threshold
        ]
        if self.on_request is not None:
            self.on_request(RequestReport(route, session.stats, findings, error))
        if not findings or error is not None:
            return
        if self.n_plus_one == "raise":
            raise exc.NPlusOneError("; ".join(findings))
        if self.n_plus_one == "warn":
            for finding in findings:
                warnings.warn(finding, exc.NPlusOneWarning, stacklevel=2)


def _other_kind(bind: object, kinds: tuple[str, str], other: str) -> str:
    """The hint for a bind of the other kind (sync for async, or the reverse)."""
    name = type(bind).__name__
    return f"; for {name} use {other}" if name in kinds else ""


class RequestSessions(_RequestReporting):
    """Makes each request's Session from ``bind`` (an Engine or a sessionmaker).

    ``on_request`` receives each request's :class:`RequestReport` (default: a DEBUG log line);
    ``n_plus_one`` says what a relationship lazy-loaded more than ``n_plus_one_threshold``
    times in one request does: ``"warn"`` (the default), ``"raise"`` or ``None``.
    """

    def __init__(
        self,
        bind: Engine | sessionmaker[Session],
        *,
        on_request: Callable[[RequestReport], object] | None = log_request,
        n_plus_one: NPlusOneMode = "warn",
        n_plus_one_threshold: int = 10,
    ) -> None:
        if isinstance(bind, Engine):
            self.sessionmaker: sessionmaker[Session] = sessionmaker(bind)
        elif isinstance(bind, sessionmaker):
            self.sessionmaker = bind
        else:
            raise exc.ArgumentError(
                f"RequestSessions() takes an Engine or a sessionmaker; got {bind!r}"
                + _other_kind(bind, ("AsyncEngine", "async_sessionmaker"), "AsyncRequestSessions")
            )
        super().__init__(
            on_request=on_request,
            n_plus_one=n_plus_one,
            n_plus_one_threshold=n_plus_one_threshold,
        )

    @contextmanager
    def session(self, route: Callable[[], str] | str) -> Iterator[Session]:
        """The request's Session: committed if the block ends normally, rolled back if it
        raises, closed and reported either way. ``route`` may be a callable, read at the end
        (a router names the matched route only once it has routed)."""
        session = self.sessionmaker()
        error: BaseException | None = None
        try:
            yield session
            self.finish(session)
        except BaseException as raised:
            error = raised
            session.rollback()
            raise
        finally:
            session.close()
            self.report(session, route if isinstance(route, str) else route(), error)

    def finish(self, session: Session) -> None:
        """Commit the request's work (what a middleware calls before the response goes out)."""
        if session.is_active:
            session.commit()


class AsyncRequestSessions(_RequestReporting):
    """Makes each request's ``AsyncSession`` from ``bind`` (an AsyncEngine or an
    async_sessionmaker); the hook and the N+1 policy are :class:`RequestSessions`'s.

    Lazy loads cannot run on the event loop: N+1 loading shows here as
    ``await obj.awaitable_attrs.name`` (or ``run_sync``) called once per object.
    """

    def __init__(
        self,
        bind: AsyncEngine | async_sessionmaker,
        *,
        on_request: Callable[[RequestReport], object] | None = log_request,
        n_plus_one: NPlusOneMode = "warn",
        n_plus_one_threshold: int = 10,
    ) -> None:
        from corral.ext.asyncio import AsyncEngine, async_sessionmaker

        if isinstance(bind, AsyncEngine):
            self.sessionmaker = async_sessionmaker(bind)
        elif isinstance(bind, async_sessionmaker):
            self.sessionmaker = bind
        else:
            raise exc.ArgumentError(
                "AsyncRequestSessions() takes an AsyncEngine or an async_sessionmaker; "
                f"got {bind!r}" + _other_kind(bind, ("Engine", "sessionmaker"), "RequestSessions")
            )
        super().__init__(
            on_request=on_request,
            n_plus_one=n_plus_one,
            n_plus_one_threshold=n_plus_one_threshold,
        )

    @asynccontextmanager
    async def session(self, route: Callable[[], str] | str) -> AsyncIterator[AsyncSession]:
        """The request's AsyncSession: committed if the block ends normally, rolled back if it
        raises, closed and reported either way (``route`` as in ``RequestSessions.session``)."""
        session = self.sessionmaker()
        error: BaseException | None = None
        try:
            yield session
            await self.finish(session)
        except BaseException as raised:
            error = raised
            await session.rollback()
            raise
        finally:
            await session.close()
            self.report(session.sync_session, route if isinstance(route, str) else route(), error)

    async def finish(self, session: AsyncSession) -> None:
        """Commit the request's work (what a middleware awaits before the response goes out)."""
        if session.is_active:
            await session.commit()
