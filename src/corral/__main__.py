"""``python -m corral``: the command line (see ``corral.cli``)."""

from corral.cli import main

raise SystemExit(main())
