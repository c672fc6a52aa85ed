"""Macro expansion with herd7's substitution semantics: a call of a kernel
primitive becomes the body of its `.def` macro.

A parameter is replaced by the argument expression as written (so
`smp_load_acquire(X) __load{acquire}(*X)` applied to `x` loads from x, and
`READ_ONCE(X) __load{once}(X)` applied to `*x` loads from x too); a macro
called in a body is expanded in place, as herd7 does; the arguments, which
are the test's own code, are left as they are, their calls expanded when the
walker reaches them.  Nodes that come from a body take the position of the
call, so events and errors point into the test.
"""
from __future__ import annotations

import dataclasses
from functools import cache
from importlib import resources
from typing import Optional, Union

from ..errors import MemcheckError
from ..litmus import ast as A
from ..litmus.def_ast import ExprMacro, Macros, StmtMacro
from ..litmus.parse_def import load_def

# What a call expands to: an expression, or the statements of a block
Expansion = Union[A.Expr, tuple[A.Stmt, ...]]

# herd's builtin of each node type (the atomic read-modify-writes by `fetch`)
_KEYWORDS = {A.Load: "__load", A.Store: "__store", A.Fence: "__fence", A.Xchg: "__xchg",
             A.CmpXchg: "__cmpxchg", A.AtomicOp: "__atomic_op", A.AddUnless: "__atomic_add_unless",
             A.Lock: "__lock", A.Unlock: "__unlock", A.TryLock: "__trylock",
             A.IsLocked: "__islocked", A.SrcuValue: "__srcu", A.Srcu: "__srcu"}
BUILTIN_TYPES = tuple(_KEYWORDS) + (A.AtomicReturn,)
_DEPTH = 64  # a macro expanding through more macros than this calls itself


def builtin_keyword(node) -> str:
    """`__load`, `__atomic_fetch_op`, ...: the builtin a node is written as."""
    if isinstance(node, A.AtomicReturn):
        return "__atomic_fetch_op" if node.fetch else "__atomic_op_return"
    return _KEYWORDS[type(node)]


@cache
def default_macros() -> Macros:
    """memcheck's own models/lkmm.def: the primitives every lowering knows."""
    return load_def(str(resources.files("memcheck").joinpath("models", "lkmm.def")))


def _error(message: str, pos: A.Pos, source: str) -> MemcheckError:
    return MemcheckError(message, source, pos.line, pos.col)


@dataclasses.dataclass(frozen=True)
class _Expander:
    """Substitutes one macro body; nodes of the body take `site`'s position."""
    macros: Macros
    site: A.Pos
    source: str
    depth: int = 0

    def error(self, message: str) -> MemcheckError:
        return _error(message, self.site, self.source)

    def frame(self, name: str, params: tuple[str, ...], args: tuple[A.Expr, ...]) -> dict[str, A.Expr]:
        if len(params) != len(args):
            raise self.error(f"Argument mismatch for macro {name}")
        if self.depth > _DEPTH:
            raise self.error(f"macro {name} expands without end")
        return dict(zip(params, args))

    def inner(self) -> "_Expander":
        return dataclasses.replace(self, depth=self.depth + 1)

    # expressions ---------------------------------------------------------

    def expr(self, e: A.Expr, env: dict[str, A.Expr]) -> A.Expr:
        if isinstance(e, A.Name):
            return env.get(e.name, dataclasses.replace(e, pos=self.site))
        if isinstance(e, A.Call):
            args = tuple(self.expr(a, env) for a in e.args)
            m = self.macros.expression(e.name)
            if m is not None:
                return self.inner().expr(m.body, self.frame(e.name, m.params, args))
            legacy = legacy_call(e.name, args, self.site)
            if legacy is not None:
                return legacy
            raise self.error(f"Unknown macro {e.name}")
        return self.rebuild(e, env)

    def rebuild(self, node, env: dict[str, A.Expr]):
        """`node` with its sub-expressions and statements substituted."""
        changes = {}
        for f in dataclasses.fields(node):
            v = getattr(node, f.name)
            if f.name == "pos":
                changes["pos"] = self.site
            elif isinstance(v, tuple) and v and not isinstance(v[0], (str, bool)):
                changes[f.name] = self.stmts(v, env)
            elif dataclasses.is_dataclass(v):
                changes[f.name] = self.expr(v, env)
        return dataclasses.replace(node, **changes)

    # statements ----------------------------------------------------------

    def stmts(self, body: tuple[A.Stmt, ...], env: dict[str, A.Expr]) -> tuple[A.Stmt, ...]:
        return tuple(self.stmt(s, env) for s in body)

    def stmt(self, s: A.Stmt, env: dict[str, A.Expr]) -> A.Stmt:
        if isinstance(s, A.ExprStmt) and isinstance(s.expr, A.Call):
            call = s.expr
            m = self.macros.statement(call.name)
            if m is not None:
                args = tuple(self.expr(a, env) for a in call.args)
                body = self.inner().stmts(m.body, self.frame(call.name, m.params, args))
                return A.Block(body, self.site)
        return self.rebuild(s, env)


