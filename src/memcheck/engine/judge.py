"""Judge a litmus test under a model: the whole pipeline for one test."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

from ..cat.evaluate import Evaluator
from ..litmus import ast as A
from ..lower.program import Program
from .condition import prop_term
from .enumerate import enumerate_allowed
from .outcome import FinalState, Verdict, observed_locations, state_sort_key


@dataclass
class Judgement:
    """A verdict with the executions behind it (for graphs and advice)."""
    verdict: Verdict
    program: Program
    allowed: list = field(default_factory=list)


def judge_program(test: A.Test, program: Program, evaluator: Evaluator, model: str,
                  condition_text: str, deadline: Optional[float] = None,
                  ctx=None) -> Judgement:
    """Every allowed execution of `program`, summarised as herd7 does."""
    start = time.monotonic()
    locs = observed_locations(test)

    restrict = None
    if test.filter is not None:
        def restrict(enc):
            return prop_term(enc, test, test.filter)
    result = enumerate_allowed(program, evaluator, deadline, restrict, ctx)
    states: dict = {}
    positive = negative = 0
    flags: set[str] = set()
    for a in result.allowed:
        fs = FinalState(test, program, a.candidate)
        states.setdefault(fs.state(locs), True)
        if fs.holds(test.condition.prop):
            positive += 1
        else:
            negative += 1
        flags |= a.flags
    verdict = Verdict(
        name=test.name, model=model, quantifier=test.condition.quantifier,
        condition=condition_text,
        states=sorted(states, key=state_sort_key),
        positive=positive, negative=negative, flags=sorted(flags),
        seconds=time.monotonic() - start, file=test.source,
        candidates=result.candidates)
    return Judgement(verdict, program, result.allowed)
