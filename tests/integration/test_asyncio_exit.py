"""A program whose event loop ends with async connections still open exits all the same.

aiosqlite runs each connection in a thread that is not a daemon, and the interpreter waits
for such threads before it exits; a worker thread of the asyncio bridge waits for the
loop to run its driver call. When an error escapes ``asyncio.run()`` before the engine is
disposed, neither may be left waiting: the program must end. Each case has a control in
which the protection is switched off, and the program then does not end.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from corral import exc
from corral.engine.async_bridge import LoopBridge

pytest.importorskip("aiosqlite")

PROGRAM = """
import asyncio
from corral import text
from corral.ext.asyncio import create_async_engine
import corral.dialects.sqlite.asyncio as aiosqlite_dialect

async def main():
    engine = create_async_engine("sqlite+aiosqlite:///{path}")
    connection = await engine.connect()
    await connection.execute(text("SELECT 1"))
    if {control}:
        aiosqlite_dialect._open_connections.clear()  # the protection off
    raise RuntimeError("left with the connection open")

asyncio.run(main())
"""


def _run(tmp_path: Path, *, control: bool, seconds: float) -> subprocess.CompletedProcess[str]:
    source = PROGRAM.format(path=tmp_path / "exit.db", control=control)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=seconds,
        check=False,
    )


def test_an_error_out_of_asyncio_run_with_a_connection_open_still_exits(tmp_path: Path) -> None:
    done = _run(tmp_path, control=False, seconds=60)
    assert done.returncode == 1
    assert "left with the connection open" in done.stderr


def test_control_without_the_exit_hook_the_program_never_ends(tmp_path: Path) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        _run(tmp_path, control=True, seconds=5)


def test_a_bridge_call_to_a_loop_that_stopped_raises_instead_of_waiting() -> None:
    """A worker thread's call to a loop that no longer runs gives up with a corral error
    naming the cause (it would otherwise wait forever: the control)."""
    loop = asyncio.new_event_loop()
    try:
        bridge = LoopBridge(loop)
        with pytest.raises(exc.InvalidRequestError, match="has stopped"):
            bridge.call(asyncio.sleep(0, result=1), "A test call")
    finally:
        loop.close()


def test_control_a_plain_wait_on_a_stopped_loop_never_returns() -> None:
    loop = asyncio.new_event_loop()
    future = asyncio.run_coroutine_threadsafe(asyncio.sleep(0, result=1), loop)
    waiter = threading.Thread(target=future.result, daemon=True)
    waiter.start()
    waiter.join(timeout=2)
    assert waiter.is_alive()  # still waiting: nothing will ever run the call
    loop.run_until_complete(asyncio.sleep(0.05))  # let it finish, then clean up
    waiter.join(timeout=5)
    assert not waiter.is_alive()
    loop.close()


def test_a_bridge_call_to_a_closed_loop_raises_at_once() -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    with pytest.raises(exc.InvalidRequestError, match="has stopped"):
        LoopBridge(loop).call(asyncio.sleep(0), "A test call")
