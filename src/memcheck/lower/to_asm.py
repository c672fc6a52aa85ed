"""Kernel C litmus tests compiled to herd7 assembly tests (X86, AArch64, PPC, RISCV).

`memcheck lower` prints them so a reviewer can cross-check with herd7 or run
them on silicon with litmus7.  A primitive is its expansion by memcheck's
own models/lkmm.def into herd's builtins; which instructions each builtin
becomes is data: tables/<arch>.asm.toml holds, per key of the event table
(<arch>.toml), the instruction templates giving those same events.  This module is the C
side: registers mapped to machine registers, expressions to ALU
instructions, `if` to a compare and a forward branch (one compare-and-branch
on RISC-V), the condition
rewritten over machine registers.  Loops are refused (the printed code is
loop-free, as memcheck's own assembly tests are).  Retry loops cannot be written: a lock or
store-exclusive is one attempt, and the test's filter keeps the executions
where every attempt succeeded (the thread's `ok` register is 0).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any, Optional, Union

from ..errors import MemcheckError
from ..litmus import ast as A
from ..litmus.asm_ast import AsmTest, AsmThread, Imm, Reg, Var
from ..litmus.parse_asm import parse_asm_code
from ..litmus.def_ast import Macros
from .expand import BUILTIN_TYPES, builtin_keyword, default_macros, expand_call
from .hardware import ARCHITECTURES, tag_of

LOOPS = ("memcheck lower prints loop-free {arch} code: this loop cannot be printed; judge the C "
         "test itself (memcheck run, or herd7 -unroll N)")
_INVERSE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_CONSTANT = {"+", "-", "^", "&", "|"}


@dataclass(frozen=True)
class AsmTable:
    """The instruction templates of one architecture (tables/<arch>.asm.toml)."""
    arch: str
    dialect: str
    registers: tuple[str, ...]
    reserved: frozenset[str]
    syntax: dict[str, Any]
    alu: dict[str, list[str]]
    alu_imm: dict[str, list[str]]
    branch: dict[str, str]
    steps: dict[str, list[str]]

    @classmethod
    def load(cls, arch: str, variant: str = "") -> "AsmTable":
        """The table of `arch` with `variant`'s entries (and its base's) laid over it;
        variants joined by '+' are laid over in turn."""
        if arch not in ARCHITECTURES:
            raise MemcheckError(f"unknown architecture '{arch}' (known: {', '.join(ARCHITECTURES)})")
        raw = resources.files("memcheck.lower").joinpath("tables", f"{arch}.asm.toml").read_bytes()
        data = tomllib.loads(raw.decode())
        steps = dict(data["steps"])
        variants = data.get("variants", {})
        chain: list[str] = []
        for name in filter(None, variant.split("+")):  # `llsc+6.6`: laid over in turn
            bases: list[str] = []
            while name:
                if name not in variants:
                    raise MemcheckError(f"no assembly variant '{name}' for {arch}")
                bases.insert(0, name)
                name = variants[name].get("base", "")
            chain += bases
        for v in chain:
            steps.update({k: s for k, s in variants[v].items() if k != "base"})
        syntax = {k: v for k, v in data.items() if isinstance(v, (str, bool))}
        return cls(arch, data["dialect"], tuple(data["registers"]), frozenset(data.get("reserved", [])),
                   syntax, data["alu"], data.get("alu_imm", {}), data["branch"], steps)


# ------------------------------------------------------------------ values

Val = Union[Imm, Var, Reg]  # operand values: the assembly syntax tree's own (Var: a variable's address)


@dataclass(frozen=True)
class AsmLowering:
    """A lowered test and, per (thread, C register), the machine register."""
    test: AsmTest
    registers: dict[tuple[int, str], str]


# ------------------------------------------------------------------ threads

@dataclass
class ThreadCompiler:
    """Compiles one C thread into instruction lines of `table`'s dialect."""
    table: AsmTable
    test: A.Test
    thread: A.Thread
    macros: Macros
    locations: frozenset[str]
    lines: list[str] = field(default_factory=list)
    regs: dict[str, str] = field(default_factory=dict)       # C register -> machine
    addr_regs: dict[str, str] = field(default_factory=dict)  # variable -> machine holding &variable
    used: set[str] = field(default_factory=set)
    temps: list[str] = field(default_factory=list)
    ok: Optional[str] = None
    labels: int = 0
    # C registers holding a comparison not yet computed: (register, value, comparison);
    # an `if` on one compares directly, so no branch (and no ctrl) comes before it
    deferred: dict[str, tuple[str, Val, str]] = field(default_factory=dict)
    depth: int = 0
    site: str = ""  # the primitive whose expansion is being compiled

    # registers ---------------------------------------------------------

    def error(self, msg: str, pos: A.Pos) -> MemcheckError:
        return MemcheckError(msg, self.test.source, pos.line, pos.col)

    def fresh(self, pos: A.Pos) -> str:
        """A free machine register (freed at the end of the statement when a temp)."""
        for r in self.table.registers:
            if r not in self.used and r not in self.table.reserved:
                self.used.add(r)
                return r
        raise self.error(f"out of {self.table.dialect} registers", pos)

    def temp(self, pos: A.Pos) -> str:
        r = self.fresh(pos)
        self.temps.append(r)
        return r

    def c_reg(self, name: str, pos: A.Pos) -> str:
        if name not in self.regs:
            self.regs[name] = self.fresh(pos)
        return self.regs[name]

    def ok_reg(self, pos: A.Pos) -> str:
        if self.ok is None:
            self.ok = self.fresh(pos)
        return self.ok

    def label(self) -> str:
        self.labels += 1
        return f"L{self.thread.index}x{self.labels}"

    # text ----------------------------------------------------------------

    def emit(self, template: str, **subst: str) -> None:
        self.lines.append(template.format(**subst))

    def text(self, v: Val, pos: A.Pos) -> str:
        """An operand as text: a register, or an immediate where the table allows."""
        if isinstance(v, Imm) and self.table.syntax.get("immediate_values"):
            return self.table.syntax["imm"].format(n=v.value)
        return self.reg(v, pos)

    def reg(self, v: Val, pos: A.Pos) -> str:
        """A register holding `v` (a constant moved into a temp)."""
        if isinstance(v, Reg):
            return v.name
        if isinstance(v, Var):
            if v.name not in self.addr_regs:
                self.addr_regs[v.name] = self.fresh(pos)
            return self.addr_regs[v.name]
        t = self.temp(pos)
        self.emit(self.table.syntax["move_imm"], d=t, n=v.value)
        return t

    def mem(self, v: Val, pos: A.Pos) -> str:
        """The memory operand of an address."""
        if isinstance(v, Var) and "var_mem" in self.table.syntax:
            return self.table.syntax["var_mem"].format(var=v.name)
        if isinstance(v, Imm):
            raise self.error("an access through a constant address", pos)
        return self.table.syntax["mem"].format(reg=self.reg(v, pos))

    # expressions ------------------------------------------------------------

    def expr(self, e: A.Expr, into: Optional[str] = None) -> Val:
        """Compile `e`; a load at the top may read straight `into` a register."""
        pos = getattr(e, "pos", A.NOPOS)
        if isinstance(e, A.IntLit):
            return Imm(e.value)
        if isinstance(e, A.StmtExpr):  # the waiting primitives: loops
            raise self.error(LOOPS.format(arch=self.table.arch), pos)
        if isinstance(e, A.Name):
            if e.name in self.deferred:
                self.materialise(e.name, pos)
            if e.name in self.regs:
                return Reg(self.regs[e.name])
            if e.name in self.locations:
                return Var(e.name)
            return Imm(0)  # a never-assigned register reads 0
        if isinstance(e, A.Cast):
            return self.expr(e.expr)
        if isinstance(e, A.AddrOf):
            return self.address_of(e.expr)
        if isinstance(e, A.Deref):
            return self.step("load.once", pos, addr=self.expr(e.expr), dst=into)
        if (isinstance(e, A.BinOp) and e.op in _INVERSE) or (isinstance(e, A.UnOp) and e.op == "!"):
            return self.truth(e)
        if isinstance(e, A.BinOp) and e.op in _CONSTANT:
            return self.alu(e.op, self.expr(e.left), self.expr(e.right), pos)
        if isinstance(e, A.UnOp) and e.op in ("-", "~"):
            v = self.expr(e.expr)
            return self.alu("-", Imm(0), v, pos) if e.op == "-" else self.alu("^", v, Imm(-1), pos)
        if isinstance(e, A.Call):
            v = self.call(e, into)
            if v is None:
                raise self.error(f"'{e.name}' has no value", pos)
            return v
        if isinstance(e, BUILTIN_TYPES):
            v = self.builtin(e, into)
            if v is None:
                raise self.error(f"'{builtin_keyword(e)}' has no value", pos)
            return v
        raise self.error(f"no {self.table.arch} instruction for this expression", pos)

    def truth(self, e: A.Expr) -> Val:
        """A comparison's value, 1 or 0, set by a branch (whose ctrl dependency
        covers the rest of the thread; a data dependency through it is lost)."""
        pos = getattr(e, "pos", A.NOPOS)
        a, b, op = self.condition(e)
        d, skip = self.temp(pos), self.label()
        self.emit(self.table.syntax["move_imm"], d=d, n=1)
        self.compare(a, b, op, skip)
        self.emit(self.table.syntax["move_imm"], d=d, n=0)
        self.emit(self.table.syntax["label"], L=skip)
        return Reg(d)

    def defer(self, name: str, e: A.Expr, pos: A.Pos) -> None:
        """Keep `name = <comparison>` as copies of the operands compared."""
        a, b, op = self.condition(e)
        ca = self.fresh(pos)
        self.emit(self.table.syntax["move"], d=ca, s=a)
        if isinstance(b, Reg):
            cb = self.fresh(pos)
            self.emit(self.table.syntax["move"], d=cb, s=b.name)
            b = Reg(cb)
        self.deferred[name] = (ca, b, op)

    def materialise(self, name: str, pos: A.Pos) -> None:
        """Compute a deferred comparison into its C register, by a branch."""
        a, b, op = self.deferred.pop(name)
        d, skip = self.c_reg(name, pos), self.label()
        self.emit(self.table.syntax["move_imm"], d=d, n=1)
        self.compare(a, b, op, skip)
        self.emit(self.table.syntax["move_imm"], d=d, n=0)
        self.emit(self.table.syntax["label"], L=skip)

    def address_of(self, e: A.Expr) -> Val:
        if isinstance(e, A.Deref):
            return self.expr(e.expr)
        if isinstance(e, A.Name) and e.name in self.locations:
            return Var(e.name)
        if isinstance(e, A.Cast):
            return self.address_of(e.expr)
        raise self.error("expected a memory location such as *x", getattr(e, "pos", A.NOPOS))

    def alu(self, op: str, a: Val, b: Val, pos: A.Pos) -> Val:
        d = self.temp(pos)
        if isinstance(b, Imm) and op in self.table.alu_imm:
            steps, bt = self.table.alu_imm[op], str(b.value)
        else:
            steps, bt = self.table.alu[op], self.text(b, pos)
        at = self.reg(a, pos)
        for s in steps:
            self.emit(s, d=d, a=at, b=bt)
        return Reg(d)

    # primitives -----------------------------------------------------------

    def step(self, key: str, pos: A.Pos, addr: Optional[Val] = None, dst: Optional[str] = None,
             **vals: Val) -> Reg:
        """Emit the templates of `key`; returns the {dst} register."""
        steps = self.table.steps.get(key)
        if steps is None:
            raise self.error(f"no {self.table.arch} instructions for '{key}'", pos)
        subst: dict[str, str] = {}
        if addr is not None:
            subst["mem"] = self.mem(addr, pos)
            if any("{addr}" in s for s in steps):
                subst["addr"] = self.reg(addr, pos)
        for k, v in vals.items():
            subst[k] = self.reg(v, pos) if k == "new" else self.text(v, pos)
        dst = dst or self.temp(pos)
        subst["dst"] = dst
        for k in ("t0", "t1", "t2"):
            if any("{" + k + "}" in s or "{" + k + "_w}" in s for s in steps):
                subst[k] = self.temp(pos)
        if any("{ok}" in s for s in steps):
            subst["ok"] = self.ok_reg(pos)
        word = self.table.syntax.get("word_register")
        if word:  # {r_w}: register {r}'s 32-bit view
            for k, r in list(subst.items()):
                if r in self.table.registers:
                    subst[k + "_w"] = word.format(n=re.sub(r"\D", "", r))
        for k in ("L0", "L1"):
            subst[k] = self.label()
        for s in steps:
            self.emit(s, **subst)
        return Reg(dst)

    def call(self, call: A.Call, into: Optional[str] = None, statement: bool = False) -> Optional[Val]:
        """Compile what `call` expands to; its value, None for a statement macro."""
        expanded = expand_call(self.macros, call, statement, self.test.source)
        if isinstance(expanded, (A.BinOp, A.UnOp)) and builtins_in(expanded):
            raise self.error(f"'{call.name}': a comparison as a value has no branch-free "
                             f"{self.table.arch} form here", call.pos)
        saved, self.site = self.site, call.name
        try:
            if isinstance(expanded, tuple):
                self.stmts(expanded)
                return None
            return self.expr(expanded, into)
        finally:
            self.site = saved

    def builtin(self, n, into: Optional[str] = None) -> Optional[Val]:
        """The instructions of one of herd's builtins, by its tag."""
        pos, label = n.pos, self.site or builtin_keyword(n)
        if isinstance(n, A.Load):
            return self.step(f"load.{tag_of(n.tags)}", pos, self.address_of(n.loc), dst=into)
        if isinstance(n, A.Store):
            addr = self.address_of(n.loc)
            self.step(f"store.{tag_of(n.tags)}", pos, addr, val=self.expr(n.value))
            return None
        if isinstance(n, A.Fence):
            if n.tags == ("sync-rcu",):
                raise self.error(f"'{label}' is a grace period, not an instruction: judge RCU "
                                 "tests under the lkmm model", pos)
            self.step(f"fence.{tag_of(n.tags)}", pos)
            return None
        if isinstance(n, (A.Srcu, A.SrcuValue)):
            raise self.error(f"'{label}': SRCU has no hardware lowering; judge it under the lkmm model", pos)
        if isinstance(n, A.Xchg):
            addr = self.expr(n.loc)
            return self.step(f"rmw.{tag_of(n.tags)}.xchg", pos, addr, val=self.expr(n.value))
        if isinstance(n, A.AtomicOp):
            operand = self.expr(n.value)
            self.step(f"rmw.noreturn.{n.op}", pos, self.expr(n.loc), val=operand)
            return None
        if isinstance(n, A.AtomicReturn):
            operand = self.expr(n.value)
            old = self.step(f"rmw.{tag_of(n.tags)}.{n.op}", pos, self.expr(n.loc), val=operand)
            return old if n.fetch else self.alu(n.op, old, operand, pos)
        if isinstance(n, A.CmpXchg):
            addr = self.expr(n.loc)
            old, new = self.expr(n.old), self.expr(n.new)
            return self.step(f"cmpxchg.{tag_of(n.tags)}", pos, addr, old=old, new=new)
        if isinstance(n, A.Lock):
            self.step("lock", pos, self.expr(n.loc))
            return None
        if isinstance(n, A.Unlock):
            self.step("unlock", pos, self.expr(n.loc))
            return None
        if isinstance(n, A.TryLock):
            return self.step("trylock", pos, self.expr(n.loc))
        if isinstance(n, A.IsLocked):
            return self.step("is-locked", pos, self.expr(n.loc), dst=into)
        raise self.error(f"'{label}' has no single-attempt {self.table.arch} instruction sequence", pos)

    # statements -------------------------------------------------------------

    def stmts(self, body: tuple[A.Stmt, ...]) -> None:
        for s in body:
            self.stmt(s)

    def stmt(self, s: A.Stmt) -> None:
        mark = len(self.temps)
        if isinstance(s, A.Decl):
            if s.init is not None:
                self.assign_expr(s.name, s.init, s.pos)
        elif isinstance(s, A.Assign):
            if isinstance(s.target, A.Name) and s.target.name not in self.locations:
                self.assign_expr(s.target.name, s.value, s.pos)
            elif isinstance(s.target, A.Deref):
                addr = self.expr(s.target.expr)
                self.step("store.once", s.pos, addr, val=self.expr(s.value))
            else:
                raise self.error("cannot assign to a shared variable's address", s.pos)
        elif isinstance(s, A.ExprStmt):
            if isinstance(s.expr, A.Call):
                self.call(s.expr, statement=True)
            elif isinstance(s.expr, BUILTIN_TYPES):
                self.builtin(s.expr)
            else:
                self.expr(s.expr)
        elif isinstance(s, BUILTIN_TYPES):
            self.builtin(s)
        elif isinstance(s, A.If):
            self.if_stmt(s)
        elif isinstance(s, A.Block):
            self.stmts(s.body)
        elif isinstance(s, (A.While, A.DoWhile, A.For, A.Break, A.Continue)):
            raise self.error(LOOPS.format(arch=self.table.arch), s.pos)
        else:
            raise self.error(f"no {self.table.arch} instructions for a {type(s).__name__}",
                             getattr(s, "pos", A.NOPOS))
        self.free(mark)

    def free(self, mark: int) -> None:
        for r in self.temps[mark:]:
            self.used.discard(r)
        del self.temps[mark:]

    def assign_expr(self, name: str, e: A.Expr, pos: A.Pos) -> None:
        comparison = (isinstance(e, A.BinOp) and e.op in _INVERSE) or (isinstance(e, A.UnOp) and e.op == "!")
        if comparison and self.depth == 0:
            self.defer(name, e, pos)
            return
        v = self.expr(e, self.regs.get(name))
        self.deferred.pop(name, None)
        self.assign(name, v, pos)

    def assign(self, name: str, v: Val, pos: A.Pos) -> None:
        """A C register gets `v`; its machine register, once chosen, stays."""
        if name not in self.regs and isinstance(v, Reg) and v.name in self.temps:
            self.temps.remove(v.name)  # the value's temp becomes the register
            self.regs[name] = v.name
            return
        d = self.c_reg(name, pos)
        if isinstance(v, Imm):
            self.emit(self.table.syntax["move_imm"], d=d, n=v.value)
        elif v != Reg(d):
            self.emit(self.table.syntax["move"], d=d, s=self.reg(v, pos))

    def condition(self, e: A.Expr) -> tuple[str, Val, str]:
        """The register and value compared, and the comparison making `e` true."""
        pos = getattr(e, "pos", A.NOPOS)
        if isinstance(e, A.Name) and e.name in self.deferred:
            return self.deferred[e.name]
        if isinstance(e, A.UnOp) and e.op == "!" and isinstance(e.expr, A.Name) and e.expr.name in self.deferred:
            a, b, op = self.deferred[e.expr.name]
            return a, b, _INVERSE[op]
        if isinstance(e, A.BinOp) and e.op in _INVERSE:
            a, b, op = self.expr(e.left), self.expr(e.right), e.op
        elif isinstance(e, A.UnOp) and e.op == "!":
            a, b, op = self.expr(e.expr), Imm(0), "=="
        else:
            a, b, op = self.expr(e), Imm(0), "!="
        return self.reg(a, pos), (b if isinstance(b, Imm) else Reg(self.reg(b, pos))), op

    def compare(self, a: str, b: Val, op: str, label: str) -> None:
        """Compare and branch to `label` when `op` holds."""
        syn = self.table.syntax
        if "compare" not in syn:  # compare-and-branch (RISC-V): the branch names both registers
            bt = syn["zero"] if b == Imm(0) else self.reg(b, A.NOPOS)
            self.emit(self.table.branch[op], a=a, b=bt, L=label)
            return
        if isinstance(b, Imm):
            self.emit(syn.get("compare_imm", syn["compare"]), a=a,
                      b=syn["imm"].format(n=b.value) if "compare_imm" not in syn else str(b.value))
        else:
            self.emit(syn["compare"], a=a, b=self.reg(b, A.NOPOS))
        self.emit(self.table.branch[op], L=label)

    def if_stmt(self, s: A.If) -> None:
        for name in _assigned(s.then + s.other) & set(self.deferred):
            self.materialise(name, s.pos)
        a, b, op = self.condition(s.cond)
        self.depth += 1
        if s.other:  # the then-leg may change them: compare copies the second time too
            a2 = self.temp(s.pos)
            self.emit(self.table.syntax["move"], d=a2, s=a)
            a = a2
            if isinstance(b, Reg):
                b2 = self.temp(s.pos)
                self.emit(self.table.syntax["move"], d=b2, s=b.name)
                b = Reg(b2)
        skip_then = self.label()
        self.compare(a, b, _INVERSE[op], skip_then)
        self.stmts(s.then)
        self.emit(self.table.syntax["label"], L=skip_then)
        if s.other:
            skip_else = self.label()
            self.compare(a, b, op, skip_else)
            self.stmts(s.other)
            self.emit(self.table.syntax["label"], L=skip_else)
        self.depth -= 1


