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


def _tracked(obj: object, generation: int) -> bool:
    return any(each is obj for each in gc.get_objects(generation=generation))


def test_objects_built_during_the_pause_are_not_left_young() -> None:
    """After the pause, what was built is in the oldest generation (not scanned again as
    young); the control, built without the pause, starts young."""
    pause = CollectorPause()
    with pause:
        built = [[index] for index in range(1000)]
    assert _tracked(built[500], 2) and not _tracked(built[500], 0)
    gc.disable()
    try:
        control = [[index] for index in range(10)]
        assert _tracked(control[5], 0)
    finally:
        gc.enable()


def test_a_programs_frozen_objects_stay_frozen() -> None:
    """Objects the program froze (gc.freeze() before forking) are not released by a pause."""
    frozen = [object()]
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with CollectorPause():
            built = [[1] for _ in range(100)]
        assert gc.get_freeze_count() == before and built
    finally:
        gc.unfreeze()
    assert frozen
