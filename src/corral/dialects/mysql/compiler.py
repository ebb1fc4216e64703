"""MariaDB's and MySQL's spelling of statements and DDL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from corral import exc
from corral.dialects.mysql.options import (
    CHARSET_OPTIONS,
    COLLATE_OPTIONS,
    TABLE_NAME_OPTIONS,
    TABLE_NUMBER_OPTIONS,
    TABLE_STRING_OPTIONS,
)
from corral.sql.compiler import flags
from corral.sql.compiler.ddl import DDLCompiler
from corral.sql.compiler.statement import StatementCompiler
from corral.sql.compiler.upsert import OnDuplicateKeyCompiler
from corral.sql.ddl import CreateIndex, DropIndex
from corral.sql.from_clause import Join
from corral.sql.json_ops import JSONIndex
from corral.sql.schema import Column, Index, PrimaryKeyConstraint, Table

#: Words MariaDB/MySQL reserve (quoted with backticks when used as names).
RESERVED_WORDS = frozenset(
    """
    accessible add all alter analyze and as asc asensitive before between bigint binary
    blob both by call cascade case change char character check collate column condition
    constraint continue convert create cross current_date current_role current_time
    current_timestamp current_user cursor database databases day_hour day_microsecond
    day_minute day_second dec decimal declare default delayed delete delete_domain_id
    desc describe deterministic distinct distinctrow div do_domain_ids double drop dual
    each else elseif enclosed escaped except exists exit explain false fetch float
    float4 float8 for force foreign from fulltext general grant group having
    high_priority hour_microsecond hour_minute hour_second if ignore ignore_domain_ids
    ignore_server_ids in index infile inner inout insensitive insert int int1 int2 int3
    int4 int8 integer intersect interval into is iterate join key keys kill leading
    leave left like limit linear lines load localtime localtimestamp lock long longblob
    longtext loop low_priority master_heartbeat_period master_ssl_verify_server_cert
    match maxvalue mediumblob mediumint mediumtext middleint minute_microsecond
    minute_second mod modifies natural not no_write_to_binlog null numeric offset on
    optimize option optionally or order out outer outfile over page_checksum
    parse_vcol_expr partition position precision primary procedure purge range read
    reads read_write real recursive ref_system_id references regexp release rename
    repeat replace require resignal restrict return returning revoke right rlike rows
    schema schemas second_microsecond select sensitive separator set show signal slow
    smallint spatial specific sql sql_big_result sql_calc_found_rows sql_small_result
    sqlexception sqlstate sqlwarning ssl starting stats_auto_recalc stats_persistent
    stats_sample_pages straight_join table terminated then tinyblob tinyint tinytext to
    trailing trigger true undo union unique unlock unsigned update usage use using
    utc_date utc_time utc_timestamp values varbinary varchar varcharacter varying when
    where while window with write xor year_month zerofill
    """.split()  # noqa: SIM905 - a word list reads best as text
)


class MySQLStatementCompiler(OnDuplicateKeyCompiler, StatementCompiler):
    """Statements as MariaDB/MySQL write them."""

    reserved_words = RESERVED_WORDS
    shown_as: ClassVar[Mapping[str, object]] = {
        "inner_join_keyword": "INNER JOIN",
        "limit_break": " \n ",
    }

    def join_keyword(self, join: Join) -> str:
        if join.full:
            raise exc.UnsupportedCompilationError(
                "MariaDB/MySQL have no FULL OUTER JOIN; union a LEFT and a RIGHT join instead"
            )
        return super().join_keyword(join)

    def share_keyword(self) -> str:
        return "LOCK IN SHARE MODE"

    def json_index_sql(self, element: JSONIndex, kw: dict[str, Any]) -> str:
        def extract() -> str:  # each use of the path is its own placeholder
            document = self.process(element.element, **flags.plain(kw))
            path = self.process(element.dollar_path, **flags.plain(kw))
            return f"JSON_EXTRACT({document}, {path})"

        if element.read_as == "json":
            return extract()
        # A JSON null extracts as the text 'null': read it as SQL NULL.
        test = extract()
        if element.read_as == "boolean":
            return f"CASE {test} WHEN 'true' THEN true WHEN 'false' THEN false END"
        if element.read_as == "string":
            read = f"JSON_UNQUOTE({extract()})"
        elif element.read_as == "float":
            read = f"{extract()}+0.0000000000000000000000"
        else:
            read = f"CAST({extract()} AS {self.cast_type(element.type)})"
        return f"CASE {test} WHEN 'null' THEN NULL ELSE {read} END"


class MySQLDDLCompiler(MySQLStatementCompiler, DDLCompiler):
    """DDL as MariaDB/MySQL write it, with the ``mysql_`` / ``mariadb_`` options."""

    has_table_sql = (
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = DATABASE() AND table_name = :name"
    )
    option_prefixes = ("mysql", "mariadb")
    comments = "inline"

    def autoincrement_spec(self, column: Column) -> str:
        self.plain_identity_only(column, "numbers a key with AUTO_INCREMENT")
        return (
            f"{self.quote(column.name)} {self.dialect.type_ddl(column.type)} "
            "NOT NULL AUTO_INCREMENT"
        )

    def _one_of(self, table: Table, spellings: tuple[str, ...]) -> str | None:
        """The value of an option that has several spellings (charset, character_set...)."""
        given = {name: self.option(table, name) for name in spellings}
        values = {value for value in given.values() if value is not None}
        if len(values) > 1:
            named = ", ".join(f"mysql_{k}={v!r}" for k, v in given.items() if v is not None)
            raise exc.CompileError(f"Table {table.name!r} got {named}; give one of them")
        return values.pop() if values else None

    def table_options(self, table: Table) -> str:
        options = [f"ENGINE={self.option(table, 'engine') or 'InnoDB'}"]
        charset = self._one_of(table, CHARSET_OPTIONS)
        collate = self._one_of(table, COLLATE_OPTIONS)
        if charset is not None or collate is None:
            # A collation alone names its character set; utf8mb4 is corral's default.
            options.append(f"DEFAULT CHARSET={charset or 'utf8mb4'}")
        if collate is not None:
            options.append(f"COLLATE={collate}")
        for name in TABLE_NAME_OPTIONS[1:] + TABLE_NUMBER_OPTIONS:
            value = self.option(table, name)
            if value is not None:
                options.append(f"{name.upper()}={value}")
        for name in TABLE_STRING_OPTIONS:
            value = self.option(table, name)
            if value is not None:
                keyword = name.upper().replace("_", " ")
                options.append(f"{keyword}={self.render_literal(value)}")
        if table.comment is not None:
            options.append(f"COMMENT={self.render_literal(table.comment)}")
        partition_by = self.option(table, "partition_by")
        partitions = self.option(table, "partitions")
        if partitions is not None and partition_by is None:
            raise exc.CompileError(
                f"Table {table.name!r} got mysql_partitions without mysql_partition_by; "
                "say how to partition (for example mysql_partition_by='HASH(id)')"
            )
        if partition_by is not None:
            options.append(f"PARTITION BY {self._escape_text(partition_by)}")
        if partitions is not None:
            options.append(f"PARTITIONS {partitions}")
        return " " + " ".join(options)

    def primary_key_options(self, constraint: PrimaryKeyConstraint) -> str:
        using = self.option(constraint, "using")
        return f" USING {using}" if using else ""

    def index_column(self, index: Index, column: Column) -> str:
        length = self.option(index, "length")
        if isinstance(length, dict):
            length = length.get(column.key, length.get(column.name))
        name = self.quote(column.name)
        return f"{name}({length})" if length is not None else name

    def visit_create_index(self, create: CreateIndex, **kw: Any) -> str:
        index = create.index
        length = self.option(index, "length")
        if isinstance(length, dict):
            known = {name for c in index.columns for name in (c.name, c.key)}
            unknown = sorted(set(length) - known)
            if unknown:
                raise exc.CompileError(
                    f"mysql_length of Index {index.name!r} names {', '.join(unknown)}, not "
                    f"among its columns ({', '.join(c.name for c in index.columns)})"
                )
        prefix = self.option(index, "prefix")
        if prefix is not None and index.unique:
            raise exc.CompileError(
                f"Index {index.name!r} is unique and mysql_prefix={prefix!r}; a "
                f"{prefix} index cannot be unique, so give one of them"
            )
        kind = "UNIQUE " if index.unique else f"{prefix} " if prefix else ""
        sql = (
            f"CREATE {kind}INDEX {self.quote(index.name)} ON {self.index_table(index)} "
            f"({self.index_columns(index)})"
        )
        using = self.option(index, "using")
        if using is not None:
            sql += f" USING {using}"
        parser = self.option(index, "with_parser")
        if parser is not None:
            sql += f" WITH PARSER {parser}"
        return sql

    def visit_drop_index(self, drop: DropIndex, **kw: object) -> str:
        return f"DROP INDEX {self.quote(drop.index.name)} ON {self.index_table(drop.index)}"

    def drop_foreign_key_keyword(self) -> str:
        return "DROP FOREIGN KEY"
