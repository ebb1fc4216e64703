"""The words standard SQL reserves: a name spelled as one is quoted when printed.

The generic compiler (``str(statement)``, no dialect chosen) quotes these; each dialect
keeps its own list, starting from this one where the database reserves the same words.
"""

from __future__ import annotations

SQL_RESERVED_WORDS = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization between binary both
    case cast check collate column constraint create cross current_date current_role
    current_time current_timestamp current_user default deferrable desc distinct do else
    end except false for foreign freeze from full grant group having ilike in initially
    inner intersect into is isnull join leading left like limit localtime localtimestamp
    natural new not notnull null off offset old on only or order outer overlaps placing
    primary references right select session_user set similar some symmetric table then to
    trailing true union unique user using verbose when where
    """.split()  # noqa: SIM905 - a word list reads best as text
)
