"""Enumerate the executions a model allows, by lazy refinement.

Z3 proposes a candidate (branches, rf, co); the cat model is evaluated on it
concretely.  An allowed candidate is recorded and blocked; a forbidden one is
refuted with a clause over just the rf/co edges the violated axiom needed
(when the axiom is monotone in rf and co), so one refutation removes every
candidate that shares those edges.  The loop ends when Z3 finds no more.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import z3

from ..cat.evaluate import CheckResult, Evaluator, Execution, Explanation
from ..lower.program import Program
from .candidate import (Candidate, StaticView, cat_execution, read_candidate, static_view,
                        with_choices)
from .free_choices import FreeChoices, free_choices
from .closures import ClosureLiterals
from .encode import Encoding, assert_all, encode, equal, implies
from .lock_order import (LockOrder, chain_ends, contiguity, family_pairs, lock_order, roles,
                         with_all_hand_offs)


# variants judged before their refutation rate may stop the expansion
EXPANSION_TRIAL = 64


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


def program_fact(view: StaticView, fact: tuple) -> tuple:
    """An explanation's fact with cat event numbers made program events."""
    ev = view.events
    if fact[0] in ("rf", "co"):
        return (fact[0], ev[fact[1]], ev[fact[2]])
    if fact[0] == "path":
        return ("path", fact[1], ev[fact[2]], ev[fact[3]])
    raise ValueError(f"unknown fact {fact[0]}")


def model_facts(enc: Encoding, c: Candidate, view: StaticView, facts) -> list[tuple]:
    """The path plus the rf/co edges (and closure edges) an explanation
    names, as program events."""
    return path_facts(enc, c) + [program_fact(view, f) for f in facts]


