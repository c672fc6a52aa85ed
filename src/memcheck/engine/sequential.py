"""The sequential candidate: threads run one after another, in thread order.

Every read takes the latest write to its address before it in that order,
and coherence follows it.  Models weaker than sequential consistency allow
such an execution, so a verdict asks for it first: one solver answer then
settles the side of the condition it falls on, where an arbitrary first
candidate is often refuted several times before one is allowed.  It is a
hint only: the candidate is judged by the model like any other.
"""
from __future__ import annotations

import z3

from ..lower.program import Event
from .encode import Encoding, any_of, exclusive, negate


def sequential(enc: Encoding) -> list[z3.BoolRef]:
    """Clauses holding of exactly the candidates that run the program's
    threads one after another (initial writes first, each thread in program
    order), every read taking the latest write to its address before it and
    coherence following that order."""
    program = enc.program
    events, po = program.events, program.po

    def before(a: Event, b: Event) -> bool:
        if a.is_init or b.is_init:
            return a.is_init and not b.is_init
        return a.thread < b.thread if a.thread != b.thread else (a.eid, b.eid) in po

    writes = [e for e in events if e.kind == "W" and not e.is_init]
    out: list[z3.BoolRef] = []
    for r_eid, sources in enc.rf_of_read.items():
        r = events[r_eid]
        for w_eid in sources:
            w = events[w_eid]
            lit = enc.rf[(w_eid, r_eid)]
            if not before(w, r):
                out.append(negate(lit))
                continue
            # no write to r's address runs between w and r
            hidden = [enc.conjunction([enc.guard(x.guard), enc.same_address(x.eid, r_eid)])
                      for x in writes if before(x, r) and before(w, x) and enc.may_alias(x, r)
                      and not exclusive(x.guard, r.guard)]
            if any(h is enc.true for h in hidden):
                out.append(negate(lit))
            elif hidden:
                out.append(negate(enc.conjunction([lit, any_of(hidden, enc.ctx)])))
    for (a, b), both in enc.co_pairs.items():
        w1, w2 = events[a], events[b]
        first, second = (w1, w2) if before(w1, w2) else (w2, w1) if before(w2, w1) else (None, None)
        if first is not None:
            order = enc.co_literal(first.eid, second.eid)
            out.append(order if both is enc.true else any_of([negate(both), order], enc.ctx))
    return out
