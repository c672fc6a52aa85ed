"""Under one model, is the bad outcome reachable with a given set of switches on?  And which switches could stop it?

One solver per model holds the switched program, restricted to executions
reaching the outcome (and passing the test's filter); switches are fixed per
question by assumptions, so what the solver learns (refuted rf/co patterns,
which name the switch literals they rely on) serves every later question.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

import z3

from ..cat.evaluate import Evaluator
from ..engine.candidate import Candidate
from ..engine.condition import prop_term
from ..engine.enumerate import Refinement
from ..litmus import ast as A
from .extend import extend
from .switched import SwitchedProgram


def bad_outcome(test: A.Test) -> A.Prop:
    """The outcome that must not happen: the exists clause (for `forall`, its negation)."""
    p = test.condition.prop
    return A.PNot(p) if test.condition.quantifier == "forall" else p


@dataclass
class ReachStats:
    questions: int = 0     # switch assignments asked about
    candidates: int = 0    # executions the solver proposed
    refuted: int = 0       # of which the model forbade
    seconds: float = 0.0


@dataclass
class Reach:
    """The reachability oracle of one model over one switched program."""
    sp: SwitchedProgram
    evaluator: Evaluator
    test: A.Test
    deadline: Optional[float] = None
    stats: ReachStats = field(default_factory=ReachStats)
    _refinement: Refinement = field(init=False)
    _answers: dict = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._refinement = Refinement(self.sp.program, self.evaluator, z3.Context())
        self._refinement.restrict(lambda enc: prop_term(enc, self.test, bad_outcome(self.test)))
        if self.test.filter is not None:
            self._refinement.restrict(lambda enc: prop_term(enc, self.test, self.test.filter))

    @property
    def switches(self) -> int:
        return len(self.sp.changes)

    def _assumptions(self, on: frozenset[int]) -> list[z3.BoolRef]:
        br = self._refinement.enc.branch
        return [br[i] if k in on else z3.Not(br[i]) for k, bs in self.sp.branches.items() for i in bs]

    def witness(self, on: frozenset[int]) -> Optional[Candidate]:
        """An execution the model allows that reaches the outcome with exactly `on` switched on, or None."""
        start = time.monotonic()
        self.stats.questions += 1
        assumptions = self._assumptions(on)
        try:
            for checked in self._refinement.candidates(self.deadline, assumptions):
                self.stats.candidates += 1
                if not checked.result.violations:
                    return checked.candidate
                self.stats.refuted += 1
            return None
        finally:
            self.stats.seconds += time.monotonic() - start

    def allows(self, c: Candidate) -> bool:
        return not self._refinement.check(c).result.violations

    def breakers(self, c: Candidate, on: frozenset[int]) -> frozenset[int]:
        """Switches off in `on` of which every fix must turn one on, given that `c` reaches the outcome.

        Greedily turns on every other switch whose events leave `c` (carried
        over) allowed: with all of those on the outcome is still reachable,
        so (barriers only ever forbid more) a fix needs a switch outside them.
        """
        kept = set(on)
        needed: set[int] = set()
        for k in range(self.switches):
            if k in on:
                continue
            trial = extend(self.sp, c, frozenset(kept | {k}))
            if trial is not None and self.allows(trial):
                kept.add(k)
            else:
                needed.add(k)
        return frozenset(needed)

    def clause(self, on: frozenset[int]) -> Optional[frozenset[int]]:
        """None when `on` forbids the outcome; else the switches of which a fix needs one."""
        if on not in self._answers:
            c = self.witness(on)
            self._answers[on] = None if c is None else self.breakers(c, on)
        return self._answers[on]