def learn_steps(enc: Encoding, c: Candidate, view: StaticView, explanation: Explanation) -> list:
    """Lemmas making each closure step of `explanation` hold wherever its
    facts (and the candidate's path) do; new closure literals' lemmas too."""
    if explanation.steps and enc.closures is None:
        enc.closures = ClosureLiterals(enc.ctx)
    for s in explanation.steps:
        facts = model_facts(enc, c, view, s.facts)
        premise = z3.Not(enc.refutation(facts))  # all the step's facts
        enc.closures.learn(s.node, view.events[s.a], view.events[s.b], premise, frozenset(facts))
    return enc.closures.take() if enc.closures is not None else []


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
                 observed: Optional[frozenset[int]] = None, orders: bool = True):
        self.program, self.evaluator, self.explain_all = program, evaluator, explain_all
        self.observed = observed  # addresses a final state shows (None: all)
        self.enc = encode(program, ctx)
        self.solver = z3.Solver(ctx=self.enc.ctx)
        # orders=False: the plain encoding (every refutation names its rf/co edges)
        self.orders = orders
        self.locks = lock_order(self.enc) if orders else LockOrder()
        # what restricts candidates (learned clauses aside): free choices are judged on it
        self._restrictions = list(self.enc.constraints) + contiguity(self.enc, self.locks)
        assert_all(self.solver, self._restrictions)
        self._free: Optional[FreeChoices] = None
        self._family: dict[tuple, bool] = {}  # (path key, node, x, y, fact) -> derivable
        self._all_hand_offs: dict[tuple, tuple] = {}  # (path key, lock, violation) -> values
        self.proposed = self.refuted = self.solutions = 0
        self.expanded = self.expanded_refuted = 0  # variants of free choices judged, refuted
        self._views: dict[tuple, StaticView] = {}
        # the evaluator caches static parts by key: keys must not collide across programs
        self._token = object()

    def restrict(self, formula: Callable[[Encoding], z3.BoolRef]) -> None:
        """Only candidates satisfying `formula` (built over the encoding)."""
        f = formula(self.enc)
        self._restrictions.append(f)
        self._free = None
        assert_all(self.solver, f)

    def define(self, literal: z3.BoolRef, formula: Callable[[Encoding], z3.BoolRef],
               both_ways: bool = True) -> None:
        """`literal` names `formula` (a fresh literal: restricts nothing until
        assumed); without `both_ways`, only implies it (its negation means nothing)."""
        f = formula(self.enc)
        assert_all(self.solver, equal(literal, f) if both_ways else implies(literal, f))

    def free_choices(self) -> FreeChoices:
        """The free reads and coherence orders (engine/free_choices.py)."""
        if self._free is None:
            self._free = free_choices(self.enc, self._restrictions)
        return self._free

    def variants(self, c: Candidate) -> Iterator[Candidate]:
        """c with every combination of the free choices in turn (c among them)."""
        free = self.free_choices()
        if not free:
            yield c
            return
        reads, addresses = sorted(free.reads), sorted(free.orders)
        for choice in itertools.product(*(free.reads[r] for r in reads),
                                        *(itertools.permutations(free.orders[a]) for a in addresses)):
            yield with_choices(self.enc, c, dict(zip(reads, choice)),
                               dict(zip(addresses, choice[len(reads):])), free.dependents)

    def cube_facts(self, c: Candidate) -> list[tuple]:
        """The facts of c but its free choices: every variant of c shares them."""
        free = self.free_choices()
        return [f for f in execution_facts(self.enc, c)
                if not (f[0] == "rf" and f[2] in free.reads)
                and not (f[0] == "co" and c.addrs.get(f[1]) in free.orders)]

    def execution(self, c: Candidate) -> tuple[StaticView, Execution]:
        """c as the model sees it: its path's static view and its execution."""
        key = c.path_key(self.program)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = static_view(self.program, c, self.observed)
        return view, cat_execution(self.program, c, view, (self._token, key))

    def check(self, c: Candidate) -> Checked:
        """c judged by the model."""
        view, ex = self.execution(c)
        return Checked(c, view, ex, self.evaluator.check(ex))

    def candidates(self, deadline: Optional[float] = None, assumptions=(),
                   mode: str = "complete", expand: bool = False,
                   skip: Optional[Callable[[Candidate], bool]] = None,
                   cover: Optional[z3.BoolRef] = None) -> Iterator[Checked]:
        """Checked candidates until the solver finds no more: complete
        executions, unless `mode` names other candidates loops leave
        (engine/loops.py: a stuck await's).  With `expand`, each solution
        comes with every combination of its free choices while that pays
        (`expanding`), but for those `skip` says the caller has excluded.
        With `cover`, each allowed candidate, once yielded, is blocked under
        that literal (a solution's whole cube of variants by one clause);
        without, the caller blocks what it lists."""
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
            found = read_candidate(self.enc, self.solver.model())
            self.solutions += 1
            if not (expand and self.expanding()):
                checked = self._judged(self.check(found))
                yield checked
                if cover is not None and not checked.result.violations:
                    self.block(checked.candidate, under=cover)
                continue
            seen: list[Checked] = []  # judged variants, ruled out one by one if the expansion stops
            stopped = False
            for c in self.variants(found):
                if deadline is not None and time.monotonic() > deadline:
                    raise Timeout()
                if skip is not None and skip(c):
                    continue
                # no explanation: this loop, not the solver, covers its siblings
                checked = self._judged(self.check(c), learn=False, refute=cover is None)
                self.expanded += 1
                self.expanded_refuted += bool(checked.result.violations)
                yield checked
                seen.append(checked)
                if not self.expanding():
                    stopped = True   # the variants left stay the solver's to propose
                    break
            if cover is None:
                continue
            if not stopped:
                assert_all(self.solver, self.enc.refutation(self.cube_facts(found), cover))
                continue
            for checked in seen:  # forbidden ones for good, allowed ones for this caller
                self.block(checked.candidate, under=None if checked.result.violations else cover)

    def expanding(self) -> bool:
        """Whether free choices are still worth enumerating here: not when
        the model refutes most of them (one refutation in the solver prunes
        more than one check here)."""
        return self.expanded < EXPANSION_TRIAL or 2 * self.expanded_refuted <= self.expanded

    def _judged(self, checked: Checked, learn: bool = True, refute: bool = True) -> Checked:
        """checked, refuted in the solver when the model forbids it: by the
        edges its violation needs (when monotone), else (or without `learn`)
        as this one execution; without `refute`, left to the caller."""
        self.proposed += 1
        if not checked.result.violations:
            return checked
        self.refuted += 1
        if not refute:
            return checked
        v = checked.result.violations[0]
        if (v.monotone and learn) or self.explain_all:
            checked.explanation = self.evaluator.explain(checked.execution, v,
                                                         closures=v.monotone and self.orders,
                                                         values=checked.result.values)
        if v.monotone and learn and not checked.explanation.whole:
            facts = model_facts(self.enc, checked.candidate, checked.view,
                                self.lock_chains(checked, v))
            clause = self.enc.refutation(facts)
            if any(f[0] == "path" for f in facts):
                assert_all(self.solver, learn_steps(self.enc, checked.candidate, checked.view,
                                                    checked.explanation))
        else:
            clause = self.enc.refutation(execution_facts(self.enc, checked.candidate))
        assert_all(self.solver, clause)
        return checked

    def lock_chains(self, checked: Checked, violation) -> list[tuple]:
        """The explanation's facts, each run of lock hand-offs from section
        c to section d in a closure's path replaced by the coherence edge
        from c's unlock to d's lock write when the model's relation steps
        through every hand-off alike (engine/lock_order.py); a path of one
        step by that step's facts."""
        why = checked.explanation
        if not why.paths:
            return list(why.facts)
        steps = {(s.node, s.a, s.b): s.facts for s in why.steps}
        view = checked.view
        swap: dict[tuple, list[tuple]] = {}
        for p in why.paths:
            cat_facts = [steps[(p.node, x, y)] for x, y in p.steps]
            chain = [frozenset(program_fact(view, f) for f in fs) for fs in cat_facts]
            out: list[tuple] = []
            changed, i = False, 0
            while i < len(chain):
                j = i  # chain[i:j]: the longest run of hand-offs from step i
                while j < len(chain) and chain_ends(self.locks, chain[i:j + 1]) is not None:
                    j += 1
                if j > i:
                    address, c, d = chain_ends(self.locks, chain[i:j])
                    secs = self.locks.sections[address]
                    inner = [view.events[y] for _, y in p.steps[i:j - 1]]
                    if any(self._whole_family(checked, violation, p.relation, secs,
                                              family_pairs(secs, c, d, p.steps[i][0], p.steps[j - 1][1],
                                                           view.index, role))
                           for role in roles(secs, inner)):
                        out.append(("co", view.index[secs[c].ul], view.index[secs[d].lkw]))
                        changed, i = True, j
                        continue
                out.extend(cat_facts[i])
                i += 1
            if changed or len(chain) == 1:  # a path of one step: its facts will do
                swap[("path", p.node, p.a, p.b)] = out
        return [g for f in why.facts for g in swap.get(f, [f])]

    def _whole_family(self, checked: Checked, violation, node: int, secs, pairs) -> bool:
        """Whether the relation of `node` has each edge of `pairs` from its
        one hand-off fact alone (cached per path)."""
        key = checked.candidate.path_key(self.program)
        todo = [(xy, f) for xy, f in pairs if (key, node, xy, f) not in self._family]
        if todo:
            # any execution with every hand-off will do: the first one's values are kept
            values = self._all_hand_offs.get((key, secs[0].lkw, violation))
            if values is None:
                ex = with_all_hand_offs(checked.execution, secs, checked.view.index)
                values = self._all_hand_offs[(key, secs[0].lkw, violation)] = \
                    self.evaluator.evaluated(ex, violation)
            got = self.evaluator.step_facts(values, node, [xy for xy, _ in todo])
            for (xy, f), facts in zip(todo, got):
                self._family[(key, node, xy, f)] = facts == frozenset({f})
        return all(self._family[(key, node, xy, f)] for xy, f in pairs)

    def block(self, c: Candidate, under: Optional[z3.BoolRef] = None,
              whole_path: bool = False) -> None:
        """Never propose execution c again (with `whole_path`, any execution
        of its path); with `under`, only while that literal is assumed."""
        facts = (path_facts if whole_path else execution_facts)(self.enc, c)
        assert_all(self.solver, self.enc.refutation(facts, under))


def allowed_executions(refinement: Refinement, deadline: Optional[float] = None,
                       limit: Optional[int] = None, expand: bool = True) -> tuple[list[Allowed], bool]:
    """The executions the model allows, and whether that is all of them
    (False when there are more than `limit`).  Each is blocked only under an
    assumption of this listing, so the refinement can still answer other
    questions afterwards (what it refuted stands).  `expand`: free choices
    enumerated without the solver (engine/free_choices.py)."""
    listing = z3.Bool("listing executions", refinement.enc.ctx)
    allowed: list[Allowed] = []
    for checked in refinement.candidates(deadline, assumptions=(listing,), expand=expand, cover=listing):
        if not checked.result.violations:
            if limit is not None and len(allowed) >= limit:
                return allowed, False
            allowed.append(Allowed(checked.candidate, checked.result.flags))
    return allowed, True
