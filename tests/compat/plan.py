"""Which documentation pages run together in one namespace, and which example programs run.

Groups follow how SQLAlchemy's own doctest runner chains the pages: the Unified Tutorial's
pages build on each other and run as one sequence; the query guide's select and API pages run
after the ``_plain_setup`` page; the columns and DML pages include their own setup. The
relationship-loading page is not run by SQLAlchemy's runner; its text says its examples assume
the ``_plain_setup`` mapping, so here it runs after that page. Every page's blocks are counted
and reported, setup pages included: when setup fails on corral, what follows fails too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocGroup:
    """Pages (relative to ``doc/build``) run in order in one namespace."""

    name: str
    pages: tuple[str, ...]
    #: The SQLAlchemy release series whose documentation holds the pages; the code always
    #: runs on the 2.0 release under test.
    series: str = "2.0"


@dataclass(frozen=True)
class Example:
    """A program under ``examples/``; ``postgresql_url`` is the URL its source hard-codes.

    ``unittest``: the program is a test module (SQLAlchemy runs it under its test runner);
    it is run with ``unittest`` and what is compared is each test's outcome (passed, failed
    with an assertion, or the error's class), not what the tests print along the way.
    """

    path: str
    postgresql_url: str = ""
    unittest: bool = False


TUTORIAL = "tutorial/"
QUERYGUIDE = "orm/queryguide/"

DOC_GROUPS: tuple[DocGroup, ...] = (
    DocGroup("quickstart", ("orm/quickstart.rst",)),
    DocGroup(
        "tutorial",
        tuple(
            TUTORIAL + page + ".rst"
            for page in (
                "index",
                "engine",
                "dbapi_transactions",
                "metadata",
                "data",
                "data_insert",
                "data_select",
                "data_update",
                "orm_data_manipulation",
                "orm_related_objects",
            )
        ),
    ),
    DocGroup(
        "queryguide-select",
        tuple(QUERYGUIDE + page for page in ("_plain_setup.rst", "select.rst", "api.rst")),
    ),
    DocGroup("queryguide-columns", (QUERYGUIDE + "columns.rst",)),
    DocGroup("queryguide-dml", (QUERYGUIDE + "dml.rst",)),
    DocGroup(
        "queryguide-relationships",
        (QUERYGUIDE + "_plain_setup.rst", QUERYGUIDE + "relationships.rst"),
    ),
    # Its setup pages come in through the page's own doctest-include directives. (The
    # mapping page orm/inheritance.rst is left out: its two ``>>>`` blocks use names its
    # text never defines, so they do not run on SQLAlchemy either.)
    DocGroup("queryguide-inheritance", (QUERYGUIDE + "inheritance.rst",)),
    # The mapping extensions (issue 15). The pages on association proxies, dataclasses,
    # collections and mapped attributes are left out: their >>> blocks need setup shown as
    # plain text, so none runs on SQLAlchemy either.
    DocGroup("orm-composites", ("orm/composites.rst",)),
    DocGroup("orm-declarative-mixins", ("orm/declarative_mixins.rst",)),
    DocGroup("orm-large-collections", ("orm/large_collections.rst",)),
    # The pages whose >>> blocks call Session.query() (issue 14). The Legacy Query API page
    # (orm/queryguide/query.rst) has none: it is Query's reference, its examples plain text.
    # In these pages the query blocks use a session and mappings the text never makes, so
    # they do not run on SQLAlchemy either; the rest of each page (mostly Core) is compared.
    DocGroup("faq-sessions", ("faq/sessions.rst",)),
    # The 1.x ORM tutorial: SQLAlchemy's legacy Query documentation in >>> blocks (1.4's
    # orm/tutorial.rst; 2.0 keeps the page only as a pointer to the new tutorial). Its
    # code runs on SQLAlchemy 2.0 and on corral, as a 1.x program would after upgrading.
    DocGroup("orm-tutorial-1x", ("orm/tutorial.rst",), series="1.4"),
    # 1.4's ORM querying guide (select() with ORM entities, the page 2.0 split into the
    # queryguide/ pages above), with its Core tables declared in 1.x style.
    DocGroup("queryguide-1x", ("orm/queryguide.rst",), series="1.4"),
    # asyncio (issue 16): the page's >>> synopses run on aiosqlite memory databases.
    DocGroup("orm-asyncio", ("orm/extensions/asyncio.rst",)),
    DocGroup("migration-09", ("changelog/migration_09.rst",)),
    DocGroup("migration-11", ("changelog/migration_11.rst",)),
    DocGroup("migration-12", ("changelog/migration_12.rst",)),
    DocGroup("migration-13", ("changelog/migration_13.rst",)),
    DocGroup("migration-14", ("changelog/migration_14.rst",)),
)

EXAMPLES: tuple[Example, ...] = (
    Example("association/basic_association.py"),
    Example("inheritance/joined.py"),
    Example("inheritance/single.py"),
    Example("inheritance/concrete.py"),
    Example("association/proxied_association.py"),
    Example("association/dict_of_sets_with_default.py"),
    Example("adjacency_list/adjacency_list.py"),
    Example("graphs/directed_graph.py"),
    Example("nested_sets/nested_sets.py"),
    Example("extending_query/temporal_range.py"),
    Example("extending_query/filter_public.py"),
    Example("custom_attributes/active_column_defaults.py"),
    Example("custom_attributes/listen_for_events.py"),
    Example("generic_associations/discriminator_on_association.py"),
    Example("generic_associations/table_per_association.py"),
    Example("generic_associations/table_per_related.py"),
    Example("generic_associations/generic_fk.py"),
    Example("versioned_rows/versioned_rows.py"),
    Example("versioned_rows/versioned_rows_w_versionid.py"),
    Example("versioned_rows/versioned_map.py"),
    Example("versioned_rows/versioned_update_old_row.py"),
    Example("vertical/dictlike.py"),
    Example("vertical/dictlike-polymorphic.py"),
    Example("versioned_history/test_versioning.py", unittest=True),
    Example(
        "materialized_paths/materialized_paths.py",
        postgresql_url="postgresql+psycopg2://scott:tiger@localhost/test",
    ),
    # Horizontal sharding (issue 18): four sqlite:// memory databases; one memory database
    # read through four engine copies (table names rewritten by an event); one memory
    # database with four attached files under schema_translate_map.
    Example("sharding/separate_databases.py"),
    Example("sharding/separate_tables.py"),
    Example("sharding/separate_schema_translates.py"),
    # asyncio: run on psycopg's async connection (the URL is replaced by a psycopg one).
    # async_orm, async_orm_writeonly and gather_orm_statements print timestamps or rows
    # picked at random, so two runs never print the same; they are compared by hand.
    Example("asyncio/basic.py", postgresql_url="postgresql+asyncpg://scott:tiger@localhost/test"),
    Example(
        "asyncio/greenlet_orm.py",
        postgresql_url="postgresql+asyncpg://scott:tiger@localhost/test",
    ),
    # The same over AsyncSession, with immediateload() of the reports.
    Example("sharding/asyncio.py"),
)
