"""SQLAlchemy compatibility harness: runs SQLAlchemy 2.0's documentation doctests and example
programs on SQLAlchemy and on corral (through an import hook) and compares the results.

Modules: ``extract`` (rst to blocks), ``compare`` (normalising and judging outcomes), ``hook``
(``import sqlalchemy`` resolves to corral), ``plan`` (which pages and examples run together),
``child`` (runs one group in a fresh interpreter), ``causes`` (ties a failure
to the earlier failure it follows from), ``source`` (the sdist, via pip), ``known``
(the known-pass list), ``cli`` (``python -m tests.compat``). Nothing from SQLAlchemy is stored
in the repository: its source is downloaded at run time into ``.cache/``.
"""