# ------------------------------------------------------------------- tests

def lower_to_asm(test: A.Test, arch: str, variant: str = "") -> AsmLowering:
    """The C test `test` as a herd7 assembly test of `arch` (x86, arm64, power, riscv)."""
    table = AsmTable.load(arch, variant)
    macros = default_macros()
    locations = _locations(test)
    threads: list[AsmThread] = []
    inits: list[A.Init] = [A.Init(i.name, None, None, i.value, i.pos) for i in test.init if i.thread is None]
    filters: list[A.Prop] = []
    mapping: dict[tuple[int, str], str] = {}
    cond_regs = _condition_registers(test)
    nthreads = (max(t.index for t in test.threads) + 1) if test.threads else 0
    by_index = {t.index: t for t in test.threads}
    for index in range(nthreads):
        thread = by_index.get(index, A.Thread(index, (), ()))
        tc = _compile(table, test, thread, macros, frozenset(locations), cond_regs.get(index, set()))
        for i in test.init:
            if i.thread == index:
                inits.append(A.Init(tc.regs[i.name], index, None, i.value, i.pos))
        for var, r in tc.addr_regs.items():
            inits.append(A.Init(r, index, None, A.AddrValue(var), A.NOPOS))
        if tc.ok is not None:
            filters.append(A.PAtom(A.RegLoc(index, tc.ok), "=", A.IntLit(0)))
        for name, r in tc.regs.items():
            mapping[(index, name)] = r
        code = parse_asm_code(table.dialect, ";".join(tc.lines), test.source) if tc.lines else ()
        threads.append(AsmThread(index, tuple(code)))
    rename = _Renamer(mapping)
    filt = test.filter and rename.prop(test.filter)
    if filters:
        filt = A.PAnd(tuple(([filt] if filt is not None else []) + filters))
    asm = AsmTest(
        arch=table.dialect, name=test.name, init=tuple(inits), threads=tuple(threads),
        condition=replace(test.condition, prop=rename.prop(test.condition.prop)),
        locations=tuple(rename.loc(l) for l in test.locations), filter=filt,
        comment=f"memcheck lower --arch {arch}" + (f" ({variant})" if variant else "")
        + ": every lock and store-exclusive is one successful attempt (filter)"
        * bool(filters), source=test.source)
    return AsmLowering(asm, mapping)


