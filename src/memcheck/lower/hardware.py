"""Lowering of kernel primitives to the instructions an architecture runs.

The primitive table (lkmm.toml) says what each primitive does (its
operation, arguments, values); the architecture's table (x86.toml,
arm64.toml, power.toml) says which events that operation compiles to there,
per ordering, with variants for other atomics or older kernels.  Control
and address dependencies come from the C walker: an `if` is a conditional
branch, a pointer read and dereferenced is an address dependency.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, Callable, Optional

from ..errors import MemcheckError
from ..litmus import ast as A
from .c_walk import Sym, ThreadBuilder, const
from .lkmm import LOCKED, UNLOCKED, choose, load_table, primitive_args, with_branch
from .program import VBranch, VConst, VOp, VRead

ARCHITECTURES = ("x86", "arm64", "power")


def arch_steps(arch: str, variant: str = "") -> dict[str, list[dict[str, Any]]]:
    """The step table of `arch`, with `variant`'s entries laid over it."""
    text = resources.files("memcheck.lower").joinpath("tables", f"{arch}.toml").read_bytes()
    data = tomllib.loads(text.decode())
    steps = dict(data["steps"])
    if variant:
        variants = data.get("variants", {})
        if variant not in variants:
            known = ", ".join(sorted(variants)) or "none"
            raise MemcheckError(f"no lowering variant '{variant}' for {arch} (known: {known})")
        steps.update({k: v for k, v in variants[variant].items() if k != "description"})
    return steps


