"""``python -m corral.cli``: the same as ``python -m corral``."""

from corral.cli import main

raise SystemExit(main())
