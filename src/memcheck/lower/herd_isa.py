"""Assembly instructions lowered with herd7's events, for herd's own models.

The instruction semantics stay asm_isa.py's; in this mode each event is
named by the sets herd puts it in (tables/herd-ARCH.toml, via herd_view),
belongs to its instruction's instance, and, for models that compute their
own dependencies (herd's `catdep`, as aarch64.cat), every register access
is an event too, as in herd's semantics:

- a read of a register (not the zero register) is an event in Rreg (and
  DATA when the instruction reads it as data, [data_ports]), read by rf-reg
  from the register write it sees; a write is an event in Wreg;
- within an instruction, iico_data relates an event to the events whose
  values it takes: a value carries, as dependencies, the events of the
  current instruction it was computed from (register reads, the memory
  read), so whatever event takes it gets its iico_data edges; edges out of
  a commit (a choice made on values: CAS's compare, CSEL's condition, a
  conditional branch) are iico_ctrl;
- compares write the flags register, conditionals read it; a conditional
  branch is a commit (B, BCC); NOP and B are events with no action;
- load-exclusives write the reservation register, store-exclusives read
  it and clear it, and their write is controlled by it (iico_ctrl).
"""
from __future__ import annotations

from typing import Any, Optional

from ..litmus.asm_ast import Cond, Instr, Reg
from .asm import AsmThreadBuilder
from .asm_isa import FLAG_A, FLAG_B, Isa, Jump, isa_for, operate, with_guard
from .c_walk import Sym, const, merge_registers
from .herd_view import HerdNames
from .program import Literal, VConst

RESERVATION = "#Res"  # the reservation register (herd's ResAddr), not a final register


class HerdThreadBuilder(AsmThreadBuilder):
    """An assembly thread whose events are named and related as herd's."""

    def __init__(self, pb, test, thread, names: HerdNames, registers: bool):
        super().__init__(pb, test, thread)
        self.names = names
        self.registers = registers
        self.current: set[int] = set()     # events of the instruction being lowered
        self.commits: set[int] = set()     # commits of this thread (their edges are iico_ctrl)
        self.reg_events: set[int] = set()  # register reads and writes of this thread
        self.ctrl_from: frozenset[int] = frozenset()  # commits controlling what is emitted now

    def begin(self) -> None:
        """A new instruction instance: its events are related among themselves only."""
        prog = self.pb.program
        self.instance = max(prog.instance.values(), default=-1) + 1
        self.current = set()

    # ------------------------------------------------------------ emission

    def relate(self, name: str, src: int, dst: int, guard: tuple[Literal, ...]) -> None:
        self.pb.program.relations.setdefault(name, set()).add((src, dst, self._join(guard)))

    def inputs(self, deps, dst: int) -> None:
        """iico edges into `dst` from the current instruction's events in `deps`."""
        for src, g in deps:
            if src in self.current:
                self.relate("iico_ctrl" if src in self.commits else "iico_data", src, dst, g)

    def emit(self, kind, tags, addr, value, line, label="") -> int:
        """An event named herd's way; its iico edges come from the current
        instruction's events its address and value were computed from.  A
        non-memory event keeps no value (its inputs are only relations)."""
        names = self.names.herd_tags(tags)
        eid = super().emit(kind, names, addr, value if kind != "X" else None, line, label)
        self.pb.program.instance[eid] = self.instance
        if "B" in names:
            self.commits.add(eid)
        if addr is not None:
            self.inputs(addr.deps, eid)
        if value is not None and kind != "R":
            self.inputs(value.deps, eid)
        for src in self.ctrl_from:
            self.relate("iico_ctrl", src, eid, ())
        self.current.add(eid)
        return eid

    def rmw(self, r: int, w: int) -> None:
        """An rmw pair; one atomic step when herd makes its events one ([instance] one_event)."""
        super().rmw(r, w)
        events = self.pb.program.events
        if any(s in events[r].tags and s in events[w].tags for s in self.names.one_event):
            self.pb.program.atomic_steps.add((r, w))

    def add_data(self, deps, target: int) -> None:
        super().add_data(deps, target)
        self.inputs(deps, target)

    def commit(self, tags, cond: Optional[Sym], line: int, label: str) -> int:
        """A commit (herd's Branching, tags naming B): its inputs from `cond`."""
        return self.emit("X", tags, None, cond, line, label)

    # ------------------------------------------------------------ registers

    def read_register(self, key: str, held: Sym, data: bool, line: int, label: str) -> Sym:
        """A register read event: rf-reg from the writes `held` came from."""
        r = self.emit("X", {"Rreg", "DATA"} if data else {"Rreg"}, None, None, line, label)
        self.reg_events.add(r)
        for src, g in held.deps:
            if src in self.reg_events and src not in self.current:
                self.relate("rf-reg", src, r, g)
        return Sym(held.value, self._older(held.deps) | {(r, ())})

    def write_register(self, value: Sym, line: int, label: str) -> Sym:
        """A register write event taking `value`: what the register then holds."""
        w = self.emit("X", {"Wreg"}, None, value, line, label)
        self.reg_events.add(w)
        return Sym(value.value, self._older(value.deps) | {(w, ())})

    def _older(self, deps) -> frozenset:
        """The memory reads among `deps` (memcheck's own dependencies, kept for
        its view; register events and commits are herd's business)."""
        return frozenset(d for d in deps if d[0] not in self.reg_events and d[0] not in self.commits)


