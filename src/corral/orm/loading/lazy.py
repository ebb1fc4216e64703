"""Lazy loads that reach the database, and noticing N+1 loading.

``relationships.unloaded`` decides what reading an unloaded relationship needs;
when it needs SQL, the session runs ``load()`` here: the relationship's lazy
statement, with the loader options set further along the query's path applied to
what it loads.

Each lazy load that reaches the database is counted per relationship in the
session; past the session's threshold, ``Session(n_plus_one="warn" | "raise")``
warns or raises, naming the relationship, the count, the call site and the
loader option that loads it with its parents.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.loading.eager import finish_node
from corral.orm.relationships.expressions import lazy_statement
from corral.orm.relationships.unloaded import LOADER_ATTR, lazy_params, set_loaded

if TYPE_CHECKING:
    from corral.orm.loading.query_plan import LoadNode
    from corral.orm.relationships.relationship import Relationship
    from corral.orm.session.session import Session

_CORRAL_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: The default of ``Session(n_plus_one=...)``: ``CORRAL_N_PLUS_ONE=raise`` (or ``warn``) in
#: the environment turns detection on for every session a program makes, e.g. in its tests.
#: The variable is read when the first Session is made, not when corral is imported, so that
#: a program (or a conftest, after pytest plugins imported corral) may set it before then.
FROM_ENVIRONMENT: Any = "CORRAL_N_PLUS_ONE"
#: The default of ``Session(n_plus_one_threshold=...)``.
DEFAULT_THRESHOLD = 10
_environment_mode: list[str | None] = []


def environment_mode() -> str | None:
    """``CORRAL_N_PLUS_ONE`` as read at the first call."""
    if not _environment_mode:
        _environment_mode.append(os.environ.get("CORRAL_N_PLUS_ONE") or None)
    return _environment_mode[0]


def load(session: Session, obj: Any, rel: Relationship, params: dict[str, Any]) -> Any:
    """Run ``rel``'s lazy SELECT for ``obj`` with the key ``params``, and store the result."""
    session._lazy_loads.count(rel, obj)
    return _select(session, obj, rel, params, obj.__dict__.get(LOADER_ATTR))


def load_immediately(
    session: Session, node: LoadNode, rel: Relationship, objects: list[Any]
) -> None:
    """``immediateload`` / ``lazy="immediate"``: ``rel`` of each of ``objects`` loaded now,
    as reading it would load it (from the identity map for a many-to-one it holds, else
    by the lazy SELECT, one per object), with the options ``node`` sets further along the
    path. Not counted as N+1 loading: the option asks for a SELECT per parent."""
    for obj in objects:
        params = lazy_params(session, obj, rel)
        if params is not None:
            _select(session, obj, rel, params, node)


def _select(
    session: Session, obj: Any, rel: Relationship, params: dict[str, Any], node: Any
) -> Any:
    session.stats.note_lazy_load(rel.describe())
    child = node.children.get(rel.key) if node is not None else None
    options: dict[str, Any] = {"corral_lazy_load": True}
    if child is not None:
        options["corral_load_node"] = child
    with session._guard:
        statement = lazy_statement(rel)
        criteria = node.criteria.get(rel.key) if node is not None else None
        if criteria:  # lazyload(User.addresses.and_(...))
            statement = statement.where(*criteria)
        if node is not None and node.propagated:  # with_loader_criteria() of the query
            statement = statement.options(*node.propagated)
        rows = session._execute(statement, params, options).scalars().all()
        value = set_loaded(obj, rel, rows)
        if child is not None:  # options set further along this path apply to these objects
            finish_node(session, child, rows, False)
    return value


def call_site() -> tuple[str, int]:
    """``file:line in function`` of the innermost caller outside corral, and its stack level
    as ``warnings.warn`` counts it from here (so a warning is attributed to that line)."""
    frame: Any = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_CORRAL_DIR):
        frame = frame.f_back
        level += 1
    if frame is None:  # pragma: no cover - corral calling itself with no user frame
        return "an unknown place", 1
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}", level


class LazyLoadCounter:
    """Lazy loads per relationship in one session, and the N+1 verdict."""

    __slots__ = ("counts", "mode", "threshold", "warned")

    def __init__(self, mode: str | None, threshold: int) -> None:
        if mode is FROM_ENVIRONMENT:
            mode = environment_mode()
        if mode not in (None, "warn", "raise"):
            raise exc.ArgumentError(
                f'n_plus_one={mode!r}: choose "warn", "raise" or None (no detection); '
                "CORRAL_N_PLUS_ONE in the environment sets the default"
            )
        if threshold < 1:
            raise exc.ArgumentError(f"n_plus_one_threshold must be at least 1, got {threshold}")
        self.mode = mode
        self.threshold = threshold
        self.counts: dict[int, int] = {}
        self.warned: set[int] = set()

    def count(self, rel: Relationship, obj: Any) -> None:
        if self.mode is None:
            return
        key = id(rel)
        count = self.counts.get(key, 0) + 1
        self.counts[key] = count
        if count <= self.threshold:
            return
        site, level = call_site()
        message = (
            f"N+1 loading: {rel.describe()} has been lazy-loaded for {count} "
            f"{type(obj).__name__} objects in this session, one SELECT each (threshold "
            f"{self.threshold}); the latest at {site}. Load it together with its parents: "
            f"add .options({rel.loader_option_hint()}) to the query that loads them"
        )
        if self.mode == "raise":
            raise exc.NPlusOneError(message)
        if key not in self.warned:
            self.warned.add(key)
            # stacklevel counts from warn()'s caller, this method: one more than call_site's.
            warnings.warn(message, exc.NPlusOneWarning, stacklevel=level)

    def reset(self) -> None:
        self.counts.clear()
        self.warned.clear()


#: The counter of every session without N+1 detection and with the default threshold
#: (most sessions): it never counts (``count`` returns at once), so one serves them all.
_NOT_DETECTING = LazyLoadCounter(None, DEFAULT_THRESHOLD)


def counter_for(mode: str | None, threshold: int) -> LazyLoadCounter:
    """The lazy-load counter of a new session (``Session(n_plus_one=, n_plus_one_threshold=)``)."""
    if threshold == DEFAULT_THRESHOLD and (
        mode is None or (mode is FROM_ENVIRONMENT and environment_mode() is None)
    ):
        return _NOT_DETECTING
    return LazyLoadCounter(mode, threshold)
