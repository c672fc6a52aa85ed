"""Typed syntax tree of a C litmus test (herd7's kernel C dialect).

The parser builds these nodes and nothing else; the lowering reads them.
Every node carries the source position of its first token so that later
stages can report `file:line:col` errors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union


@dataclass(frozen=True)
class Pos:
    line: int
    col: int


NOPOS = Pos(0, 0)


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class IntLit:
    value: int
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Name:
    """An identifier: a thread parameter (a pointer to a shared variable),
    a local register, or a shared variable named in an initial value."""
    name: str
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Deref:
    """`*e`: the memory cell at the address e (a plain access when it is
    read or assigned directly)."""
    expr: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class AddrOf:
    """`&e`."""
    expr: "Expr"
    pos: Pos = NOPOS


# C's binding strength of each binary operator, higher binds tighter (the
# parser groups operator chains by it, the printer parenthesizes by it)
BINARY_PRECEDENCE = {
    "||": 2, "&&": 3, "|": 4, "^": 5, "&": 6,
    "==": 7, "!=": 7, "<": 8, "<=": 8, ">": 8, ">=": 8,
    "<<": 9, ">>": 9, "+": 10, "-": 10, "*": 11, "/": 11, "%": 11,
}


@dataclass(frozen=True)
class BinOp:
    """Binary operator; op is the C spelling: + - * / % & | ^ << >> == != < <= > >= && ||."""
    op: str
    left: "Expr"
    right: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class UnOp:
    """Unary operator; op is one of ! - ~ ."""
    op: str
    expr: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Cond:
    """`c ? a : b`."""
    cond: "Expr"
    then: "Expr"
    other: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Call:
    """A call of a kernel primitive (READ_ONCE, spin_lock, atomic_add, ...).
    The parser does not interpret the name: the lowering expands it with the
    model's `.def` macros and reports unknown names."""
    name: str
    args: tuple["Expr", ...]
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Cast:
    """`(type) e`; the type is kept as written, e.g. 'int *'."""
    type: str
    expr: "Expr"
    pos: Pos = NOPOS


# ------------------------------------------------- herd's builtins (expressions)
#
# What the kernel's `.def` macro file expands primitives to (and what a test
# may also write directly, as herd7 allows).  `tags` are the annotations
# between braces as written (`__load{once}` -> ('once',)); `loc` is the
# location operand as written: `__load`/`__store` take the cell (`*p`), the
# others a pointer to it.


@dataclass(frozen=True)
class Load:
    """`__load{tags}(*p)`: a marked read."""
    tags: tuple[str, ...]
    loc: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Xchg:
    """`__xchg{tags}(p, v)`: an exchange; its value is the old one."""
    tags: tuple[str, ...]
    loc: "Expr"
    value: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class CmpXchg:
    """`__cmpxchg{tags}(p, old, new)`: writes new when the cell holds old;
    its value is the one read."""
    tags: tuple[str, ...]
    loc: "Expr"
    old: "Expr"
    new: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class AtomicReturn:
    """`__atomic_op_return{tags}(p, op, v)` (value: the new one) or, with
    `fetch`, `__atomic_fetch_op{tags}(p, op, v)` (value: the old one).
    op is one of + - & | ^ &~ ."""
    tags: tuple[str, ...]
    loc: "Expr"
    op: str
    value: "Expr"
    fetch: bool = False
    pos: Pos = NOPOS


@dataclass(frozen=True)
class AddUnless:
    """`__atomic_add_unless{tags}(p, v, u)`: adds v unless the cell holds u;
    its value is 1 when it added, else 0."""
    tags: tuple[str, ...]
    loc: "Expr"
    value: "Expr"
    limit: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class TryLock:
    """`__trylock(p)`: takes the spinlock if it is free; 1 when it did."""
    loc: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class IsLocked:
    """`__islocked(p)`: 1 when the spinlock is held."""
    loc: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class SrcuValue:
    """`__srcu{tags}(p)` as an expression (srcu_read_lock: its cookie)."""
    tags: tuple[str, ...]
    loc: "Expr"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class StmtExpr:
    """GNU C's statement expression `({ stmts; value; })`, as the kernel
    writes its loop primitives (smp_cond_load_acquire): the statements run,
    then `value` is its value."""
    body: tuple["Stmt", ...]
    value: "Expr"
    pos: Pos = NOPOS


Builtin = Union[Load, Xchg, CmpXchg, AtomicReturn, AddUnless, TryLock, IsLocked, SrcuValue]
Expr = Union[IntLit, Name, Deref, AddrOf, BinOp, UnOp, Cond, Call, Cast, StmtExpr, Builtin]


# ----------------------------------------------------------------- statements


@dataclass(frozen=True)
class Decl:
    """A local declaration `int r0;` or `int r0 = e;` (type as written)."""
    type: str
    name: str
    init: Optional[Expr]
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Assign:
    """`target = value;` where target is a Name (register) or a Deref
    (a plain store to memory)."""
    target: Expr
    value: Expr
    pos: Pos = NOPOS


@dataclass(frozen=True)
class ExprStmt:
    """An expression evaluated for its effect, e.g. `WRITE_ONCE(*x, 1);`."""
    expr: Expr
    pos: Pos = NOPOS


@dataclass(frozen=True)
class If:
    cond: Expr
    then: tuple["Stmt", ...]
    other: tuple["Stmt", ...]  # empty when there is no else
    pos: Pos = NOPOS
    # whether each leg was written in braces (a block: herd7 counts it as an
    # instruction of its own, see lower/herd_index.py)
    braced: tuple[bool, bool] = field(default=(True, True), compare=False)