class HerdIsa:
    """Mixin over an architecture's Isa: herd's events (see module doc)."""

    names: HerdNames

    def begin(self, tb: HerdThreadBuilder, instr: Any) -> None:
        tb.begin()

    def _what(self, instr: Instr, what: str) -> str:
        return f"{what} ({self.text(instr)})"  # type: ignore[attr-defined]

    # registers ---------------------------------------------------------

    def get(self, tb, op, instr):
        v = super().get(tb, op, instr)  # type: ignore[misc]
        if not tb.registers or not isinstance(op, Reg):
            return v
        key = self._key(tb, op, instr)  # type: ignore[attr-defined]
        if key is None:
            return v
        return tb.read_register(key, v, self._is_data(instr, op), instr.pos.line,
                                self._what(instr, f"R {key}"))

    def set(self, tb, op, value, instr) -> None:
        if tb.registers and isinstance(op, Reg) and self._key(tb, op, instr) is not None:  # type: ignore[attr-defined]
            value = tb.write_register(value, instr.pos.line, self._what(instr, f"W {op.name}"))
        super().set(tb, op, value, instr)  # type: ignore[misc]

    def _is_data(self, instr: Instr, op: Any) -> bool:
        s = self.lookup(instr)  # type: ignore[attr-defined]
        ports = self.names.data_ports.get(s.get("op", "") if s else "", ())
        return any(instr.operands[i] is op for i in ports if i < len(instr.operands))

    def set_flags(self, tb, a: Sym, b: Sym) -> None:
        if tb.registers:
            w = tb.write_register(Sym(const(0).value, a.deps | b.deps), 0, self.names.registers["flags"])
            wdep = {d for d in w.deps if d[0] in tb.reg_events}
            a = Sym(a.value, tb._older(a.deps) | wdep)
            b = Sym(b.value, tb._older(b.deps) | wdep)
        super().set_flags(tb, a, b)  # type: ignore[misc]

    def condition(self, tb, name: str, instr: Instr) -> Sym:
        if not tb.registers or name.upper() == "AL":
            return super().condition(tb, name, instr)  # type: ignore[misc]
        flags = self.names.registers["flags"]
        a, b = tb.regs.get(FLAG_A, const(0)), tb.regs.get(FLAG_B, const(0))
        held = Sym(a.value, a.deps | b.deps)
        r = tb.read_register(flags, held, False, instr.pos.line, self._what(instr, f"R {flags}"))
        rdep = {d for d in r.deps if d[0] in tb.current}
        saved = (tb.regs.get(FLAG_A), tb.regs.get(FLAG_B))
        tb.regs[FLAG_A] = Sym(a.value, tb._older(a.deps) | rdep)
        tb.regs[FLAG_B] = Sym(b.value, tb._older(b.deps) | rdep)
        try:
            return super().condition(tb, name, instr)  # type: ignore[misc]
        finally:
            for key, v in zip((FLAG_A, FLAG_B), saved):
                if v is None:
                    tb.regs.pop(key, None)
                else:
                    tb.regs[key] = v

    # control -------------------------------------------------------------

    def jump(self, tb, instr) -> Optional[Jump]:
        j = super().jump(tb, instr)  # type: ignore[misc]
        if j is None or not tb.registers:
            return j
        if j.cond is None:  # B: an event with no action
            tb.emit("X", set(), None, None, instr.pos.line, self.text(instr))  # type: ignore[attr-defined]
            return j
        c = tb.commit({"B", "BCC"}, j.cond, instr.pos.line, self._what(instr, "branch"))
        return Jump(j.label, Sym(j.cond.value, j.cond.deps | {(c, ())}))

    def op_nop(self, tb, instr, s) -> None:
        if tb.registers:
            tb.emit("X", set(), None, None, instr.pos.line, self.text(instr))  # type: ignore[attr-defined]


