"""The ``python -m corral`` command line: one subcommand per module, listed in ``COMMANDS``.

A command module defines ``add_arguments(parser)`` and ``run(args) -> int`` (the exit
status). Modules are imported only when their command is parsed or run, so ``--help``
stays fast and a command's heavy imports cost nothing to the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one line of help, and the module that implements it."""

    name: str
    help: str
    module: str


#: Every subcommand, in the order ``--help`` lists them. To add one (the ``demo``,
#: say), write ``corral/cli/<name>.py`` with ``add_arguments`` and ``run`` and add a
#: line here.
COMMANDS: tuple[Command, ...] = (
    Command(
        "demo",
        "sell tickets from many threads and check that no seat is sold twice",
        "corral.cli.demo",
    ),
    Command(
        "bench",
        "time corral against the raw DB-API driver and other ORMs; ratios to the driver",
        "corral.cli.bench",
    ),
    Command(
        "migrations",
        "write an Alembic environment whose env.py compares the database with corral's models",
        "corral.cli.migrations",
    ),
)


def _load(command: Command) -> ModuleType:
    return importlib.import_module(command.module)


def build_parser(commands: Sequence[Command] = COMMANDS) -> argparse.ArgumentParser:
    """The top-level parser with one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="python -m corral",
        description="corral's command line. Run a command with --help for its options.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for command in commands:
        sub = subparsers.add_parser(command.name, help=command.help, description=command.help)
        _load(command).add_arguments(sub)
        sub.set_defaults(command_module=command.module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the chosen command, return its status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    module = importlib.import_module(args.command_module)
    status: int = module.run(args)
    return status
