"""The syntax tree of C code: statements, expressions and herd's builtins.

Both kinds of herd7 kernel C file hold code: a litmus test (its threads)
and a `.def` macro file (the macro bodies).  Their grammars are their own
top rules with c_code.lark appended (`grammar`), and the transformer
(c_parser.py) extends `CodeToAst`, which builds ast.py nodes for the code
rules while the LALR parser reduces.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lark import Token, Transformer

from memcheck.errors import MemcheckError
from memcheck.litmus.ast import (
    BINARY_PRECEDENCE,
    NOPOS,
    AddrOf,
    AddUnless,
    Assign,
    AtomicOp,
    AtomicReturn,
    BinOp,
    Block,
    Break,
    Call,
    Cast,
    CmpXchg,
    Cond,
    Continue,
    Decl,
    DoWhile,
    Deref,
    ExprStmt,
    Fence,
    For,
    If,
    IntLit,
    IsLocked,
    Load,
    Lock,
    Name,
    Pos,
    Srcu,
    SrcuValue,
    Store,
    StmtExpr,
    TryLock,
    UnOp,
    Unlock,
    While,
    Xchg,
)

_HERE = Path(__file__).parent


def grammar(*tops: str) -> str:
    """The text of the grammar files `tops` with the C code rules appended."""
    return "\n".join((_HERE / name).read_text(encoding="utf-8") for name in tops + ("c_code.lark",))


def pos_of(x) -> Pos:
    """Position of a token or of an already built node (or list of nodes)."""
    if isinstance(x, Token):
        return Pos(x.line, x.column)
    if isinstance(x, list):
        return pos_of(x[0]) if x else NOPOS
    return getattr(x, "pos", NOPOS)


def type_text(words: list[str], stars: int) -> str:
    """A type as written, in normalized spacing: 'int', 'int *', 'int **'."""
    base = " ".join(words)
    return f"{base} {'*' * stars}" if stars else base


def is_tok(x, kind: str) -> bool:
    return isinstance(x, Token) and x.type == kind


def flatten(stmts) -> tuple:
    """Statements in order; a declaration of several names is a list."""
    out: list = []
    for s in stmts:
        if isinstance(s, list):
            out.extend(s)
        else:
            out.append(s)
    return tuple(out)


def int_value(tok: str) -> int:
    """Value of a decimal or hexadecimal literal."""
    s = str(tok)
    return int(s, 16) if s[:2] in ("0x", "0X") else int(s, 10)


def _as_body(stmt) -> tuple:
    """The statements of an if/while branch: a braced block gives its
    contents, a single statement a 1-tuple, `;` nothing."""
    if isinstance(stmt, Block):
        return stmt.body
    if isinstance(stmt, list):
        return tuple(stmt)
    return (stmt,)


@dataclass(frozen=True)
class _Declarator:
    stars: int
    name: str
    init: object
    pos: Pos


class CodeToAst(Transformer):
    """Builds ast.py nodes for the rules of c_code.lark; every node's
    position is that of its first token.  Stateless."""

    # ---- statements
    def block(self, c):
        return Block(flatten(c[1:]), pos_of(c[0]))

    def if_stmt(self, c):
        other = _as_body(c[3]) if len(c) > 3 else ()
        braced = (isinstance(c[2], Block), len(c) > 3 and isinstance(c[3], Block))
        return If(c[1], _as_body(c[2]), other, pos_of(c[0]), braced)

    def while_stmt(self, c):
        return While(c[1], _as_body(c[2]), pos_of(c[0]), isinstance(c[2], Block))

    def do_while_stmt(self, c):
        do, body, _while, cond = c
        return DoWhile(_as_body(body), cond, pos_of(do), isinstance(body, Block))

    def for_stmt(self, c):
        kw, init, cond, step, body = c
        return For(init, cond, step, _as_body(body), pos_of(kw), isinstance(body, Block))

    def for_decl(self, c):
        return self.decl_stmt(c)

    def for_init(self, c):
        return flatten(c)

    def for_cond(self, c):
        return c[0] if c else None

    def for_step(self, c):
        return flatten(c)

    def break_stmt(self, c):
        return Break(pos_of(c[0]))

    def continue_stmt(self, c):
        return Continue(pos_of(c[0]))

    def op_assign_stmt(self, c):
        target, op, value = c
        return Assign(target, BinOp(str(op)[:-1], target, value, pos_of(target)), pos_of(target))

    def post_incdec_stmt(self, c):
        target, op = c
        return Assign(target, BinOp(str(op)[0], target, IntLit(1, pos_of(op)), pos_of(target)), pos_of(target))

    def pre_incdec_stmt(self, c):
        op, target = c
        return Assign(target, BinOp(str(op)[0], target, IntLit(1, pos_of(op)), pos_of(op)), pos_of(op))

    def decl_stmt(self, c):
        words, *declarators = c
        first = pos_of(words[0][0])
        return [Decl(type_text([str(w) for g in words for w in g], d.stars),
                     d.name, d.init, first if i == 0 else d.pos)
                for i, d in enumerate(declarators)]

    def declarator(self, c):
        stars = sum(1 for x in c if is_tok(x, "STAR"))
        rest = [x for x in c if not is_tok(x, "STAR")]
        init = rest[1] if len(rest) > 1 else None
        return _Declarator(stars, str(rest[0]), init, pos_of(c[0]))

    def ctype_words(self, c):
        return c  # a list of ctype_word token lists

    def ctype_word(self, c):
        return c

    def ctype(self, c):
        words, *stars = c
        return (type_text([str(w) for g in words for w in g], len(stars)),
                pos_of(words[0][0]))

    def assign_stmt(self, c):
        return Assign(c[0], c[1], pos_of(c[0]))

    def expr_stmt(self, c):
        return ExprStmt(c[0], pos_of(c[0]))

    def empty_stmt(self, c):
        return []

    # ---- expressions
    def cond(self, c):
        return Cond(c[0], c[1], c[2], pos_of(c[0]))

    def binary(self, c):
        """A flat chain [operand, operator, operand, ...] grouped by C
        precedence, each level left-associative (precedence climbing)."""
        def climb(i: int, floor: int):
            left = c[i]
            i += 1
            while i < len(c) and BINARY_PRECEDENCE[str(c[i])] >= floor:
                op = c[i]
                level = BINARY_PRECEDENCE[str(op)]
                right, i = climb(i + 1, level + 1)
                left = BinOp(str(op), left, right, pos_of(left))
            return left, i
        return climb(0, 0)[0]

    def deref(self, c):
        return Deref(c[1], pos_of(c[0]))

    def addr_of(self, c):
        return AddrOf(c[1], pos_of(c[0]))

    def unop(self, c):
        op, expr = c
        # `-1` written as one word is a negative literal; `-(1)`, `- 1` are not
        if (op == "-" and isinstance(expr, IntLit) and expr.value >= 0
                and expr.pos == Pos(op.line, op.column + 1)):
            return IntLit(-expr.value, pos_of(op))
        return UnOp(str(op), expr, pos_of(op))

    def cast(self, c):
        lpar, (typ, _), expr = c
        return Cast(typ, expr, pos_of(lpar))

    def int_lit(self, c):
        return IntLit(int_value(c[0]), pos_of(c[0]))

    def name(self, c):
        return Name(str(c[0]), pos_of(c[0]))

    def stmt_expr(self, c):
        lpar, _brace, *stmts = c
        body = flatten(stmts)
        if not body or not isinstance(body[-1], ExprStmt):
            raise MemcheckError("a statement expression ends with an expression: ({ ...; value; })",
                                line=lpar.line, col=lpar.column)
        return StmtExpr(body[:-1], body[-1].expr, pos_of(lpar))

    def call(self, c):
        fn, *args = c
        return Call(str(fn), tuple(args), pos_of(fn))

    # ---- herd's builtins
    def tags(self, c):
        return tuple(c)

    def tag(self, c):
        return "".join(str(t) for t in c)

    def atomic_operator(self, c):
        return "".join(str(t) for t in c)

    def b_load(self, c):
        kw, tags, loc = c
        return Load(tags, loc, pos_of(kw))

    def b_xchg(self, c):
        kw, tags, loc, value = c
        return Xchg(tags, loc, value, pos_of(kw))

    def b_cmpxchg(self, c):
        kw, tags, loc, old, new = c
        return CmpXchg(tags, loc, old, new, pos_of(kw))

    def b_op_return(self, c):
        kw, tags, loc, op, value = c
        return AtomicReturn(tags, loc, op, value, False, pos_of(kw))

    def b_fetch_op(self, c):
        kw, tags, loc, op, value = c
        return AtomicReturn(tags, loc, op, value, True, pos_of(kw))

    def b_add_unless(self, c):
        kw, tags, loc, value, limit = c
        return AddUnless(tags, loc, value, limit, pos_of(kw))

    def b_trylock(self, c):
        return TryLock(c[1], pos_of(c[0]))

    def b_islocked(self, c):
        return IsLocked(c[1], pos_of(c[0]))

    def b_srcu_value(self, c):
        kw, tags, loc = c
        return SrcuValue(tags, loc, pos_of(kw))

    def b_store(self, c):
        kw, tags, loc, value = c
        return Store(tags, loc, value, pos_of(kw))

    def b_fence(self, c):
        kw, tags = c
        return Fence(tags, pos_of(kw))

    def b_atomic_op(self, c):
        kw, *rest = c
        tags = rest.pop(0) if isinstance(rest[0], tuple) else ()
        loc, op, value = rest
        return AtomicOp(tags, loc, op, value, pos_of(kw))

    def b_lock(self, c):
        return Lock(c[1], pos_of(c[0]))

    def b_unlock(self, c):
        return Unlock(c[1], pos_of(c[0]))

    def b_srcu(self, c):
        kw, tags, loc, *value = c
        return Srcu(tags, loc, value[0] if value else None, pos_of(kw))
