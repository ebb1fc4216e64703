"""Settings for the whole test suite, applied before corral is imported."""

from __future__ import annotations

import os

# Every Session the tests make refuses N+1 loading unless a test says otherwise
# (Session(n_plus_one=None)): corral's own code and fixtures must not lazy-load in loops.
os.environ.setdefault("CORRAL_N_PLUS_ONE", "raise")
