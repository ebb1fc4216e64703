"""The ``corral.engine`` logger and what ``echo=True`` turns on."""

from __future__ import annotations

import logging
import sys
from typing import Any

from corral.exc import PARAMETERS_HIDDEN, describe_params

logger = logging.getLogger("corral.engine")


class _EchoHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``echo=True`` installs when nobody configured the logger.

    It writes to whatever ``sys.stdout`` is at the time of each line, so that
    redirecting stdout (``contextlib.redirect_stdout``, a test's capture) after
    the first echoing engine neither loses lines nor writes to a closed stream.
    """

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> Any:
        return sys.stdout


def enable_echo(debug: bool = False) -> None:
    """Make ``corral.engine`` log statements at INFO (and rows at DEBUG with ``debug``) to
    stdout unless it is configured already."""
    level = logging.DEBUG if debug else logging.INFO
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
    if not logger.handlers:
        handler = _EchoHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)


def log_statement(statement: str, params: Any, hide: bool = False) -> None:
    """Log one statement and its parameters (long parameter lists elided; none if ``hide``)."""
    logger.info("%s", statement)
    if hide:
        logger.info("%s", PARAMETERS_HIDDEN)
    elif params is not None and params not in ((), {}):
        logger.info("[parameters: %s]", describe_params(params))
    else:
        logger.info("[no parameters]")
