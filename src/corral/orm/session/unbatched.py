"""``__mapper_args__ = {"batch": False}``: each object's ``before_*`` event, then its SQL.

A flush normally fires every ``before_insert`` / ``before_update`` / ``before_delete``
first and then writes the rows in batches. A mapper with ``batch=False`` has each
object's event run right before that object's own statement, so a listener sees the
rows written for the objects before it (a nested-set tree renumbering itself, say).
"""

from __future__ import annotations

from typing import Any

from corral.orm.session import flush_events
from corral.orm.unit_of_work.execute import execute_plan
from corral.orm.unit_of_work.plan import FlushPlan, plan_flush


def wants_one_by_one(classes: set[Any]) -> bool:
    """Whether a class in the flush is mapped with ``batch=False``."""
    return any(not getattr(cls.__mapper__, "batch", True) for cls in classes)


def write_one_by_one(
    connection: Any, new: list[object], dirty: list[object], deleted: list[object]
) -> FlushPlan:
    """Fire each object's before event then run its statements; the steps run, in order."""
    done = FlushPlan()
    for obj in new:
        done.steps += _write(connection, [obj], [], [])
    for obj in dirty:
        done.steps += _write(connection, [], [obj], [])
    for obj in deleted:
        done.steps += _write(connection, [], [], [obj])
    return done


def _write(connection: Any, new: list[object], dirty: list[object], deleted: list[object]) -> Any:
    flush_events.before_writes(connection, new, dirty, deleted)
    plan = plan_flush(new, dirty, deleted)
    execute_plan(connection, plan)
    return plan.steps


__all__ = ["wants_one_by_one", "write_one_by_one"]
