"""``OneTaskGuard``: one AsyncSession used by two asyncio tasks at once is refused.

The sync Session has a one-thread guard; across tasks the equivalent is an
async call entered while another task's call on the same session is still
awaiting. Both call sites are named, with the fix (a session per task).
"""

from __future__ import annotations

import asyncio
import sys
from types import FrameType, TracebackType
from typing import Any

from corral import exc
from corral.pool.checkout_site import CORRAL_DIR

#: Frames of asyncio itself say nothing about the caller: skipped.
_ASYNCIO_DIR = asyncio.__file__.rsplit("/", 1)[0]


def _frame_line(frame: FrameType) -> str:
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"


def _described(method: str, kept: list[str]) -> str:
    where = " <- ".join(kept) if kept else "a task started by asyncio (gather / create_task)"
    return f"{method} called from {where}"


def call_site() -> str:
    """``AsyncSession.get called from file:line in function`` (innermost frames outside corral
    and asyncio; a call started by ``gather`` has none, then only the method is named)."""
    frame = sys._getframe(1)
    method = ""
    kept: list[str] = []
    while frame is not None and len(kept) < 2:
        code = frame.f_code
        if code.co_filename.startswith(CORRAL_DIR):
            if not kept:
                method = code.co_qualname
        elif not code.co_filename.startswith(_ASYNCIO_DIR):
            kept.append(_frame_line(frame))
        frame = frame.f_back  # type: ignore[assignment]
    return _described(method, kept)


def _suspended_frames(task: asyncio.Task[Any]) -> list[FrameType]:
    """The frames of the coroutines ``task`` is suspended in, outermost first (following
    what each awaits, which ``Task.get_stack()`` does not)."""
    frames: list[FrameType] = []
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return frames


def awaiting_site(task: asyncio.Task[Any] | None) -> str:
    """``call_site()`` of the corral call ``task`` is suspended in, read from its stack when
    asked (nothing is recorded while all goes well)."""
    frames = _suspended_frames(task) if task is not None else []
    for index, frame in enumerate(frames):
        code = frame.f_code
        if code.co_filename.startswith(CORRAL_DIR):
            callers = [
                _frame_line(caller)
                for caller in frames[:index]
                if not caller.f_code.co_filename.startswith(_ASYNCIO_DIR)
            ]
            return _described(code.co_qualname, callers[::-1][:2])
    return "(unknown)"


def _task_name(task: asyncio.Task[Any] | None) -> str:
    return task.get_name() if task is not None else "(no task)"


class OneTaskGuard:
    """Marks an object busy for the duration of one awaited call."""

    __slots__ = ("_depth", "_task", "what")

    def __init__(self, what: str) -> None:
        self.what = what
        self._task: asyncio.Task[Any] | None = None
        self._depth = 0

    def enter(self) -> None:
        task = asyncio.current_task()
        if self._depth and self._task is not task:
            site = call_site()
            held = awaiting_site(self._task)
            raise exc.ConcurrentUseError(
                f"This {self.what} is in use by task {_task_name(self._task)!r} "
                f"(awaiting {held}) and was called from task {_task_name(task)!r} ({site}) "
                f"at the same time. An {self.what} is for one task at a time (asyncio.gather "
                "of statements on one session included): give each task "
                "its own session (async_sessionmaker()), or await the calls one after another."
            )
        if not self._depth:
            self._task = task
        self._depth += 1

    def __enter__(self) -> None:
        self.enter()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if not self._depth:
            self._task = None
