"""Symbolic execution of C litmus threads into an event Program.

The walker knows C: registers, expressions, `if`, dependencies carried
through registers.  What a kernel primitive becomes is the target's business:
the walker hands each call and each of herd's builtins (`__load{once}`, ...)
to a `Target` (the LKMM, or an architecture's lowering table), which expands
calls with its `.def` macros (expand.walk_call) and emits the builtins'
events through the `ThreadBuilder`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Protocol

from ..errors import MemcheckError
from ..litmus import ast as A
from ..litmus.def_ast import Macros
from .expand import BUILTIN_TYPES, builtin_keyword, expand_call
from .herd_index import Index
from .program import (Branch, Constraint, Event, Literal, Program, Value,
                      VBranch, VConst, VOp, VRead)
from .loops import Frame, LoopOptions, walk_loop
from .paths import Path, guard_value, meet, merge_registers, select_registers  # noqa: F401
from .sym import Dep, Sym, const  # noqa: F401  (the walker's values, used by every target)

ADDRESS_BASE = 1 << 32  # addresses of shared variables: far from test integers
ADDRESS_STRIDE = 8

class Target(Protocol):
    """What a lowering target provides to the walker: `call` for a call of
    a primitive (`statement`: its value is unused), `builtin` for one of
    herd's builtins; each returns the value, None for a statement."""

    name: str

    def call(self, b: "ThreadBuilder", call: A.Call, statement: bool) -> Optional[Sym]: ...

    def builtin(self, b: "ThreadBuilder", node) -> Optional[Sym]: ...


@dataclass
class ProgramBuilder:
    """Accumulates the Program shared by all threads.  A `scratch` builder
    holds a trial walk (lower/loops.py) that is thrown away: targets keep
    no record of what they lower there."""
    target: str
    locations: dict[str, int]
    events: list[Event] = field(default_factory=list)
    program: Program = None  # type: ignore[assignment]
    loop_options: LoopOptions = field(default_factory=LoopOptions)
    scratch: bool = False

    def __post_init__(self) -> None:
        self.program = Program(self.target, self.events, self.locations)

    def trial(self) -> "ProgramBuilder":
        """A scratch builder numbering events and branches after this one's."""
        pb = ProgramBuilder(self.target, self.locations, list(self.events), None,  # type: ignore[arg-type]
                            self.loop_options, True)
        pb.program.branches = list(self.program.branches)
        return pb

    def new_branch(self, thread: int, cond: Optional[Value],
                   guard: tuple[Literal, ...], line: int) -> int:
        index = len(self.program.branches)
        self.program.branches.append(Branch(index, thread, cond, guard, line))
        return index


