"""Compiles ``values()``: ``VALUES`` rows as a FROM, or rows of SELECT ... UNION ALL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral import exc

if TYPE_CHECKING:
    from corral.sql.compiler.statement import StatementCompiler
    from corral.sql.values import Values


def compile_values(compiler: StatementCompiler, values: Values, kw: dict[str, Any]) -> str:
    top = kw.get("top", False)
    if not kw.get("asfrom") and not top:
        return compiler._from_name(values)
    if not values.rows:
        raise exc.ArgumentError(
            f"values() {values.name or '(anonymous)'} has no rows; add them with .data([...])"
        )
    literal = values.literal_binds or kw.get("literal_binds", False)
    names = [compiler.quote(c.name) for c in values.columns if hasattr(c, "name")]
    derived = compiler.features.values_derived_columns
    rows = []
    for index, row in enumerate(values.rows):
        parts = [compiler.process(b, literal_binds=literal) for b in row]
        if derived:
            rows.append(f"({', '.join(parts)})")
        elif index == 0:  # the first SELECT names the columns
            rows.append(
                "SELECT " + ", ".join(f"{p} AS {n}" for p, n in zip(parts, names, strict=True))
            )
        else:
            rows.append("SELECT " + ", ".join(parts))
    body = "VALUES " + ", ".join(rows) if derived else " UNION ALL ".join(rows)
    if top:
        compiler.result_columns.extend((c.key or "", c.type) for c in values.columns)
        compiler.result_elements.extend(values.columns)
        return body
    columns = f" ({', '.join(names)})" if derived else ""
    return f"({body}){compiler.alias_keyword}{compiler._from_name(values)}{columns}"
