"""``finish()``: a driver call awaited through it runs to its end when its caller is
cancelled; the caller gets the ``CancelledError`` after (no server needed)."""

from __future__ import annotations

import asyncio

import pytest

from corral.engine.async_execute import finish


async def _call(steps: list[str], gate: asyncio.Event) -> str:
    steps.append("sent")
    await gate.wait()
    steps.append("done")
    return "result"


def test_cancelled_caller_lets_the_call_finish_first() -> None:
    """Cancelled while awaiting, the call still ends; the caller is cancelled only after."""

    async def main() -> list[str]:
        steps: list[str] = []
        gate = asyncio.Event()
        caller = asyncio.create_task(finish(_call(steps, gate)))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        caller.cancel()
        await asyncio.sleep(0)
        assert not caller.done()  # still waiting for the call
        gate.set()
        with pytest.raises(asyncio.CancelledError):
            await caller
        return steps

    assert asyncio.run(main()) == ["sent", "done"]


def test_without_finish_the_call_is_interrupted() -> None:
    """The control: the same call awaited directly is cut off by the cancellation."""

    async def main() -> list[str]:
        steps: list[str] = []
        gate = asyncio.Event()
        caller = asyncio.create_task(_call(steps, gate))
        await asyncio.sleep(0)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        return steps

    assert asyncio.run(main()) == ["sent"]


def test_a_second_cancel_interrupts_the_call() -> None:
    """The first cancel waits for the call; a second one (asyncio.run's clean-up) ends it."""

    async def main() -> list[str]:
        steps: list[str] = []
        gate = asyncio.Event()
        caller = asyncio.create_task(finish(_call(steps, gate)))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        caller.cancel()
        await asyncio.sleep(0)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        return steps

    assert asyncio.run(main()) == ["sent"]


def test_result_and_error_pass_through() -> None:
    """Not cancelled, the call's result (or error) is the caller's."""

    async def fails() -> None:
        raise ValueError("driver error")

    async def main() -> str:
        gate = asyncio.Event()
        gate.set()
        with pytest.raises(ValueError, match="driver error"):
            await finish(fails())
        return await finish(_call([], gate))

    assert asyncio.run(main()) == "result"
