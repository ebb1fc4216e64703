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


def _cancel_during_call(*, through_finish: bool, cancels: int) -> tuple[list[str], bool]:
    """Cancel the task awaiting a call ``cancels`` times while the call waits, then let
    the call end: the steps the call got through, and whether the task had ended before
    the call could end."""

    async def main() -> tuple[list[str], bool]:
        steps: list[str] = []
        gate = asyncio.Event()
        call = _call(steps, gate)
        caller = asyncio.create_task(finish(call) if through_finish else call)
        for _ in range(2):  # into the call
            await asyncio.sleep(0)
        for _ in range(cancels):
            caller.cancel()
            await asyncio.sleep(0)
        for _ in range(3):  # time for a cancellation to reach the caller
            await asyncio.sleep(0)
        ended_early = caller.done()
        gate.set()
        with pytest.raises(asyncio.CancelledError):
            await caller
        return steps, ended_early

    return asyncio.run(main())


def test_cancelled_caller_lets_the_call_finish_first() -> None:
    """Cancelled while awaiting, the call still ends; the caller is cancelled only after."""
    assert _cancel_during_call(through_finish=True, cancels=1) == (["sent", "done"], False)


def test_without_finish_the_call_is_interrupted() -> None:
    """The control: the same call awaited directly is cut off by the cancellation."""
    assert _cancel_during_call(through_finish=False, cancels=1) == (["sent"], True)


def test_a_second_cancel_interrupts_the_call() -> None:
    """The first cancel waits for the call; a second one (asyncio.run's clean-up) ends it."""
    assert _cancel_during_call(through_finish=True, cancels=2) == (["sent"], True)


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


def test_a_call_that_never_waits_runs_in_the_callers_task() -> None:
    """A call ending without waiting (nothing to roll back when giving a connection back)
    is run by the caller itself, with no task made for it; a call that waits goes on in a
    task of its own after its first step."""

    async def tasks_seen(wait: bool) -> list[asyncio.Task[object] | None]:
        seen = [asyncio.current_task()]
        if wait:
            await asyncio.sleep(0)
            seen.append(asyncio.current_task())
        return seen

    async def main() -> None:
        caller = asyncio.current_task()
        assert await finish(tasks_seen(False)) == [caller]
        first, after_wait = await finish(tasks_seen(True))
        assert first is caller and after_wait is not caller

    asyncio.run(main())
