"""The verdict alone, by two reachability questions instead of enumeration.

herd7's Observation is Never, Always or Sometimes according to whether some
allowed execution satisfies the condition's proposition and whether some
allowed execution falsifies it.  Each is one search over candidates
restricted (by an assumption literal) to one side; refutations learned on
one side hold for the other, since they depend only on the model.  Each
flag is one more question: an allowed execution raising it.  The cost
follows the number of refutations, not the number of executions, which on
wide tests is exponentially smaller; final states and witness counts are
not enumerated (the witnesses found are reported).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import z3

from ..cat.evaluate import Evaluator
from .enumerate import Allowed, Refinement


def first_allowed(refinement: Refinement, side: Optional[z3.BoolRef],
                  deadline: Optional[float]) -> Optional[Allowed]:
    """An execution the model allows (among candidates where the literal
    `side` holds, when given)."""
    for checked in refinement.candidates(deadline, assumptions=() if side is None else (side,)):
        if not checked.result.violations:
            return Allowed(checked.candidate, checked.result.flags)
    return None


def flag_witness(refinement: Refinement, flag: str, deadline: Optional[float]) -> Optional[Allowed]:
    """An allowed execution raising `flag`.  Allowed executions without it
    are set aside for this question only: a whole path at once where the
    model rules the flag out statically on it, else one by one."""
    seeking = z3.Bool(f"seek {flag}", refinement.enc.ctx)
    for checked in refinement.candidates(deadline, assumptions=(seeking,)):
        if checked.result.violations:
            continue
        if flag in checked.result.flags:
            return Allowed(checked.candidate, checked.result.flags)
        ruled_out = flag in refinement.evaluator.flags_ruled_out(checked.execution)
        refinement.block(checked, under=seeking, whole_path=ruled_out)
    return None


def single_path(refinement: Refinement) -> bool:
    """Every candidate runs the same events at the same addresses."""
    enc = refinement.enc
    return not enc.program.branches and all(a is not None for a in enc.const_addr.values())


def model_flags(evaluator: Evaluator) -> list[str]:
    """The names of the model's flags, in model order."""
    return list(dict.fromkeys(c.name for c in evaluator.checks if c.flag))


@dataclass
class Decision:
    """Whether allowed executions satisfy and falsify the condition, the
    flags some allowed execution raises, and the executions showing it."""
    positive: bool
    negative: bool
    flags: frozenset[str]
    found: list[Allowed]


def decide(refinement: Refinement, holds: z3.BoolRef, deadline: Optional[float] = None,
           raised: frozenset[str] = frozenset()) -> Decision:
    """The verdict's questions on `refinement`, whose candidates tie the
    literal `holds` to the condition's proposition; flags in `raised` are
    known to be raised by an allowed execution (one listed before)."""
    positive = first_allowed(refinement, holds, deadline)
    negative = first_allowed(refinement, z3.Not(holds), deadline)
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
    ruled_out = (evaluator.flags_ruled_out(refinement.check(found[0].candidate).execution)
                 if found and single_path(refinement) else frozenset())
    for flag in model_flags(evaluator):
        if flag not in ruled_out | raised and not any(flag in a.flags for a in found):
            witness = flag_witness(refinement, flag, deadline)
            if witness is not None:
                found.append(witness)
    return raised.union(*(a.flags for a in found))
