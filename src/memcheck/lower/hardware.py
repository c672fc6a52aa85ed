"""Lowering of kernel primitives to the instructions an architecture runs.

What a primitive is comes from its expansion by memcheck's own
models/lkmm.def into herd's builtins (an `__xchg` tagged mb, a `__load`
tagged acquire, ...); the architecture's table (x86.toml, arm64.toml,
power.toml) says which events each builtin and tag compiles to there
(`rmw.mb`, `load.acquire`), with variants for other atomics or other
kernel generations.  Control and address dependencies come from the C walker: an `if`
is a conditional branch, a pointer read and dereferenced is an address
dependency.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, Callable, Optional

from ..errors import MemcheckError
from ..litmus import ast as A
from ..litmus.def_ast import Macros
from .c_walk import Sym, ThreadBuilder, const
from .expand import default_macros
from .lkmm import LOCKED, UNLOCKED, choose, update, with_branch
from .program import VBranch, VConst, VOp, VRead

ARCHITECTURES = ("x86", "arm64", "power", "riscv")


def arch_steps(arch: str, variant: str = "") -> dict[str, list[dict[str, Any]]]:
    """The step table of `arch`, with the entries of `variant` laid over it
    (several variants joined by '+' are laid over in turn: `llsc+ticket`)."""
    text = resources.files("memcheck.lower").joinpath("tables", f"{arch}.toml").read_bytes()
    data = tomllib.loads(text.decode())
    steps = dict(data["steps"])
    variants = data.get("variants", {})
    for name in filter(None, variant.split("+")):
        if name not in variants:
            known = ", ".join(sorted(variants)) or "none"
            raise MemcheckError(f"no lowering variant '{name}' for {arch} (known: {known})")
        steps.update({k: v for k, v in variants[name].items() if k != "description"})
    return steps


def tag_of(tags: tuple[str, ...], default: str = "") -> str:
    """The one annotation of a builtin of memcheck's lkmm.def (`{mb}`)."""
    return "-".join(tags) or default