def legacy_call(name: str, args: tuple[A.Expr, ...], pos: A.Pos) -> Optional[A.Expr]:
    """herd7's one primitive known without a macro: atomic_add_unless(p, v, u)."""
    if name == "atomic_add_unless" and len(args) == 3:
        return A.AddUnless((), args[0], args[1], args[2], pos)
    return None


def lookup(macros: Macros, call: A.Call, statement: bool, source: str) -> Union[ExprMacro, StmtMacro, None]:
    """The macro a call names: in statement position a statement macro, else
    (or failing that) an expression macro; None for herd's legacy builtin."""
    m = macros.statement(call.name) if statement else None
    m = m or macros.expression(call.name)
    if m is not None:
        return m
    if legacy_call(call.name, call.args, call.pos) is not None:
        return None
    if macros.statement(call.name) is not None:
        raise _error(f"'{call.name}' has no value", call.pos, source)
    raise _error(f"Unknown macro {call.name}", call.pos, source)


def expand_call(macros: Macros, call: A.Call, statement: bool, source: str = "") -> Expansion:
    """What `call` expands to with `macros`: the statements of a statement
    macro's body, or an expression.  `statement`: the call is a statement
    of its own (its value unused).  Raises MemcheckError located at the call:
    `Unknown macro NAME`, `Argument mismatch for macro NAME`."""
    m = lookup(macros, call, statement, source)
    if m is None:
        legacy = legacy_call(call.name, call.args, call.pos)
        assert legacy is not None
        return legacy
    ex = _Expander(macros, call.pos, source)
    env = ex.frame(call.name, m.params, call.args)
    if isinstance(m, StmtMacro):
        return ex.inner().stmts(m.body, env)
    return ex.inner().expr(m.body, env)


def builtins_of(x) -> list:
    """The builtin nodes in an expansion (or any syntax), in order."""
    out: list = []

    def visit(n) -> None:
        if isinstance(n, tuple):
            for y in n:
                visit(y)
        elif dataclasses.is_dataclass(n) and not isinstance(n, (type, A.Pos)):
            if isinstance(n, BUILTIN_TYPES):
                out.append(n)
            for f in dataclasses.fields(n):
                visit(getattr(n, f.name))

    visit(x)
    return out


def placeholder_call(macros: Macros, name: str) -> Optional[A.Call]:
    """`name` applied to parameters `__arg0`, `__arg1`, ...; None when no
    macro defines it."""
    m = macros.statement(name) or macros.expression(name)
    if m is None:
        return None
    return A.Call(name, tuple(A.Name(f"__arg{i}") for i in range(len(m.params))))


def param_roles(macros: Macros, name: str) -> Optional[tuple[str, ...]]:
    """How each argument of primitive `name` is read: 'lvalue' (the accessed
    cell itself, READ_ONCE(*x)), 'ptr' (a pointer to it,
    smp_load_acquire(x)) or 'value'.  None when no macro defines it."""
    call = placeholder_call(macros, name)
    if call is None:
        return None
    roles = ["value"] * len(call.args)
    for node in builtins_of(expand_call(macros, call, True)):
        loc = getattr(node, "loc", None)
        if isinstance(node, (A.Load, A.Store)):
            if isinstance(loc, A.Name) and loc.name.startswith("__arg"):
                roles[int(loc.name[5:])] = "lvalue"
                continue
            loc = loc.expr if isinstance(loc, A.Deref) else None
        if isinstance(loc, A.Name) and loc.name.startswith("__arg"):
            roles[int(loc.name[5:])] = "ptr"
    return tuple(roles)
