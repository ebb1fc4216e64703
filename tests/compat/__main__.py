"""``python -m tests.compat``: see ``cli``."""

from tests.compat.cli import main

raise SystemExit(main())
