"""``lazy="dynamic"`` (SQLAlchemy's legacy form of ``write_only``): a collection that is a query.

``user.addresses`` is an ``AppenderQuery``: iterating it (or ``all()``,
``first()``, ``count()``, ``[1:3]``) runs a SELECT of the members in the
owner's session, after its autoflush, so members appended since show up;
``filter()`` / ``filter_by()`` / ``order_by()`` / ``limit()`` / ``offset()``
refine it; ``append()`` / ``remove()`` / ``extend()`` change it at the next
flush, as ``write_only``'s ``add()`` / ``remove()`` do. Before the owner has a
row (or without a session), it holds just the objects appended.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from corral import exc
from corral.orm.mapping.instance_state import state_of
from corral.orm.relationships.write_only import WriteOnlyCollection
from corral.sql.functions import func
from corral.sql.selectable import Select, select

if TYPE_CHECKING:
    from corral.orm.relationships.relationship import Relationship

T = TypeVar("T")


class DynamicQuery:
    """The members of a dynamic relationship as refined by filter()/order_by()/...: runs
    its SELECT in the owner's session when iterated or read."""

    def __init__(self, owner: Any, rel: Relationship, statement: Select | None = None) -> None:
        self._owner = owner
        self._rel = rel
        self._statement = statement

    # -- the query ----------------------------------------------------------------------

    def _base(self) -> Select:
        raise NotImplementedError  # pragma: no cover - given by each class

    @property
    def statement(self) -> Select:
        """The SELECT this query runs."""
        if self._statement is not None:
            return self._statement
        self._session()  # a pending owner gets its row first
        return self._base()

    def _refined(self, statement: Select) -> DynamicQuery:
        return DynamicQuery(self._owner, self._rel, statement)

    def filter(self, *criteria: Any) -> DynamicQuery:
        return self._refined(self.statement.where(*criteria))

    where = filter

    def filter_by(self, **values: Any) -> DynamicQuery:
        target = self._rel.mapper.class_
        return self.filter(*(getattr(target, key) == value for key, value in values.items()))

    def order_by(self, *clauses: Any) -> DynamicQuery:
        return self._refined(self.statement.order_by(*clauses))

    def limit(self, limit: int | None) -> DynamicQuery:
        return self._refined(self.statement.limit(limit))

    def offset(self, offset: int | None) -> DynamicQuery:
        return self._refined(self.statement.offset(offset))

    def _session(self) -> Any:
        """The owner's session, once the owner has a row (a pending owner is autoflushed
        first, as the query's autoflush would); None before."""
        state = state_of(self._owner)
        if state.session is None:
            return None
        if state.key is None:
            state.session._autoflush()
            if state.key is None:  # autoflush is off
                return None
        return state.session

    def _pending(self) -> list[Any]:
        """The members when no SELECT can run: what was appended in memory."""
        collection = self._owner.__dict__.get(self._rel.key)
        return list(getattr(collection, "pending_added", []))

    def all(self) -> list[Any]:
        """Every member (a SELECT in the owner's session)."""
        session = self._session()
        if session is None:
            if self._statement is not None:
                raise self._no_session("a refined query")
            return self._pending()
        return list(session.scalars(self.statement))

    def __iter__(self) -> Iterator[Any]:
        return iter(self.all())

    def first(self) -> Any:
        session = self._session()
        if session is None:
            members = self.all()
            return members[0] if members else None
        return session.scalars(self.statement.limit(1)).first()

    def one(self) -> Any:
        return self._run().one()

    def one_or_none(self) -> Any:
        return self._run().one_or_none()

    def count(self) -> int:
        """How many members (a ``SELECT count(*)``)."""
        session = self._session()
        if session is None:
            return len(self.all())
        counted = select(func.count()).select_from(self.statement.subquery())
        return int(session.scalar(counted))

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            if index.step not in (None, 1) or (index.start or 0) < 0 or (index.stop or 0) < 0:
                return self.all()[index]
            start = index.start or 0
            statement = self.statement.offset(start or None)
            if index.stop is not None:
                statement = statement.limit(max(index.stop - start, 0))
            return self._refined(statement).all()
        if index < 0:
            return self.all()[index]
        found = self._refined(self.statement.offset(index or None).limit(1)).all()
        if not found:
            raise IndexError(index)
        return found[0]

    def _run(self) -> Any:
        session = self._session()
        if session is None:
            raise self._no_session("one()")
        return session.scalars(self.statement)

    def _no_session(self, what: str) -> exc.InvalidRequestError:
        name = type(self._owner).__name__
        return exc.InvalidRequestError(
            f"{self._rel.describe()}: {what} runs a SELECT, and the {name} has no row in a "
            "session yet; add it to a session and flush first"
        )

    def __repr__(self) -> str:
        return f"<DynamicQuery {self._rel.describe()}>"


class AppenderQuery(WriteOnlyCollection[T], DynamicQuery):
    """``user.addresses`` of a ``lazy="dynamic"`` relationship: a query of the members that
    also takes ``append()`` / ``remove()`` / ``extend()``."""

    __slots__ = ()

    def __init__(self, owner: Any, rel: Relationship) -> None:
        WriteOnlyCollection.__init__(self, owner, rel)

    @property
    def _statement(self) -> None:  # type: ignore[override]
        return None

    def _base(self) -> Select:
        return self.select()

    def append(self, item: Any) -> None:
        """Add ``item`` to the collection (written at the next flush)."""
        self.add(item)

    def extend(self, items: Iterable[Any]) -> None:
        self.add_all(items)

    def __iter__(self) -> Iterator[Any]:
        return DynamicQuery.__iter__(self)

    def __len__(self) -> int:  # type: ignore[override]
        raise TypeError(
            f"{self._rel.describe()} is a dynamic relationship; count its members with "
            f"obj.{self._rel.key}.count()"
        )

    def __repr__(self) -> str:
        return f"<AppenderQuery {self._rel.describe()}>"


#: The annotation of a dynamic relationship: ``entries: DynamicMapped["Entry"]``.
DynamicMapped = AppenderQuery


def dynamic_loader(argument: Any = None, **kwargs: Any) -> Any:
    """``relationship(argument, lazy="dynamic", ...)``."""
    from corral.orm.relationships.relationship import relationship

    return relationship(argument, lazy="dynamic", **kwargs)


__all__ = ["AppenderQuery", "DynamicMapped", "DynamicQuery", "dynamic_loader"]
