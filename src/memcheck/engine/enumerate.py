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
from ..lower.program import Program
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


def path_facts(enc: Encoding, c: Candidate) -> list[tuple]:
    """Branch decisions of the candidate (only branches that were reached)
    and the addresses of its events whose address is computed."""
    facts: list[tuple] = []
    for b in enc.program.branches:
        if all(c.branches[l.branch] == l.value for l in b.guard):
            facts.append(("branch", b.index, c.branches[b.index]))
    for eid, a in c.addrs.items():
        if enc.const_addr.get(eid) is None:
            facts.append(("addr", eid, a))
    return facts


def execution_facts(enc: Encoding, c: Candidate) -> list[tuple]:
    """Facts that pin the candidate down completely: path, rf and co."""
    facts = path_facts(enc, c)
    facts += [("rf", w, r) for r, w in c.rf.items()]
    for ws in c.co.values():
        inner = [w for w in ws if w in enc.position]
        facts += [("co", a, b) for a, b in zip(inner, inner[1:])]
    return facts


def model_facts(enc: Encoding, c: Candidate, view: StaticView, facts) -> list[tuple]:
    """The path plus the rf/co edges an explanation names (cat event numbers
    translated back to program events)."""
    out = path_facts(enc, c)
    for kind, a, b in facts:
        if kind not in ("rf", "co"):
            raise ValueError(f"unknown fact {kind}")
        out.append((kind, view.events[a], view.events[b]))
    return out


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
        key = c.path_key(program)
        view = views.get(key)
        if view is None:
            view = views[key] = static_view(program, c)
        ex = cat_execution(program, c, view, (token, key))
        result = evaluator.check(ex)
        if result.violations:
            out.refuted += 1
            v = result.violations[0]
            if v.monotone:
                facts = model_facts(enc, c, view, evaluator.explain(ex, v).facts)
            else:
                facts = execution_facts(enc, c)
            solver.add(enc.refutation(facts))
            continue
        out.allowed.append(Allowed(c, result.flags))
        solver.add(enc.refutation(execution_facts(enc, c)))
    out.seconds = time.monotonic() - start
    return out