@dataclass(frozen=True)
class While:
    """`while (cond) body`: herd7's loop, unrolled `--unroll N` times."""
    cond: Expr
    body: tuple["Stmt", ...]
    pos: Pos = NOPOS
    braced: bool = field(default=True, compare=False)  # the body was written in braces


@dataclass(frozen=True)
class DoWhile:
    """`do body while (cond);`: the body, then `while (cond) body`."""
    body: tuple["Stmt", ...]
    cond: Expr
    pos: Pos = NOPOS
    braced: bool = field(default=True, compare=False)


@dataclass(frozen=True)
class For:
    """`for (init; cond; step) body`: init, then `while (cond) { body; step }`,
    `continue` going to step.  cond None: always true."""
    init: tuple["Stmt", ...]
    cond: Optional[Expr]
    step: tuple["Stmt", ...]
    body: tuple["Stmt", ...]
    pos: Pos = NOPOS
    braced: bool = field(default=True, compare=False)


@dataclass(frozen=True)
class Break:
    """`break;`: leaves the innermost loop."""
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Continue:
    """`continue;`: goes on with the innermost loop's next iteration."""
    pos: Pos = NOPOS


Loop = Union[While, DoWhile, For]


@dataclass(frozen=True)
class Block:
    body: tuple["Stmt", ...]
    pos: Pos = NOPOS


# ------------------------------------------------- herd's builtins (statements)


@dataclass(frozen=True)
class Store:
    """`__store{tags}(*p, v);`: a marked write."""
    tags: tuple[str, ...]
    loc: Expr
    value: Expr
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Fence:
    """`__fence{tags};`."""
    tags: tuple[str, ...]
    pos: Pos = NOPOS


@dataclass(frozen=True)
class AtomicOp:
    """`__atomic_op{tags}(p, op, v);` (tags may be absent: ()): an atomic
    update without a value."""
    tags: tuple[str, ...]
    loc: Expr
    op: str
    value: Expr
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Lock:
    """`__lock(p);`: spin_lock."""
    loc: Expr
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Unlock:
    """`__unlock(p);`: spin_unlock."""
    loc: Expr
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Srcu:
    """`__srcu{tags}(p);` or `__srcu{tags}(p, v);` (srcu_read_unlock's cookie v)."""
    tags: tuple[str, ...]
    loc: Expr
    value: Optional[Expr]
    pos: Pos = NOPOS


BuiltinStmt = Union[Store, Fence, AtomicOp, Lock, Unlock, Srcu]
Stmt = Union[Decl, Assign, ExprStmt, If, While, DoWhile, For, Break, Continue, Block, BuiltinStmt]


# ------------------------------------------------------------------- threads


@dataclass(frozen=True)
class Param:
    type: str  # as written, e.g. 'int *', 'spinlock_t *', 'atomic_t *'
    name: str
    pos: Pos = NOPOS


@dataclass(frozen=True)
class Thread:
    index: int  # N of `PN(...)`
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    pos: Pos = NOPOS


# ------------------------------------------------------------- initial state


@dataclass(frozen=True)
class AddrValue:
    """A pointer to a shared variable: `&x`, or a bare `x` in an initial value."""
    name: str
    pos: Pos = NOPOS


InitValue = Union[IntLit, AddrValue]


@dataclass(frozen=True)
class Init:
    """One initial-state entry. `thread` is None for a shared variable and the
    thread number for a register (`0:r1=2;`). `type` is the declared type as
    written ('int', 'int *', 'spinlock_t', 'atomic_t', ...) or None.
    `value` is None when the entry only declares the variable."""
    name: str
    thread: Optional[int]
    type: Optional[str]
    value: Optional[InitValue]
    pos: Pos = NOPOS


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True)
class RegLoc:
    """`N:reg` in a condition or in `locations`."""
    thread: int
    reg: str
    pos: Pos = NOPOS


@dataclass(frozen=True)
class MemLoc:
    """A shared variable `x` (also written `[x]` or `*x`)."""
    name: str
    pos: Pos = NOPOS


Loc = Union[RegLoc, MemLoc]


@dataclass(frozen=True)
class PAtom:
    """`loc = value` (op '=' ) or `loc != value` (op '!='); the value is an
    integer, a pointer to a variable (AddrValue), or another location."""
    loc: Loc
    op: str
    value: Union[IntLit, AddrValue, Loc]
    pos: Pos = NOPOS


@dataclass(frozen=True)
class PAnd:
    items: tuple["Prop", ...]
    pos: Pos = NOPOS


@dataclass(frozen=True)
class POr:
    items: tuple["Prop", ...]
    pos: Pos = NOPOS


@dataclass(frozen=True)
class PNot:
    item: "Prop"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class PImplies:
    left: "Prop"
    right: "Prop"
    pos: Pos = NOPOS


@dataclass(frozen=True)
class PConst:
    value: bool
    pos: Pos = NOPOS


Prop = Union[PAtom, PAnd, POr, PNot, PImplies, PConst]


@dataclass(frozen=True)
class Condition:
    """The final condition: quantifier is 'exists', '~exists' or 'forall'."""
    quantifier: str
    prop: Prop
    pos: Pos = NOPOS


# ---------------------------------------------------------------------- test


@dataclass(frozen=True)
class Test:
    arch: str  # 'C' for kernel C tests
    name: str
    init: tuple[Init, ...]
    threads: tuple[Thread, ...]
    condition: Condition
    locations: tuple[Loc, ...] = ()
    filter: Optional[Prop] = None
    comment: str = ""  # text of the leading (* ... *) comments and doc strings
    source: str = ""   # file name used in error messages
    text: str = field(default="", compare=False, repr=False)  # the source text
    # `key=value` lines of the header (diy's Cycle=, Relax=, ...), in order
    info: tuple[tuple[str, str], ...] = ()
