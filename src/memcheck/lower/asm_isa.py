"""What each X86, AArch64, PPC and RISCV instruction does to registers and memory.

tables/asm.toml says which operation each mnemonic is and which cat tags its
events carry; the `op_*` handlers here give each operation its registers,
events, dependencies and read-modify-write pairs, herd7's way:

- a store-exclusive (STXR, stwcx.) may succeed or fail (a free branch); on
  success its write forms an rmw pair with the thread's open load-exclusive
  to the same address, its status register (ARM) is 0, else 1; PPC's CR0
  records the success for beq/bne.  With no open load-exclusive it fails.
- LSE atomics are rmw pairs tagged Amo; a failing CAS is a read alone.  An
  atomic whose result register is the zero register reads with tag NoRet
  (not acquire), as herd7 gives it.  A CAS's compare is a Pick node (below)
  and, as in herd7, each CAS outcome comes in two executions that differ in
  where the returned value's dependency comes from.
- a conditional select (CSEL) picks a register by the flags: the reads
  feeding the flags reach an X event tagged Pick by `data`, and the result
  depends on that Pick node (herd's "pick" dependencies), plus a data
  dependency on the selected register only.
- values are folded where they are known (x ^ x is 0), dependencies kept:
  herd7's dependencies are syntactic, and constant addresses keep the
  solver's aliasing small.
- X86 XCHG and LOCK-prefixed operations are locked rmw pairs (tag Locked).
- a RISC-V AMO is one memory operation that both loads and stores: a read
  and a write tagged Amo, forming an rmw pair, both carrying the
  instruction's ordering annotation (models/riscv.cat treats the two as
  one operation); LR and SC pair like load/store-exclusives, and a
  successful SC's status register (0) depends on the SC, as the RVWMO
  chapter makes rd a destination register of a successful SC.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Optional

from ..litmus.asm_ast import BarrierOpt, Cond, Imm, Instr, LabelRef, Mem, Reg, Shift, Var
from ..litmus.parse_asm import RISCV_ABI_NAMES, format_instr
from .values import evaluate
from .c_walk import Sym, ThreadBuilder, const
from .program import Literal, Value, VBranch, VConst, VOp, VRead

FLAG_A, FLAG_B = "#flags.a", "#flags.b"  # pseudo-registers: last compare's operands


@dataclass(frozen=True)
class Jump:
    """A branch to `label`, taken when `cond` is non-zero (None: always)."""
    label: str
    cond: Optional[Sym]


@lru_cache(maxsize=None)
def asm_table() -> dict[str, Any]:
    """The instruction table shipped with the package."""
    text = resources.files("memcheck.lower").joinpath("tables", "asm.toml").read_bytes()
    return tomllib.loads(text.decode())


# ------------------------------------------------------------------ values

def _eval_const(op: str, args: tuple[int, ...]) -> int:
    """A constant operation, with the engine's 64-bit C semantics."""
    return evaluate(VOp(op, tuple(VConst(a) for a in args)), {}, [])


_SAME_OPERANDS = {"^": 0, "-": 0, "==": 1, "<=": 1, ">=": 1, "!=": 0, "<": 0, ">": 0}


def fold(op: str, *args: Sym) -> Sym:
    """`op` applied to symbolic values, folded when the result is known;
    dependencies are kept whatever the folding (herd's are syntactic)."""
    deps = frozenset().union(*(a.deps for a in args))
    vals = tuple(a.value for a in args)
    if all(isinstance(v, VConst) for v in vals):
        return Sym(VConst(_eval_const(op, tuple(v.value for v in vals))), deps)  # type: ignore[union-attr]
    if len(vals) == 2 and vals[0] == vals[1] and op in _SAME_OPERANDS:
        return Sym(VConst(_SAME_OPERANDS[op]), deps)
    if len(vals) == 2 and op in ("+", "|", "^", "-") and vals[1] == VConst(0):
        return Sym(vals[0], deps)
    if len(vals) == 2 and op in ("+", "|", "^") and vals[0] == VConst(0):
        return Sym(vals[1], deps)
    return Sym(VOp(op, vals), deps)


def operate(operator: str, a: Sym, b: Sym) -> Sym:
    """A table operator: C operators plus 'clr' (a & ~b)."""
    if operator == "clr":
        return fold("&", a, fold("~", b))
    return fold(operator, a, b)


def with_guard(tb: ThreadBuilder, lit: Literal, body: Callable[[], Any]) -> Any:
    """Run `body` with the thread's guard extended by `lit`."""
    saved = tb.guard
    tb.guard = saved + (lit,)
    try:
        return body()
    finally:
        tb.guard = saved


def choose(b: int, then: Sym, other: Sym) -> Sym:
    """`then` when branch b is taken, else `other`; deps guarded likewise."""
    if then == other:
        return then
    deps = frozenset((s, g + (Literal(b, True),)) for s, g in then.deps) | \
        frozenset((s, g + (Literal(b, False),)) for s, g in other.deps)
    return Sym(VOp("ite", (VBranch(b), then.value, other.value)), deps)


# ------------------------------------------------------------------ common

_SYMBOLIC = re.compile(r"[WX]?(%[A-Za-z_]\w*)")


def symbolic_register(name: str) -> Optional[str]:
    """The slot of a symbolic register (`%x0`, AArch64 `X%x0`), if it is one."""
    m = _SYMBOLIC.fullmatch(name)
    return m.group(1) if m else None


