"""``run_transaction`` for asyncio: retry a unit of work on serialization failures and deadlocks.

The same classification (``corral.orm.session.retry.is_retryable``) and the
same backoff as the sync version; waiting is ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from corral import exc
from corral.orm.session.retry import Backoff, is_retryable

R = TypeVar("R")


async def run_transaction(
    make_session: Callable[[], Any],
    work: Callable[[Any], Awaitable[R]],
    *,
    retries: int = 5,
    backoff: Callable[[int], float] | None = None,
    on_retry: Callable[[int, BaseException], object] | None = None,
) -> R:
    """``await work(session)`` in a new AsyncSession and commit; retry on a retryable error.

    Each attempt gets a fresh session; after ``retries`` retries the last error
    is raised with the number of attempts as ``error.attempts``.
    """
    if retries < 0:
        raise exc.ArgumentError(f"retries must be 0 or more, got {retries}")
    wait = backoff if backoff is not None else Backoff()
    attempt = 0
    while True:
        attempt += 1
        session = make_session()
        try:
            result = await work(session)
            await session.commit()
            return result
        except BaseException as error:
            await asyncio.shield(session.rollback())
            if not is_retryable(error) or attempt > retries:
                if is_retryable(error):
                    error.attempts = attempt  # type: ignore[attr-defined]
                    error.add_note(f"corral: gave up after {attempt} attempts")
                raise
            if on_retry is not None:
                on_retry(attempt, error)
        finally:
            await session.close()
        await asyncio.sleep(wait(attempt))
