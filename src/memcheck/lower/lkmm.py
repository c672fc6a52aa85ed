"""Lowering of herd's C builtins to Linux Kernel Memory Model events.

A primitive is what its `.def` macro expands to (lower/expand.py); this
module gives each builtin the events herd7's C semantics gives it: tagged
accesses and fences, read-modify-write pairs, lock and SRCU events.  Two
readings of the tags, as in herd7: the default (lkmmv1) keeps a tag only on
the half that carries it and brackets a fully ordered (`mb`) RMW with
`F[mb]`; the cat variant `lkmmv2` gives both halves the tag as written and
adds no fence.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from ..litmus import ast as A
from ..litmus.def_ast import Macros
from ..litmus.parse_def import load_def
from .c_walk import Sym, ThreadBuilder, const
from .expand import default_macros
from .program import Literal, VBranch, VConst, VOp, VRead

LOCKED, UNLOCKED = 1, 0
ONCE = ("once",)


def tag_set(tag: str) -> str:
    """The cat set of a tag: 'rcu-lock' -> 'Rcu-lock' (herd's convention)."""
    return tag[0].upper() + tag[1:]


def tag_sets(tags: tuple[str, ...], *extra: str) -> set[str]:
    """The cat sets of an event with annotations `tags` (and `extra` sets)."""
    return {tag_set(t) for t in tags if t} | set(extra)


def update(op: str, old: Sym, operand: Sym) -> Sym:
    """The value an atomic operation writes: old OP operand (op one of
    + - & | ^ and &~, herd's and-not)."""
    if op == "&~":
        return Sym(VOp("&", (old.value, VOp("~", (operand.value,)))), old.deps | operand.deps)
    return Sym(VOp(op, (old.value, operand.value)), old.deps | operand.deps)


@dataclass(frozen=True)
class Halves:
    """The tags of a read-modify-write's read and write, and whether smp_mb()
    brackets it."""
    read: tuple[str, ...]
    write: tuple[str, ...]
    fenced: bool = False


@dataclass
class LkmmTarget:
    """The LKMM's events for every primitive `macros` defines; `variants`
    are the cat variants the model runs with (it reads "lkmmv2")."""
    macros: Macros
    variants: frozenset[str] = frozenset()
    name: str = "lkmm"

    @classmethod
    def default(cls) -> "LkmmTarget":
        """memcheck's own models/lkmm.def, tags read the default (lkmmv1) way."""
        return cls(default_macros())

    @classmethod
    def from_def(cls, path: str, variants=()) -> "LkmmTarget":
        """The primitives of the `.def` file at `path`, read with `variants`."""
        return cls(load_def(path), frozenset(variants))

    @property
    def v2(self) -> bool:
        return "lkmmv2" in self.variants

    # ------------------------------------------------------ tag readings

    def halves(self, tags: tuple[str, ...]) -> Halves:
        """A successful RMW annotated `tags` (xchg, cmpxchg, op_return)."""
        if self.v2:
            return Halves(tags, tags)
        if tags == ("mb",):
            return Halves(ONCE, ONCE, True)
        return Halves(tags if tags == ("acquire",) else ONCE, tags if tags == ("release",) else ONCE)

    def failed_read(self, tags: tuple[str, ...]) -> tuple[str, ...]:
        """The read of a failed cmpxchg or atomic_add_unless."""
        return tags if self.v2 else ONCE

    # ------------------------------------------------------------ calls

    def call(self, b: ThreadBuilder, call: A.Call, statement: bool) -> Optional[Sym]:
        return b.expansion(self.macros, call, statement)

    def builtin(self, b: ThreadBuilder, n) -> Optional[Sym]:
        line, label = n.pos.line, b.label_of(n)
        if isinstance(n, A.Load):
            addr = b.address_of(n.loc)
            if n.tags in (("deref",), ("lderef",)):  # a read, then a read-dependency fence
                r = b.emit("R", tag_sets(ONCE), addr, None, line, label)
                b.emit("F", tag_sets(("rb_dep",)), None, None, line, label)
                return b.read_sym(r)
            return b.read_sym(b.emit("R", tag_sets(n.tags), addr, None, line, label))
        if isinstance(n, A.Store):
            addr = b.address_of(n.loc)
            b.emit("W", tag_sets(n.tags), addr, b.expr(n.value), line, label)
            return None
        if isinstance(n, A.Fence):
            b.emit("F", tag_sets(n.tags), None, None, line, label)
            return None
        if isinstance(n, A.Xchg):
            addr, value = b.expr(n.loc), b.expr(n.value)
            r, _ = self._rmw(b, addr, self.halves(n.tags), lambda old: value, line, label)
            return b.read_sym(r)
        if isinstance(n, A.AtomicOp):
            value, addr = b.expr(n.value), b.expr(n.loc)
            halves = Halves(n.tags, n.tags) if self.v2 else Halves(("noreturn",), ONCE)
            self._rmw(b, addr, halves, lambda old: update(n.op, old, value), line, label)
            return None
        if isinstance(n, A.AtomicReturn):
            value, addr = b.expr(n.value), b.expr(n.loc)
            r, _ = self._rmw(b, addr, self.halves(n.tags), lambda old: update(n.op, old, value), line, label)
            old = b.read_sym(r)
            return old if n.fetch else update(n.op, old, value)
        if isinstance(n, A.CmpXchg):
            return self._cmpxchg(b, n, line, label)
        if isinstance(n, A.AddUnless):
            return self._add_unless(b, n, line, label)
        if isinstance(n, A.Lock):
            self._lock(b, b.expr(n.loc), line, label)
            return None
        if isinstance(n, A.Unlock):
            b.emit("W", {"UL"}, b.expr(n.loc), const(UNLOCKED), line, label)
            return None
        if isinstance(n, A.TryLock):
            addr = b.expr(n.loc)
            br = b.fork(None, line)
            with_branch(b, br, True, lambda: self._lock(b, addr, line, label))
            with_branch(b, br, False, lambda: self._read_lock_state(b, "LF", LOCKED, addr, line, label))
            return Sym(VBranch(br))
        if isinstance(n, A.IsLocked):
            addr = b.expr(n.loc)
            br = b.fork(None, line)
            with_branch(b, br, True, lambda: self._read_lock_state(b, "RL", LOCKED, addr, line, label))
            with_branch(b, br, False, lambda: self._read_lock_state(b, "RU", UNLOCKED, addr, line, label))
            return Sym(VBranch(br))
        if isinstance(n, A.SrcuValue):
            addr = b.expr(n.loc)
            # srcu_read_lock's cookie: unique to the call site, as herd7 makes it
            cookie = (Sym(b.instruction.value(lambda i: (b.tid + 1) * 307 + i * 599))
                      if n.tags == ("srcu-lock",) else None)
            b.emit("X", tag_sets(n.tags), addr, cookie, line, label)
            return cookie if cookie is not None else const(0)
        if isinstance(n, A.Srcu):
            addr = b.expr(n.loc)
            value = b.expr(n.value) if n.value is not None else None
            b.emit("X", tag_sets(n.tags), addr, value, line, label)
            return None
        raise b.error(f"'{label}': no LKMM events for {type(n).__name__}", n.pos)

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _rmw(b: ThreadBuilder, addr: Sym, halves: Halves, new_value: Callable[[Sym], Sym],
             line: int, label: str) -> tuple[int, int]:
        """A successful read-modify-write; new_value maps the value read to
        the value written.  Returns (read, write)."""
        if halves.fenced:
            b.emit("F", tag_sets(("mb",)), None, None, line, label)
        r = b.emit("R", tag_sets(halves.read, "RMW"), addr, None, line, label)
        w = b.emit("W", tag_sets(halves.write, "RMW"), addr, new_value(b.read_sym(r)), line, label)
        b.rmw(r, w)
        if halves.fenced:
            b.emit("F", tag_sets(("mb",)), None, None, line, label)
        return r, w

    def _cmpxchg(self, b: ThreadBuilder, n: A.CmpXchg, line: int, label: str) -> Sym:
        addr, old, new = b.expr(n.loc), b.expr(n.old), b.expr(n.new)
        br = b.fork(None, line)
        found: dict[bool, int] = {}

        def success() -> None:
            r, _ = self._rmw(b, addr, self.halves(n.tags), lambda _old: new, line, label)
            b.constrain(VOp("==", (VRead(r), old.value)))
            found[True] = r

        def failure() -> None:
            r = b.emit("R", tag_sets(self.failed_read(n.tags), "RMW"), addr, None, line, label)
            b.constrain(VOp("!=", (VRead(r), old.value)))
            found[False] = r

        with_branch(b, br, True, success)
        with_branch(b, br, False, failure)
        return choose(br, b.read_sym(found[True]), b.read_sym(found[False]))

    def _add_unless(self, b: ThreadBuilder, n: A.AddUnless, line: int, label: str) -> Sym:
        addr, value, limit = b.expr(n.loc), b.expr(n.value), b.expr(n.limit)
        br = b.fork(None, line)
        halves = Halves(n.tags, n.tags) if self.v2 else Halves(ONCE, ONCE, True)

        def success() -> None:
            r, _ = self._rmw(b, addr, halves, lambda old: update("+", old, value), line, label)
            b.constrain(VOp("!=", (VRead(r), limit.value)))

        def failure() -> None:
            r = b.emit("R", tag_sets(self.failed_read(n.tags), "RMW"), addr, None, line, label)
            b.constrain(VOp("==", (VRead(r), limit.value)))

        with_branch(b, br, True, success)
        with_branch(b, br, False, failure)
        return Sym(VBranch(br))

    @staticmethod
    def _lock(b: ThreadBuilder, addr: Sym, line: int, label: str) -> None:
        r = b.emit("R", {"LKR"}, addr, None, line, label)
        b.constrain(VOp("==", (VRead(r), VConst(UNLOCKED))))
        w = b.emit("W", {"LKW"}, addr, const(LOCKED), line, label)
        b.rmw(r, w)

    @staticmethod
    def _read_lock_state(b: ThreadBuilder, tag: str, state: int, addr: Sym, line: int, label: str) -> None:
        r = b.emit("R", {tag}, addr, None, line, label)
        b.constrain(VOp("==", (VRead(r), VConst(state))))


def with_branch(b: ThreadBuilder, branch: int, side: bool, body) -> None:
    """Run `body` with the thread's guard extended by one side of `branch`."""
    saved = b.guard
    b.guard = saved + (Literal(branch, side),)
    try:
        body()
    finally:
        b.guard = saved


def choose(branch: int, then: Sym, other: Sym) -> Sym:
    """The value of `then` when `branch` is taken, else `other`."""
    deps = frozenset((s, g + (Literal(branch, True),)) for s, g in then.deps) | \
        frozenset((s, g + (Literal(branch, False),)) for s, g in other.deps)
    return Sym(VOp("ite", (VBranch(branch), then.value, other.value)), deps)
