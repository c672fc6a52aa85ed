"""Lowering of assembly litmus tests (X86, AArch64, PPC, RISCV) to event Programs.

Each thread is executed symbolically: registers hold `Sym` values with the
reads they depend on, so address, data and control dependencies fall out of
the register flow, as in herd7.  A conditional branch forward to a label of
the same thread becomes a `Branch`: the instructions it skips carry the
not-taken literal in their guard, registers are merged at the label, and
every event after the branch depends by `ctrl` on the reads feeding its
condition.  What each instruction does is asm_isa.py's business.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..errors import MemcheckError
from ..litmus import ast as A
from ..litmus.asm_ast import AsmTest, AsmThread, Instr, Label, Mem, Var
from .asm_isa import Isa, Jump, isa_for, symbolic_register
from .c_walk import (ADDRESS_BASE, ADDRESS_STRIDE, ProgramBuilder, Sym, init_value,
                     ThreadBuilder, const, merge_registers)
from .program import Event, Literal, Program, VConst

if TYPE_CHECKING:
    from .herd_view import HerdNames

# The lowering name each assembly dialect's Program carries.
LOWERING = {"X86": "x86", "AArch64": "arm64", "PPC": "power", "RISCV": "riscv"}


@dataclass(frozen=True)
class _ThreadShape:
    """What ThreadBuilder reads of a C thread: its index and parameters."""
    index: int
    params: tuple = ()


class AsmThreadBuilder(ThreadBuilder):
    """A ThreadBuilder for one assembly thread; control dependencies last
    to the end of the thread (herd7's ctrl: everything after the branch)."""

    def __init__(self, pb: ProgramBuilder, test: AsmTest, thread: AsmThread):
        super().__init__(pb, test, _ThreadShape(thread.index), ctrl_past_join=True)  # type: ignore[arg-type]
        # the open load-exclusive: (read event, its address)
        self.reservation: Optional[tuple[int, Sym]] = None

    def add_ctrl(self, cond: Sym) -> None:
        """Every later event depends by ctrl on the reads deciding `cond`."""
        self.ctrl = self.ctrl | frozenset((src, g + self.guard) for src, g in cond.deps)

    def add_data(self, deps, target: int) -> None:
        """Data edges from `deps` into a non-write event (a pick node)."""
        for src, g in deps:
            self.pb.program.data.add((src, target, self._join(g)))


def collect_asm_locations(test: AsmTest) -> dict[str, int]:
    """Every shared variable the test names, with its address value."""
    names: list[str] = []

    def add(n: str) -> None:
        if n not in names:
            names.append(n)

    for i in test.init:
        if i.thread is None and symbolic_register(i.name) is None:
            add(i.name)
    for i in test.init:
        if isinstance(i.value, A.AddrValue):
            add(i.value.name)
    for t in test.threads:
        for item in t.code:
            if isinstance(item, Instr):
                for op in item.operands:
                    if isinstance(op, Mem) and isinstance(op.base, Var):
                        add(op.base.name)
    props = [test.condition.prop] + ([test.filter] if test.filter is not None else [])
    for loc in list(test.locations) + [l for p in props for l in _prop_locs(p)]:
        if isinstance(loc, A.MemLoc):
            add(loc.name)
        elif isinstance(loc, A.AddrValue):
            add(loc.name)
    return {n: ADDRESS_BASE + ADDRESS_STRIDE * k for k, n in enumerate(names)}


def _prop_locs(p: Optional[A.Prop]) -> list:
    """Locations and address values a proposition names."""
    if p is None:
        return []
    if isinstance(p, A.PAtom):
        return [p.loc, p.value]
    if isinstance(p, (A.PAnd, A.POr)):
        return [l for q in p.items for l in _prop_locs(q)]
    if isinstance(p, A.PNot):
        return _prop_locs(p.item)
    if isinstance(p, A.PImplies):
        return _prop_locs(p.left) + _prop_locs(p.right)
    return []


def lower_asm(test: AsmTest, herd: Optional["HerdNames"] = None, registers: bool = False) -> Program:
    """Lower an assembly litmus test to the events of its architecture; with
    `herd`, named and related as herd7's semantics make them (herd_isa.py),
    with `registers` register accesses included (models computing their own
    dependencies, herd's catdep)."""
    if test.arch not in LOWERING:
        raise MemcheckError(f"unsupported architecture '{test.arch}'", test.source, 1, 1)
    if herd is not None:
        from .herd_isa import HerdThreadBuilder, herd_isa_for
        isa = herd_isa_for(test.arch, herd)
    else:
        isa = isa_for(test.arch)
    locations = collect_asm_locations(test)
    pb = ProgramBuilder(LOWERING[test.arch], locations)
    inits = {i.name: i for i in test.init if i.thread is None and symbolic_register(i.name) is None}
    for name, addr in locations.items():
        i = inits.get(name)
        v = init_value(test, i.value, locations) if i else 0
        pb.events.append(Event(len(pb.events), -1, "W", frozenset({"IW"}), VConst(addr), VConst(v),
                               (), i.pos.line if i else 0, f"{name}={v}"))
    prog = pb.program
    prog.nthreads = len(test.threads)
    if herd is not None:
        prog.view = herd.view
    for thread in test.threads:
        tb = AsmThreadBuilder(pb, test, thread) if herd is None else \
            HerdThreadBuilder(pb, test, thread, herd, registers)
        tb.regs.update(_initial_registers(test, isa, thread.index, locations))
        code = thread.code
        _run(tb, isa, code, 0, len(code), _labels(test, code))
        prog.registers[thread.index] = isa.final_registers(tb.regs)
    if registers:  # memcheck's own dependencies start at memory reads only
        for rel in (prog.addr, prog.data, prog.ctrl):
            keep = {d for d in rel if prog.events[d[0]].kind == "R"}
            rel.intersection_update(keep)
    return prog


def _initial_registers(test: AsmTest, isa: Isa, tid: int, locations: dict[str, int]) -> dict[str, Sym]:
    """Thread `tid`'s registers from the init block (`0:X1=x`, and symbolic
    registers `%x0=x`, which every thread sees); the others hold 0."""
    regs: dict[str, Sym] = {}
    for i in test.init:
        key = symbolic_register(i.name)
        if key is not None and i.thread in (None, tid):
            regs[key] = const(init_value(test, i.value, locations))
        elif i.thread == tid:
            try:
                key = isa.reg_key(i.name)
            except KeyError:
                key = None
            if key is None:
                raise MemcheckError(f"'{i.name}' is not a register of {test.arch}",
                                    test.source, i.pos.line, i.pos.col)
            regs[key] = const(init_value(test, i.value, locations))
    return regs


def _labels(test: AsmTest, code) -> dict[str, int]:
    """Label name -> its index in the thread's code."""
    out: dict[str, int] = {}
    for k, item in enumerate(code):
        if isinstance(item, Label):
            if item.name in out:
                raise MemcheckError(f"label '{item.name}' defined twice", test.source,
                                    item.pos.line, item.pos.col)
            out[item.name] = k
    return out


def _run(tb: AsmThreadBuilder, isa: Isa, code, start: int, end: int, labels: dict[str, int]) -> None:
    """Execute code[start:end]; forward branches nest as the legs of ifs."""
    i = start
    while i < end:
        item = code[i]
        if isinstance(item, Label):
            i += 1
            continue
        isa.begin(tb, item)
        jump = isa.jump(tb, item)
        if jump is None:
            isa.execute(tb, item)
            i += 1
            continue
        i = _branch(tb, isa, code, i, end, labels, jump)


def _branch(tb: AsmThreadBuilder, isa: Isa, code, i: int, end: int,
            labels: dict[str, int], jump: Jump) -> int:
    """A branch at code[i]; returns where execution goes on."""
    item = code[i]
    target = labels.get(jump.label)
    if target is None:
        raise tb.error(f"unknown label '{jump.label}'", item.pos)
    if target <= i:
        raise tb.error("backward branch: loops are not supported, unroll the loop", item.pos)
    if target > end:
        raise tb.error("branch out of an enclosing branch's skipped code is not supported", item.pos)
    if jump.cond is None:  # unconditional: the code in between never runs
        return target
    tb.add_ctrl(jump.cond)
    c = jump.cond.value
    if isinstance(c, VConst):
        return target if c.value != 0 else i + 1
    if not any(isinstance(x, Instr) for x in code[i + 1:target]):
        return target
    b = tb.fork(c, item.pos.line)
    saved_guard, taken_regs, reservation = tb.guard, dict(tb.regs), tb.reservation
    tb.guard = saved_guard + (Literal(b, False),)
    _run(tb, isa, code, i + 1, target, labels)
    tb.regs = merge_registers(b, taken_regs, tb.regs)
    tb.guard = saved_guard
    if tb.reservation != reservation:  # an exclusive in the skipped code: no reservation after the join
        tb.reservation = None
    return target