class Isa:
    """Instruction semantics common to the three architectures."""

    arch = ""

    def __init__(self) -> None:
        table = asm_table()
        self.table: dict[str, Any] = table[self.arch]
        self.conditions: dict[str, str] = table["conditions"]

    # registers -------------------------------------------------------

    def reg_key(self, name: str) -> Optional[str]:
        """The register file slot `name` denotes; None for a zero register."""
        raise NotImplementedError

    def final_registers(self, regs: dict[str, Sym]) -> dict[str, Value]:
        """Final register values under the names conditions use."""
        return {k: s.value for k, s in regs.items() if not k.startswith("#")}

    def get(self, tb: ThreadBuilder, op: Any, instr: Instr) -> Sym:
        """The value of a register or immediate operand."""
        if isinstance(op, Imm):
            return const(op.value)
        if isinstance(op, Reg):
            key = self._key(tb, op, instr)
            return const(0) if key is None else tb.regs.get(key, const(0))
        raise tb.error(f"expected a register or an immediate in '{self.text(instr)}'", instr.pos)

    def set(self, tb: ThreadBuilder, op: Any, value: Sym, instr: Instr) -> None:
        """Write a register (writes to a zero register vanish)."""
        if not isinstance(op, Reg):
            raise tb.error(f"expected a register in '{self.text(instr)}'", instr.pos)
        key = self._key(tb, op, instr)
        if key is not None:
            tb.regs[key] = value

    def _key(self, tb: ThreadBuilder, reg: Reg, instr: Instr) -> Optional[str]:
        sym = symbolic_register(reg.name)
        if sym is not None:
            return sym
        try:
            return self.reg_key(reg.name)
        except KeyError:
            raise tb.error(f"'{reg.name}' is not a data register of {self.arch}", instr.pos) from None

    def is_zero(self, op: Any) -> bool:
        return isinstance(op, Reg) and symbolic_register(op.name) is None and self.reg_key(op.name) is None

    # instructions -----------------------------------------------------

    def begin(self, tb: ThreadBuilder, instr: Instr) -> None:
        """Called before each instruction (herd_isa.py numbers their instances)."""

    def text(self, instr: Instr) -> str:
        return format_instr(self.arch, instr)

    def spec(self, tb: ThreadBuilder, instr: Instr) -> dict[str, Any]:
        """The table entry of an instruction (errors for unknown ones)."""
        s = self.lookup(instr)
        if s is None:
            raise tb.error(f"unsupported {self.arch} instruction '{instr.mnemonic}'", instr.pos)
        return s

    def lookup(self, instr: Instr) -> Optional[dict[str, Any]]:
        return self.table.get(instr.op) or self.table.get(instr.mnemonic)

    def operands(self, tb: ThreadBuilder, instr: Instr, n: int, m: Optional[int] = None) -> tuple:
        """The operands, checking there are n (to m) of them."""
        ops = instr.operands
        if not (n <= len(ops) <= (m if m is not None else n)):
            raise tb.error(f"'{instr.mnemonic}' takes {n} operand(s): '{self.text(instr)}'", instr.pos)
        return ops

    def is_exclusive(self, item: Any) -> bool:
        s = self.lookup(item) if isinstance(item, Instr) else None
        return bool(s) and s.get("op") in ("load_excl", "store_excl")

    def execute(self, tb: ThreadBuilder, instr: Instr) -> None:
        """Run one (non-branch) instruction."""
        s = self.spec(tb, instr)
        handler = getattr(self, "op_" + s["op"], None)
        if handler is None:
            raise tb.error(f"'{instr.mnemonic}' is a branch here only forward to a label", instr.pos)
        handler(tb, instr, s)

    def jump(self, tb: ThreadBuilder, instr: Instr) -> Optional[Jump]:
        """The branch an instruction makes, if it is one."""
        return None

    @staticmethod
    def label(tb: ThreadBuilder, lab, instr: Instr) -> str:
        """A branch's target, which must be a label."""
        if not isinstance(lab, LabelRef):
            raise tb.error("expected a label", instr.pos)
        return lab.name

    def condition(self, tb: ThreadBuilder, name: str, instr: Instr) -> Sym:
        """A condition code on the flags of the last compare."""
        up = name.upper()
        if up == "AL":
            return const(1)
        op = self.conditions.get(up)
        if op is None:
            raise tb.error(f"unsupported condition '{name}'", instr.pos)
        return fold(op, tb.regs.get(FLAG_A, const(0)), tb.regs.get(FLAG_B, const(0)))

    def set_flags(self, tb: ThreadBuilder, a: Sym, b: Sym) -> None:
        tb.regs[FLAG_A] = a
        tb.regs[FLAG_B] = b

    # events -------------------------------------------------------------

    def location(self, tb: ThreadBuilder, name: str, instr: Instr) -> Sym:
        try:
            return const(tb.pb.locations[name])
        except KeyError:
            raise tb.error(f"undeclared shared variable '{name}'", instr.pos) from None

    def read(self, tb: ThreadBuilder, instr: Instr, tags, addr: Sym) -> int:
        return tb.emit("R", set(tags), addr, None, instr.pos.line, self.text(instr))

    def write(self, tb: ThreadBuilder, instr: Instr, tags, addr: Sym, value: Sym) -> int:
        return tb.emit("W", set(tags), addr, value, instr.pos.line, self.text(instr))

    def fence(self, tb: ThreadBuilder, instr: Instr, tags) -> None:
        tb.emit("F", set(tags), None, None, instr.pos.line, self.text(instr))

    def load_exclusive(self, tb: ThreadBuilder, instr: Instr, tags, addr: Sym) -> Sym:
        r = self.read(tb, instr, tags, addr)
        tb.reservation = (r, addr)  # type: ignore[attr-defined]
        return tb.read_sym(r)

    def store_exclusive(self, tb: ThreadBuilder, instr: Instr, tags, addr: Sym,
                        value: Sym) -> Optional[int]:
        """A store-exclusive: the branch that is its success, or None when it
        cannot succeed (no open load-exclusive)."""
        res = tb.reservation  # type: ignore[attr-defined]
        tb.reservation = None  # type: ignore[attr-defined]
        if res is None:
            return None
        r, raddr = res
        b = tb.fork(None, instr.pos.line)

        def success() -> None:
            w = self.write(tb, instr, tags, addr, value)
            tb.rmw(r, w)
            if raddr.value != addr.value:
                tb.constrain(VOp("==", (raddr.value, addr.value)))

        with_guard(tb, Literal(b, True), success)
        return b

    def rmw(self, tb: ThreadBuilder, instr: Instr, rtags, wtags, addr: Sym,
            new: Callable[[Sym], Sym]) -> int:
        """A read and a write forming an rmw pair; `new` maps the value read
        (without its own dependency: herd drops same-instruction edges) to
        the value written.  Returns the read."""
        r = self.read(tb, instr, rtags, addr)
        w = self.write(tb, instr, wtags, addr, new(Sym(VRead(r))))
        tb.rmw(r, w)
        return r


