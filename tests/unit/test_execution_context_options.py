"""before_cursor_execute's context.execution_options: the options of the engine in use."""

from __future__ import annotations

from typing import Any

from corral import create_engine, event, text


def test_context_execution_options_carry_the_option_engines_options() -> None:
    """A listener reads an option set with engine.execution_options() from the context, as
    SQLAlchemy's separate_tables sharding example does to rewrite table names."""
    engine = create_engine("sqlite://")
    asia = engine.execution_options(table_prefix="asia")
    seen: list[Any] = []

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def rewrite(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any):  # type: ignore[no-untyped-def]
        seen.append(context.execution_options.get("table_prefix"))
        return statement.replace(
            "_prefix_", context.execution_options.get("table_prefix", "")
        ), params

    with asia.connect() as connection:
        assert connection.execute(text("SELECT '_prefix_'")).scalar() == "asia"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT '_prefix_'")).scalar() == ""
    assert seen == ["asia", None]
    engine.dispose()
