"""Out-of-thin-air values: which values the program's constants determine.

When reads take their values from writes whose values come from reads that
(through rf) depend on themselves, nothing fixes the value: any number is a
solution.  herd7 keeps such a value symbolic: it equals no constant, so a
condition `x=42` does not hold of it and `~x=0` does.  The solver would
otherwise pick any value, 42 included, when asked for an execution reaching
the condition.

A read is determined when the write it reads from is, a write when every
read its value depends on is: the least solution of these equations.  Only
reads on a cycle of possible value flow (write value <- read, read <- write
it may read from), or fed by one, can be undetermined; for them the encoding
gets a Boolean `d<eid>` and a rank that must decrease along the
justification, which rules out a cycle justifying itself.  Programs without
such cycles (most tests) get no variables at all.
"""
from __future__ import annotations

from typing import Callable, Mapping, Optional, Sequence

import z3

from ..cat import relation as R
from ..lower.program import Program, Value, VBranch, VConst, VOp, VRead
from ..lower.values import evaluate


def value_reads(program: Program, v: Optional[Value]) -> frozenset[int]:
    """The reads a value is computed from.  A branch's value is not one of
    them: which leg of an `if` ran is the execution's choice, as in herd7
    (each leg's value is what it is, however the condition came about)."""
    out: set[int] = set()
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, VRead):
            out.add(x.eid)
        elif isinstance(x, VOp):
            stack.extend(x.args)
    return frozenset(out)


def thin_air_reads(program: Program, rf_of_read: dict[int, list[int]]) -> set[int]:
    """Reads that can be out of thin air: those on a cycle of possible value
    flow (read -> write it may read from -> reads that write's value depends
    on) and those such a cycle feeds."""
    fed_by = [0] * len(program.events)  # read -> the reads feeding it, as a bit row
    for r, ws in rf_of_read.items():
        for w in ws:
            for s in value_reads(program, program.events[w].value):
                fed_by[r] |= 1 << s
    if not any(fed_by):
        return set()
    reach = R.plus(tuple(fed_by))
    on_cycle = 0
    for r in rf_of_read:
        if (reach[r] >> r) & 1:
            on_cycle |= 1 << r
    return {r for r in rf_of_read if reach[r] & on_cycle}


def live_term(enc, v: Optional[Value], leaf: Callable[[int], z3.BoolRef]) -> z3.BoolRef:
    """The conjunction of `leaf(r)` over the reads `v` is computed from in
    the candidate at hand: of an `ite`, the condition and the arm it takes
    (a branch's value is the execution's choice: see value_reads)."""
    ctx = enc.ctx
    if v is None or isinstance(v, (VConst, VBranch)):
        return z3.BoolVal(True, ctx)
    if isinstance(v, VRead):
        return leaf(v.eid)
    assert isinstance(v, VOp)
    if v.op == "ite":
        c, a, b = v.args
        return z3.And(live_term(enc, c, leaf),
                      z3.If(enc.truth(c), live_term(enc, a, leaf), live_term(enc, b, leaf)))
    return z3.And([live_term(enc, a, leaf) for a in v.args])


def live_reads(program: Program, v: Optional[Value], reads: Mapping[int, int],
               branches: Sequence[bool]) -> set[int]:
    """The reads `v` is computed from in a concrete candidate (as live_term)."""
    if v is None or isinstance(v, (VConst, VBranch)):
        return set()
    if isinstance(v, VRead):
        return {v.eid}
    assert isinstance(v, VOp)
    if v.op == "ite":
        c, a, b = v.args
        arm = a if evaluate(c, reads, branches) != 0 else b
        return live_reads(program, c, reads, branches) | live_reads(program, arm, reads, branches)
    return set().union(*(live_reads(program, a, reads, branches) for a in v.args))


def encode_grounding(enc, thin_air: set[int], runs: Callable[[int], z3.BoolRef]) -> list[z3.BoolRef]:
    """Fill `enc.determined` with `d<eid>` for each read that can be out of
    thin air (`thin_air`, thin_air_reads: true iff its value is determined; a
    read that does not run counts as determined); the constraints defining
    them.  `runs(eid)`: the event's guard."""
    program, ctx = enc.program, enc.ctx
    determined = enc.determined
    determined.update({r: z3.Bool(f"d{r}", ctx) for r in sorted(thin_air)})
    rank = {r: z3.Int(f"k{r}", ctx) for r in determined}
    true = z3.BoolVal(True, ctx)

    def is_determined(s: int) -> z3.BoolRef:
        return determined.get(s, true)

    constraints: list[z3.BoolRef] = []
    for r in determined:
        justified = []
        for w in enc.rf_of_read[r]:
            value = program.events[w].value
            rf = enc.rf[(w, r)]
            justified.append(z3.And(rf, live_term(enc, value, is_determined)))
            # a determined value's justification is well founded: ranks decrease along it
            if value_reads(program, value) & thin_air:
                below = live_term(enc, value, lambda s: rank[r] > rank[s] if s in rank else true)
                constraints.append(z3.Implies(z3.And(rf, determined[r]), below))
        constraints.append(determined[r] == z3.Or([z3.Not(runs(r))] + justified))
    return constraints


def thin_air_origin(program: Program, c, reads: set[int]) -> int:
    """A name for the unknown an out-of-thin-air value is: the least read of
    the value cycle `reads` come from (so values of one cycle share it)."""
    seen = set(reads & c.undetermined)
    todo = list(seen)
    while todo:
        w = c.rf.get(todo.pop())
        if w is None:
            continue
        for s in live_reads(program, program.events[w].value, c.reads, c.branches) & c.undetermined:
            if s not in seen:
                seen.add(s)
                todo.append(s)
    return min(seen)


def determined_term(enc, v: Optional[Value]) -> z3.BoolRef:
    """The value `v` is determined in the candidate at hand."""
    true = enc.true
    if not enc.determined:
        return true
    return live_term(enc, v, lambda s: enc.determined.get(s, true))
