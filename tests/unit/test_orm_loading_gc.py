"""The shared pause of the cyclic garbage collector used while loading many rows."""

from __future__ import annotations

import gc
import threading

from corral.util.gc_pause import CollectorPause


def test_pause_and_restore() -> None:
    """Inside the pause the collector is off; afterwards it is on again."""
    pause = CollectorPause()
    with pause:
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_pauses_restore_once() -> None:
    """The collector comes back only when the outermost pause ends."""
    pause = CollectorPause()
    with pause:
        with pause:
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_after_an_error() -> None:
    """An exception inside the pause still turns the collector back on."""
    pause = CollectorPause()
    try:
        with pause:
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    """If the program had disabled the collector, the pause does not enable it."""
    pause = CollectorPause()
    gc.disable()
    try:
        with pause:
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_from_two_threads() -> None:
    """A pause ending in one thread does not re-enable the collector under another's."""
    pause = CollectorPause()
    first_inside, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with pause:
            first_inside.set()
            second_done.wait(5)
            seen.append(gc.isenabled())

    def second() -> None:
        first_inside.wait(5)
        with pause:
            pass
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [False]
    assert gc.isenabled()