class HerdReservationIsa(HerdIsa):
    """Load-reserve/store-conditional with herd's reservation register: the
    load writes it, the store reads it (its write controlled by it) and
    clears it."""

    def load_exclusive(self, tb, instr, tags, addr: Sym) -> Sym:
        v = super().load_exclusive(tb, instr, tags, addr)  # type: ignore[misc]
        if tb.registers:
            tb.regs[RESERVATION] = tb.write_register(addr, instr.pos.line, self._what(instr, "W Res"))
        return v

    def store_exclusive(self, tb, instr, tags, addr: Sym, value: Sym) -> Optional[int]:
        if not tb.registers:
            return super().store_exclusive(tb, instr, tags, addr, value)  # type: ignore[misc]
        res = tb.read_register("Res", tb.regs.get(RESERVATION, const(0)), False, instr.pos.line,
                               self._what(instr, "R Res"))
        r = next(d[0] for d in res.deps if d[0] in tb.current)
        saved = tb.ctrl_from
        tb.ctrl_from = frozenset({r}) | frozenset(d[0] for d in addr.deps if d[0] in tb.current)
        try:
            b = super().store_exclusive(tb, instr, tags, addr, value)  # type: ignore[misc]
        finally:
            tb.ctrl_from = saved
        tb.ctrl_from = frozenset({r})
        try:
            tb.regs[RESERVATION] = tb.write_register(const(0), instr.pos.line, self._what(instr, "W Res"))
        finally:
            tb.ctrl_from = saved
        return b


class HerdA64Isa(HerdReservationIsa):
    """AArch64 specifics of herd's events: barriers by option, CSEL's
    commit, SWP's iico_order, OP3 reading a register named twice once."""

    def op_barrier(self, tb, instr, s) -> None:
        ops = self.operands(tb, instr, 0, 1)  # type: ignore[attr-defined]
        opt = ops[0].name.upper() if ops else "SY"
        if opt not in self.table["barrier_options"]:  # type: ignore[attr-defined]
            raise tb.error(f"unsupported barrier option '{opt}'", instr.pos)
        self.fence(tb, instr, [f"{instr.op.upper()}.{opt}"])  # type: ignore[attr-defined]

    def op_alu(self, tb, instr, s) -> None:
        ops = instr.operands
        if tb.registers and len(ops) == 3 and isinstance(ops[1], Reg) and isinstance(ops[2], Reg) \
                and self._key(tb, ops[1], instr) == self._key(tb, ops[2], instr):  # type: ignore[attr-defined]
            v = self.get(tb, ops[1], instr)
            self.set(tb, ops[0], operate(s["operator"], v, v), instr)
            return
        super().op_alu(tb, instr, s)  # type: ignore[misc]

    def op_cmp(self, tb, instr, s) -> None:
        ops = instr.operands
        if tb.registers and len(ops) == 2 and isinstance(ops[0], Reg) and isinstance(ops[1], Reg) \
                and self._key(tb, ops[0], instr) == self._key(tb, ops[1], instr):  # type: ignore[attr-defined]
            v = self.get(tb, ops[0], instr)
            self.set_flags(tb, v, v)
            return
        super().op_cmp(tb, instr, s)  # type: ignore[misc]

    def op_csel(self, tb, instr, s) -> None:
        """herd: the flags decide a commit; only the chosen register is read,
        under the commit's control, then written to Rd."""
        if not tb.registers:
            return super().op_csel(tb, instr, s)  # type: ignore[misc]
        rd, rn, rm, cond = self.operands(tb, instr, 4)  # type: ignore[attr-defined]
        if not isinstance(cond, Cond):
            raise tb.error(f"expected a condition in '{self.text(instr)}'", instr.pos)  # type: ignore[attr-defined]
        c = self.condition(tb, cond.name, instr)
        x = tb.commit({"Pick"}, c, instr.pos.line, self._what(instr, "pick"))

        def leg(which: bool) -> None:
            saved = tb.ctrl_from
            tb.ctrl_from = frozenset({x})
            try:
                v = self.get(tb, rn, instr) if which else \
                    self._alter(s["alter"], self.get(tb, rm, instr))  # type: ignore[attr-defined]
            finally:
                tb.ctrl_from = saved
            self.set(tb, rd, v, instr)

        if isinstance(c.value, VConst):
            leg(c.value.value != 0)
            return
        b = tb.fork(c.value, instr.pos.line)
        before = dict(tb.regs)
        with_guard(tb, Literal(b, True), lambda: leg(True))
        taken = tb.regs
        tb.regs = dict(before)
        with_guard(tb, Literal(b, False), lambda: leg(False))
        tb.regs = merge_registers(b, taken, tb.regs)

    def op_swp(self, tb, instr, s) -> None:
        start = len(tb.pb.events)
        super().op_swp(tb, instr, s)  # type: ignore[misc]
        if tb.registers:
            mem = [e.eid for e in tb.pb.events[start:] if e.kind in ("R", "W")]
            if len(mem) == 2:
                tb.relate("iico_order", mem[0], mem[1], ())


class HerdRiscvIsa(HerdReservationIsa):
    """RISC-V specifics of herd's events: an access keeps every ordering
    its annotation names, the ones RVWMO ignores (an LR's .rl, an SC's .aq)
    too."""

    keeps_ignored = True


_MIXINS: dict[str, type] = {"AArch64": HerdA64Isa, "RISCV": HerdRiscvIsa}


def herd_isa_for(arch: str, names: HerdNames) -> Isa:
    """`arch`'s instruction semantics giving herd's events."""
    base = type(isa_for(arch))
    cls = type(f"Herd{base.__name__}", (_MIXINS.get(arch, HerdIsa), base), {"names": names})
    return cls()
