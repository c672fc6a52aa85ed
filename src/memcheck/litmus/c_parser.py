"""The one LALR parser of herd7's kernel C, shared by litmus tests and `.def` files.

Its grammar is c_litmus.lark (a test: `start`), kernel_def.lark (a macro
file: `def_file`) and c_code.lark (the code both hold), built once: the
parse tables are the costly part, and both kinds of file are read by every
process that lowers C.  The embedded transformer builds ast.py and
def_ast.py nodes while the parser reduces.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from lark import Lark, Token

from memcheck.errors import MemcheckError
from memcheck.litmus.ast import (
    AddrValue,
    Condition,
    Init,
    IntLit,
    MemLoc,
    PAnd,
    PAtom,
    PConst,
    PImplies,
    PNot,
    POr,
    Param,
    Pos,
    RegLoc,
    Thread,
)
from memcheck.litmus.c_code import CodeToAst, flatten, grammar, is_tok, pos_of, type_text
from memcheck.litmus.c_code import int_value as _int
from memcheck.litmus.def_ast import ExprMacro, StmtMacro
from memcheck.litmus.syntax_errors import SyntaxErrors

__all__ = ["PARSER", "ERRORS", "Section"]


def _params(tokens: list[Token], name: str) -> tuple[str, ...]:
    """A macro's parameter names, each once."""
    params: list[str] = []
    for t in tokens:
        if str(t) in params:
            raise MemcheckError(f"parameter {t} of macro {name} named twice", line=t.line, col=t.column)
        params.append(str(t))
    return tuple(params)


def _split_type(tokens) -> str:
    """Type text of a run of IDENT and STAR tokens."""
    words = [str(t) for t in tokens if is_tok(t, "IDENT")]
    stars = sum(1 for t in tokens if is_tok(t, "STAR"))
    return type_text(words, stars)


@dataclass(frozen=True)
class _LocDecl:
    """The left side of an initial-state entry, with its type if any."""
    name: str
    thread: Optional[int]
    type: Optional[str]
    pos: Pos


@dataclass(frozen=True)
class Section:
    """`locations [...]` or `filter prop` before the condition."""
    kind: str
    value: object


class _ToAst(CodeToAst):
    """Builds ast.py nodes bottom-up while the LALR parser reduces (it is
    the parser's embedded transformer, so no parse tree is built); every
    node's position is that of its first token.  Stateless.  The code rules
    are CodeToAst's."""

    # ---- a .def file
    def def_file(self, c):
        return tuple(c)

    def expr_macro(self, c):
        name, *params, body = c
        return ExprMacro(str(name), _params(params, str(name)), body, pos_of(name))

    def stmt_macro(self, c):
        name, *rest = c
        brace = next(i for i, x in enumerate(rest) if is_tok(x, "LBRACE"))
        return StmtMacro(str(name), _params(rest[:brace], str(name)), flatten(rest[brace + 1:]), pos_of(name))

    # ---- initial state
    def init(self, c):
        return tuple(c)

    def init_var(self, c):
        return _LocDecl(str(c[-1]), None, None, pos_of(c[0]))

    def init_reg(self, c):
        thread, reg = c
        return _LocDecl(str(reg), _int(thread), None, pos_of(thread))

    def typed_decl(self, c):
        *tokens, loc = c
        return _LocDecl(loc.name, loc.thread, _split_type(tokens), pos_of(c[0]))

    def init_entry(self, c):
        loc = c[0]
        value = c[1] if len(c) > 1 else None
        return Init(loc.name, loc.thread, loc.type, value, loc.pos)

    def int_value(self, c):
        value = _int(c[-1])
        return IntLit(-value if len(c) == 2 else value, pos_of(c[0]))

    def addr_value(self, c):
        return AddrValue(str(c[-1]), pos_of(c[0]))

    # ---- threads
    def thread(self, c):
        proc = next(x for x in c if is_tok(x, "PROC"))
        params = tuple(x for x in c if isinstance(x, Param))
        stmts = [x for x in c if not isinstance(x, (Param, Token))]
        return Thread(int(proc[1:]), params, flatten(stmts), pos_of(c[0]))

    def param(self, c):
        *tokens, name = c
        return Param(_split_type(tokens), str(name), pos_of(c[0]))

    # ---- conditions
    def constraints(self, c):
        return c

    def locations(self, c):
        return Section("locations", tuple(c))

    def filter(self, c):
        return Section("filter", c[0])

    def condition(self, c):
        quant, prop = c[0], c[1]
        word = {"EXISTS": "exists", "FINAL": "exists", "FORALL": "forall",
                "NOT_EXISTS": "~exists"}[quant.type]
        return Condition(word, prop, pos_of(quant))

    def bare_condition(self, c):
        return Condition("exists", c[1], pos_of(c[0]))

    def pimplies(self, c):
        return PImplies(c[0], c[1], pos_of(c[0]))

    def por(self, c):
        return POr(tuple(c), pos_of(c[0]))

    def pand(self, c):
        return PAnd(tuple(c), pos_of(c[0]))

    def pnot(self, c):
        return PNot(c[1], pos_of(c[0]))

    def ptrue(self, c):
        return PConst(True, pos_of(c[0]))

    def pfalse(self, c):
        return PConst(False, pos_of(c[0]))

    def peq(self, c):
        return PAtom(c[0], "=", c[1], pos_of(c[0]))

    def pneq(self, c):
        return PAtom(c[0], "!=", c[1], pos_of(c[0]))

    def regloc(self, c):
        thread, reg = [x for x in c if not is_tok(x, "STAR")]
        return RegLoc(_int(thread), str(reg), pos_of(c[0]))

    def memloc(self, c):
        return MemLoc(str(c[-1]), pos_of(c[0]))


PARSER = Lark(
    grammar("c_litmus.lark", "kernel_def.lark"),
    parser="lalr",
    lexer="contextual",
    maybe_placeholders=False,
    start=["start", "def_file"],
    transformer=_ToAst(),
)
ERRORS = SyntaxErrors(PARSER)
