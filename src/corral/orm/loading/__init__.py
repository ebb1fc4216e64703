"""Loading: rows into objects, query plans, loader strategies (lazy, select-in, joined,
subquery, raise) and their options, N+1 detection. Imports ``orm.mapping`` and
``orm.relationships``."""
