"""capture_site: the frame it looked at last is tried first, and gives the same site as a walk."""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType

import pytest

from corral.pool import checkout_site
from corral.pool.checkout_site import CORRAL_DIR, CheckoutSite, capture_site


def _corral_chain(depth: int) -> Callable[[], CheckoutSite]:
    """A function whose code claims to live in corral, calling itself ``depth`` times and
    then capture_site (as Session.get ... pool.connect would)."""
    namespace: dict[str, object] = {"capture_site": capture_site}
    source = (
        "def chain(n):\n    if n == 0:\n        return capture_site()\n    return chain(n - 1)\n"
    )
    exec(compile(source, f"{CORRAL_DIR}fake_layer.py", "exec"), namespace)
    chain = namespace["chain"]
    return lambda: chain(depth)  # type: ignore[operator]


def _describe(site: CheckoutSite) -> tuple[str | None, tuple[CodeType, ...]]:
    """The entry and the code of each frame kept (lines differ between call sites)."""
    return site.entry_name(), tuple(code for code, _ in site.frames)


def _user_code(capture: Callable[[], CheckoutSite]) -> CheckoutSite:
    return capture()


def test_the_guess_gives_what_the_full_walk_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a walk, the next capture from the same depth starts at the remembered frame and
    records the same frames and entry as a full walk does."""
    capture = _corral_chain(6)
    monkeypatch.setattr(checkout_site, "_last_entry", (0, None))
    walked = _user_code(capture)
    assert checkout_site._last_entry[0] == 7  # six calls of chain, plus the first
    guessed = _user_code(capture)
    assert _describe(guessed) == _describe(walked)
    assert guessed.entry_name() == "chain"
    assert guessed.frames[1][0] is _user_code.__code__  # [0]: the lambda


def test_a_wrong_guess_falls_back_to_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """A capture coming another way (deeper, shallower, or from outside corral) is walked,
    and the depth it found is remembered for the next one."""
    deep, shallow = _corral_chain(9), _corral_chain(2)
    monkeypatch.setattr(checkout_site, "_last_entry", (0, None))
    expected_deep = _describe(_user_code(deep))
    expected_shallow = _describe(_user_code(shallow))
    for capture, expected, depth in ((deep, expected_deep, 10), (shallow, expected_shallow, 3)):
        assert _describe(_user_code(capture)) == expected
        assert checkout_site._last_entry[0] == depth
    monkeypatch.setattr(checkout_site, "_last_entry", (500, checkout_site._last_entry[1]))
    assert _describe(_user_code(shallow)) == expected_shallow
    direct = capture_site()  # from a test function: no corral frame at all
    assert (
        direct.entry is None
        and direct.frames[0][0] is test_a_wrong_guess_falls_back_to_the_walk.__code__
    )


def test_user_code_between_corral_frames_is_not_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """When another corral function sits at the remembered depth (run_transaction calling
    the user's work, which checks out), the user's frame in between is still the one kept."""
    namespace: dict[str, object] = {}
    source = "def outer(work):\n    return work()\n"  # a corral function calling user code
    exec(compile(source, f"{CORRAL_DIR}fake_runner.py", "exec"), namespace)
    outer = namespace["outer"]
    inner = _corral_chain(2)  # three corral frames: chain(2), chain(1), chain(0)

    def work() -> CheckoutSite:
        return inner()

    monkeypatch.setattr(checkout_site, "_last_entry", (0, None))
    plain = _user_code(_corral_chain(5))  # remembers chain at depth 6
    assert checkout_site._last_entry[0] == 6
    # capture_site <- chain x3 <- lambda <- work <- outer: outer, a corral frame called by
    # user code, is at depth 6 too; a guess by depth alone would keep outer's caller.
    site = outer(work)  # type: ignore[operator]
    assert plain.entry_name() == "chain"
    assert site.entry_name() == "chain"
    assert site.frames[0][0] is not None and site.frames[0][0].co_name == "<lambda>"
    assert site.frames[1][0] is work.__code__
