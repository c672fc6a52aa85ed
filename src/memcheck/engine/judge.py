"""Judge a litmus test under a model: the whole pipeline for one test.

Every allowed execution is enumerated, as herd7 does, up to a limit; past
it (or when only the verdict is asked for) the verdict and flags are decided
by reachability questions to the same refinement (engine/decide.py), which
keeps what enumeration refuted.  Asked for the states only, one execution
per final state is listed (engine/states.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

import z3

from ..cat.evaluate import Evaluator
from ..litmus import ast as A
from ..lower.program import Program
from .condition import prop_term
from .decide import decide, raised_flags
from .enumerate import Refinement, allowed_executions
from .loops import hangs, loop_limit
from .outcome import FinalState, Verdict, observed_addresses, observed_locations, state_sort_key
from .states import allowed_states


@dataclass
class Judgement:
    """A verdict with the executions behind it (for graphs and advice)."""
    verdict: Verdict
    program: Program
    allowed: list = field(default_factory=list)


def judge_program(test: A.Test, program: Program, evaluator: Evaluator, model: str,
                  condition_text: str, deadline: Optional[float] = None,
                  ctx: Optional[z3.Context] = None, verdict_only: bool = False,
                  max_executions: Optional[int] = None, states_only: bool = False,
                  orders: bool = True, expand: bool = True) -> Judgement:
    """Every allowed execution of `program`, summarised as herd7 does; with
    `states_only`, every final state without witness counts (past
    `max_executions` states, the verdict alone); with
    `verdict_only`, or past `max_executions` allowed executions, the verdict
    and flags alone with the witnesses found.  `orders=False`: without the
    lock order and closure literals (engine/lock_order.py); `expand=False`:
    free choices left to the solver (engine/free_choices.py); both for
    comparison."""
    start = time.monotonic()
    refinement = Refinement(program, evaluator, ctx, observed=observed_addresses(test, program),
                            orders=orders)
    if test.filter is not None:
        refinement.restrict(lambda enc: prop_term(enc, test, test.filter))
    holds = z3.Bool("condition holds", refinement.enc.ctx)
    refinement.define(holds, lambda enc: prop_term(enc, test, test.condition.prop))
    locs = observed_locations(test)
    bound = loop_limit(refinement)  # the model aside: asked before anything is learned of it
    hang = {"hang"} if hangs(refinement, deadline) else set()

    def verdict(states, positive: int, negative: int, flags, exhaustive: bool = True,
                states_complete: bool = True, limit: Optional[int] = None) -> Verdict:
        return Verdict(name=test.name, model=model, quantifier=test.condition.quantifier,
                       condition=condition_text, states=states, positive=positive, negative=negative,
                       flags=sorted(set(flags) | hang), seconds=time.monotonic() - start, file=test.source,
                       candidates=refinement.proposed, exhaustive=exhaustive,
                       states_complete=states_complete, limit=limit,
                       loop_limit=bound.reached, loop_cut=bound.cut)

    def decided(found: list, limit: Optional[int]) -> Judgement:
        """The verdict and flags by reachability questions, what was listed
        (`found`) seeding the flags; `limit`: the listing limit passed."""
        d = decide(refinement, holds, lambda c: FinalState(test, program, c).holds(test.condition.prop),
                   deadline, frozenset().union(*(a.flags for a in found)))
        states = list(dict.fromkeys(FinalState(test, program, a.candidate).state(locs) for a in d.found))
        return Judgement(verdict(states, int(d.positive), int(d.negative), d.flags, exhaustive=False,
                                 states_complete=False, limit=limit), program, d.found)

    if states_only and not verdict_only:
        found = allowed_states(refinement, test, program, locs, deadline, max_executions, expand)
        if max_executions is not None and len(found) > max_executions:  # too many states: the verdict alone
            return decided(found, max_executions)
        finals = [FinalState(test, program, a.candidate) for a in found]
        held = [fs.holds(test.condition.prop) for fs in finals]
        states = sorted((fs.state(locs) for fs in finals), key=state_sort_key)
        flags = raised_flags(refinement, list(found), deadline)
        return Judgement(verdict(states, int(any(held)), int(not all(held)), flags, exhaustive=False),
                         program, found)
    allowed, complete = [], False
    if not verdict_only:
        allowed, complete = allowed_executions(refinement, deadline, max_executions, expand)
    if not complete:
        return decided(allowed, None if verdict_only else max_executions)
    states: dict = {}
    positive = negative = 0
    flags: set[str] = set()
    for a in allowed:
        fs = FinalState(test, program, a.candidate)
        states.setdefault(fs.state(locs), True)
        if fs.holds(test.condition.prop):
            positive += 1
        else:
            negative += 1
        flags |= a.flags
    return Judgement(verdict(sorted(states, key=state_sort_key), positive, negative, flags), program, allowed)