@dataclass
class HardwareTarget:
    """C primitives as `arch` executes them: the builtins of their lkmm.def
    expansion, each through the architecture's step table."""
    name: str
    macros: Macros
    steps: dict[str, list[dict[str, Any]]]

    @classmethod
    def for_arch(cls, arch: str, variant: str = "") -> "HardwareTarget":
        return cls(arch, default_macros(), arch_steps(arch, variant))

    # ------------------------------------------------------------- steps

    def _run(self, b: ThreadBuilder, node, key: str, addr: Optional[Sym],
             value: Callable[[Optional[Sym]], Sym]) -> Optional[int]:
        """Emit the events of `key`; returns the read event, if any.
        `value` gives the written value from the value read (None if no read)."""
        label, line = b.label_of(node), node.pos.line
        seq = self.steps.get(key)
        if seq is None:
            raise b.error(f"'{label}' has no {self.name} lowering", node.pos)
        read: Optional[int] = None
        written: Optional[int] = None
        for step in seq:
            if "fence" in step:
                b.emit("F", set(step["fence"]), None, None, line, label)
            elif "read" in step:
                read = b.emit("R", set(step["read"]), addr, None, line, label)
            elif "write" in step:
                b.emit("W", set(step["write"]), addr, value(None), line, label)
            elif "rmw" in step:
                rtags, wtags = step["rmw"]
                read = b.emit("R", set(rtags), addr, None, line, label)
                written = b.emit("W", set(wtags), addr, value(b.read_sym(read)), line, label)
                b.rmw(read, written)
            elif step.get("ctrl"):
                # a branch on the value read (true, "read") or on a
                # store-conditional's status ("write"): later events depend on it
                sources = step["ctrl"] if isinstance(step["ctrl"], list) else ["read"]
                found = {"read": read, "write": written}
                b.ctrl = b.ctrl | {(found[k], ()) for k in sources if found.get(k) is not None}
            else:
                raise b.error(f"bad step {step} in the {self.name} table", node.pos)
        return read

    # -------------------------------------------------------------- calls

    def call(self, b: ThreadBuilder, call: A.Call, statement: bool) -> Optional[Sym]:
        return b.expansion(self.macros, call, statement)

    def builtin(self, b: ThreadBuilder, n) -> Optional[Sym]:
        zero: Callable[[Optional[Sym]], Sym] = lambda _: const(0)
        if isinstance(n, A.Load):
            return b.read_sym(self._run(b, n, f"load.{tag_of(n.tags)}", b.address_of(n.loc), zero))
        if isinstance(n, A.Store):
            addr = b.address_of(n.loc)
            value = b.expr(n.value)
            self._run(b, n, f"store.{tag_of(n.tags)}", addr, lambda _: value)
            return None
        if isinstance(n, A.Fence):
            if n.tags == ("sync-rcu",):
                raise b.error(f"'{b.label_of(n)}' is a grace period, not an instruction: judge RCU "
                              "tests under the lkmm model", n.pos)
            self._run(b, n, f"fence.{tag_of(n.tags)}", None, zero)
            return None
        if isinstance(n, (A.Srcu, A.SrcuValue)):
            raise b.error(f"'{b.label_of(n)}': SRCU has no hardware lowering; judge it under the lkmm model",
                          n.pos)
        if isinstance(n, A.Xchg):
            addr, value = b.expr(n.loc), b.expr(n.value)
            return b.read_sym(self._run(b, n, f"rmw.{tag_of(n.tags)}", addr, lambda old: value))
        if isinstance(n, (A.AtomicOp, A.AtomicReturn)):
            return self._atomic(b, n)
        if isinstance(n, A.CmpXchg):
            return self._cmpxchg(b, n)
        if isinstance(n, A.AddUnless):
            return self._add_unless(b, n)
        if isinstance(n, A.Lock):
            self._lock(b, n, b.expr(n.loc))
            return None
        if isinstance(n, A.Unlock):
            self._run(b, n, "unlock", b.expr(n.loc), lambda _: const(UNLOCKED))
            return None
        if isinstance(n, A.TryLock):
            addr = b.expr(n.loc)
            br = b.fork(None, n.pos.line)
            key = "trylock" if "trylock" in self.steps else "lock"
            with_branch(b, br, True, lambda: self._lock(b, n, addr, key))
            with_branch(b, br, False, lambda: self._saw(b, n, "trylock-fail", addr, "!="))
            return Sym(VBranch(br))
        if isinstance(n, A.IsLocked):
            v = b.read_sym(self._run(b, n, "is-locked", b.expr(n.loc), zero))
            return Sym(VOp("!=", (v.value, VConst(UNLOCKED))), v.deps)
        raise b.error(f"'{b.label_of(n)}' has no {self.name} lowering", n.pos)

    def _lock(self, b: ThreadBuilder, n, addr: Sym, key: str = "lock") -> None:
        r = self._run(b, n, key, addr, lambda _: const(LOCKED))
        b.constrain(VOp("==", (VRead(r), VConst(UNLOCKED))))

    def _saw(self, b: ThreadBuilder, n, key: str, addr: Sym, cmp: str) -> None:
        r = self._run(b, n, key, addr, lambda _: const(0))
        b.constrain(VOp(cmp, (VRead(r), VConst(UNLOCKED))))

    def _atomic(self, b: ThreadBuilder, n) -> Optional[Sym]:
        """`__atomic_op` (a value-less atomic: the `noreturn` steps) or
        `__atomic_op_return` / `__atomic_fetch_op`."""
        operand, addr = b.expr(n.value), b.expr(n.loc)
        returns = isinstance(n, A.AtomicReturn)
        key = f"rmw.{tag_of(n.tags)}" if returns else "rmw.noreturn"
        r = self._run(b, n, key, addr, lambda old: update(n.op, old, operand))
        if not returns:
            return None
        old = b.read_sym(r)
        return old if n.fetch else update(n.op, old, operand)

    def _cmpxchg(self, b: ThreadBuilder, n: A.CmpXchg) -> Sym:
        addr, old, new = b.expr(n.loc), b.expr(n.old), b.expr(n.new)
        order = tag_of(n.tags)
        br = b.fork(None, n.pos.line)
        found: dict[bool, int] = {}

        def success() -> None:
            r = self._run(b, n, self._cas_key(order), addr, lambda _old: new)
            b.constrain(VOp("==", (VRead(r), old.value)))
            found[True] = r

        def failure() -> None:
            r = self._run(b, n, f"cmpxchg-fail.{order}", addr, lambda _: const(0))
            b.constrain(VOp("!=", (VRead(r), old.value)))
            found[False] = r

        with_branch(b, br, True, success)
        with_branch(b, br, False, failure)
        return choose(br, b.read_sym(found[True]), b.read_sym(found[False]))

    def _cas_key(self, order: str) -> str:
        """A successful compare-and-swap: its own entry where the table has
        one (RISC-V's LR/SC cmpxchg beside its AMOs), else the RMW's."""
        key = f"cmpxchg.{order}"
        return key if key in self.steps else f"rmw.{order}"

    def _add_unless(self, b: ThreadBuilder, n: A.AddUnless) -> Sym:
        addr, value, limit = b.expr(n.loc), b.expr(n.value), b.expr(n.limit)
        order = tag_of(n.tags, "mb")  # herd7's legacy atomic_add_unless is fully ordered
        br = b.fork(None, n.pos.line)

        def success() -> None:
            r = self._run(b, n, self._cas_key(order), addr, lambda old: update("+", old, value))
            b.constrain(VOp("!=", (VRead(r), limit.value)))

        def failure() -> None:
            r = self._run(b, n, f"cmpxchg-fail.{order}", addr, lambda _: const(0))
            b.constrain(VOp("==", (VRead(r), limit.value)))

        with_branch(b, br, True, success)
        with_branch(b, br, False, failure)
        return Sym(VBranch(br))
