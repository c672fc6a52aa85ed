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
from typing import TYPE_CHECKING, Optional

import z3

from .encode import Encoding, exclusive

if TYPE_CHECKING:
    from .enumerate import Refinement

COMPLETE = "complete"  # no loop goes on past what was lowered
WARN = "warn"  # some unrolled loop needs more iterations than its bound
LIMIT = "limit"  # some loop, an await included, needs more than --unroll N
HANG = "hang"  # some await waits for ever; the others complete or wait too
MODES = (COMPLETE, WARN, LIMIT, HANG)


@dataclass(frozen=True)
class LoopLiterals:
    """One literal per mode, each implying its mode's constraints: a
    question assumes the literal of the candidates it asks about."""
    literals: dict[str, z3.BoolRef]

    def __getitem__(self, mode: str) -> z3.BoolRef:
        return self.literals[mode]


def loop_literals(enc: Encoding) -> tuple[LoopLiterals, list[z3.BoolRef]]:
    """The literals of the modes and the constraints tying them."""
    literals = {m: z3.Bool(f"loops {m}", enc.ctx) for m in MODES}
    out = []
    for m, lit in literals.items():
        out += [z3.Implies(lit, c) for c in loop_constraints(enc, m)]
    return LoopLiterals(literals), out


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
            if o.kind != "W" or o.is_init or o.eid == w or exclusive(o.guard, events[r].guard) \
                    or not enc.may_alias(o, events[r]):
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


def loop_limit(refinement: "Refinement") -> LoopLimit:
    """Whether some candidate (the model aside, as herd7 decides it) needs
    more iterations than the loops' bound.  Asked of the refinement's own
    solver before it learns anything of the model (its refutations would
    hide candidates the model forbids)."""
    program, enc = refinement.program, refinement.enc
    if enc.loops is None or refinement.proposed or not any(r.limit for r in program.loops):
        return LoopLimit()

    def reachable(mode: str) -> bool:
        answer = refinement.solver.check(enc.loops[mode])
        if answer == z3.unknown:
            from .enumerate import Timeout
            raise Timeout()
        return answer == z3.sat

    if any(r.limit for r in program.loops if not r.is_await) and reachable(WARN):
        return LoopLimit(True, True)
    return LoopLimit(reachable(LIMIT), False)


def hangs(refinement: "Refinement", deadline: Optional[float] = None) -> bool:
    """Does an execution the model allows wait in an await for ever?"""
    if not any(r.is_await and r.cut for r in refinement.program.loops):
        return False
    for checked in refinement.candidates(deadline, mode=HANG):
        if not checked.result.violations:
            return True
    return False
