"""``sessionmaker``: a configured factory of Sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from corral.orm.session.session import Session

S = TypeVar("S", bound=Session)


class sessionmaker(Generic[S]):
    """Makes Sessions with the same bind and options: ``Session = sessionmaker(engine)``."""

    def __init__(self, bind: Any = None, *, class_: type[S] = Session, **options: Any) -> None:  # type: ignore[assignment]
        self.class_ = class_
        self.kw: dict[str, Any] = {"bind": bind, **options}

    def __call__(self, **local_options: Any) -> S:
        return self.class_(**{**self.kw, **local_options})

    def configure(self, **options: Any) -> None:
        """Change the options of sessions made from now on."""
        self.kw.update(options)

    @contextmanager
    def begin(self) -> Iterator[S]:
        """A new session inside a transaction: committed at the end, rolled back on error."""
        with self() as session, session.begin():
            yield session

    def __repr__(self) -> str:
        return f"sessionmaker(class_={self.class_.__name__}, {self.kw})"
