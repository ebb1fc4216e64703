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
from types import FrameType

#: Frames from files under this directory are corral's own and are skipped.
CORRAL_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
#: How many frames outside corral a checkout site keeps, innermost first.
FRAMES_KEPT = 3
#: The walk gives up after this many frames, so deep recursion costs no more.
FRAMES_SCANNED = 40

Frame = tuple[str, int, str]
"""One stack frame: file name, line number, function name."""


class CheckoutSite:
    """The innermost frames outside corral and the thread that checked a connection out."""

    __slots__ = ("frames", "thread_name")

    frames: tuple[Frame, ...]
    thread_name: str

    def __init__(self, frames: tuple[Frame, ...], thread_name: str) -> None:
        self.frames = frames
        self.thread_name = thread_name

    def describe(self) -> str:
        """Render as ``file:line in function <- file:line in caller`` (innermost first)."""
        if not self.frames:
            return "(no frame outside corral)"
        return " <- ".join(f"{name}:{line} in {function}" for name, line, function in self.frames)


def capture_site() -> CheckoutSite:
    """Record the caller's innermost frames outside corral; cheap enough for every checkout."""
    frame: FrameType | None = sys._getframe(1)
    kept: list[Frame] = []
    scanned = 0
    while frame is not None and len(kept) < FRAMES_KEPT and scanned < FRAMES_SCANNED:
        code = frame.f_code
        if not code.co_filename.startswith(CORRAL_DIR):
            kept.append((code.co_filename, frame.f_lineno, code.co_name))
        frame = frame.f_back
        scanned += 1
    return CheckoutSite(tuple(kept), threading.current_thread().name)


def describe_holders(
    holders: list[tuple[float, CheckoutSite | None]], *, now: float | None = None, limit: int = 20
) -> str:
    """One line per holder, longest-held first: how long, which thread, where it was checked out.

    ``holders`` pairs each checkout's ``time.monotonic()`` start with its site
    (``None`` when the pool was told not to record sites).
    """
    if now is None:
        now = time.monotonic()
    ordered = sorted(holders, key=lambda holder: holder[0])
    lines = []
    for started, site in ordered[:limit]:
        held = f"held {now - started:.2f} s"
        if site is None:
            lines.append(f"  - {held}; checkout site not recorded (track_checkouts=False)")
        else:
            lines.append(
                f"  - {held} by thread {site.thread_name!r}, checked out at {site.describe()}"
            )
    if len(ordered) > limit:
        lines.append(f"  - ... and {len(ordered) - limit} more")
    return "\n".join(lines)
