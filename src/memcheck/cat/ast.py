"""Syntax tree of a herd "cat" memory model, as built by `parse.py`.

Every node carries the `Pos` of its first token so that later stages
(compilation, evaluation) can report `file:line:col` errors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union


@dataclass(frozen=True)
class Pos:
    """A source position: 1-based line and column in `file`."""

    line: int
    col: int
    file: str = ""

    def __str__(self) -> str:
        return f"{self.file or '<input>'}:{self.line}:{self.col}"


NOPOS = Pos(0, 0)


# ---------------------------------------------------------------- patterns


@dataclass(frozen=True)
class PVar:
    """A variable pattern; name None is the wildcard `_`."""

    name: Optional[str]


@dataclass(frozen=True)
class PTuple:
    """A tuple pattern `(a, b, ...)` (also `()` with no names)."""

    names: tuple[Optional[str], ...]


Pattern = Union[PVar, PTuple]


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Var:
    """A name: a let-bound value, a function, or a base set/relation."""

    name: str
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Tag:
    """A tag constant `'name` (declared by `enum`)."""

    name: str
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Empty:
    """`0`: the empty relation (herd's polymorphic empty)."""

    pos: Pos = NOPOS


@dataclass(frozen=True)
class Universe:
    """`_`: the set of all events."""

    pos: Pos = NOPOS


@dataclass(frozen=True)
class ExplicitSet:
    """`{e1, ..., en}` (n may be 0)."""

    elems: tuple["Expr", ...]
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Tuple:
    """`(e1, ..., en)` with n >= 2, or `()` with n = 0."""

    elems: tuple["Expr", ...]
    pos: Pos = NOPOS


UNOPS = ("star", "plus", "opt", "inv", "comp", "toid")
BINOPS = ("union", "inter", "diff", "seq", "prod", "add")


@dataclass(frozen=True)
class Unop:
    """A unary operator: postfix `*` (star), `+` (plus), `?` (opt), `^-1` (inv),
    prefix `~` (comp), or the bracket `[e]` (toid)."""

    op: str
    expr: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Binop:
    """A binary operator: `|` union, `&` inter, `\\` diff, `;` seq, `*` prod, `++` add."""

    op: str
    left: "Expr"
    right: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class App:
    """Function application `f arg` (arguments of n-ary functions are tuples)."""

    func: "Expr"
    arg: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Fun:
    """`fun pat -> body`; `name` is the let-name for functions defined by `let f x = ...`."""

    pat: Pattern
    body: "Expr"
    name: str = "*fun*"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Binding:
    """One `pat = expr` of a `let` (function bindings are desugared to `Fun`)."""

    pat: Pattern
    expr: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class LetIn:
    """`let [rec] b1 and ... in body`."""

    rec: bool
    bindings: tuple[Binding, ...]
    body: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Try:
    """`try e with default`: default when e refers to something undefined."""

    expr: "Expr"
    default: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class IfVariant:
    """`if cond then e1 else e2` where cond is a variant condition."""

    cond: "VCond"
    then: "Expr"
    other: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Clause:
    """One `pattern -> body` of a match.  kind: 'tag' (data: the tag name),
    'empty' (`{}`), 'cons' (`e ++ rest`, data: the two names) or 'any' (`_`)."""

    kind: str
    data: tuple
    body: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Match:
    """`match e with clauses end`: on a tag, or on a set (`{}` / `e ++ rest`)."""

    expr: "Expr"
    clauses: tuple[Clause, ...] = ()
    pos: Pos = NOPOS


Expr = Union[Var, Tag, Empty, Universe, ExplicitSet, Tuple, Unop, Binop, App, Fun,
             LetIn, Try, IfVariant, Match]


# ---------------------------------------------------------------- variant conditions


@dataclass(frozen=True)
class VName:
    """A variant name `"name"` (true when the variant is set)."""

    name: str


@dataclass(frozen=True)
class VNot:
    """`not c`."""

    cond: "VCond"


@dataclass(frozen=True)
class VAnd:
    """`c1 && c2`."""

    left: "VCond"
    right: "VCond"


@dataclass(frozen=True)
class VOr:
    """`c1 || c2`."""

    left: "VCond"
    right: "VCond"


VCond = Union[VName, VNot, VAnd, VOr]


# ---------------------------------------------------------------- instructions


@dataclass(frozen=True)
class Let:
    """Top-level `let [rec] b1 and ... bn`."""

    rec: bool
    bindings: tuple[Binding, ...]
    pos: Pos = NOPOS


CHECK_KINDS = ("acyclic", "irreflexive", "empty")


@dataclass(frozen=True)
class Check:
    """`[flag] [~]kind expr [as name]`; kind in CHECK_KINDS."""

    kind: str
    expr: Expr
    negated: bool = False
    name: Optional[str] = None
    flag: bool = False
    pos: Pos = NOPOS
    asserted: bool = False  # `assert`: a failure is an error in the test, not a verdict


@dataclass(frozen=True)
class Enum:
    """`enum Name = 'a || 'b ...`: declares tags and binds Name to their set."""

    name: str
    tags: tuple[str, ...]
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Include:
    """`include "file"`; `model` is filled by `load_model` (None: not loaded, or
    a repeated include, which herd skips)."""

    path: str
    pos: Pos = NOPOS
    model: Optional["Model"] = None


@dataclass(frozen=True)
class Procedure:
    """`procedure name pat = instructions end`."""

    name: str
    pat: Pattern
    body: tuple["Instr", ...]
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Call:
    """`call name arg [as label]`."""

    name: str
    arg: Expr
    label: Optional[str] = None
    pos: Pos = NOPOS


@dataclass(frozen=True)
class IfVariantInstr:
    """`if cond instrs [else instrs] end` over variants."""

    cond: VCond
    then: tuple["Instr", ...]
    other: tuple["Instr", ...]
    pos: Pos = NOPOS


@dataclass(frozen=True)
class With:
    """`with name from expr`: name is one element of the set expr evaluates to
    (herd enumerates them; memcheck takes the one the execution realises)."""

    name: str
    expr: Expr
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Ignored:
    """An instruction with no effect on checking: show, unshow, instructions, default."""

    what: str
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Unsupported:
    """A construct herd accepts but memcheck does not (forall, with-from, debug, ...)."""

    what: str
    pos: Pos = NOPOS


Instr = Union[Let, Check, Enum, Include, Procedure, Call, IfVariantInstr, With, Ignored,
              Unsupported]


@dataclass(frozen=True)
class Model:
    """A parsed model file: optional architecture/title and its instructions."""

    instrs: tuple[Instr, ...]
    title: Optional[str] = None
    arch: Optional[str] = None
    source: str = ""
    includes_resolved: bool = field(default=False, compare=False)
    catdep: bool = False  # herd's `catdep`: the model computes dependencies from register events


_PREC = {"union": 1, "add": 2, "seq": 3, "diff": 4, "inter": 5, "prod": 6}
_OPS = {"union": "|", "add": "++", "seq": ";", "diff": "\\", "inter": "&", "prod": "*"}
_POST = {"star": "*", "plus": "+", "opt": "?", "inv": "^-1"}


def expr_text(e: Expr, prec: int = 0) -> str:
    """Source-like text of an expression (used to name unnamed checks)."""
    if isinstance(e, Var):
        return e.name
    if isinstance(e, Tag):
        return "'" + e.name
    if isinstance(e, Empty):
        return "0"
    if isinstance(e, Universe):
        return "_"
    if isinstance(e, Unop):
        if e.op == "toid":
            return f"[{expr_text(e.expr)}]"
        inner = expr_text(e.expr, 7)
        return "~" + inner if e.op == "comp" else inner + _POST[e.op]
    if isinstance(e, Binop):
        p = _PREC[e.op]
        text = f"{expr_text(e.left, p)} {_OPS[e.op]} {expr_text(e.right, p + (e.op == 'diff'))}"
        return f"({text})" if p < prec or (p == prec and e.op in ("diff", "prod")) else text
    if isinstance(e, App):
        arg = expr_text(e.arg)
        arg = arg if isinstance(e.arg, Tuple) else f"({arg})"
        return f"{expr_text(e.func, 8)}{arg}"
    if isinstance(e, Tuple):
        return "(" + ", ".join(expr_text(x) for x in e.elems) + ")"
    if isinstance(e, ExplicitSet):
        return "{" + ", ".join(expr_text(x) for x in e.elems) + "}"
    return "(...)"
