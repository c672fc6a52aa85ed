"""The verdict alone, by two reachability questions instead of enumeration.

herd7's Observation is Never, Always or Sometimes according to whether some
allowed execution satisfies the condition's proposition and whether some
allowed execution falsifies it.  Each is one search over candidates
restricted (by an assumption literal) to one side; refutations learned on
one side hold for the other, since they depend only on the model.  The
flags are one more question: allowed executions raising those not yet
seen.  The cost
follows the number of refutations, not the number of executions, which on
wide tests is exponentially smaller; final states and witness counts are
not enumerated (the witnesses found are reported).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import z3

from ..cat.evaluate import Evaluator
from .candidate import Candidate
from .encode import all_of
from .enumerate import Allowed, Refinement
from .sequential import sequential


def first_allowed(refinement: Refinement, side: Optional[z3.BoolRef],
                  deadline: Optional[float]) -> Optional[Allowed]:
    """An execution the model allows (among candidates where the literal
    `side` holds, when given)."""
    for checked in refinement.candidates(deadline, assumptions=() if side is None else (side,)):
        if not checked.result.violations:
            return Allowed(checked.candidate, checked.result.flags)
    return None


def flag_witnesses(refinement: Refinement, wanted: set[str], deadline: Optional[float],
                   known: Sequence[Allowed] = ()) -> list[Allowed]:
    """Allowed executions raising the flags of `wanted`, one search for them
    all.  Allowed executions raising none of the flags still wanted are set
    aside for this search only (they raise none of any smaller set either):
    a whole path at once where the model rules them all out statically on
    it, else one by one; so are the paths of the `known` allowed executions
    on which the model rules them all out."""
    seeking = z3.Bool("seeking flags", refinement.enc.ctx)
    found: list[Allowed] = []
    wanted = set(wanted)
    # on one path, its free choices are judged here rather than by the solver
    # (each allowed one set aside by `cover`); on several, a path's executions
    # are set aside at once when the model rules out every flag wanted on it
    expand = single_path(refinement)
    if not expand:
        for a in known:
            if wanted <= refinement.evaluator.flags_ruled_out(refinement.execution(a.candidate)[1]):
                refinement.block(a.candidate, under=seeking, whole_path=True)
    for checked in refinement.candidates(deadline, assumptions=(seeking,), expand=expand,
                                         cover=seeking if expand else None):
        if checked.result.violations:
            continue
        if wanted & checked.result.flags:
            wanted -= checked.result.flags
            found.append(Allowed(checked.candidate, checked.result.flags))
            if not wanted:
                break
        if not expand:
            ruled_out = wanted <= refinement.evaluator.flags_ruled_out(checked.execution)
            refinement.block(checked.candidate, under=seeking, whole_path=ruled_out)
    return found


def single_path(refinement: Refinement) -> bool:
    """Every candidate runs the same events at the same addresses."""
    enc = refinement.enc
    return not enc.program.branches and all(a is not None for a in enc.const_addr.values())


def model_flags(evaluator: Evaluator) -> list[str]:
    """The names of the model's flags, in model order."""
    return list(dict.fromkeys(c.name for c in evaluator.checks if c.flag and not c.asserted))


@dataclass
class Decision:
    """Whether allowed executions satisfy and falsify the condition, the
    flags some allowed execution raises, and the executions showing it."""
    positive: bool
    negative: bool
    flags: frozenset[str]
    found: list[Allowed]


def decide(refinement: Refinement, holds: z3.BoolRef, holds_in: Callable[[Candidate], bool],
           deadline: Optional[float] = None, raised: frozenset[str] = frozenset()) -> Decision:
    """The verdict's questions on `refinement`, whose candidates tie the
    literal `holds` to the condition's proposition (`holds_in`: whether it
    holds of a candidate); flags in `raised` are known to be raised by an
    allowed execution (one listed before).  The sequential candidate, tried
    first, answers the side it falls on when the model allows it."""
    sequential_run = z3.Bool("sequential", refinement.enc.ctx)
    refinement.define(sequential_run, lambda enc: all_of(sequential(enc), enc.ctx), both_ways=False)
    hint = first_allowed(refinement, sequential_run, deadline)
    side = None if hint is None else holds_in(hint.candidate)
    positive = hint if side is True else first_allowed(refinement, holds, deadline)
    negative = hint if side is False else first_allowed(refinement, z3.Not(holds), deadline)
    found = [a for a in (positive, negative) if a is not None]
    flags = raised_flags(refinement, found, deadline, raised)
    return Decision(positive is not None, negative is not None, flags, found)


def raised_flags(refinement: Refinement, found: list[Allowed], deadline: Optional[float] = None,
                 raised: frozenset[str] = frozenset()) -> frozenset[str]:
    """The flags some allowed execution raises: those of `found` and
    `raised`, and each other flag of the model that a search finds (its
    witness appended to `found`)."""
    evaluator = refinement.evaluator
    # with one path only, what the model rules out on a witness's path it rules out everywhere
    ruled_out = (evaluator.flags_ruled_out(refinement.execution(found[0].candidate)[1])
                 if found and single_path(refinement) else frozenset())
    wanted = set(model_flags(evaluator)) - ruled_out - raised.union(*(a.flags for a in found))
    if wanted:
        found += flag_witnesses(refinement, wanted, deadline, found)
    return raised.union(*(a.flags for a in found))