# ------------------------------------------------------------------- X86

_X86_REGS = frozenset({"EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP"})


class X86Isa(Isa):
    """x86: MOV, XCHG, fences and LOCK-prefixed read-modify-writes."""

    arch = "X86"

    def reg_key(self, name: str) -> Optional[str]:
        up = name.upper()
        if up not in _X86_REGS:
            raise KeyError(name)
        return up

    def address(self, tb: ThreadBuilder, m: Mem, instr: Instr) -> Sym:
        if isinstance(m.base, Var):
            return self.location(tb, m.base.name, instr)
        if isinstance(m.base, Reg):
            return self.get(tb, m.base, instr)
        raise tb.error("absolute addresses are not supported", instr.pos)

    def op_mov(self, tb, instr, s) -> None:
        dst, src = self.operands(tb, instr, 2)
        if isinstance(src, Mem) and isinstance(dst, Reg):
            r = self.read(tb, instr, (), self.address(tb, src, instr))
            self.set(tb, dst, tb.read_sym(r), instr)
        elif isinstance(dst, Mem):
            self.write(tb, instr, (), self.address(tb, dst, instr), self.get(tb, src, instr))
        else:
            self.set(tb, dst, self.get(tb, src, instr), instr)

    def op_xchg(self, tb, instr, s) -> None:
        a, b = self.operands(tb, instr, 2)
        if isinstance(a, Reg) and isinstance(b, Reg):
            va, vb = self.get(tb, a, instr), self.get(tb, b, instr)
            self.set(tb, a, vb, instr)
            self.set(tb, b, va, instr)
            return
        mem, reg = (a, b) if isinstance(a, Mem) else (b, a)
        value = self.get(tb, reg, instr)
        tags = s.get("tags", [])
        r = self.rmw(tb, instr, tags, tags, self.address(tb, mem, instr), lambda old: value)
        self.set(tb, reg, tb.read_sym(r), instr)

    def op_fence(self, tb, instr, s) -> None:
        self.fence(tb, instr, s.get("tags", []))

    def _mem_update(self, tb, instr, mem: Mem, new: Callable[[Sym], Sym]) -> int:
        """A read then write of `mem`: locked rmw with LOCK, else two accesses."""
        addr = self.address(tb, mem, instr)
        if instr.prefixes:
            return self.rmw(tb, instr, ["Locked"], ["Locked"], addr, new)
        r = self.read(tb, instr, (), addr)
        self.write(tb, instr, (), addr, new(tb.read_sym(r)))
        return r

    def op_alu2(self, tb, instr, s) -> None:
        dst, src = self.operands(tb, instr, 2)
        v = self.get(tb, src, instr)
        if isinstance(dst, Mem):
            self._mem_update(tb, instr, dst, lambda old: operate(s["operator"], old, v))
        else:
            self.set(tb, dst, operate(s["operator"], self.get(tb, dst, instr), v), instr)

    def op_alu1(self, tb, instr, s) -> None:
        (dst,) = self.operands(tb, instr, 1)
        if isinstance(dst, Mem):
            self._mem_update(tb, instr, dst, lambda old: operate(s["operator"], old, const(1)))
        else:
            self.set(tb, dst, operate(s["operator"], self.get(tb, dst, instr), const(1)), instr)

    def op_xadd(self, tb, instr, s) -> None:
        mem, reg = self.operands(tb, instr, 2)
        if not isinstance(mem, Mem):
            raise tb.error("XADD needs a memory destination", instr.pos)
        v = self.get(tb, reg, instr)
        r = self._mem_update(tb, instr, mem, lambda old: fold("+", old, v))
        self.set(tb, reg, tb.read_sym(r), instr)

    def op_cmpxchg(self, tb, instr, s) -> None:
        mem, reg = self.operands(tb, instr, 2)
        if not isinstance(mem, Mem):
            raise tb.error("CMPXCHG needs a memory destination", instr.pos)
        addr = self.address(tb, mem, instr)
        expected, new = self.get(tb, Reg("EAX"), instr), self.get(tb, reg, instr)
        tags = ["Locked"] if instr.prefixes else []
        b = tb.fork(None, instr.pos.line)
        got: dict[bool, int] = {}

        def success() -> None:
            if instr.prefixes:
                got[True] = self.rmw(tb, instr, tags, tags, addr, lambda old: new)
            else:
                got[True] = self.read(tb, instr, tags, addr)
                self.write(tb, instr, tags, addr, new)
            tb.constrain(VOp("==", (VRead(got[True]), expected.value)))

        def failure() -> None:
            got[False] = self.read(tb, instr, tags, addr)
            tb.constrain(VOp("!=", (VRead(got[False]), expected.value)))

        with_guard(tb, Literal(b, True), success)
        with_guard(tb, Literal(b, False), failure)
        self.set(tb, Reg("EAX"), choose(b, expected, tb.read_sym(got[False])), instr)

    def op_cmp(self, tb, instr, s) -> None:
        a, b = self.operands(tb, instr, 2)
        self.set_flags(tb, self.get(tb, a, instr), self.get(tb, b, instr))

    def jump(self, tb, instr) -> Optional[Jump]:
        s = self.lookup(instr)
        op = s.get("op") if s else None
        if op not in ("jump", "bcond"):
            return None
        (lab,) = self.operands(tb, instr, 1)
        return Jump(self.label(tb, lab, instr), None if op == "jump" else self.condition(tb, s["cond"], instr))


