"""Closure edges as literals: one refutation for every path.

A refutation naming the path a -> ... -> b of a closure `r+` (a chain of
lock hand-offs, say) only removes candidates with that very path; a ring of
n critical sections has exponentially many.  Instead the refutation names
the literal reach(r, a, b), which learned lemmas force true whenever some
path of known steps runs from a to b:

    facts of step (x, y)               ->  step(r, x, y)
    step(r, x, b)                      ->  reach(r, x, b)
    step(r, x, y) and reach(r, y, b)   ->  reach(r, x, b)

for every known step and every target b a refutation named.  Nothing forces
a literal false, so in a solution the least assignment (true exactly when a
path of steps holding in the candidate exists) is always available: a
refutation then excludes a candidate only when the closure really holds the
edge, whatever path it takes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import z3

Key = tuple[int, int, int]  # (closure node, event, event): program events


@dataclass
class ClosureLiterals:
    """The step and reach literals of one encoding, and the lemmas tying them."""
    ctx: z3.Context
    step: dict[Key, z3.BoolRef] = field(default_factory=dict)
    reach: dict[Key, z3.BoolRef] = field(default_factory=dict)
    targets: dict[int, set[int]] = field(default_factory=dict)  # node -> targets b
    steps_of: dict[int, set[tuple[int, int]]] = field(default_factory=dict)
    derived: set[tuple[Key, frozenset]] = field(default_factory=set)
    pending: list[z3.BoolRef] = field(default_factory=list)  # lemmas not yet given to the solver

    def _reach(self, k: int, x: int, b: int) -> z3.BoolRef:
        lit = self.reach.get((k, x, b))
        if lit is None:
            lit = self.reach[(k, x, b)] = z3.Bool(f"reach_{k}_{x}_{b}", self.ctx)
        return lit

    def _step(self, k: int, x: int, y: int) -> z3.BoolRef:
        lit = self.step.get((k, x, y))
        if lit is None:
            lit = self.step[(k, x, y)] = z3.Bool(f"step_{k}_{x}_{y}", self.ctx)
        return lit

    def _lemma(self, k: int, x: int, y: int, b: int) -> None:
        """Step (x, y) extends any path from y to target b."""
        s = self._step(k, x, y)
        if y == b:
            self.pending.append(z3.Or(z3.Not(s), self._reach(k, x, b)))
        else:
            self.pending.append(z3.Or(z3.Not(s), z3.Not(self._reach(k, y, b)), self._reach(k, x, b)))

    def literal(self, k: int, a: int, b: int) -> z3.BoolRef:
        """reach(k, a, b), with b made a target (lemmas for every known step)."""
        ts = self.targets.setdefault(k, set())
        if b not in ts:
            ts.add(b)
            for x, y in self.steps_of.get(k, ()):
                self._lemma(k, x, y, b)
        return self._reach(k, a, b)

    def learn(self, k: int, x: int, y: int, premise: z3.BoolRef, facts: frozenset) -> None:
        """Step (x, y) of closure node k holds when `premise` (its facts) does."""
        key = ((k, x, y), facts)
        if key in self.derived:
            return
        self.derived.add(key)
        self.pending.append(z3.Implies(premise, self._step(k, x, y)))
        known = self.steps_of.setdefault(k, set())
        if (x, y) not in known:
            known.add((x, y))
            for b in self.targets.get(k, ()):
                self._lemma(k, x, y, b)

    def take(self) -> list[z3.BoolRef]:
        """The lemmas learned since the last call."""
        out, self.pending = self.pending, []
        return out