def _compile(table: AsmTable, test: A.Test, thread: A.Thread, macros: Macros,
             locations: frozenset[str], observed: set[str]) -> ThreadCompiler:
    """Compile a thread twice: the first pass finds the registers that must
    hold their value from the start (C registers, addresses, `ok`), the
    second reserves them before any temp is taken."""
    first = _pass(ThreadCompiler(table, test, thread, macros, locations), observed)
    tc = ThreadCompiler(table, test, thread, macros, locations)
    for name in first.regs:
        tc.c_reg(name, thread.pos)
    for var in first.addr_regs:
        tc.reg(Var(var), thread.pos)
    if first.ok is not None:
        tc.ok_reg(thread.pos)
    return _pass(tc, observed)


def _pass(tc: ThreadCompiler, observed: set[str]) -> ThreadCompiler:
    for i in tc.test.init:
        if i.thread == tc.thread.index:
            tc.c_reg(i.name, i.pos)
    tc.stmts(tc.thread.body)
    for name in sorted(observed & set(tc.deferred)):
        tc.materialise(name, A.NOPOS)
    for name in sorted(observed):
        tc.c_reg(name, A.NOPOS)
    return tc


def builtins_in(e: A.Expr) -> bool:
    """Does the expression hold one of herd's builtins?"""
    if isinstance(e, BUILTIN_TYPES):
        return True
    return any(builtins_in(x) for x in (getattr(e, "left", None), getattr(e, "right", None),
                                        getattr(e, "expr", None)) if x is not None)


