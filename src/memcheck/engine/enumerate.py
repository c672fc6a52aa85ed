"""Enumerate the executions a model allows, by lazy refinement.

Z3 proposes a candidate (branches, rf, co); the cat model is evaluated on it
concretely.  An allowed candidate is recorded and blocked; a forbidden one is
refuted with a clause over just the rf/co edges the violated axiom needed
(when the axiom is monotone in rf and co), so one refutation removes every
candidate that shares those edges.  The loop ends when Z3 finds no more.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import z3

from ..cat.evaluate import CheckResult, Evaluator, Execution, Explanation
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


@dataclass
class Checked:
    """A candidate, its cat view and what the model says of it; the
    explanation of its first violation when one was worked out."""
    candidate: Candidate
    view: StaticView
    execution: Execution
    result: CheckResult
    explanation: Optional[Explanation] = None


class Refinement:
    """One solver over a program's candidates, each checked concretely
    against the model; a forbidden candidate is refuted as it is proposed
    (over just the rf/co edges its violation needed, when the axiom is
    monotone), so what is learned serves every later question.  Allowed
    candidates are blocked only when the caller says so (`block`)."""

    def __init__(self, program: Program, evaluator: Evaluator,
                 ctx: Optional[z3.Context] = None, explain_all: bool = False,
                 observed: Optional[frozenset[int]] = None):
        self.program, self.evaluator, self.explain_all = program, evaluator, explain_all
        self.observed = observed  # addresses a final state shows (None: all)
        self.enc = encode(program, ctx)
        self.solver = z3.Solver(ctx=self.enc.ctx)
        self.solver.add(self.enc.constraints)
        self.proposed = self.refuted = 0
        self._views: dict[tuple, StaticView] = {}
        # the evaluator caches static parts by key: keys must not collide across programs
        self._token = object()

    def restrict(self, formula: Callable[[Encoding], z3.BoolRef]) -> None:
        """Only candidates satisfying `formula` (built over the encoding)."""
        self.solver.add(formula(self.enc))

    def check(self, c: Candidate) -> Checked:
        key = c.path_key(self.program)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = static_view(self.program, c, self.observed)
        ex = cat_execution(self.program, c, view, (self._token, key))
        return Checked(c, view, ex, self.evaluator.check(ex))

    def candidates(self, deadline: Optional[float] = None, assumptions=(),
                   mode: str = "complete") -> Iterator[Checked]:
        """Checked candidates until the solver finds no more: complete
        executions, unless `mode` names other candidates loops leave
        (engine/loops.py: a stuck await's)."""
        if self.enc.loops is not None:
            assumptions = tuple(assumptions) + (self.enc.loops[mode],)
        while True:
            if deadline is not None and time.monotonic() > deadline:
                raise Timeout()
            answer = self.solver.check(*assumptions)
            if answer == z3.unsat:
                return
            if answer != z3.sat:
                raise Timeout()
            checked = self.check(read_candidate(self.enc, self.solver.model()))
            self.proposed += 1
            if checked.result.violations:
                self.refuted += 1
                v = checked.result.violations[0]
                if v.monotone or self.explain_all:
                    checked.explanation = self.evaluator.explain(checked.execution, v)
                facts = (model_facts(self.enc, checked.candidate, checked.view, checked.explanation.facts)
                         if v.monotone and not checked.explanation.whole
                         else execution_facts(self.enc, checked.candidate))
                self.solver.add(self.enc.refutation(facts))
            yield checked

    def block(self, checked: Checked, under: Optional[z3.BoolRef] = None,
              whole_path: bool = False) -> None:
        """Never propose this execution again (with `whole_path`, any
        execution of its path); with `under`, only while that literal is
        assumed."""
        facts = (path_facts if whole_path else execution_facts)(self.enc, checked.candidate)
        clause = self.enc.refutation(facts)
        self.solver.add(clause if under is None else z3.Implies(under, clause))


def allowed_executions(refinement: Refinement, deadline: Optional[float] = None,
                       limit: Optional[int] = None) -> tuple[list[Allowed], bool]:
    """The executions the model allows, and whether that is all of them
    (False when there are more than `limit`).  Each is blocked only under an
    assumption of this listing, so the refinement can still answer other
    questions afterwards (what it refuted stands)."""
    listing = z3.Bool("listing executions", refinement.enc.ctx)
    allowed: list[Allowed] = []
    for checked in refinement.candidates(deadline, assumptions=(listing,)):
        if not checked.result.violations:
            if limit is not None and len(allowed) >= limit:
                return allowed, False
            allowed.append(Allowed(checked.candidate, checked.result.flags))
            refinement.block(checked, under=listing)
    return allowed, True
