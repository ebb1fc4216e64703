"""Session flags SQLAlchemy 2.0 keeps for old code, and ``join_transaction_mode``'s values."""

from __future__ import annotations

import pytest

from corral import exc
from corral.orm import Session, sessionmaker


def test_autocommit_false_and_future_true_are_accepted() -> None:
    """Session(autocommit=False, future=True) and the same through sessionmaker are accepted."""
    Session(autocommit=False, future=True)
    factory: sessionmaker[Session] = sessionmaker(autocommit=False, autoflush=False, future=True)
    assert factory().autoflush is False


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (
            lambda: Session(autocommit=True),  # type: ignore[arg-type]
            r"Session\(\) does not support autocommit=True: .*",
        ),
        (lambda: sessionmaker(autocommit=True), r"sessionmaker\(\) does not support autocommit"),
        (lambda: sessionmaker().configure(autocommit=True), r"configure\(\) does not support"),
        (
            lambda: Session(future=False),  # type: ignore[arg-type]
            r"does not support future=False: SQLAlchemy 1.x",
        ),
    ],
)
def test_autocommit_true_and_future_false_are_refused(make: object, pattern: str) -> None:
    """autocommit=True (removed in SQLAlchemy 2.0) and future=False are refused with why."""
    with pytest.raises(exc.ArgumentError, match=pattern):
        make()  # type: ignore[operator]


def test_autocommit_refusal_says_what_to_do() -> None:
    """The refusal says a Session always works in a transaction and how to commit it."""
    with pytest.raises(exc.ArgumentError, match=r"always works in a transaction.*commit\(\)"):
        Session(autocommit=True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "mode", ["conditional_savepoint", "create_savepoint", "control_fully", "rollback_only"]
)
def test_join_transaction_modes_are_accepted(mode: str) -> None:
    """Each of SQLAlchemy 2.0's four join modes is accepted and kept."""
    assert Session(join_transaction_mode=mode).join_transaction_mode == mode  # type: ignore[arg-type]


def test_unknown_join_transaction_mode_is_refused() -> None:
    """A misspelt join_transaction_mode is refused, listing the modes."""
    with pytest.raises(exc.ArgumentError, match=r"'savepoint' is not a mode; use one of"):
        Session(join_transaction_mode="savepoint")  # type: ignore[arg-type]


def test_binds_key_that_is_not_a_class_or_table_is_refused() -> None:
    """Session(binds=...) refuses a key that is not a class, Mapper or Table, saying what is."""
    with pytest.raises(exc.ArgumentError, match="'users' is not a class, Mapper or Table"):
        Session(binds={"users": None})
