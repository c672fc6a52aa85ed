"""The candidate changes of a test: every barrier insertion and access upgrade placements.toml allows."""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Iterator, Optional

from ..litmus import ast as A
from ..litmus.def_ast import Macros
from ..lower.expand import BUILTIN_TYPES, builtin_keyword, builtins_of, default_macros, expand_call, param_roles, placeholder_call

# A statement's place: indices into nested bodies, e.g. (3,) or (3, "then", 0)
Path = tuple[Any, ...]


@dataclass(frozen=True)
class Change:
    """One proposed edit: insert `barrier` before the statement at `path`, or
    upgrade the call at `at` (line, col) to `barrier`."""
    thread: int
    line: int
    action: str  # "insert" | "upgrade"
    barrier: str
    path: Path = ()
    at: tuple[int, int] = (0, 0)
    original: str = ""  # upgrade: the primitive replaced
    replacement: Optional[A.Call] = field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        """One line for people: where and what."""
        if self.action == "insert":
            return f"P{self.thread} line {self.line}: insert {self.barrier}() before"
        return f"P{self.thread} line {self.line}: {self.original} -> {self.barrier}"

    def record(self) -> dict[str, Any]:
        """The change as the JSON output gives it."""
        return {"thread": self.thread, "line": self.line, "action": self.action, "barrier": self.barrier}

    def sort_key(self) -> tuple:
        return (self.thread, self.line, self.action == "upgrade", self.at, self.barrier)


