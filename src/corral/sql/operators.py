"""SQL operators as data: their spelling, precedence, and which types they apply to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Operator:
    """One SQL operator. Higher ``precedence`` binds tighter."""

    name: str
    sql: str
    precedence: int
    #: ``comparison`` operators return a boolean; ``arithmetic`` ones keep the operand type.
    kind: str = "comparison"

    def __repr__(self) -> str:
        return f"<Operator {self.name}>"


OR = Operator("or", "OR", 2, "boolean")
AND = Operator("and", "AND", 3, "boolean")
NOT = Operator("not", "NOT", 4, "boolean")

EQ = Operator("eq", "=", 5)
NE = Operator("ne", "!=", 5)
LT = Operator("lt", "<", 5)
LE = Operator("le", "<=", 5)
GT = Operator("gt", ">", 5)
GE = Operator("ge", ">=", 5)
IS = Operator("is", "IS", 5)
IS_NOT = Operator("is_not", "IS NOT", 5)
IS_DISTINCT_FROM = Operator("is_distinct_from", "IS DISTINCT FROM", 5)
IS_NOT_DISTINCT_FROM = Operator("is_not_distinct_from", "IS NOT DISTINCT FROM", 5)
LIKE = Operator("like", "LIKE", 5)
NOT_LIKE = Operator("not_like", "NOT LIKE", 5)
ILIKE = Operator("ilike", "ILIKE", 5)
NOT_ILIKE = Operator("not_ilike", "NOT ILIKE", 5)
IN = Operator("in", "IN", 5)
NOT_IN = Operator("not_in", "NOT IN", 5)
BETWEEN = Operator("between", "BETWEEN", 5)
NOT_BETWEEN = Operator("not_between", "NOT BETWEEN", 5)

CONCAT = Operator("concat", "||", 6, "string")
ADD = Operator("add", "+", 7, "arithmetic")
SUB = Operator("sub", "-", 7, "arithmetic")
MUL = Operator("mul", "*", 8, "arithmetic")
DIV = Operator("div", "/", 8, "arithmetic")
#: ``//``: rounds down; the compiler writes ``FLOOR(a / b)`` unless integers divide so already.
FLOORDIV = Operator("floordiv", "/", 8, "arithmetic")
MOD = Operator("mod", "%", 8, "arithmetic")
NEG = Operator("neg", "-", 9, "arithmetic")

#: Precedence of something that never needs parentheses (a column, a bind, a function call).
ATOM = 100

NEGATIONS: dict[Operator, Operator] = {
    EQ: NE,
    NE: EQ,
    LT: GE,
    GE: LT,
    GT: LE,
    LE: GT,
    IS: IS_NOT,
    IS_NOT: IS,
    IS_DISTINCT_FROM: IS_NOT_DISTINCT_FROM,
    IS_NOT_DISTINCT_FROM: IS_DISTINCT_FROM,
    LIKE: NOT_LIKE,
    NOT_LIKE: LIKE,
    ILIKE: NOT_ILIKE,
    NOT_ILIKE: ILIKE,
    IN: NOT_IN,
    NOT_IN: IN,
    BETWEEN: NOT_BETWEEN,
    NOT_BETWEEN: BETWEEN,
}

#: Operators that only make sense on string-like operands.
STRING_OPERATORS = frozenset({LIKE, NOT_LIKE, ILIKE, NOT_ILIKE, CONCAT})
#: Operators that only make sense on numbers (and, for + and -, dates with intervals).
ARITHMETIC_OPERATORS = frozenset({ADD, SUB, MUL, DIV, FLOORDIV, MOD, NEG})


# SQLAlchemy's names for the operators an expression's ``operator`` is compared with
# (``binary.operator == operators.eq``), as a visitor of a WHERE clause does.
eq = EQ
ne = NE
lt = LT
le = LE
gt = GT
ge = GE
in_op = IN
not_in_op = NOT_IN
like_op = LIKE
not_like_op = NOT_LIKE
ilike_op = ILIKE
not_ilike_op = NOT_ILIKE
is_ = IS
is_not = IS_NOT
is_distinct_from = IS_DISTINCT_FROM
is_not_distinct_from = IS_NOT_DISTINCT_FROM
between_op = BETWEEN
