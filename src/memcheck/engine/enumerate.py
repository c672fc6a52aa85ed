"""Enumerate the executions a model allows, by lazy refinement.

Z3 proposes a candidate (branches, rf, co); the cat model is evaluated on it
concretely.  An allowed candidate is recorded and blocked; a forbidden one is
refuted with a clause over just the rf/co edges the violated axiom needed
(when the axiom is monotone in rf and co), so one refutation removes every
candidate that shares those edges.  The loop ends when Z3 finds no more.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import z3

from ..cat.evaluate import Evaluator
from ..lower.program import Literal, Program
from .candidate import Candidate, StaticView, cat_execution, read_candidate, static_view
from .encode import Encoding, encode


class Timeout(Exception):
    """The time budget ran out before every execution was found."""


@dataclass
class Allowed:
    """One execution the model allows."""
    candidate: Candidate
    flags: frozenset[str]


@dataclass
class Enumeration:
    allowed: list[Allowed] = field(default_factory=list)
    candidates: int = 0  # candidates Z3 proposed
    refuted: int = 0
    seconds: float = 0.0


def _path_literals(enc: Encoding, c: Candidate) -> list[z3.BoolRef]:
    """Branch decisions of the candidate (only branches that were reached)."""
    prog = enc.program
    lits = []
    for b in prog.branches:
        if all(c.branches[l.branch] == l.value for l in b.guard):
            lits.append(enc.literal(Literal(b.index, c.branches[b.index])))
    return lits


def _address_literals(enc: Encoding, c: Candidate) -> list[z3.BoolRef]:
    """Addresses of the candidate's events whose address is computed."""
    lits = []
    for eid, a in c.addrs.items():
        if enc.const_addr.get(eid) is None:
            lits.append(enc.addr_term[eid] == z3.BitVecVal(a, 64, enc.ctx))
    return lits


def _execution_literals(enc: Encoding, c: Candidate) -> list[z3.BoolRef]:
    """Literals that pin the candidate down completely: path, rf and co."""
    lits = _path_literals(enc, c) + _address_literals(enc, c)
    for r, w in c.rf.items():
        lits.append(enc.rf[(w, r)])
    for ws in c.co.values():
        inner = [w for w in ws if w in enc.position]
        for a, b in zip(inner, inner[1:]):
            lits.append(enc.position[a] < enc.position[b])
    return lits


def _fact_literals(enc: Encoding, c: Candidate, view: StaticView, facts) -> list[z3.BoolRef]:
    lits = _path_literals(enc, c) + _address_literals(enc, c)
    for kind, a, b in facts:
        ea, eb = view.events[a], view.events[b]
        if kind == "rf":
            lits.append(enc.rf[(ea, eb)])
        elif kind == "co":
            lits.append(enc.co_literal(ea, eb))
        else:
            raise ValueError(f"unknown fact {kind}")
    return lits


def enumerate_allowed(program: Program, evaluator: Evaluator,
                      deadline: Optional[float] = None,
                      restrict: Optional[Callable[[Encoding], z3.BoolRef]] = None,
                      ctx: Optional[z3.Context] = None) -> Enumeration:
    """Every execution of `program` that the model allows, among those
    satisfying `restrict` (a formula over the encoding, e.g. a test's filter).
    Reusing one Z3 context across tests (`ctx`) saves creating one per test."""
    start = time.monotonic()
    enc = encode(program, ctx)
    solver = z3.Solver(ctx=enc.ctx)
    solver.add(enc.constraints)
    if restrict is not None:
        solver.add(restrict(enc))
    out = Enumeration()
    views: dict[tuple, StaticView] = {}
    # the evaluator caches static parts by key: keys must not collide across programs
    token = object()
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise Timeout()
        if solver.check() != z3.sat:
            break
        c = read_candidate(enc, solver.model())
        out.candidates += 1
        key = c.path_key()
        view = views.get(key)
        if view is None:
            view = views[key] = static_view(program, c)
        ex = cat_execution(program, c, view, (token, key))
        result = evaluator.check(ex)
        if result.violations:
            out.refuted += 1
            v = result.violations[0]
            if v.monotone:
                facts = evaluator.explain(ex, v).facts
                lits = _fact_literals(enc, c, view, facts)
            else:
                lits = _execution_literals(enc, c)
            solver.add(z3.Not(z3.And(lits)) if lits else z3.BoolVal(False, enc.ctx))
            continue
        out.allowed.append(Allowed(c, result.flags))
        lits = _execution_literals(enc, c)
        solver.add(z3.Not(z3.And(lits)) if lits else z3.BoolVal(False, enc.ctx))
    out.seconds = time.monotonic() - start
    return out
