"""herd7's -speedcheck: the block of the executions that decide the condition only.

With `-speedcheck true` herd7 keeps only the executions relevant to the
condition (those satisfying the proposition for exists and ~exists, those
falsifying it for forall) and summarises them as usual, so a reachable
`exists` prints `Always`; with `fast` it stops at the first one.
"""
from __future__ import annotations

from dataclasses import replace

from .engine.judge import Judgement
from .engine.outcome import FinalState, State, Verdict, observed_locations, state_sort_key


def speedcheck_verdict(test, judgement: Judgement, first_only: bool) -> Verdict:
    """herd7's verdict under -speedcheck true (every allowed execution of
    `judgement` listed) or fast (`first_only`: the first relevant one)."""
    v = judgement.verdict
    wanted = v.quantifier != "forall"  # the proposition's value on a relevant execution
    locs = observed_locations(test)
    states: dict[State, bool] = {}
    positive = negative = 0
    flags: set[str] = set()
    for a in judgement.allowed:
        final = FinalState(test, judgement.program, a.candidate)
        holds = final.holds(test.condition.prop)
        if holds != wanted:
            continue
        states.setdefault(final.state(locs), True)
        positive, negative = positive + holds, negative + (not holds)
        flags |= a.flags
        if first_only:
            break
    return replace(v, states=sorted(states, key=state_sort_key), positive=positive, negative=negative,
                   flags=sorted(flags), exhaustive=True, states_complete=True, limit=None)