# --------------------------------------------------------------- AArch64

_A64_REG = re.compile(r"([WX])(\d+)|([WX])ZR|(W?SP)", re.I)


class A64Isa(Isa):
    """AArch64: loads/stores with acquire/release, exclusives, LSE atomics,
    barriers, data processing, compares, conditional selects and branches."""

    arch = "AArch64"

    def __init__(self) -> None:
        super().__init__()
        fam = self.table["atomic_families"]
        names = "|".join(sorted(fam, key=len, reverse=True))
        self._atomic = re.compile(rf"({names})(AL|A|L)?(B|H)?")

    def reg_key(self, name: str) -> Optional[str]:
        m = _A64_REG.fullmatch(name)
        if m is None:
            raise KeyError(name)
        if m.group(2) is not None:
            return f"X{int(m.group(2))}"
        if m.group(3) is not None:
            return None
        return "SP"

    def final_registers(self, regs: dict[str, Sym]) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for k, s in regs.items():
            if k.startswith("#"):
                continue
            out[k] = s.value
            if k.startswith("X"):
                out["W" + k[1:]] = s.value
        return out

    def lookup(self, instr: Instr) -> Optional[dict[str, Any]]:
        s = self.table.get(instr.op)
        if s is not None and "op" in s:
            return s
        if instr.op.startswith("B."):
            return {"op": "bcond", "cond": instr.op[2:]}
        m = self._atomic.fullmatch(instr.op)
        if m is None:
            return None
        fam = dict(self.table["atomic_families"][m.group(1)])
        fam["order"] = self.table["atomic_orders"][m.group(2) or ""]
        return fam

    # addresses and operands ------------------------------------------------

    def address(self, tb, m: Any, instr: Instr) -> Sym:
        """The address a memory operand denotes (base register writeback for
        pre- and post-indexed forms)."""
        if not isinstance(m, Mem) or not isinstance(m.base, Reg):
            raise tb.error(f"expected a memory operand [Xn,...] in '{self.text(instr)}'", instr.pos)
        base = self.get(tb, m.base, instr)
        off = const(0) if m.offset is None else self.get(tb, m.offset, instr)
        off = self.shifted(tb, off, m.extend, instr)
        if m.mode == "offset":
            return fold("+", base, off)
        updated = fold("+", base, off)
        self.set(tb, m.base, updated, instr)
        return updated if m.mode == "pre" else base

    def shifted(self, tb, v: Sym, sh: Optional[Shift], instr: Instr) -> Sym:
        if sh is None or not sh.amount:
            return v
        if sh.op.upper() in ("LSL", "SXTW", "UXTW", "SXTX", "UXTX"):
            return fold("<<", v, const(sh.amount))
        if sh.op.upper() in ("LSR", "ASR"):
            return fold(">>", v, const(sh.amount))
        raise tb.error(f"unsupported shift '{sh.op}'", instr.pos)

    def source(self, tb, ops: tuple, instr: Instr) -> Sym:
        """The second source operand: a register or immediate, maybe shifted."""
        v = self.get(tb, ops[0], instr)
        return self.shifted(tb, v, ops[1] if len(ops) > 1 and isinstance(ops[1], Shift) else None, instr)

    # memory ---------------------------------------------------------------

    def op_load(self, tb, instr, s) -> None:
        rt, mem = self.operands(tb, instr, 2)
        r = self.read(tb, instr, s.get("tags", []), self.address(tb, mem, instr))
        self.set(tb, rt, tb.read_sym(r), instr)

    def op_store(self, tb, instr, s) -> None:
        rt, mem = self.operands(tb, instr, 2)
        value = self.get(tb, rt, instr)
        self.write(tb, instr, s.get("tags", []), self.address(tb, mem, instr), value)

    def op_load_excl(self, tb, instr, s) -> None:
        rt, mem = self.operands(tb, instr, 2)
        v = self.load_exclusive(tb, instr, s.get("tags", []), self.address(tb, mem, instr))
        self.set(tb, rt, v, instr)

    def op_store_excl(self, tb, instr, s) -> None:
        status, rt, mem = self.operands(tb, instr, 3)
        value = self.get(tb, rt, instr)
        b = self.store_exclusive(tb, instr, s.get("tags", []), self.address(tb, mem, instr), value)
        self.set(tb, status, const(1) if b is None else Sym(VOp("ite", (VBranch(b), VConst(0), VConst(1)))), instr)

    def _read_tags(self, s, noret: bool) -> list[str]:
        return ["Amo", "NoRet"] if noret else ["Amo"] + s["order"]["read"]

    def op_swp(self, tb, instr, s) -> None:
        rs, rt, mem = self.operands(tb, instr, 3)
        value = self.get(tb, rs, instr)
        r = self.rmw(tb, instr, self._read_tags(s, self.is_zero(rt)), ["Amo"] + s["order"]["write"],
                     self.address(tb, mem, instr), lambda old: value)
        self.set(tb, rt, tb.read_sym(r), instr)

    def op_ldop(self, tb, instr, s) -> None:
        rs, rt, mem = self.operands(tb, instr, 3)
        self._ldop(tb, instr, s, rs, rt, mem)

    def op_stop(self, tb, instr, s) -> None:
        rs, mem = self.operands(tb, instr, 2)
        self._ldop(tb, instr, s, rs, Reg("XZR"), mem)

    def _ldop(self, tb, instr, s, rs, rt, mem) -> None:
        operand = self.get(tb, rs, instr)
        addr = self.address(tb, mem, instr)
        # the value written is computed from the value read: a data edge
        # inside one instruction (models leave it out of `data`, herd's
        # same-instance rule, but dependencies through memory go through it)
        r = self.read(tb, instr, self._read_tags(s, self.is_zero(rt)), addr)
        w = self.write(tb, instr, ["Amo"] + s["order"]["write"], addr,
                       operate(s["operator"], tb.read_sym(r), operand))
        tb.rmw(r, w)
        self.set(tb, rt, tb.read_sym(r), instr)

    def op_cas(self, tb, instr, s) -> None:
        """CAS Rs,Rt,[Xn]: on success an rmw pair writing Rt, on failure a
        read.  The compare is a Pick node fed by Rs and the read; the write
        depends on it.  herd7 makes two executions of each outcome: on
        success Rs gets the old value from Rs itself (with the pick) or from
        the read; on failure from the read, with or without the pick."""
        rs, rt, mem = self.operands(tb, instr, 3)
        addr = self.address(tb, mem, instr)
        expected, new = self.get(tb, rs, instr), self.get(tb, rt, instr)
        noret = self.is_zero(rs)
        b = tb.fork(None, instr.pos.line)
        got: dict[bool, Sym] = {}

        def success() -> None:
            r = self.read(tb, instr, self._read_tags(s, noret), addr)
            x = tb.emit("X", {"Pick"}, None, None, instr.pos.line, self.text(instr))
            tb.add_data(expected.deps | {(r, ())}, x)  # type: ignore[attr-defined]
            w = self.write(tb, instr, ["Amo"] + s["order"]["write"], addr,
                           Sym(new.value, new.deps | {(x, ())}))
            tb.rmw(r, w)
            tb.constrain(VOp("==", (VRead(r), expected.value)))
            from_rs = Sym(expected.value, expected.deps | {(x, ())})
            prov = tb.fork(None, instr.pos.line)
            got[True] = choose(prov, from_rs, tb.read_sym(r))

        def failure() -> None:
            r = self.read(tb, instr, ["NoRet"] if noret else s["order"]["read"], addr)
            tb.constrain(VOp("!=", (VRead(r), expected.value)))
            x = tb.emit("X", {"Pick"}, None, None, instr.pos.line, self.text(instr))
            tb.add_data(expected.deps | {(r, ())}, x)  # type: ignore[attr-defined]
            with_pick = Sym(VRead(r), frozenset({(r, ()), (x, ())}))
            prov = tb.fork(None, instr.pos.line)
            got[False] = choose(prov, with_pick, tb.read_sym(r))

        with_guard(tb, Literal(b, True), success)
        with_guard(tb, Literal(b, False), failure)
        self.set(tb, rs, choose(b, got[True], got[False]), instr)

    # barriers ---------------------------------------------------------------

    def op_barrier(self, tb, instr, s) -> None:
        ops = self.operands(tb, instr, 0, 1)
        opt = ops[0].name.upper() if ops else "SY"
        scope = self.table["barrier_options"].get(opt)
        if scope is None:
            raise tb.error(f"unsupported barrier option '{opt}'", instr.pos)
        self.fence(tb, instr, [s["kind"] + scope] if scope else [s["kind"]])

    def op_fence(self, tb, instr, s) -> None:
        self.fence(tb, instr, s.get("tags", []))

    def op_nop(self, tb, instr, s) -> None:
        pass

    # data processing --------------------------------------------------------

    def op_move(self, tb, instr, s) -> None:
        ops = self.operands(tb, instr, 2, 3)
        self.set(tb, ops[0], self.source(tb, ops[1:], instr), instr)

    def op_alu(self, tb, instr, s) -> None:
        ops = self.operands(tb, instr, 3, 4)
        a = self.get(tb, ops[1], instr)
        self.set(tb, ops[0], operate(s["operator"], a, self.source(tb, ops[2:], instr)), instr)

    def op_cmp(self, tb, instr, s) -> None:
        ops = self.operands(tb, instr, 2, 3)
        self.set_flags(tb, self.get(tb, ops[0], instr), self.source(tb, ops[1:], instr))

    def op_csel(self, tb, instr, s) -> None:
        rd, rn, rm, cond = self.operands(tb, instr, 4)
        if not isinstance(cond, Cond):
            raise tb.error(f"expected a condition in '{self.text(instr)}'", instr.pos)
        c = self.condition(tb, cond.name, instr)
        then = self.get(tb, rn, instr)
        other = self._alter(s["alter"], self.get(tb, rm, instr))
        pick: frozenset = frozenset()
        if c.deps:
            x = tb.emit("X", {"Pick"}, None, None, instr.pos.line, self.text(instr))
            tb.add_data(c.deps, x)  # type: ignore[attr-defined]
            pick = frozenset({(x, ())})
        if isinstance(c.value, VConst):
            chosen = then if c.value.value != 0 else other
        elif then.deps == other.deps:
            chosen = Sym(VOp("ite", (c.value, then.value, other.value)), then.deps)
        else:
            b = tb.fork(c.value, instr.pos.line)
            chosen = choose(b, then, other)
        self.set(tb, rd, Sym(chosen.value, chosen.deps | pick), instr)

    @staticmethod
    def _alter(kind: str, v: Sym) -> Sym:
        if kind == "inc":
            return fold("+", v, const(1))
        if kind == "inv":
            return fold("~", v)
        if kind == "neg":
            return fold("neg", v)
        return v

    # branches -------------------------------------------------------------

    def jump(self, tb, instr) -> Optional[Jump]:
        s = self.lookup(instr)
        op = s.get("op") if s else None
        if op == "jump":
            (lab,) = self.operands(tb, instr, 1)
            return Jump(self.label(tb, lab, instr), None)
        if op == "bcond":
            (lab,) = self.operands(tb, instr, 1)
            return Jump(self.label(tb, lab, instr), self.condition(tb, s["cond"], instr))
        if op in ("cbz", "cbnz"):
            rt, lab = self.operands(tb, instr, 2)
            test = "==" if op == "cbz" else "!="
            return Jump(self.label(tb, lab, instr), fold(test, self.get(tb, rt, instr), const(0)))
        return None