@dataclass
class HardwareTarget:
    """C primitives as `arch` executes them, driven by two tables."""
    name: str
    primitives: dict[str, dict[str, Any]]
    steps: dict[str, list[dict[str, Any]]]

    @classmethod
    def for_arch(cls, arch: str, variant: str = "") -> "HardwareTarget":
        return cls(arch, load_table("lkmm"), arch_steps(arch, variant))

    def knows(self, primitive: str) -> bool:
        return primitive in self.primitives

    def statements(self, primitive: str) -> int:
        return self.primitives.get(primitive, {}).get("statements", 0)

    # ------------------------------------------------------------- steps

    def _sequence(self, b: ThreadBuilder, call: A.Call, key: str) -> list[dict[str, Any]]:
        seq = self.steps.get(key)
        if seq is None:
            raise b.error(f"'{call.name}' has no {self.name} lowering", call.pos)
        return seq

    def _run(self, b: ThreadBuilder, call: A.Call, key: str, addr: Optional[Sym],
             value: Callable[[Optional[Sym]], Sym], line: int) -> Optional[int]:
        """Emit the events of `key`; returns the read event, if any.
        `value` gives the written value from the value read (None if no read)."""
        read: Optional[int] = None
        label = call.name
        for step in self._sequence(b, call, key):
            if "fence" in step:
                b.emit("F", set(step["fence"]), None, None, line, label)
            elif "read" in step:
                read = b.emit("R", set(step["read"]), addr, None, line, label)
            elif "write" in step:
                b.emit("W", set(step["write"]), addr, value(None), line, label)
            elif "rmw" in step:
                rtags, wtags = step["rmw"]
                read = b.emit("R", set(rtags), addr, None, line, label)
                w = b.emit("W", set(wtags), addr, value(b.read_sym(read)), line, label)
                b.rmw(read, w)
            elif step.get("ctrl"):
                if read is not None:
                    b.ctrl = b.ctrl | {(read, ())}
            else:
                raise b.error(f"bad step {step} in the {self.name} table", call.pos)
        return read

    # -------------------------------------------------------------- calls

    def call(self, b: ThreadBuilder, call: A.Call) -> Optional[Sym]:
        spec = self.primitives[call.name]
        op = spec["op"]
        line = call.pos.line
        args = primitive_args(b, call, spec)
        addr = args.get("addr")
        if op == "load":
            r = self._run(b, call, f"load.{spec['tag']}", addr, lambda _: const(0), line)
            return b.read_sym(r)
        if op == "store":
            self._run(b, call, f"store.{spec['tag']}", addr, lambda _: args["value"], line)
            if "fence_after" in spec:
                self._run(b, call, f"fence.{spec['fence_after']}", None, lambda _: const(0), line)
            return None
        if op == "fence":
            if spec["tag"] in ("sync-rcu",):
                raise b.error(f"'{call.name}' is a grace period, not an instruction: judge RCU "
                              "tests under the lkmm model", call.pos)
            self._run(b, call, f"fence.{spec['tag']}", None, lambda _: const(0), line)
            return None
        if op == "srcu":
            raise b.error(f"'{call.name}': SRCU has no hardware lowering; judge it under the lkmm model",
                          call.pos)
        if op == "xchg":
            r = self._run(b, call, f"rmw.{spec['order']}", addr, lambda old: args["value"], line)
            return b.read_sym(r)
        if op in ("atomic", "atomic_return"):
            return self._atomic(b, call, spec, args, line)
        if op == "cmpxchg":
            return self._cmpxchg(b, call, spec["order"], args, line)
        if op == "add_unless":
            return self._add_unless(b, call, args, line)
        if op == "lock":
            self._lock(b, call, addr, line)
            return None
        if op == "unlock":
            self._run(b, call, "unlock", addr, lambda _: const(UNLOCKED), line)
            return None
        if op == "trylock":
            br = b.fork(None, line)
            with_branch(b, br, True, lambda: self._lock(b, call, addr, line))
            with_branch(b, br, False, lambda: self._saw(b, call, "trylock-fail", addr, "!=", line))
            return Sym(VBranch(br))
        if op == "is_locked":
            r = self._run(b, call, "is-locked", addr, lambda _: const(0), line)
            v = b.read_sym(r)
            return Sym(VOp("!=", (v.value, VConst(UNLOCKED))), v.deps)
        raise b.error(f"'{call.name}' has no {self.name} lowering", call.pos)

    def _lock(self, b: ThreadBuilder, call: A.Call, addr: Sym, line: int) -> None:
        r = self._run(b, call, "lock", addr, lambda _: const(LOCKED), line)
        b.constrain(VOp("==", (VRead(r), VConst(UNLOCKED))))

    def _saw(self, b: ThreadBuilder, call: A.Call, key: str, addr: Sym, cmp: str, line: int) -> None:
        r = self._run(b, call, key, addr, lambda _: const(0), line)
        b.constrain(VOp(cmp, (VRead(r), VConst(UNLOCKED))))

    def _atomic(self, b, call, spec, args, line) -> Optional[Sym]:
        operand = args.get("value", const(spec.get("operand", 0)))

        def new_value(old: Optional[Sym]) -> Sym:
            assert old is not None
            return Sym(VOp(spec["operator"], (old.value, operand.value)), old.deps | operand.deps)

        order = "noreturn" if spec["op"] == "atomic" else spec["order"]
        r = self._run(b, call, f"rmw.{order}", args["addr"], new_value, line)
        if spec["op"] == "atomic":
            return None
        old = b.read_sym(r)
        result = new_value(old) if spec["returns"] == "new" else old
        if "compare" in spec:
            result = Sym(VOp(spec["compare"], (result.value, VConst(spec["compare_with"]))), result.deps)
        return result

    def _cmpxchg(self, b, call, order, args, line) -> Sym:
        br = b.fork(None, line)
        found: dict[bool, int] = {}

        def success() -> None:
            r = self._run(b, call, f"rmw.{order}", args["addr"], lambda old: args["new"], line)
            b.constrain(VOp("==", (VRead(r), args["old"].value)))
            found[True] = r

        def failure() -> None:
            r = self._run(b, call, f"cmpxchg-fail.{order}", args["addr"], lambda _: const(0), line)
            b.constrain(VOp("!=", (VRead(r), args["old"].value)))
            found[False] = r

        with_branch(b, br, True, success)
        with_branch(b, br, False, failure)
        return choose(br, b.read_sym(found[True]), b.read_sym(found[False]))

    def _add_unless(self, b, call, args, line) -> Sym:
        br = b.fork(None, line)
        value, limit = args["value"], args["unless"]

        def success() -> None:
            r = self._run(b, call, "rmw.mb", args["addr"],
                          lambda old: Sym(VOp("+", (old.value, value.value)), old.deps | value.deps), line)
            b.constrain(VOp("!=", (VRead(r), limit.value)))

        def failure() -> None:
            r = self._run(b, call, "cmpxchg-fail.mb", args["addr"], lambda _: const(0), line)
            b.constrain(VOp("==", (VRead(r), limit.value)))

        with_branch(b, br, True, success)
        with_branch(b, br, False, failure)
        return Sym(VBranch(br))
