"""Every final state, without counting the executions behind each.

herd7's States list and its verdict depend on the final states alone (a
condition speaks only of locations a state shows), so one allowed execution
per state is enough.  After each state found, a clause (under this
listing's own assumption) asks for another value at some shown location;
the solver proposes one allowed execution per state plus what the model
refutes on the way.  A test with many executions but few states (n writers
to one location: n! executions, n states) costs its states, not its
executions.
"""
from __future__ import annotations

from typing import Optional

import z3

from ..litmus import ast as A
from ..lower.program import Program
from .condition import location_term
from .encode import any_of, assert_all
from .enumerate import Allowed, Refinement
from .outcome import FinalState


def allowed_states(refinement: Refinement, test: A.Test, program: Program, locs: list[A.Loc],
                   deadline: Optional[float] = None, limit: Optional[int] = None,
                   expand: bool = True) -> list[Allowed]:
    """One allowed execution for each final state over `locs`; past `limit`
    states, the listing stops (one more than `limit` are returned).
    `expand`: free choices enumerated without the solver
    (engine/free_choices.py), those reaching a state found skipped."""
    enc = refinement.enc
    listing = z3.Bool("listing states", enc.ctx)
    not_listing = z3.Not(listing)
    terms = [(location_term(enc, test, loc), location_term(enc, test, loc, enc.determined_value))
             for loc in locs]
    # "location i ends with another value than v" (v None: than a symbol), one
    # literal each, defined once: the clauses blocking states stay small
    differs: dict[tuple[int, Optional[int]], z3.BoolRef] = {}

    def other_than(i: int, v: Optional[int]) -> z3.BoolRef:
        lit = differs.get((i, v))
        if lit is None:
            value, determined = terms[i]
            lit = differs[(i, v)] = z3.Bool(f"differs {i} {v}", enc.ctx)
            refinement.solver.add(lit == (determined if v is None else
                                          z3.Or(z3.Not(determined), value != enc.const(v))))
        return lit

    found: list[Allowed] = []
    seen: set = set()  # the states found (a free choice's variant reaching one is skipped)

    last: list = [None, None]   # the variant `known` last saw and its final state (not worked out twice)

    def known(c) -> bool:
        last[:] = [c, FinalState(test, program, c).state(locs)]
        return last[1] in seen

    for checked in refinement.candidates(deadline, assumptions=(listing,), expand=expand, skip=known):
        if checked.result.violations:
            continue
        found.append(Allowed(checked.candidate, checked.result.flags))
        if limit is not None and len(found) > limit:
            break
        fs = FinalState(test, program, checked.candidate)
        seen.add(last[1] if last[0] is checked.candidate else fs.state(locs))
        other = [other_than(i, None if fs.undetermined(loc) else fs.value(loc)) for i, loc in enumerate(locs)]
        assert_all(refinement.solver, any_of([not_listing] + other, enc.ctx))
    return found