@dataclass(frozen=True)
class Placements:
    """placements.toml: what may be inserted where, what may be upgraded; and
    the macros (memcheck's lkmm.def) saying what each primitive is."""
    insert: dict[str, dict[str, Any]]
    upgrade: dict[str, str]
    classes: dict[str, list[str]]
    macros: Macros
    _builtins: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    _roles: dict[str, Optional[tuple[str, ...]]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def default(cls) -> "Placements":
        data = tomllib.loads(resources.files("memcheck.fences").joinpath("placements.toml").read_text())
        return cls(data["insert"], data["upgrade"], data["classes"], default_macros())

    def primitives(self) -> list[str]:
        """Every primitive a change may introduce (what the cost table must price)."""
        return list(self.insert) + list(self.upgrade.values())

    def builtins(self, name: str) -> tuple[str, ...]:
        """The builtins primitive `name` expands to (`__fence`, `__xchg`, ...); () if unknown."""
        if name not in self._builtins:
            call = placeholder_call(self.macros, name)
            self._builtins[name] = () if call is None else tuple(
                builtin_keyword(n) for n in builtins_of(expand_call(self.macros, call, True)))
        return self._builtins[name]

    def in_class(self, name: Optional[str], cls: str) -> bool:
        """Is every builtin of the primitive's expansion one of the class's?"""
        found = self.builtins(name) if name is not None else ()
        return bool(found) and all(b in self.classes[cls] for b in found)

    def matches(self, name: Optional[str], next_to: list[str]) -> bool:
        return name is not None and any(
            self.in_class(name, n[1:]) if n.startswith("@") else name == n for n in next_to)

    def roles(self, name: str) -> Optional[tuple[str, ...]]:
        """How the primitive reads each argument: 'lvalue', 'ptr' or 'value'."""
        if name not in self._roles:
            self._roles[name] = param_roles(self.macros, name)
        return self._roles[name]


# ------------------------------------------------------------ AST helpers


def nodes(x: Any) -> Iterator[Any]:
    """Every AST node below x (x included), statements' bodies included."""
    if isinstance(x, tuple):
        for y in x:
            yield from nodes(y)
    elif dataclasses.is_dataclass(x) and not isinstance(x, type):
        yield x
        for f in dataclasses.fields(x):
            if f.name != "pos":
                yield from nodes(getattr(x, f.name))


def emits(x: Any) -> bool:
    """Does it make memory or fence events (a call of a primitive, one of herd's builtins, or a plain access)?"""
    return any(isinstance(n, (A.Call, A.Deref) + BUILTIN_TYPES) for n in nodes(x))


def statement_call(s: A.Stmt) -> Optional[str]:
    """The primitive a simple statement calls: `f(..);`, `r = f(..);`, `int r = f(..);`."""
    e = s.expr if isinstance(s, A.ExprStmt) else s.value if isinstance(s, A.Assign) else \
        s.init if isinstance(s, A.Decl) else None
    return e.name if isinstance(e, A.Call) else None


def own_exprs(s: A.Stmt) -> tuple:
    """The expressions a statement evaluates itself (not those of nested bodies)."""
    if isinstance(s, (A.If, A.While, A.DoWhile)):
        return (s.cond,)
    if isinstance(s, A.For):
        return (s.init, s.cond, s.step)
    if isinstance(s, A.Block):
        return ()
    return (s,)


# ------------------------------------------------------------ upgrades


def _pure(e: A.Expr) -> bool:
    return not emits(e)


def convert_arg(e: A.Expr, old: str, new: str) -> Optional[A.Expr]:
    """An argument in the new primitive's form (lvalue `*x` <-> pointer `x`)."""
    if old == new:
        return e
    if old == "lvalue" and new == "ptr":
        if isinstance(e, A.Deref) and _pure(e.expr):
            return e.expr
        if isinstance(e, A.Name):
            return A.AddrOf(e, e.pos)
    if old == "ptr" and new == "lvalue":
        return A.Deref(e, e.pos) if _pure(e) else None
    return None


def upgraded(call: A.Call, new: str, placements: "Placements") -> Optional[A.Call]:
    """`call` as primitive `new` with the same arguments, or None when they do not carry over."""
    old_roles, new_roles = placements.roles(call.name) or (), placements.roles(new)
    if new_roles is None or not len(old_roles) == len(new_roles) == len(call.args):
        return None
    args = []
    for e, o, n in zip(call.args, old_roles, new_roles):
        if o == "lvalue":
            if not (isinstance(e, A.Name) or (isinstance(e, A.Deref) and _pure(e.expr))):
                return None
        elif not _pure(e):
            return None
        c = convert_arg(e, o, n)
        if c is None:
            return None
        args.append(c)
    return A.Call(new, tuple(args), call.pos)


# ------------------------------------------------------------ generation


@dataclass
class _Walk:
    """Collects a thread's candidate changes in program order."""
    placements: Placements
    thread: int
    out: list[Change] = field(default_factory=list)

    def insert(self, name: str, s: A.Stmt, path: Path, before: Optional[A.Stmt]) -> None:
        if statement_call(s) == name or (before is not None and statement_call(before) == name):
            return  # already there
        self.out.append(Change(self.thread, s.pos.line, "insert", name, path))

    def body(self, stmts: tuple[A.Stmt, ...], prefix: Path, preceded: bool) -> bool:
        """Changes in one body; `preceded`: events come before it. Returns whether events come after it."""
        p = self.placements
        for i, s in enumerate(stmts):
            path = prefix + (i,)
            prev = stmts[i - 1] if i else None
            name = statement_call(s)
            special: list[str] = []
            for b, rule in p.insert.items():
                if rule["where"] == "before" and preceded and p.matches(name, rule["next_to"]):
                    special.append(b)
                elif rule["where"] == "after" and prev is not None and \
                        p.matches(statement_call(prev), rule["next_to"]):
                    special.append(b)
            replaced = {p.insert[b].get("replaces") for b in special}
            if preceded and emits(s) and not p.in_class(name, "fence"):
                for b, rule in p.insert.items():
                    if rule["where"] == "anywhere" and b not in replaced:
                        self.insert(b, s, path, prev)
            for b in special:
                self.insert(b, s, path, prev)
            self.upgrades(s)
            if isinstance(s, A.If):
                inner = preceded or emits(s.cond)
                self.body(s.then, path + ("then",), inner)
                self.body(s.other, path + ("other",), inner)
            elif isinstance(s, A.Block):
                self.body(s.body, path + ("body",), preceded)
            elif isinstance(s, (A.While, A.DoWhile, A.For)):
                # an iteration is preceded by the test, or by the one before
                self.body(s.body, path + ("body",), preceded or emits(s.cond) or emits(s.body))
            preceded = preceded or emits(s)
        return preceded

    def upgrades(self, s: A.Stmt) -> None:
        p = self.placements
        for n in nodes(own_exprs(s)):
            if isinstance(n, A.Call) and n.name in p.upgrade:
                new = upgraded(n, p.upgrade[n.name], p)
                if new is not None:
                    self.out.append(Change(self.thread, n.pos.line, "upgrade", new.name, (),
                                           (n.pos.line, n.pos.col), n.name, new))


def candidate_changes(test: A.Test, placements: Optional[Placements] = None) -> list[Change]:
    """Every change the advisor may propose for `test`, thread by thread in program order."""
    placements = placements or Placements.default()
    out: list[Change] = []
    for t in test.threads:
        w = _Walk(placements, t.index)
        w.body(t.body, (), False)
        out += w.out
    return out