def _assigned(body: tuple[A.Stmt, ...]) -> set[str]:
    """The names `body` assigns or declares, however deep."""
    out: set[str] = set()
    for s in body:
        if isinstance(s, A.Decl):
            out.add(s.name)
        elif isinstance(s, A.Assign) and isinstance(s.target, A.Name):
            out.add(s.target.name)
        elif isinstance(s, A.If):
            out |= _assigned(s.then + s.other)
        elif isinstance(s, A.Block):
            out |= _assigned(s.body)
    return out


def _locations(test: A.Test) -> list[str]:
    names: list[str] = []
    for i in test.init:
        if i.thread is None and i.name not in names:
            names.append(i.name)
    for t in test.threads:
        for p in t.params:
            if p.name not in names:
                names.append(p.name)
    for i in test.init:
        if isinstance(i.value, A.AddrValue) and i.value.name not in names:
            names.append(i.value.name)
    return names


def _condition_registers(test: A.Test) -> dict[int, set[str]]:
    """The C registers the condition, filter and locations name, per thread."""
    out: dict[int, set[str]] = {}

    def visit(x: Any) -> None:
        if isinstance(x, A.RegLoc):
            out.setdefault(x.thread, set()).add(x.reg)
        elif isinstance(x, A.PAtom):
            visit(x.loc)
            visit(x.value)
        elif isinstance(x, (A.PAnd, A.POr)):
            for i in x.items:
                visit(i)
        elif isinstance(x, A.PNot):
            visit(x.item)
        elif isinstance(x, A.PImplies):
            visit(x.left)
            visit(x.right)

    visit(test.condition.prop)
    if test.filter is not None:
        visit(test.filter)
    for l in test.locations:
        visit(l)
    return out


@dataclass(frozen=True)
class _Renamer:
    """C registers in propositions and locations renamed to machine registers."""
    mapping: dict[tuple[int, str], str]

    def loc(self, l: Any) -> Any:
        if isinstance(l, A.RegLoc):
            return replace(l, reg=self.mapping.get((l.thread, l.reg), l.reg))
        return l

    def prop(self, p: A.Prop) -> A.Prop:
        if isinstance(p, A.PAtom):
            return replace(p, loc=self.loc(p.loc), value=self.loc(p.value))
        if isinstance(p, (A.PAnd, A.POr)):
            return replace(p, items=tuple(self.prop(i) for i in p.items))
        if isinstance(p, A.PNot):
            return replace(p, item=self.prop(p.item))
        if isinstance(p, A.PImplies):
            return replace(p, left=self.prop(p.left), right=self.prop(p.right))
        return p