class ThreadBuilder:
    """Emits the events of one thread in program order."""

    def __init__(self, pb: ProgramBuilder, test: A.Test, thread: A.Thread,
                 ctrl_past_join: bool):
        self.pb = pb
        self.test = test
        self.tid = thread.index
        self.guard: tuple[Literal, ...] = ()
        self.ctrl: frozenset[Dep] = frozenset()
        self.regs: dict[str, Sym] = {}
        self.thread_events: list[int] = []
        self.ctrl_past_join = ctrl_past_join
        self.params = {p.name: p for p in thread.params}
        self.thread = thread
        # control flow: the path has left (break, continue, a loop cut off);
        # the loops being walked; the paths cut off; registers assigned
        self.dead = False
        self.frames: list[Frame] = []
        self.cuts: list[Path] = []
        self.assigned: set[str] = set()
        # herd7's instruction index (it numbers srcu cookies) and the depth
        # of blocks (herd7 counts declarations in blocks only)
        self.instruction = Index()
        self.depth = 0
        # the primitive whose expansion is being walked: the label of its events
        self.label = ""

    # ------------------------------------------------------------ emission

    def error(self, message: str, pos: A.Pos) -> MemcheckError:
        return MemcheckError(message, self.test.source, pos.line, pos.col)

    def emit(self, kind: str, tags: frozenset[str] | set[str],
             addr: Optional[Sym], value: Optional[Sym], line: int,
             label: str = "") -> int:
        """Add an event; record po, addr, data and ctrl edges into it."""
        prog = self.pb.program
        eid = len(self.pb.events)
        val: Optional[Value]
        if kind == "R":
            val = VRead(eid)
        else:
            val = value.value if value is not None else None
        self.pb.events.append(Event(eid, self.tid, kind, frozenset(tags),
                                    addr.value if addr is not None else None,
                                    val, self.guard, line, label))
        for prev in self.thread_events:
            prog.po.add((prev, eid))
        self.thread_events.append(eid)
        if addr is not None:
            for src, g in addr.deps:
                prog.addr.add((src, eid, self._join(g)))
        if kind == "W" and value is not None:
            for src, g in value.deps:
                prog.data.add((src, eid, self._join(g)))
        for src, g in self.ctrl:
            prog.ctrl.add((src, eid, self._join(g)))
        return eid

    def _join(self, g: tuple[Literal, ...]) -> tuple[Literal, ...]:
        """A dependency's own guard, less what the event's guard implies."""
        return tuple(l for l in g if l not in self.guard)

    def read_sym(self, eid: int) -> Sym:
        return Sym(VRead(eid), frozenset({(eid, ())}))

    def constrain(self, cond: Value) -> None:
        self.pb.program.constraints.append(Constraint(cond, self.guard))

    def rmw(self, r: int, w: int) -> None:
        self.pb.program.rmw.add((r, w))

    def expansion(self, macros: Macros, call: A.Call, statement: bool) -> Optional[Sym]:
        """Walk what `call` expands to with `macros` (its value, None for a
        statement macro); the events its body makes are labelled with the
        call's name."""
        expanded = expand_call(macros, call, statement, self.test.source)
        saved, self.label = self.label, call.name
        try:
            if isinstance(expanded, tuple):
                self.nested(expanded, False)  # the block is the call's own statement
                return None
            return self.expr(expanded)
        finally:
            self.label = saved

    def label_of(self, node) -> str:
        """The label of a builtin's events: the primitive it came from."""
        return self.label or builtin_keyword(node)

    def fork(self, cond: Optional[Value], line: int) -> int:
        """A new two-way branch of this thread at the current point."""
        return self.pb.new_branch(self.tid, cond, self.guard, line)

    # -------------------------------------------------------- control flow

    def here(self) -> Path:
        """The walk's current point."""
        return Path(self.guard, dict(self.regs), self.instruction, self.ctrl)

    def resume(self, p: Path) -> None:
        """Go on from point `p`."""
        self.guard, self.regs, self.instruction, self.ctrl = p.guard, dict(p.regs), p.index, p.ctrl
        self.dead = False

    def join(self, base: tuple[Literal, ...], paths: list[Path], line: int,
             whole_ctrl: frozenset[Dep]) -> None:
        """Go on where `paths` (each under `base`) meet: dead when there are
        none; under `base` itself, with `whole_ctrl`, when they are every
        way on from it; else under the literals saying which were taken, or,
        when no conjunction says it, under a branch of its own (what follows
        depends on their tests by ctrl)."""
        if not paths:
            self.dead = True
            return
        m = meet(base, paths)
        self.regs, self.instruction, self.dead = dict(m.regs), m.index, False
        if m.suffix is not None:
            self.guard = base + m.suffix
            self.ctrl = m.ctrl if m.suffix else whole_ctrl
            return
        j = self.pb.new_branch(self.tid, m.alive, base, line)
        self.guard = base + (Literal(j, True),)
        self.ctrl = m.ctrl

    def scratch(self, unknown: frozenset[str]) -> "ThreadBuilder":
        """A builder on a scratch copy of the program, at this point, the
        registers `unknown` holding unknown values (reads of no event)."""
        s = ThreadBuilder(self.pb.trial(), self.test, self.thread, self.ctrl_past_join)
        s.pb_target = self.pb_target
        s.regs = dict(self.regs)
        for k, name in enumerate(sorted(unknown)):
            s.regs[name] = Sym(VRead(-1 - k))
        s.guard, s.instruction, s.depth, s.label = self.guard, self.instruction, self.depth, self.label
        return s

    def final_registers(self) -> dict[str, Value]:
        """Each register's value at the end of the thread, or where the
        thread was cut off (a loop's execution going on past its bound)."""
        choices = [(guard_value(p.guard), p.guard, p.regs) for p in self.cuts]
        if not self.dead or not choices:
            choices.append((VConst(1), (), self.regs))
        return {n: v.value for n, v in select_registers(choices).items()}

    # --------------------------------------------------------- expressions

    def address_of(self, e: A.Expr) -> Sym:
        """The address an lvalue denotes (`*p` -> p, `x` -> &x)."""
        if isinstance(e, A.Deref):
            return self.expr(e.expr)
        if isinstance(e, A.Name):
            if e.name in self.regs and e.name not in self.pb.locations:
                raise self.error(f"'{e.name}' is a register, not a shared variable", e.pos)
            return const(self.location(e.name, e.pos))
        if isinstance(e, A.Cast):
            return self.address_of(e.expr)
        raise self.error("expected a memory location such as *x", getattr(e, "pos", A.NOPOS))

    def location(self, name: str, pos: A.Pos) -> int:
        try:
            return self.pb.locations[name]
        except KeyError:
            raise self.error(f"undeclared shared variable '{name}'", pos) from None

    def expr(self, e: A.Expr) -> Sym:
        if isinstance(e, A.IntLit):
            return const(e.value)
        if isinstance(e, A.Name):
            if e.name in self.regs:
                return self.regs[e.name]
            if e.name in self.params or (e.name in self.pb.locations
                                         and e.name not in self.regs):
                return const(self.location(e.name, e.pos))
            # herd7 reads a never-assigned register as 0
            return const(0)
        if isinstance(e, A.Deref):
            addr = self.expr(e.expr)
            eid = self.emit("R", set(), addr, None, e.pos.line, "plain read")
            return self.read_sym(eid)
        if isinstance(e, A.AddrOf):
            return self.address_of(e.expr)
        if isinstance(e, A.Cast):
            return self.expr(e.expr)
        if isinstance(e, A.UnOp):
            v = self.expr(e.expr)
            op = "neg" if e.op == "-" else e.op
            return Sym(VOp(op, (v.value,)), v.deps)
        if isinstance(e, A.BinOp):
            if e.op in ("&&", "||") and has_effects(e.right):
                return self.short_circuit(e)
            l, r = self.expr(e.left), self.expr(e.right)
            return Sym(VOp(e.op, (l.value, r.value)), l.deps | r.deps)
        if isinstance(e, A.Cond):
            c, t, o = self.expr(e.cond), self.expr(e.then), self.expr(e.other)
            return Sym(VOp("ite", (c.value, t.value, o.value)), c.deps | t.deps | o.deps)
        if isinstance(e, A.StmtExpr):
            self.nested(e.body, False)
            return const(0) if self.dead else self.expr(e.value)  # dead: no execution goes on
        if isinstance(e, A.Call):
            v = self.pb_target.call(self, e, False)
            if v is None:
                raise self.error(f"'{e.name}' has no value", e.pos)
            return v
        if isinstance(e, BUILTIN_TYPES):
            v = self.pb_target.builtin(self, e)
            if v is None:
                raise self.error(f"'{builtin_keyword(e)}' has no value", e.pos)
            return v
        raise self.error(f"unsupported expression {type(e).__name__}", getattr(e, "pos", A.NOPOS))

    def short_circuit(self, e: A.BinOp) -> Sym:
        """`a && b`, `a || b` as C runs them: b only when a does not decide
        (its events under a branch on a)."""
        left = self.expr(e.left)
        b = self.fork(left.value, e.pos.line)
        start = self.here()
        runs_right = e.op == "&&"  # && goes on when a holds, || when it does not
        values: dict[bool, Sym] = {not runs_right: const(0 if runs_right else 1)}
        ends: list[Path] = [Path(start.guard + (Literal(b, not runs_right),), start.regs, start.index,
                                 start.ctrl)]
        self.resume(Path(start.guard + (Literal(b, runs_right),), start.regs, start.index,
                         start.ctrl | left.deps))
        right = self.expr(e.right)
        values[runs_right] = Sym(VOp("!=", (right.value, VConst(0))), right.deps)
        if not self.dead:
            ends.append(self.here())
        self.join(start.guard, ends, e.pos.line, start.ctrl)
        t, o = values[True], values[False]
        deps = frozenset((src, g + (Literal(b, True),)) for src, g in t.deps) | \
            frozenset((src, g + (Literal(b, False),)) for src, g in o.deps)
        return Sym(VOp("ite", (VBranch(b), t.value, o.value)), deps)

    # ---------------------------------------------------------- statements

    pb_target: Target  # set by lower_c

    def stmts(self, body: tuple[A.Stmt, ...]) -> None:
        for s in body:
            if self.dead:
                return
            self.stmt(s)

    def nested(self, body: tuple[A.Stmt, ...], block: bool) -> None:
        """The statements of a block, an if's leg (`block`: written in
        braces) or a statement macro's body."""
        self.depth += 1
        if block:
            self.instruction = self.instruction.plus(1)
        try:
            self.stmts(body)
        finally:
            self.depth -= 1

    def stmt(self, s: A.Stmt) -> None:
        # herd7 leaves out the declarations without a value of a thread's
        # own body; everything else is an instruction
        if not (isinstance(s, A.Decl) and s.init is None and self.depth == 0):
            self.instruction = self.instruction.plus(1)
        if isinstance(s, A.Decl):
            self.regs[s.name] = self.expr(s.init) if s.init is not None else self.regs.get(s.name, const(0))
            self.assigned.add(s.name)
        elif isinstance(s, A.Assign):
            if isinstance(s.target, A.Name) and s.target.name not in self.params:
                self.regs[s.target.name] = self.expr(s.value)
                self.assigned.add(s.target.name)
            elif isinstance(s.target, A.Deref):
                addr = self.expr(s.target.expr)
                val = self.expr(s.value)
                self.emit("W", set(), addr, val, s.pos.line, "plain write")
            else:
                raise self.error("cannot assign to a shared variable's address", s.pos)
        elif isinstance(s, A.ExprStmt):
            e = s.expr
            if isinstance(e, A.Call):
                self.pb_target.call(self, e, True)
            elif isinstance(e, BUILTIN_TYPES):
                self.pb_target.builtin(self, e)
            else:
                self.expr(e)
        elif isinstance(s, BUILTIN_TYPES):
            self.pb_target.builtin(self, s)
        elif isinstance(s, A.If):
            self.if_stmt(s)
        elif isinstance(s, A.Block):
            self.nested(s.body, False)  # the block's own instruction is counted above
        elif isinstance(s, (A.While, A.DoWhile, A.For)):
            walk_loop(self, s)
        elif isinstance(s, (A.Break, A.Continue)):
            if not self.frames:
                word = "break" if isinstance(s, A.Break) else "continue"
                raise self.error(f"'{word}' outside a loop", s.pos)
            frame = self.frames[-1]
            (frame.breaks if isinstance(s, A.Break) else frame.continues).append(self.here())
            self.dead = True
        else:
            raise self.error(f"unsupported statement {type(s).__name__}", getattr(s, "pos", A.NOPOS))

    def if_stmt(self, s: A.If) -> None:
        cond = self.expr(s.cond)
        b = self.fork(cond.value, s.pos.line)
        start = self.here()
        # herd7 counts both legs from one past the if (an absent else from
        # the if itself), and goes on from the leg taken
        at_if = self.instruction
        ends: list[Path] = []
        for side, body, braced in ((True, s.then, s.braced[0]), (False, s.other, s.braced[1])):
            index = at_if.plus(1) if side or s.other else at_if
            self.resume(Path(start.guard + (Literal(b, side),), start.regs, index, start.ctrl | cond.deps))
            self.nested(body, braced)
            if not self.dead:
                ends.append(self.here())
        after = start.ctrl | cond.deps if self.ctrl_past_join else start.ctrl
        self.join(start.guard, ends, s.pos.line, after)


