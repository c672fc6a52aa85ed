"""What loops leave of the candidates: complete executions, or those that
go past a loop's bound (herd7's `Loop`), or stuck awaits (flag `hang`).

The lowering marks, for each loop, the guards under which an execution
goes on past what was lowered (lower/loops.py).  A complete execution
takes none of them: an unrolled loop's execution needing more iterations
is cut off, as herd7 cuts it; an await still waiting is not an execution
of the program.  herd7 prints `Loop` when some candidate needs more
iterations than `-unroll N`, whatever the model says of it: one question
to the solver without the model.  An await hangs when an execution the
model allows can wait in it for ever: its reads of the last iteration take
their values from the coherence-last writes and still do not leave it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import z3

from ..cat.evaluate import Evaluator
from ..litmus import ast as A
from ..lower.program import Program
from .encode import Encoding, encode, exclusive

COMPLETE = "complete"  # no loop goes on past what was lowered
WARN = "warn"  # some unrolled loop needs more iterations than its bound
LIMIT = "limit"  # some loop, an await included, needs more than --unroll N
HANG = "hang"  # some await waits for ever; the others complete or wait too


def loop_constraints(enc: Encoding, mode: str) -> list[z3.BoolRef]:
    """The constraints restricting candidates to `mode`'s."""
    loops = enc.program.loops
    if mode == COMPLETE:
        return [z3.Not(enc.guard(g)) for r in loops for g in r.cut]
    if mode in (WARN, LIMIT):
        return [z3.Or([enc.guard(g) for r in loops if mode == LIMIT or not r.is_await for g in r.limit]
                      + [z3.BoolVal(False, enc.ctx)])]
    assert mode == HANG, mode
    out = [z3.Not(enc.guard(g)) for r in loops if not r.is_await for g in r.cut]
    waiting = []
    for r in loops:
        if r.is_await:
            for g in r.cut:
                here = enc.guard(g)
                waiting.append(here)
                out += [z3.Implies(here, reads_last_write(enc, e)) for e in r.waiting]
    out.append(z3.Or(waiting + [z3.BoolVal(False, enc.ctx)]))
    return out


def reads_last_write(enc: Encoding, r: int) -> z3.BoolRef:
    """Read `r` takes its value from the coherence-last write to its location."""
    events = enc.program.events
    out = []
    for w in enc.rf_of_read.get(r, []):
        later = []
        for o in events:
            if o.kind != "W" or o.is_init or o.eid == w or exclusive(o.guard, events[r].guard):
                continue
            ca, cr = enc.const_addr.get(o.eid), enc.const_addr.get(r)
            if ca is not None and cr is not None and ca != cr:
                continue
            later.append(z3.And(enc.guard(o.guard), enc.addr_term[o.eid] == enc.addr_term[r],
                                enc.co_literal(w, o.eid)))
        if later:
            out.append(z3.Implies(enc.rf[(w, r)], z3.Not(z3.Or(later))))
    return z3.And(out + [z3.BoolVal(True, enc.ctx)])


@dataclass(frozen=True)
class LoopLimit:
    """herd7's `Loop` (`reached`: some candidate needs more iterations than
    `--unroll N`) and whether outcomes may be missing for it (`cut`: an
    unrolled loop's, not only an await's judged exactly)."""
    reached: bool = False
    cut: bool = False


def loop_limit(test: A.Test, program: Program, ctx: Optional[z3.Context] = None) -> LoopLimit:
    """Whether some candidate (the model aside, as herd7 decides it) that
    the filter keeps needs more iterations than the loops' bound."""
    if not any(r.limit for r in program.loops):
        return LoopLimit()
    from .condition import prop_term

    def reachable(mode: str) -> bool:
        enc = encode(program, ctx, loops=mode)
        solver = z3.Solver(ctx=enc.ctx)
        solver.add(enc.constraints)
        if test.filter is not None:
            solver.add(prop_term(enc, test, test.filter))
        return solver.check() == z3.sat

    if any(r.limit for r in program.loops if not r.is_await) and reachable(WARN):
        return LoopLimit(True, True)
    return LoopLimit(reachable(LIMIT), False)


def hangs(test: A.Test, program: Program, evaluator: Evaluator, ctx: Optional[z3.Context] = None,
          deadline: Optional[float] = None) -> bool:
    """Does an execution the model allows wait in an await for ever?"""
    if not any(r.is_await and r.cut for r in program.loops):
        return False
    from .condition import prop_term
    from .decide import first_allowed
    from .enumerate import Refinement
    from .outcome import observed_addresses
    refinement = Refinement(program, evaluator, ctx, observed=observed_addresses(test, program), loops=HANG)
    if test.filter is not None:
        refinement.restrict(lambda enc: prop_term(enc, test, test.filter))
    return first_allowed(refinement, None, deadline) is not None
