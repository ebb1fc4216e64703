"""``sessionmaker``: a configured factory of Sessions."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from corral.orm.session.options import check_session_options
from corral.orm.session.retry import run_transaction
from corral.orm.session.session import Session

S = TypeVar("S", bound=Session)
T = TypeVar("T", bound=Session)
R = TypeVar("R")
P = ParamSpec("P")


class sessionmaker(Generic[S]):
    """Makes Sessions with the same bind and options: ``Session = sessionmaker(engine)``."""

    def __init__(self, bind: Any = None, *, class_: type[S] = Session, **options: Any) -> None:  # type: ignore[assignment]
        self.class_ = class_
        check_session_options(class_, options, "sessionmaker()")
        self.kw: dict[str, Any] = {"bind": bind, **options}

    def __call__(self, **local_options: Any) -> S:
        return self._make(self.class_, **local_options)

    def _make(self, class_: type[T], **local_options: Any) -> T:
        """A session of ``class_`` (the maker's class or a subclass of it, such as the
        AsyncSession's) with this maker's options and listeners."""
        session = class_(**{**self.kw, **local_options})
        dispatch = self.__dict__.get("dispatch")  # listeners on this maker (events.py)
        if dispatch is not None:
            session.dispatch = dispatch
        return session

    def configure(self, **options: Any) -> None:
        """Change the options of sessions made from now on."""
        check_session_options(self.class_, options, "sessionmaker.configure()")
        self.kw.update(options)

    @contextmanager
    def begin(self) -> Iterator[S]:
        """A new session inside a transaction: committed at the end, rolled back on error."""
        with self() as session, session.begin():
            yield session

    def run_transaction(
        self,
        work: Callable[[S], R],
        *,
        retries: int = 5,
        backoff: Callable[[int], float] | None = None,
        on_retry: Callable[[int, BaseException], object] | None = None,
    ) -> R:
        """``work(session)`` in a new session, committed; retried on serialization failures,
        deadlocks, lock timeouts and stale versions, with jittered exponential backoff."""
        return run_transaction(
            self,
            work,
            retries=retries,
            backoff=backoff,
            on_retry=on_retry,
        )

    def transactional(
        self, *, retries: int = 5, backoff: Callable[[int], float] | None = None
    ) -> Callable[[Callable[Concatenate[S, P], R]], Callable[P, R]]:
        """Decorator form of ``run_transaction``: the function gets the session first."""

        def decorate(function: Callable[Concatenate[S, P], R]) -> Callable[P, R]:
            @functools.wraps(function)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
                return self.run_transaction(
                    lambda session: function(session, *args, **kwargs),
                    retries=retries,
                    backoff=backoff,
                )

            return wrapper

        return decorate

    def __repr__(self) -> str:
        return f"sessionmaker(class_={self.class_.__name__}, {self.kw})"