def has_effects(e: A.Expr) -> bool:
    """Does evaluating `e` make events (a call, a read, a builtin)?"""
    stack: list = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, (A.Call, A.Deref, A.StmtExpr) + BUILTIN_TYPES):
            return True
        stack.extend(getattr(x, f) for f in ("left", "right", "expr", "cond", "then", "other")
                     if getattr(x, f, None) is not None)
    return False


def collect_locations(test: A.Test) -> dict[str, int]:
    """Every shared variable of the test, with its address value."""
    names: list[str] = []

    def add(n: str) -> None:
        if n not in names:
            names.append(n)

    for i in test.init:
        if i.thread is None:
            add(i.name)
    for t in test.threads:
        for p in t.params:
            add(p.name)
    for i in test.init:
        if isinstance(i.value, A.AddrValue):
            add(i.value.name)
    return {n: ADDRESS_BASE + ADDRESS_STRIDE * k for k, n in enumerate(names)}


def init_value(test, v: Optional[A.InitValue], locations: dict[str, int]) -> int:
    """The integer an initial value gives: a number or a variable's address."""
    if v is None:
        return 0
    if isinstance(v, A.IntLit):
        return v.value
    if v.name not in locations:
        raise MemcheckError(f"undeclared shared variable '{v.name}'", test.source, v.pos.line, v.pos.col)
    return locations[v.name]


