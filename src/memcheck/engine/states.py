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
from .enumerate import Allowed, Refinement
from .outcome import FinalState


def allowed_states(refinement: Refinement, test: A.Test, program: Program, locs: list[A.Loc],
                   deadline: Optional[float] = None) -> list[Allowed]:
    """One allowed execution for each final state over `locs`."""
    enc = refinement.enc
    listing = z3.Bool("listing states", enc.ctx)
    terms = [(loc, location_term(enc, test, loc), location_term(enc, test, loc, enc.determined_value))
             for loc in locs]
    found: list[Allowed] = []
    for checked in refinement.candidates(deadline, assumptions=(listing,)):
        if checked.result.violations:
            continue
        found.append(Allowed(checked.candidate, checked.result.flags))
        fs = FinalState(test, program, checked.candidate)
        other = []
        for loc, value, determined in terms:
            if fs.undetermined(loc):  # out of thin air: only a determined value differs
                other.append(determined)
            else:
                v = z3.BitVecVal(fs.value(loc), value.size(), enc.ctx)
                other.append(z3.Or(z3.Not(determined), value != v))
        refinement.solver.add(z3.Implies(listing, z3.Or(other) if other else z3.BoolVal(False, enc.ctx)))
    return found
