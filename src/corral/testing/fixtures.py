"""``sqlalchemy.testing.fixtures``' base class for test classes, by the same name.

SQLAlchemy's test suite derives its test classes from ``fixtures.TestBase`` (its pytest
plugin drives them); a test module written against it imports the name. Here it is a plain
base class: the tests run under pytest or unittest as the runner finds them, and corral's own
fixtures come from its pytest plugin (``corral.testing.plugin``).
"""

from __future__ import annotations


class TestBase:
    """Base class of a test class; it adds nothing to the class."""

    __test__ = True


__all__ = ["TestBase"]