def lower_c(test: A.Test, target: Target, ctrl_past_join: bool = False,
            loops: LoopOptions = LoopOptions()) -> Program:
    """Lower a C litmus test to the events `target` gives its primitives,
    loops as `loops` says."""
    locations = collect_locations(test)
    pb = ProgramBuilder(target.name, locations, loop_options=loops)
    inits = {i.name: i for i in test.init if i.thread is None}
    for name, addr in locations.items():
        i = inits.get(name)
        v = init_value(test, i.value if i else None, locations)
        pb.events.append(Event(len(pb.events), -1, "W", frozenset({"IW"}),
                               VConst(addr), VConst(v), (), i.pos.line if i else 0, f"{name}={v}"))
    prog = pb.program
    prog.nthreads = (max(t.index for t in test.threads) + 1) if test.threads else 0
    reg_inits: dict[int, dict[str, Sym]] = {}
    for i in test.init:
        if i.thread is not None:
            reg_inits.setdefault(i.thread, {})[i.name] = const(init_value(test, i.value, locations))
    for thread in test.threads:
        tb = ThreadBuilder(pb, test, thread, ctrl_past_join)
        tb.pb_target = target
        tb.regs.update(reg_inits.get(thread.index, {}))
        tb.stmts(thread.body)
        prog.registers[thread.index] = tb.final_registers()
    return prog
