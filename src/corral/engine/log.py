"""The ``corral.engine`` logger and what ``echo=True`` turns on."""

from __future__ import annotations

import logging
import sys
from typing import Any

from corral.exc import describe_params

logger = logging.getLogger("corral.engine")


class _EchoHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``echo=True`` installs when nobody configured the logger."""


def enable_echo() -> None:
    """Make ``corral.engine`` log statements at INFO to stdout unless it is configured already."""
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    if not logger.handlers:
        handler = _EchoHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)


def log_statement(statement: str, params: Any) -> None:
    """Log one statement and its parameters (long parameter lists elided)."""
    logger.info("%s", statement)
    if params is not None and params not in ((), {}):
        logger.info("[parameters: %s]", describe_params(params))
    else:
        logger.info("[no parameters]")
