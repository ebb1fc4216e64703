"""run_transaction retries what the database says to retry, and nothing else."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from corral import Backoff, Engine, Session, exc, select, sessionmaker
from tests.integration.orm_models import Counter, User, create_schema


@pytest.fixture
def factory(make_engine: Callable[..., Engine], backend: str) -> Iterator[sessionmaker[Session]]:
    # Concurrent transactions on SQLite need a write-ahead log: a reader must not block a writer.
    engine = make_engine(**({"sqlite_wal": True} if backend == "sqlite" else {}))
    create_schema(engine)
    yield sessionmaker(engine)


def _no_wait(attempt: int) -> float:
    return 0.0


def test_commits_and_returns_the_result(factory: sessionmaker[Session]) -> None:
    """The work's result comes back and its changes are committed."""

    def add_ann(session: Session) -> int:
        user = User(name="ann")
        session.add(user)
        session.flush()
        return user.id

    new_id = factory.run_transaction(add_ann)
    with factory() as session:
        assert session.get(User, new_id) is not None


def test_stale_version_is_retried_in_a_fresh_session(factory: sessionmaker[Session]) -> None:
    """A StaleDataError rolls back and runs the work again in a new session."""
    with factory.begin() as session:
        session.add(Counter(id=1))
    attempts: list[Session] = []

    def increment(session: Session) -> int:
        attempts.append(session)
        counter = session.get(Counter, 1)
        assert counter is not None
        if len(attempts) == 1:  # someone else moves the row on under the first attempt
            with factory.begin() as other:
                rival = other.get(Counter, 1)
                assert rival is not None
                rival.value += 10
        counter.value += 1
        return counter.value

    retried: list[int] = []
    assert (
        factory.run_transaction(
            increment, backoff=_no_wait, on_retry=lambda n, e: retried.append(n)
        )
        == 11
    )
    assert retried == [1]
    assert attempts[0] is not attempts[1]


def test_gives_up_after_the_limit_with_the_attempt_count(factory: sessionmaker[Session]) -> None:
    """After the retries the last error is raised, carrying the number of attempts."""
    calls = 0

    def always_stale(session: Session) -> None:
        nonlocal calls
        calls += 1
        raise exc.StaleDataError("the row moved")

    with pytest.raises(exc.StaleDataError) as failure:
        factory.run_transaction(always_stale, retries=3, backoff=_no_wait)
    assert calls == 4
    assert failure.value.attempts == 4  # type: ignore[attr-defined]
    assert "gave up after 4 attempts" in "".join(failure.value.__notes__)


def test_other_errors_and_unknown_commit_outcome_are_not_retried(
    factory: sessionmaker[Session],
) -> None:
    """Only retryable errors are retried: a plain error or an unknown commit outcome is not."""
    for error in (ValueError("bug"), exc.CommitOutcomeUnknownError(None, None, None)):
        calls = 0

        def fail(session: Session, error: BaseException = error) -> None:
            nonlocal calls
            calls += 1
            raise error

        with pytest.raises(type(error)):
            factory.run_transaction(fail, backoff=_no_wait)
        assert calls == 1


def test_on_commit_runs_once_after_the_attempt_that_committed(
    factory: sessionmaker[Session],
) -> None:
    """Callbacks from failed attempts never run; the committed attempt's run once."""
    ran: list[int] = []
    attempt = 0

    def work(session: Session) -> None:
        nonlocal attempt
        attempt += 1
        number = attempt
        session.add(User(name=f"try {number}"))
        session.on_commit(lambda: ran.append(number))
        if number < 3:
            raise exc.SerializationFailure(None, None, None)

    factory.run_transaction(work, backoff=_no_wait)
    assert ran == [3]
    with factory() as session:
        assert session.scalars(select(User.name)).all() == ["try 3"]


def test_on_commit_inside_rolled_back_savepoint_is_dropped(factory: sessionmaker[Session]) -> None:
    """A callback registered in a savepoint that rolls back never runs."""
    ran: list[str] = []
    with factory() as session:
        session.on_commit(lambda: ran.append("outer"))
        nested = session.begin_nested()
        session.on_commit(lambda: ran.append("inner"))
        nested.rollback()
        session.commit()
    assert ran == ["outer"]


def test_decorator_form(factory: sessionmaker[Session]) -> None:
    """@factory.transactional() passes a session first and commits."""

    @factory.transactional(retries=2, backoff=Backoff(base=0.0))
    def add_user(session: Session, name: str) -> str:
        session.add(User(name=name))
        return name

    assert add_user("deco") == "deco"
    with factory() as session:
        assert session.scalars(select(User.name)).all() == ["deco"]


def test_backoff_grows_and_is_capped() -> None:
    """Backoff doubles per attempt up to its cap; jitter stays within [half, full]."""
    plain = Backoff(base=0.01, cap=0.05, jitter=False)
    assert [plain(n) for n in (1, 2, 3, 4)] == [0.01, 0.02, 0.04, 0.05]
    jittered = Backoff(base=0.01, cap=1.0)
    assert all(0.01 <= jittered(2) <= 0.02 for _ in range(50))
