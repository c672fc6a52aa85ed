"""Loops: herd7's unrolling, and await loops judged without a bound.

herd7 runs `while (c) body` as `if (c) { body; if (c) { body; ... if (c)
CUT } }` with `-unroll N` bodies: an execution testing the condition true
once more is cut off (dropped, and herd7 prints `Loop`).  `do`, `for`,
`break` and `continue` unroll the same way (`do b while (c)` is `b; while
(c) b`; `for (i; c; s) b` is `i; while (c) { b; s }`).

An await loop, whose iterations only read and whose exit depends only on
what the iteration read, is judged exactly instead: earlier iterations
leave nothing that matters, so the loop is lowered as the test it starts
with and one iteration more (`while`), or one iteration (`do`, and a
`while` whose body has no reads, as in `while (!READ_ONCE(*f))
cpu_relax();`), and the executions where that iteration would not exit are
not executions of the program: the await is still waiting there, which is
what the `hang` flag asks about (engine/loops.py).

Whether a loop is an await is read off a trial walk of one iteration on a
scratch copy of the program, the registers the loop assigns standing for
unknown values (the previous iteration's).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional

from ..litmus import ast as A
from .paths import Path
from .program import Guard, Literal, LoopRecord, Value, VBranch, VConst, VOp, VRead

if TYPE_CHECKING:
    from .c_walk import ThreadBuilder

# Events a program may reach by unrolling before memcheck refuses it.
MAX_EVENTS = 1_500
# Python frames an unrolled program's values and guards may need: each
# iteration nests them one level deeper (lowering and encoding recurse).
STACK = 8 * MAX_EVENTS + 2_000


def deep_enough() -> None:
    """Let lowering and encoding recurse as deep as an unrolled loop nests."""
    if sys.getrecursionlimit() < STACK:
        sys.setrecursionlimit(STACK)


deep_enough()  # once, when loops are first lowered

# Tags of reads that belong to an update (a lock taken, an RMW): not an await's.
_UPDATE_READS = frozenset({"RMW", "LKR"})


@dataclass(frozen=True)
class LoopOptions:
    """How loops are lowered: `unroll` is herd7's -unroll (bodies run at
    most that many times); `exact_awaits`: await loops judged without a
    bound (else unrolled like any loop, as herd7 does)."""
    unroll: int = 2
    exact_awaits: bool = True
    max_events: int = MAX_EVENTS


@dataclass
class Frame:
    """The innermost loop being walked: the paths that left its body by
    `break` and by `continue`."""
    breaks: list[Path] = field(default_factory=list)
    continues: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Shape:
    """A loop as `init; first; while (cond) { body; step }`: `first` is a
    do-loop's body, run before the first test (None for while and for);
    cond None is always true."""
    init: tuple
    first: Optional[tuple]
    cond: Optional[A.Expr]
    body: tuple
    step: tuple
    braced: bool
    pos: A.Pos


def shape_of(s) -> Shape:
    if isinstance(s, A.While):
        return Shape((), None, s.cond, s.body, (), s.braced, s.pos)
    if isinstance(s, A.DoWhile):
        return Shape((), s.body, s.cond, s.body, (), s.braced, s.pos)
    assert isinstance(s, A.For)
    return Shape(s.init, None, s.cond, s.body, s.step, s.braced, s.pos)


# ------------------------------------------------------------------ walking


def walk_loop(b: "ThreadBuilder", s) -> None:
    """Lower loop `s` at the builder's current point."""
    shape = shape_of(s)
    b.stmts(shape.init)
    if b.dead:
        return
    options = b.pb.loop_options
    form = classify(b, shape)
    if form is not None and options.exact_awaits:
        budget = 0 if form == "test" or shape.first is not None else 1
        run(b, shape, budget, "await")
    else:
        run(b, shape, options.unroll, "unrolled")


def run(b: "ThreadBuilder", shape: Shape, budget: int, kind: str) -> None:
    """The loop with at most `budget` bodies after the first test; the
    test after the last one, when true, is where the loop is cut."""
    line = shape.pos.line
    entry_guard, entry_ctrl = b.guard, b.ctrl
    exits: list[Path] = []
    start = len(b.pb.events)  # where the iteration a stuck await repeats begins
    entered: Optional[Guard] = None
    record: Optional[LoopRecord] = None
    if shape.first is not None:
        iteration(b, shape.first, (), shape, exits)
    k = 0
    while not b.dead:
        if k > 0:
            b.instruction = b.instruction.plus(1)  # herd7 runs the while again
        test(b, shape, exits)
        if b.dead:
            break
        if entered is None:
            entered = b.guard
        if k == budget:
            options = b.pb.loop_options
            limit = entered if kind == "await" and options.unroll == 0 else b.guard
            waiting = tuple(e.eid for e in b.pb.events[start:]
                            if e.thread == b.tid and e.kind == "R" and set(e.guard) <= set(b.guard))
            record = LoopRecord(line, shape.pos.col, kind, (b.guard,), (limit,),
                                waiting if kind == "await" else ())
            b.cuts.append(b.here())
            b.dead = True
            break
        start = len(b.pb.events)
        iteration(b, shape.body, shape.step, shape, exits)
        k += 1
        if len(b.pb.events) > b.pb.loop_options.max_events:
            raise b.error(f"unrolling this loop {b.pb.loop_options.unroll} times makes more than "
                          f"{b.pb.loop_options.max_events} events: give a smaller --unroll", shape.pos)
    b.pb.program.loops.append(record or LoopRecord(line, shape.pos.col, kind))
    b.join(entry_guard, exits, line, entry_ctrl)
    b.ctrl = entry_ctrl  # as herd7: no control dependency past a loop