# ------------------------------------------------------------------- PPC

_PPC_REG = re.compile(r"r(\d+)", re.I)


class PpcIsa(Isa):
    """Power: loads/stores (d-form and indexed), lwarx/stwcx., fences,
    integer arithmetic, compares and conditional branches on CR0."""

    arch = "PPC"

    def reg_key(self, name: str) -> Optional[str]:
        m = _PPC_REG.fullmatch(name)
        if m is None:
            raise KeyError(name)
        return f"r{int(m.group(1))}"

    def lookup(self, instr: Instr) -> Optional[dict[str, Any]]:
        return self.table.get(instr.mnemonic.lower())

    def base(self, tb, op, instr) -> Sym:
        """A base-address operand: register r0 there means the number 0."""
        if isinstance(op, Reg) and symbolic_register(op.name) is None and self.reg_key(op.name) == "r0":
            return const(0)
        return self.get(tb, op, instr)

    def d_address(self, tb, m, instr) -> Sym:
        if not isinstance(m, Mem) or not isinstance(m.base, Reg):
            raise tb.error(f"expected a memory operand d(rA) in '{self.text(instr)}'", instr.pos)
        off = m.offset.value if isinstance(m.offset, Imm) else 0
        return fold("+", self.base(tb, m.base, instr), const(off))

    def x_address(self, tb, ra, rb, instr) -> Sym:
        return fold("+", self.base(tb, ra, instr), self.get(tb, rb, instr))

    def op_load_d(self, tb, instr, s) -> None:
        rd, mem = self.operands(tb, instr, 2)
        r = self.read(tb, instr, s.get("tags", []), self.d_address(tb, mem, instr))
        self.set(tb, rd, tb.read_sym(r), instr)

    def op_load_x(self, tb, instr, s) -> None:
        rd, ra, rb = self.operands(tb, instr, 3)
        r = self.read(tb, instr, s.get("tags", []), self.x_address(tb, ra, rb, instr))
        self.set(tb, rd, tb.read_sym(r), instr)

    def op_store_d(self, tb, instr, s) -> None:
        rs, mem = self.operands(tb, instr, 2)
        self.write(tb, instr, s.get("tags", []), self.d_address(tb, mem, instr), self.get(tb, rs, instr))

    def op_store_x(self, tb, instr, s) -> None:
        rs, ra, rb = self.operands(tb, instr, 3)
        self.write(tb, instr, s.get("tags", []), self.x_address(tb, ra, rb, instr), self.get(tb, rs, instr))

    def op_load_excl(self, tb, instr, s) -> None:
        rd, ra, rb = self.operands(tb, instr, 3)
        v = self.load_exclusive(tb, instr, s.get("tags", []), self.x_address(tb, ra, rb, instr))
        self.set(tb, rd, v, instr)

    def op_store_excl(self, tb, instr, s) -> None:
        rs, ra, rb = self.operands(tb, instr, 3)
        b = self.store_exclusive(tb, instr, s.get("tags", []), self.x_address(tb, ra, rb, instr),
                                 self.get(tb, rs, instr))
        # CR0's EQ bit records the success: flags (success, 1) compare equal then
        self.set_flags(tb, const(0) if b is None else Sym(VBranch(b)), const(1))

    def op_fence(self, tb, instr, s) -> None:
        self.fence(tb, instr, s.get("tags", []))

    def op_nop(self, tb, instr, s) -> None:
        pass

    def op_li(self, tb, instr, s) -> None:
        rd, imm = self.operands(tb, instr, 2)
        self.set(tb, rd, self.get(tb, imm, instr), instr)

    def op_move(self, tb, instr, s) -> None:
        rd, rs = self.operands(tb, instr, 2)
        self.set(tb, rd, self.get(tb, rs, instr), instr)

    def op_addi(self, tb, instr, s) -> None:
        rd, ra, imm = self.operands(tb, instr, 3)
        self.set(tb, rd, fold("+", self.base(tb, ra, instr), self.get(tb, imm, instr)), instr)

    def op_alu(self, tb, instr, s) -> None:
        rd, ra, rb = self.operands(tb, instr, 3)
        v = operate(s["operator"], self.get(tb, ra, instr), self.get(tb, rb, instr))
        self.set(tb, rd, v, instr)

    def op_subf(self, tb, instr, s) -> None:
        rd, ra, rb = self.operands(tb, instr, 3)
        self.set(tb, rd, fold("-", self.get(tb, rb, instr), self.get(tb, ra, instr)), instr)

    def op_cmp(self, tb, instr, s) -> None:
        ops = self.operands(tb, instr, 2, 3)
        if len(ops) == 3:  # cmpw crN,rA,rB: only cr0 is modelled
            ops = ops[1:]
        self.set_flags(tb, self.get(tb, ops[0], instr), self.get(tb, ops[1], instr))

    def jump(self, tb, instr) -> Optional[Jump]:
        s = self.lookup(instr)
        op = s.get("op") if s else None
        if op not in ("jump", "bcond"):
            return None
        target = self.label(tb, self.operands(tb, instr, 1, 2)[-1], instr)
        return Jump(target, None if op == "jump" else self.condition(tb, s["cond"], instr))


