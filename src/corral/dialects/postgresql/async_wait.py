"""psycopg's operations driven on the event loop to their end, whatever cancels the task.

psycopg writes each operation (a statement, a COMMIT, the pipeline of ``pipeline.py``) as a
generator that yields what it waits for (the socket readable or writable) and is sent what
became ready. ``AsyncConnection.wait`` drives one on the loop; a cancellation of the task
while it waits leaves the operation half done (the connection mid-protocol). ``run_to_end``
drives it instead, on futures of its own (``HeldFuture``): the first cancellation is held
while the operation goes on, and raised once it ended, so the connection is left between
statements and the caller's clean-up can roll back and give it back. That is what
``finish`` otherwise buys with a task per call (``RunToEnd``); a call whose waits are
``HeldFuture`` runs in the calling task. A second cancellation interrupts the operation
(``asyncio.run`` sends one to every task it ends); an exchange left unread then closes its
connection (``pipeline._abandon``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from functools import cache
from typing import Any, TypeVar

from corral.engine.async_execute import HeldFuture

T = TypeVar("T")


@cache
def _flags() -> tuple[int, int, int, int]:
    """psycopg's wait and ready flags: (WAIT_R, WAIT_W, READY_R, READY_W)."""
    from psycopg import waiting

    return int(waiting.WAIT_R), int(waiting.WAIT_W), int(waiting.READY_R), int(waiting.READY_W)


async def run_to_end(operation: Generator[Any, Any, T], fileno: int) -> T:
    """Drive ``operation`` (a psycopg generator on the socket ``fileno``) to its end."""
    try:
        state = next(operation)
    except StopIteration as done:
        value: T = done.value
        return value
    wait_r, wait_w, ready_r, ready_w = _flags()
    loop = asyncio.get_running_loop()
    held: BaseException | None = None
    ready = 0

    def wake(future: HeldFuture, flag: int) -> None:
        nonlocal ready
        ready |= flag
        if not future.done():
            future.set_result(None)

    try:
        while True:
            ready = 0
            future = HeldFuture(loop=loop)
            reading, writing = state & wait_r, state & wait_w
            if reading:
                loop.add_reader(fileno, wake, future, ready_r)
            if writing:
                loop.add_writer(fileno, wake, future, ready_w)
            try:
                await future
            except asyncio.CancelledError as error:
                if held is not None:
                    raise
                held = error  # the operation goes on; raised when it has ended
            finally:
                if reading:
                    loop.remove_reader(fileno)
                if writing:
                    loop.remove_writer(fileno)
            if not ready:
                continue  # woken by the cancellation alone: wait again
            try:
                state = operation.send(ready)
            except StopIteration as done:
                if held is not None:
                    raise held from None
                value = done.value
                return value
    except BaseException:
        operation.close()  # a pipeline left unread gives its connection up (pipeline.py)
        raise
