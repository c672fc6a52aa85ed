"""One execution that shows why a test's condition is, or is not, reachable.

Z3 is asked only for candidates whose final state satisfies the condition's
proposition (and the test's filter).  The first one the model allows is the
witness of a reachable condition.  When the model forbids them all, the
witness is the forbidden candidate that gets furthest through the model's
axioms (its first violated axiom is the latest in model order: a
happens-before cycle tells a reviewer more than a nonsensical rf that merely
breaks coherence), with the explanation of that violation: labelled edges
forming a cycle (acyclic, irreflexive) or a pair (empty) of the axiom's
relation.

Refutation is the enumerator's: a forbidden candidate is blocked by a clause
over the rf/co edges its violation needed.  A blocked candidate fails the
same axiom, so no candidate getting further than every one seen is lost.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import z3

from ..cat.compile import CheckSpec
from ..cat.evaluate import Evaluator, Execution, Violation
from ..litmus import ast as A
from ..lower.program import Program
from .candidate import Candidate, StaticView
from .condition import prop_term
from .enumerate import Refinement


@dataclass(frozen=True)
class WitnessEdge:
    """A labelled edge of the explanation, between program events."""
    src: int
    dst: int
    label: str


@dataclass(frozen=True)
class Witness:
    """A candidate execution reaching the condition, and whether the model allows it.

    `candidate` is None when no candidate execution reaches the condition at
    all (whatever the model).  For a forbidden candidate, `violation` and
    `check` name the broken axiom, `edges` is its explanation (program event
    ids) and `steps` the edges of the axiom's own relation those labelled
    edges compose: a cycle for `acyclic`, one reflexive pair for
    `irreflexive`, one pair for `empty`.
    """
    candidate: Optional[Candidate]
    index: dict[int, int]  # program event -> cat event
    execution: Optional[Execution]
    violation: Optional[Violation] = None
    check: Optional[CheckSpec] = None
    edges: tuple[WitnessEdge, ...] = ()
    steps: tuple[tuple[int, int], ...] = ()
    relation: str = ""  # the broken check as the model states it: "acyclic hb"
    flags: frozenset[str] = frozenset()
    candidates: int = 0  # candidates Z3 proposed while searching

    @property
    def reachable(self) -> bool:
        """The model allows this execution, which reaches the condition."""
        return self.candidate is not None and self.violation is None


@dataclass(frozen=True)
class _Forbidden:
    """A forbidden candidate seen during the search, with its rank."""
    rank: tuple[int, int]  # (-(index of first violated check), explanation length)
    candidate: Candidate
    view: StaticView
    execution: Execution
    violation: Violation
    edges: tuple[tuple[int, int, str], ...]


def check_of(evaluator: Evaluator, violation: Violation) -> CheckSpec:
    """The model's check reporting `violation` (the first of that name)."""
    return next(s for s in evaluator.checks if not s.flag and s.violation == violation)


def check_text(evaluator: Evaluator, spec: CheckSpec) -> str:
    """`acyclic hb`: the check's kind and its relation's name (or text)."""
    node = evaluator.program.nodes[spec.node]
    return f"{spec.violation.kind} {node.label or node.text}"


def relation_value(evaluator: Evaluator, ex: Execution, spec: CheckSpec):
    """The value of the relation (or set) a check tests, on ex."""
    _, vals = evaluator.values_for(ex, spec)
    return vals[spec.node]


def holds(value, a: int, b: int) -> bool:
    """Edge (a, b) is in a relation value (for a set: a == b and a is in it)."""
    if type(value) is int:
        return a == b and bool((value >> a) & 1)
    return bool((value[a] >> b) & 1)


def axiom_steps(kind: str, value, edges: list[tuple[int, int, str]]) -> Optional[list[tuple[int, int]]]:
    """Group consecutive explanation edges into edges of the axiom's relation.

    For an acyclic check the labelled edges form a closed walk; the fewest
    consecutive runs each joining two events related by `value` are the
    cycle's edges.  For irreflexive and empty checks the whole walk is one
    edge.  None when the edges do not compose that way.
    """
    if not edges:
        return None
    if any(x[1] != y[0] for x, y in zip(edges, edges[1:])):
        return None
    if kind.lstrip("~") != "acyclic":
        step = (edges[0][0], edges[-1][1])
        if kind.lstrip("~") == "irreflexive" and step[0] != step[1]:
            return None
        return [step] if holds(value, *step) else None
    if edges[-1][1] != edges[0][0]:
        return None
    n = len(edges)
    best: list[Optional[list[tuple[int, int]]]] = [None] * (n + 1)
    best[0] = []
    for j in range(1, n + 1):
        for i in range(j):
            prev = best[i]
            step = (edges[i][0], edges[j - 1][1])
            if prev is not None and holds(value, *step) and (
                    best[j] is None or len(prev) + 1 < len(best[j])):
                best[j] = prev + [step]
    return best[n]


def find_witness(test: A.Test, program: Program, evaluator: Evaluator,
                 ctx: Optional[z3.Context] = None,
                 deadline: Optional[float] = None) -> Witness:
    """An allowed execution reaching `test`'s condition, else the forbidden
    candidate that gets furthest through the model, with its broken axiom."""
    refinement = Refinement(program, evaluator, ctx or z3.Context(), explain_all=True)
    refinement.restrict(lambda enc: prop_term(enc, test, test.condition.prop))
    if test.filter is not None:
        refinement.restrict(lambda enc: prop_term(enc, test, test.filter))
    check_index = {s.violation: i for i, s in reversed(list(enumerate(evaluator.checks))) if not s.flag}
    no_execution = {s.violation for s in evaluator.checks if s.structural}
    best: Optional[_Forbidden] = None
    for checked in refinement.candidates(deadline):
        c, view, ex, result = checked.candidate, checked.view, checked.execution, checked.result
        if not result.violations:
            return Witness(c, dict(view.index), ex, flags=result.flags, candidates=refinement.proposed)
        v, why = result.violations[0], checked.explanation
        if v in no_execution:   # not an execution of the model: nothing to show
            continue
        rank = (-check_index[v], len(why.edges))
        if best is None or rank < best.rank:
            best = _Forbidden(rank, c, view, ex, v, tuple(why.edges))
    proposed = refinement.proposed
    if best is None:
        return Witness(None, {}, None, candidates=proposed)
    spec = check_of(evaluator, best.violation)
    value = relation_value(evaluator, best.execution, spec)
    steps = axiom_steps(spec.violation.kind, value, list(best.edges)) or []
    ev = best.view.events
    return Witness(
        best.candidate, dict(best.view.index), best.execution, best.violation, spec,
        edges=tuple(WitnessEdge(ev[a], ev[b], label) for a, b, label in best.edges),
        steps=tuple((ev[a], ev[b]) for a, b in steps),
        relation=check_text(evaluator, spec),
        candidates=proposed)