# ------------------------------------------------------------------ RISCV

_RV_REG = re.compile(r"x(\d+)")
_RV_ANNOTATION = re.compile(r"(.*?)((?:\.aq\.rl|\.aqrl|\.aq|\.rl)?)")


class RiscvIsa(Isa):
    """RISC-V (RV64GC): loads and stores (with herd7's .aq/.rl extension),
    LR/SC, AMOs with annotations, every FENCE form, integer arithmetic and
    compare-and-branch instructions."""

    arch = "RISCV"
    keeps_ignored = False  # the annotations RVWMO ignores (an LR's .rl, an SC's .aq) are dropped

    def __init__(self) -> None:
        super().__init__()
        self.abi = RISCV_ABI_NAMES
        self.aliases: dict[int, list[str]] = {}
        for name, n in RISCV_ABI_NAMES.items():
            self.aliases.setdefault(n, []).append(name)

    def reg_key(self, name: str) -> Optional[str]:
        m = _RV_REG.fullmatch(name)
        n = int(m.group(1)) if m and int(m.group(1)) < 32 else self.abi.get(name)
        if n is None:
            raise KeyError(name)
        return None if n == 0 else f"x{n}"

    def final_registers(self, regs: dict[str, Sym]) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for k, s in regs.items():
            if k.startswith("#"):
                continue
            out[k] = s.value
            m = _RV_REG.fullmatch(k)
            for alias in self.aliases.get(int(m.group(1)), []) if m else []:
                out[alias] = s.value
        return out

    def lookup(self, instr: Instr) -> Optional[dict[str, Any]]:
        """An entry of the table: the mnemonic itself, or its family (`lw`,
        `lr.w`, `amoadd.d`) with the ordering its annotation suffix gives."""
        name = instr.mnemonic.lower()
        s = self.table.get(name)
        if s is not None and "op" in s:
            return s
        m = _RV_ANNOTATION.fullmatch(name)
        assert m is not None
        base, suffix = m.group(1), m.group(2)
        fam = self.table["families"].get(base)
        if fam is None or suffix not in fam.get("annotations", [""]):
            return None
        tags = list(self.table["annotations"][suffix])
        if tags == fam.get("alone_ignored") and not self.keeps_ignored:  # lr.rl, sc.aq: none
            tags = []
        return dict(fam, tags=fam.get("tags", []) + tags)

    def address(self, tb, m: Any, instr: Instr) -> Sym:
        if not isinstance(m, Mem) or not isinstance(m.base, Reg):
            raise tb.error(f"expected a memory operand d(rs1) in '{self.text(instr)}'", instr.pos)
        off = m.offset.value if isinstance(m.offset, Imm) else 0
        return fold("+", self.get(tb, m.base, instr), const(off))

    # memory ---------------------------------------------------------------

    def op_load(self, tb, instr, s) -> None:
        rd, mem = self.operands(tb, instr, 2)
        r = self.read(tb, instr, s["tags"], self.address(tb, mem, instr))
        self.set(tb, rd, tb.read_sym(r), instr)

    def op_store(self, tb, instr, s) -> None:
        rs2, mem = self.operands(tb, instr, 2)
        self.write(tb, instr, s["tags"], self.address(tb, mem, instr), self.get(tb, rs2, instr))

    def op_load_excl(self, tb, instr, s) -> None:
        rd, mem = self.operands(tb, instr, 2)
        self.set(tb, rd, self.load_exclusive(tb, instr, s["tags"], self.address(tb, mem, instr)), instr)

    def op_store_excl(self, tb, instr, s) -> None:
        rd, rs2, mem = self.operands(tb, instr, 3)
        before = len(tb.pb.events)
        b = self.store_exclusive(tb, instr, s["tags"], self.address(tb, mem, instr), self.get(tb, rs2, instr))
        if b is None:
            self.set(tb, rd, const(1), instr)
            return
        deps = frozenset((e.eid, e.guard) for e in tb.pb.events[before:] if e.kind == "W")
        self.set(tb, rd, Sym(VOp("ite", (VBranch(b), VConst(0), VConst(1))), deps), instr)

    def op_amo(self, tb, instr, s) -> None:
        rd, rs2, mem = self.operands(tb, instr, 3)
        operand = self.get(tb, rs2, instr)
        op = s["operator"]

        def new(old: Sym) -> Sym:
            if op == "swap":
                return operand
            if op in ("max", "min"):
                return fold("ite", fold(">" if op == "max" else "<", old, operand), old, operand)
            return operate(op, old, operand)

        r = self.rmw(tb, instr, s["tags"], s["tags"], self.address(tb, mem, instr), new)
        self.set(tb, rd, tb.read_sym(r), instr)

    def op_fence(self, tb, instr, s) -> None:
        if s.get("tags"):  # fence.tso, fence.i
            self.fence(tb, instr, s["tags"])
            return
        ops = self.operands(tb, instr, 0, 2)
        if len(ops) == 1:
            raise tb.error("a fence names both its predecessor and successor sets: 'fence rw,rw'", instr.pos)
        sets = [o.name.lower() if isinstance(o, BarrierOpt) else "" for o in ops] or ["iorw", "iorw"]
        if not all(sets):
            raise tb.error(f"expected 'fence PRED,SUCC' with sets of i, o, r, w in '{self.text(instr)}'",
                           instr.pos)
        pred, succ = ("".join(c for c in x if c in "rw") for x in sets)
        # the i and o bits order device input and output, outside main memory
        self.fence(tb, instr, [f"Fence.{pred}.{succ}" if pred and succ else "Fence.io"])

    def op_nop(self, tb, instr, s) -> None:
        pass

    # arithmetic -------------------------------------------------------------

    def op_li(self, tb, instr, s) -> None:
        rd, imm = self.operands(tb, instr, 2)
        if not isinstance(imm, Imm):
            raise tb.error(f"expected an immediate in '{self.text(instr)}'", instr.pos)
        self.set(tb, rd, const(imm.value << s.get("shift", 0)), instr)

    def op_move(self, tb, instr, s) -> None:
        rd, rs = self.operands(tb, instr, 2)
        self.set(tb, rd, self.get(tb, rs, instr), instr)

    def op_alu(self, tb, instr, s) -> None:
        rd, rs1, src = self.operands(tb, instr, 3)
        if isinstance(src, Imm) != bool(s.get("immediate")):
            kind = "an immediate" if s.get("immediate") else "a register"
            raise tb.error(f"'{instr.mnemonic}' takes {kind} last: '{self.text(instr)}'", instr.pos)
        self.set(tb, rd, operate(s["operator"], self.get(tb, rs1, instr), self.get(tb, src, instr)), instr)

    # branches -------------------------------------------------------------

    def jump(self, tb, instr) -> Optional[Jump]:
        s = self.lookup(instr)
        op = s.get("op") if s else None
        if op == "jump":
            (lab,) = self.operands(tb, instr, 1)
            return Jump(self.label(tb, lab, instr), None)
        if op == "bcc":
            a, b, lab = self.operands(tb, instr, 3)
            return Jump(self.label(tb, lab, instr),
                        fold(s["cond"], self.get(tb, a, instr), self.get(tb, b, instr)))
        if op == "bccz":
            a, lab = self.operands(tb, instr, 2)
            return Jump(self.label(tb, lab, instr), fold(s["cond"], self.get(tb, a, instr), const(0)))
        return None


_ISAS: dict[str, type[Isa]] = {"X86": X86Isa, "AArch64": A64Isa, "PPC": PpcIsa, "RISCV": RiscvIsa}


def isa_for(arch: str) -> Isa:
    """The instruction semantics of an assembly dialect."""
    return _ISAS[arch]()
