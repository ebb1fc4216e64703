"""Where a connection was checked out: a few stack frames outside corral, the thread, the time.

Captured on every checkout (the hot path), so the capture walks frame objects
directly and keeps three ``(file, line, function)`` tuples; it never reads
source lines or builds ``traceback`` objects. Formatting happens only when a
checkout times out and the message has to say who holds the connections.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from types import CodeType, FrameType

#: Frames from files under this directory are corral's own and are skipped.
CORRAL_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
#: How many frames outside corral a checkout site keeps, innermost first (``_outside``
#: reads three without a loop).
FRAMES_KEPT = 3
#: The walk gives up after this many frames, so deep recursion costs no more.
FRAMES_SCANNED = 40

Frame = tuple[CodeType, int]
"""One stack frame as captured: its code object and the offset of its current instruction.

The line number is worked out only when a message needs it; reading
``f_lineno`` at every checkout would cost as much as the rest of the walk.
"""


class CheckoutSite:
    """The innermost frames outside corral and the thread that checked a connection out.

    ``entry`` is the corral function the caller called (``Session.execute``,
    ``Engine.connect``...), when the checkout happened inside one.
    """

    __slots__ = ("entry", "frames", "thread_id")

    frames: tuple[Frame, ...]
    thread_id: int
    entry: CodeType | None

    def __init__(
        self, frames: tuple[Frame, ...], thread_id: int, entry: CodeType | None = None
    ) -> None:
        self.frames = frames
        self.thread_id = thread_id
        self.entry = entry

    def entry_name(self) -> str | None:
        """The qualified name of ``entry`` (``Session.get``), or None."""
        return None if self.entry is None else self.entry.co_qualname

    def entered_through(self, package: str) -> bool:
        """Whether ``entry`` lies in corral's sub-package ``package`` (``"orm"``, ``"ext"``)."""
        return self.entry is not None and self.entry.co_filename.startswith(
            f"{CORRAL_DIR}{package}{os.sep}"
        )

    def describe(self) -> str:
        """Render as ``file:line in function <- file:line in caller`` (innermost first)."""
        if not self.frames:
            return "(no frame outside corral)"
        return " <- ".join(
            f"{code.co_filename}:{line_of(code, offset)} in {code.co_name}"
            for code, offset in self.frames
        )


def line_of(code: CodeType, offset: int) -> int | None:
    """The source line of the instruction at byte ``offset`` in ``code``."""
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line
    return code.co_firstlineno


#: Where the last walk found the outermost corral frame: how deep (in frames above
#: ``capture_site``) and its code. The next capture looks there first (``capture_site``).
_last_entry: tuple[int, CodeType | None] = (0, None)


def capture_site() -> CheckoutSite:
    """Record the caller's innermost frames outside corral; cheap enough for every checkout.

    Each frame looked at costs a frame object, and a checkout is usually ten corral
    frames deep. Checkouts mostly come the same way as the last one (Session.get,
    Session.execute, engine.connect), so the frame where the last walk left corral is
    tried first: if it runs the same corral function and its caller is outside corral,
    the capture starts at that caller, looking at two frames instead of every corral
    frame in between. Else (another way in) the full walk runs and remembers where it
    left corral.
    """
    depth, expected = _last_entry
    if expected is not None:
        try:
            entry = sys._getframe(depth)
        except ValueError:  # a shallower stack than last time
            pass
        else:
            caller = entry.f_back
            if (
                entry.f_code is expected
                and caller is not None
                and not caller.f_code.co_filename.startswith(CORRAL_DIR)
            ):
                return CheckoutSite(_outside(caller), threading.get_ident(), expected)
    return _walk()


def _walk() -> CheckoutSite:
    """``capture_site`` the long way: every frame from its caller's caller outwards."""
    global _last_entry
    frame: FrameType | None = sys._getframe(2)
    kept: list[Frame] = []
    entry: CodeType | None = None
    depth = 0
    for index in range(1, FRAMES_SCANNED + 1):
        if frame is None:
            break
        code = frame.f_code
        if not code.co_filename.startswith(CORRAL_DIR):
            kept.append((code, frame.f_lasti))
            if len(kept) == FRAMES_KEPT:
                break
        elif not kept:
            entry = code  # the outermost corral frame so far below the caller's code
            depth = index
        frame = frame.f_back
    _last_entry = (depth, entry)
    return CheckoutSite(tuple(kept), threading.get_ident(), entry)


def _outside(frame: FrameType) -> tuple[Frame, ...]:
    """Up to ``FRAMES_KEPT`` frames outside corral from ``frame`` (outside corral) outwards.

    The usual stack (callers outside corral all the way out) is read without a loop;
    a corral frame among the outer two (a callback corral made) takes the loop.
    """
    first = (frame.f_code, frame.f_lasti)
    second_frame = frame.f_back
    if second_frame is None:
        return (first,)
    code = second_frame.f_code
    third_frame = second_frame.f_back
    if third_frame is None or code.co_filename.startswith(CORRAL_DIR):
        return (first, *_outside_loop(second_frame, FRAMES_KEPT - 1))
    third = third_frame.f_code
    if third.co_filename.startswith(CORRAL_DIR):
        return (first, (code, second_frame.f_lasti), *_outside_loop(third_frame, 1))
    return first, (code, second_frame.f_lasti), (third, third_frame.f_lasti)


def _outside_loop(frame: FrameType | None, wanted: int) -> list[Frame]:
    """Up to ``wanted`` frames outside corral from ``frame`` outwards, corral's skipped."""
    kept: list[Frame] = []
    for _ in range(FRAMES_SCANNED):
        if frame is None:
            break
        code = frame.f_code
        if not code.co_filename.startswith(CORRAL_DIR):
            kept.append((code, frame.f_lasti))
            if len(kept) == wanted:
                break
        frame = frame.f_back
    return kept


def describe_holders(
    holders: list[tuple[float, CheckoutSite | None]], *, now: float | None = None, limit: int = 20
) -> str:
    """One line per holder, longest-held first: how long, which thread, where it was checked out.

    ``holders`` pairs each checkout's ``time.monotonic()`` start with its site
    (``None`` when the pool was told not to record sites).
    """
    if now is None:
        now = time.monotonic()
    thread_names = {thread.ident: thread.name for thread in threading.enumerate()}
    ordered = sorted(holders, key=lambda holder: holder[0])
    lines = []
    for started, site in ordered[:limit]:
        held = f"held {now - started:.2f} s"
        if site is None:
            lines.append(f"  - {held}; checkout site not recorded (track_checkouts=False)")
            continue
        thread = thread_names.get(site.thread_id)
        by = f"thread {thread!r}" if thread else f"thread {site.thread_id} (since ended)"
        lines.append(f"  - {held} by {by}, checked out at {site.describe()}")
    if len(ordered) > limit:
        lines.append(f"  - ... and {len(ordered) - limit} more")
    return "\n".join(lines)
