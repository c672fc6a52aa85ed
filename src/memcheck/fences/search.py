"""Cost-minimal fixes by implicit hitting sets: the cheapest switch set meeting every learned clause, checked, refined.

Each round Z3 (Optimize, lexicographic: cost, then number of changes) picks
the cheapest assignment of the switches that turns on at least one switch of
every clause learned so far.  Each model's oracle is asked whether the
outcome is still reachable; if it is, the oracle returns a new clause (the
switches that could break the execution it found) and the round repeats.
When no oracle can reach the outcome, the assignment is a fix, minimal
because every fix meets every clause.  Further fixes of the same cost are
found by forbidding the found ones and their supersets.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional, Protocol, Sequence

import z3

from ..engine.enumerate import Timeout


class Oracle(Protocol):
    def clause(self, on: frozenset[int]) -> Optional[frozenset[int]]: ...


@dataclass(frozen=True)
class Found:
    """A switch set forbidding the outcome, and its cost."""
    on: frozenset[int]
    cost: float


@dataclass
class SearchStats:
    rounds: int = 0      # assignments proposed by the optimiser
    clauses: int = 0     # clauses learned
    seconds: float = 0.0


@dataclass
class Search:
    """A hitting-set search over `n` switches with the given weights."""
    weights: Sequence[float]
    oracles: Sequence[Oracle]
    known: list[frozenset[int]] = field(default_factory=list)  # clauses valid for every oracle here
    stats: SearchStats = field(default_factory=SearchStats)

    def run(self, max_fixes: int, deadline: Optional[float] = None) -> list[Found]:
        """Every cost-minimal fix (at most max_fixes); [] when no combination forbids the outcome."""
        start = time.monotonic()
        ctx = z3.Context()
        s = [z3.Bool(f"s{k}", ctx) for k in range(len(self.weights))]
        opt = z3.Optimize(ctx=ctx)
        zero = z3.RealVal(0, ctx)
        cost = z3.Sum([z3.If(s[k], z3.RealVal(str(Fraction(w).limit_denominator(10**6)), ctx), zero)
                       for k, w in enumerate(self.weights)]) if s else zero
        count = z3.Sum([z3.If(b, z3.IntVal(1, ctx), z3.IntVal(0, ctx)) for b in s]) if s else z3.IntVal(0, ctx)
        opt.minimize(cost)
        opt.minimize(count)

        def learn(clause: frozenset[int]) -> None:
            opt.add(z3.Or([s[k] for k in sorted(clause)]) if clause else z3.BoolVal(False, ctx))

        for c in self.known:
            learn(c)
        found: list[Found] = []
        try:
            while len(found) < max_fixes:
                if deadline is not None and time.monotonic() > deadline:
                    raise Timeout()
                if opt.check() != z3.sat:
                    break
                m = opt.model()
                on = frozenset(k for k in range(len(s)) if z3.is_true(m.eval(s[k], model_completion=True)))
                price = sum(self.weights[k] for k in on)
                if found and price > found[0].cost + 1e-9:
                    break
                self.stats.rounds += 1
                clause = None
                for o in self.oracles:
                    clause = o.clause(on)
                    if clause is not None:
                        break
                if clause is not None:
                    self.known.append(clause)
                    self.stats.clauses += 1
                    learn(clause)
                    continue
                found.append(Found(on, price))
                if not on:
                    break  # nothing to change: the outcome is already forbidden
                opt.add(z3.Or([z3.Not(s[k]) for k in sorted(on)]))
        finally:
            self.stats.seconds += time.monotonic() - start
        return found
