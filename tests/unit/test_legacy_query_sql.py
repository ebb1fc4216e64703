"""The SQL a legacy Query builds, without a database: it is the select() it wraps."""

from __future__ import annotations

import pytest

from corral import DeclarativeBase, ForeignKey, Mapped, String, exc, mapped_column, select
from corral.orm import Query
from corral.orm.query import Query as QueryByPath


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


class Pet(Base):
    __tablename__ = "pets"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))


def sql(element: object) -> str:
    return " ".join(str(element).split())


def test_module_path_of_sqlalchemy_gives_the_same_class() -> None:
    """corral.orm.query.Query is corral.orm.Query (SQLAlchemy's module path)."""
    assert QueryByPath is Query


def test_query_renders_the_select_it_wraps() -> None:
    """A Query's statement is the equivalent select()."""
    query: Query[Owner] = Query(Owner).filter(Owner.name == "x").order_by(Owner.id).limit(2)
    expected = select(Owner).where(Owner.name == "x").order_by(Owner.id).limit(2)
    assert sql(query.statement) == sql(expected)


def test_join_and_filter_by_target_the_joined_class() -> None:
    """After join(Pet), filter_by() names Pet's attributes."""
    query: Query[Owner] = Query(Owner).join(Pet).filter_by(id=5)
    assert sql(query) == (
        "SELECT owners.id AS owners_id, owners.name AS owners_name "
        "FROM owners JOIN pets ON owners.id = pets.owner_id WHERE pets.id = :id_1"
    )


def test_exists_selects_one_from_the_same_froms() -> None:
    """exists() is EXISTS (SELECT 1 FROM ... WHERE ...)."""
    assert sql(Query(Owner).filter(Owner.id == 1).exists()) == (
        "EXISTS (SELECT 1 FROM owners WHERE owners.id = :id_1)"
    )


def test_union_selects_from_the_compound_and_moves_criteria_onto_it() -> None:
    """union() reads from (q1 UNION q2) AS anon_1; later criteria name its columns."""
    union: Query[Owner] = (
        Query(Owner).filter(Owner.id == 1).union(Query(Owner).filter(Owner.id == 2))
    )
    text = sql(union.filter(Owner.name == "x"))
    assert text.startswith(
        "SELECT anon_1.id AS anon_1_id, anon_1.name AS anon_1_name FROM (SELECT owners.id"
    )
    assert text.endswith("WHERE anon_1.name = :name_1")


def test_slice_combines_with_an_existing_offset_and_limit() -> None:
    """slice() on a query with OFFSET/LIMIT narrows within them."""
    query: Query[Owner] = Query(Owner).offset(10).limit(5).slice(1, 10)
    statement = query.statement
    assert (statement._offset.value, statement._limit.value) == (11, 4)


def test_from_statement_refuses_further_criteria() -> None:
    """filter() on a from_statement() Query raises, saying where criteria go."""
    query: Query[Owner] = Query(Owner).from_statement(select(Owner))
    with pytest.raises(exc.InvalidRequestError, match="from_statement"):
        query.filter(Owner.id == 1)


def test_from_statement_query_is_not_used_inside_another_statement() -> None:
    """subquery() of a from_statement() Query raises, naming the statement to use."""
    query: Query[Owner] = Query(Owner).from_statement(select(Owner))
    with pytest.raises(exc.InvalidRequestError, match="from_statement"):
        query.subquery()


def test_union_criteria_keep_columns_of_other_tables() -> None:
    """Criteria after union() keep columns of tables outside the union as they are."""
    union: Query[Owner] = Query(Owner).union(Query(Owner).filter(Owner.id == 2))
    text = sql(union.filter(Owner.id == Pet.owner_id))
    assert text.endswith("WHERE anon_1.id = pets.owner_id")


def test_str_labels_each_table_column_with_its_table_name() -> None:
    """str(query) labels table columns <table>_<column> (SQLAlchemy's legacy Query
    labels); a column given a label, a function and a literal keep select()'s form."""
    from corral import func, literal_column
    from corral.orm import aliased

    other = aliased(Owner, name="o2")
    query: Query[object] = Query(
        [Owner.id, Owner.name.label("nm"), func.count(Pet.id), other.name, literal_column("1")]
    )
    assert sql(query) == (
        "SELECT owners.id AS owners_id, owners.name AS nm, count(pets.id) AS count_1, "
        "o2.name AS o2_name, 1 FROM owners, pets, owners AS o2"
    )


def test_statement_and_select_keep_their_own_labels() -> None:
    """query.statement prints as select() does; the labels are str(query)'s alone."""
    query: Query[Owner] = Query(Owner)
    assert sql(query.statement) == "SELECT owners.id, owners.name FROM owners"
    assert sql(select(Owner)) == "SELECT owners.id, owners.name FROM owners"
    assert sql(query) == "SELECT owners.id AS owners_id, owners.name AS owners_name FROM owners"


def test_a_repeated_table_label_is_numbered() -> None:
    """The same column twice: the second label gets a number, as SQLAlchemy's does."""
    query: Query[object] = Query([Owner.id, Owner.id])
    assert sql(query) == "SELECT owners.id AS owners_id, owners.id AS owners_id__1 FROM owners"


def test_assert_compile_of_a_query_uses_its_printed_labels() -> None:
    """corral.testing's assert_compile() compiles a Query as str(query) prints it."""
    from corral.testing import AssertsCompiledSQL

    AssertsCompiledSQL().assert_compile(
        Query(Pet).filter(Pet.id == 3),
        "SELECT pets.id AS pets_id, pets.owner_id AS pets_owner_id FROM pets WHERE pets.id = :id_1",
    )


def test_str_of_a_query_writes_its_sessions_dialect() -> None:
    """str(session.query(...)) is written for the engine the session would run it on (as
    SQLAlchemy prints a Query); an unbound session's query prints in the default form."""
    from corral import create_engine
    from corral.orm import Session

    query: Query[Owner] = Query([Owner]).filter(Owner.name.ilike("a%")).limit(2)
    with Session(create_engine("sqlite://")) as session:
        assert sql(query.with_session(session)) == (
            "SELECT owners.id AS owners_id, owners.name AS owners_name FROM owners "
            "WHERE lower(owners.name) LIKE lower(?) LIMIT ? OFFSET ?"
        )
    pg = create_engine("postgresql+psycopg2://root@127.0.0.1/test")
    with Session(binds={Owner: pg}) as session:
        assert sql(query.with_session(session)) == (
            "SELECT owners.id AS owners_id, owners.name AS owners_name FROM owners "
            "WHERE owners.name ILIKE %(name_1)s LIMIT %(param_1)s"
        )
    with Session() as session:
        assert sql(query.with_session(session)) == (
            "SELECT owners.id AS owners_id, owners.name AS owners_name FROM owners "
            "WHERE lower(owners.name) LIKE lower(:name_1) LIMIT :param_1"
        )
    pg.dispose()