def test(b: "ThreadBuilder", shape: Shape, exits: list[Path]) -> None:
    """Test the loop's condition: the path where it is false leaves the
    loop; the builder goes on where it is true (dead when it never is)."""
    if shape.cond is None:
        return
    c = b.expr(shape.cond)
    if isinstance(c.value, VConst):
        if c.value.value == 0:
            exits.append(b.here())
            b.dead = True
        return
    br = b.fork(c.value, shape.pos.line)
    exits.append(Path(b.guard + (Literal(br, False),), dict(b.regs), b.instruction, b.ctrl))
    b.guard = b.guard + (Literal(br, True),)
    b.ctrl = b.ctrl | c.deps


def iteration(b: "ThreadBuilder", body: tuple, step: tuple, shape: Shape, exits: list[Path]) -> Frame:
    """One body (and step): `break` leaves the loop, `continue` goes to the
    step; the builder goes on where the next test is made."""
    frame = Frame()
    base, base_ctrl = b.guard, b.ctrl
    b.frames.append(frame)
    try:
        b.nested(body, shape.braced)
    finally:
        b.frames.pop()
    exits.extend(frame.breaks)
    b.join(base, ([] if b.dead else [b.here()]) + frame.continues, shape.pos.line, base_ctrl)
    if not b.dead:
        b.stmts(step)
    return frame


# ------------------------------------------------------------ classifying


def classify(b: "ThreadBuilder", shape: Shape) -> Optional[str]:
    """'test' for an await whose body has no reads and assigns nothing
    (only its test matters), 'await' for another await, None for a loop
    that writes or carries values from one iteration to the next.  A loop
    whose test never changes and that has no `break` is bad input."""
    # which registers an iteration assigns, and the test as first made
    first = b.scratch(frozenset())
    before = first.expr(shape.cond) if shape.cond is not None else None
    iteration(first, shape.body, shape.step, shape, [])
    if shape.cond is not None and not first.dead:
        first.expr(shape.cond)
    carried = frozenset(first.assigned)
    # one iteration with those registers unknown (what the last one left)
    s = b.scratch(carried)
    events0, branches0 = len(s.pb.events), len(s.pb.program.branches)
    breaks: list[Path] = []
    frame = iteration(s, shape.body, shape.step, shape, breaks)
    body_events = s.pb.events[events0:]
    body_assigns = bool(s.assigned)
    after = s.expr(shape.cond) if shape.cond is not None and not s.dead else None
    new_events = s.pb.events[events0:]

    def local(v: Value) -> bool:
        """Does v depend on this iteration's reads or branches?"""
        return mentions(v, lambda x: (isinstance(x, VRead) and x.eid >= events0)
                        or (isinstance(x, VBranch) and x.index >= branches0))

    def unknown(v: Value) -> bool:
        """Does v depend on what an earlier iteration left?"""
        return mentions(v, lambda x: isinstance(x, VRead) and x.eid < 0)

    if not breaks and not s.dead and (
            shape.cond is None or (after is not None and before is not None and not unknown(after.value)
                                   and not local(after.value) and after.value == before.value)):
        what = ("has no condition" if shape.cond is None else
                "has a condition that is always true" if isinstance(after.value, VConst) else
                "tests a value that does not change in it")
        raise b.error(f"this loop never ends: it {what}, and no break leaves it", shape.pos)
    program = s.pb.program
    if any(e.kind not in ("R", "F") or (e.kind == "R" and _UPDATE_READS & e.tags) for e in new_events):
        return None
    if program.rmw or any(not r.is_await for r in program.loops):
        return None
    values: list[Value] = [e.addr for e in new_events if e.addr is not None]
    values += [br.cond for br in program.branches[branches0:] if br.cond is not None]
    values += [c.cond for c in program.constraints]
    ends = [p.regs for p in breaks] + ([] if s.dead else [s.regs])
    values += [regs[n].value for regs in ends for n in carried if n in regs]
    if after is not None:
        values.append(after.value)
    if any(unknown(v) for v in values):
        return None
    quiet_body = (not body_assigns and not frame.breaks and not frame.continues
                  and all(e.kind == "F" for e in body_events))
    return "test" if quiet_body and shape.first is None else "await"


def mentions(v: Value, pred: Callable[[Value], bool]) -> bool:
    """Does `pred` hold of some part of value `v`?"""
    seen: set[int] = set()
    stack = [v]
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if pred(x):
            return True
        if isinstance(x, VOp):
            stack.extend(x.args)
    return False
