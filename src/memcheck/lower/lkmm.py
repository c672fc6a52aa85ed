"""Lowering of kernel primitives to Linux Kernel Memory Model events.

The primitive table (tables/lkmm.toml) says what each primitive is; this
module says what each kind of primitive emits, following the LKMM's own
definitions (herd7's linux-kernel.def and C semantics): tagged accesses,
fences, RMW pairs with their ordering, lock events and SRCU events.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, Optional

from ..litmus import ast as A
from .c_walk import Sym, ThreadBuilder, const
from .program import VBranch, VConst, VOp, VRead

LOCKED, UNLOCKED = 1, 0


def tag_set(tag: str) -> str:
    """The cat set of a tag: 'rcu-lock' -> 'Rcu-lock' (herd's convention)."""
    return tag[0].upper() + tag[1:]


def load_table(name: str) -> dict[str, dict[str, Any]]:
    """A lowering table shipped with the package, by file stem."""
    text = resources.files("memcheck.lower").joinpath("tables", f"{name}.toml").read_bytes()
    return tomllib.loads(text.decode())


@dataclass
class LkmmTarget:
    """The LKMM's view of every kernel primitive, driven by the table."""
    table: dict[str, dict[str, Any]]
    name: str = "lkmm"

    @classmethod
    def default(cls) -> "LkmmTarget":
        return cls(load_table("lkmm"))

    def knows(self, primitive: str) -> bool:
        return primitive in self.table

    def statements(self, primitive: str) -> int:
        """Statements in the block a statement-like primitive expands to."""
        return self.table.get(primitive, {}).get("statements", 0)

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _fence(b: ThreadBuilder, tag: str, line: int, label: str) -> None:
        b.emit("F", {tag_set(tag)}, None, None, line, label)

    def _rmw(self, b: ThreadBuilder, addr: Sym, order: str, new_value, line: int,
             label: str, read_tag: Optional[str] = None) -> tuple[int, int]:
        """A read-modify-write of the given ordering; new_value maps the read
        to the value written.  Returns (read, write)."""
        rtag = read_tag or ("acquire" if order == "acquire" else "once")
        wtag = "release" if order == "release" else "once"
        if order == "mb":
            self._fence(b, "mb", line, label)
        r = b.emit("R", {tag_set(rtag), "RMW"}, addr, None, line, label)
        w = b.emit("W", {tag_set(wtag), "RMW"}, addr, new_value(b.read_sym(r)), line, label)
        b.rmw(r, w)
        if order == "mb":
            self._fence(b, "mb", line, label)
        return r, w

    # --------------------------------------------------------------- call

    def call(self, b: ThreadBuilder, call: A.Call) -> Optional[Sym]:
        spec = self.table[call.name]
        op = spec["op"]
        line, label = call.pos.line, call.name
        args = primitive_args(b, call, spec)
        if op == "load":
            r = b.emit("R", {tag_set(spec["tag"])}, args["addr"], None, line, label)
            return b.read_sym(r)
        if op == "store":
            b.emit("W", {tag_set(spec["tag"])}, args["addr"], args["value"], line, label)
            if "fence_after" in spec:
                self._fence(b, spec["fence_after"], line, label)
            return None
        if op == "fence":
            self._fence(b, spec["tag"], line, label)
            return None
        if op == "xchg":
            value = args["value"]
            r, _ = self._rmw(b, args["addr"], spec["order"], lambda old: value, line, label)
            return b.read_sym(r)
        if op == "cmpxchg":
            return self._cmpxchg(b, args, spec["order"], line, label)
        if op in ("atomic", "atomic_return"):
            return self._atomic(b, args, spec, line, label)
        if op == "add_unless":
            return self._add_unless(b, args, line, label)
        if op == "lock":
            self._lock(b, args["addr"], line, label)
            return None
        if op == "unlock":
            b.emit("W", {"UL"}, args["addr"], const(UNLOCKED), line, label)
            return None
        if op == "trylock":
            br = b.fork(None, line)
            with_branch(b, br, True, lambda: self._lock(b, args["addr"], line, label))
            with_branch(b, br, False, lambda: self._read_lock_state(b, "LF", LOCKED, args["addr"], line, label))
            return Sym(VBranch(br))
        if op == "is_locked":
            br = b.fork(None, line)
            with_branch(b, br, True, lambda: self._read_lock_state(b, "RL", LOCKED, args["addr"], line, label))
            with_branch(b, br, False, lambda: self._read_lock_state(b, "RU", UNLOCKED, args["addr"], line, label))
            return Sym(VBranch(br))
        if op == "srcu":
            return self._srcu(b, args, spec["tag"], line, label)
        raise b.error(f"'{call.name}': unknown operation '{op}' in the lowering table", call.pos)

    def _lock(self, b: ThreadBuilder, addr: Sym, line: int, label: str) -> None:
        r = b.emit("R", {"LKR"}, addr, None, line, label)
        b.constrain(VOp("==", (VRead(r), VConst(UNLOCKED))))
        w = b.emit("W", {"LKW"}, addr, const(LOCKED), line, label)
        b.rmw(r, w)

    @staticmethod
    def _read_lock_state(b: ThreadBuilder, tag: str, state: int, addr: Sym, line: int, label: str) -> None:
        r = b.emit("R", {tag}, addr, None, line, label)
        b.constrain(VOp("==", (VRead(r), VConst(state))))

    def _cmpxchg(self, b: ThreadBuilder, args: dict[str, Sym], order: str, line: int, label: str) -> Sym:
        br = b.fork(None, line)
        old, new = args["old"], args["new"]
        found: dict[bool, int] = {}

        def success() -> None:
            r, _ = self._rmw(b, args["addr"], order, lambda _old: new, line, label)
            b.constrain(VOp("==", (VRead(r), old.value)))
            found[True] = r

        def failure() -> None:
            r = b.emit("R", {"Once", "RMW"}, args["addr"], None, line, label)
            b.constrain(VOp("!=", (VRead(r), old.value)))
            found[False] = r

        with_branch(b, br, True, success)
        with_branch(b, br, False, failure)
        return choose(br, b.read_sym(found[True]), b.read_sym(found[False]))

    def _atomic(self, b: ThreadBuilder, args: dict[str, Sym], spec: dict[str, Any], line: int, label: str) -> Optional[Sym]:
        operand = args.get("value", const(spec.get("operand", 0)))
        operator = spec["operator"]

        def new_value(old: Sym) -> Sym:
            return Sym(VOp(operator, (old.value, operand.value)), old.deps | operand.deps)

        if spec["op"] == "atomic":
            self._rmw(b, args["addr"], "once", new_value, line, label, read_tag="noreturn")
            return None
        r, _ = self._rmw(b, args["addr"], spec["order"], new_value, line, label)
        old = b.read_sym(r)
        result = new_value(old) if spec["returns"] == "new" else old
        if "compare" in spec:
            result = Sym(VOp(spec["compare"], (result.value, VConst(spec["compare_with"]))), result.deps)
        return result

    def _add_unless(self, b: ThreadBuilder, args: dict[str, Sym], line: int, label: str) -> Sym:
        br = b.fork(None, line)
        value, limit = args["value"], args["unless"]

        def success() -> None:
            r, _ = self._rmw(b, args["addr"], "mb", lambda old: Sym(VOp("+", (old.value, value.value)), old.deps | value.deps), line, label)
            b.constrain(VOp("!=", (VRead(r), limit.value)))

        def failure() -> None:
            r = b.emit("R", {"Once", "RMW"}, args["addr"], None, line, label)
            b.constrain(VOp("==", (VRead(r), limit.value)))

        with_branch(b, br, True, success)
        with_branch(b, br, False, failure)
        return Sym(VBranch(br))

    @staticmethod
    def _srcu(b: ThreadBuilder, args: dict[str, Sym], tag: str, line: int, label: str) -> Optional[Sym]:
        if tag == "srcu-lock":
            # a cookie unique to this call site, as herd7 makes it
            cookie = const((b.tid + 1) * 307 + b.instruction * 599)
            b.emit("X", {tag_set(tag)}, args["addr"], cookie, line, label)
            return cookie
        b.emit("X", {tag_set(tag)}, args["addr"], args.get("index"), line, label)
        return None


def primitive_args(b, call: A.Call, spec: dict[str, Any]) -> dict:
    """A call's arguments by role: `addr` for the location (from an lvalue or
    a pointer), else the role's name (value, old, new, unless, index).
    `b` evaluates them: a ThreadBuilder, or the assembly printer's thread."""
    roles = spec.get("args", [])
    if len(call.args) != len(roles):
        raise b.error(f"'{call.name}' takes {len(roles)} argument(s), got {len(call.args)}", call.pos)
    out: dict[str, Sym] = {}
    for role, arg in zip(roles, call.args):
        if role == "lvalue":
            out["addr"] = b.address_of(arg)
        elif role == "ptr":
            out["addr"] = b.expr(arg)
        else:
            out[role] = b.expr(arg)
    return out


def with_branch(b: ThreadBuilder, branch: int, side: bool, body) -> None:
    """Run `body` with the thread's guard extended by one side of `branch`."""
    from .program import Literal
    saved = b.guard
    b.guard = saved + (Literal(branch, side),)
    try:
        body()
    finally:
        b.guard = saved


def choose(branch: int, then: Sym, other: Sym) -> Sym:
    """The value of `then` when `branch` is taken, else `other`."""
    from .program import Literal
    deps = frozenset((s, g + (Literal(branch, True),)) for s, g in then.deps) | \
        frozenset((s, g + (Literal(branch, False),)) for s, g in other.deps)
    return Sym(VOp("ite", (VBranch(branch), then.value, other.value)), deps)
