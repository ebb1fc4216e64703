"""Loading many rows pauses the cyclic garbage collector and restores it afterwards."""

from __future__ import annotations

import gc

from corral.orm.loading import PAUSE_COLLECTOR_ABOVE, collector_paused


def test_collector_paused_for_large_loads_and_restored() -> None:
    """Above the threshold the collector is off inside the block and on again after."""
    assert gc.isenabled()
    with collector_paused(PAUSE_COLLECTOR_ABOVE + 1):
        assert not gc.isenabled()
    assert gc.isenabled()


def test_small_loads_leave_the_collector_alone() -> None:
    """Small loads do not touch the collector."""
    with collector_paused(10):
        assert gc.isenabled()


def test_collector_restored_after_an_error() -> None:
    """An exception inside the block still turns the collector back on."""
    try:
        with collector_paused(PAUSE_COLLECTOR_ABOVE + 1):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    """If the program had disabled the collector, loading does not enable it."""
    gc.disable()
    try:
        with collector_paused(PAUSE_COLLECTOR_ABOVE + 1):
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
