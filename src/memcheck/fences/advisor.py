"""The barrier advisor: per model, the verdict, every cost-minimal fix (verified), and the portable fix."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from ..checker import Checker, condition_text
from ..errors import MemcheckError
from ..litmus import ast as A
from .changes import Change, Placements, candidate_changes
from .costs import CostTable, load_costs
from .reach import Reach, ReachStats
from .search import Found, Search, SearchStats
from .switched import lower_switched
from .verify import outcome_seen, verify


@dataclass(frozen=True)
class Fix:
    """A set of changes forbidding the outcome: its cost (as its model prices it), per architecture, and the check."""
    changes: tuple[Change, ...]
    cost: float
    costs: dict[str, float]
    verified: bool

    def record(self) -> dict[str, Any]:
        return {"cost": _number(self.cost), "costs": {a: _number(c) for a, c in self.costs.items()},
                "changes": [c.record() for c in self.changes], "verified": self.verified}


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


@dataclass
class ModelAdvice:
    """One model's verdict before any change and its cost-minimal fixes."""
    model: str
    verdict: str
    priced_on: Optional[str]  # the architecture whose prices count; None: the sum over all
    fixes: list[Fix] = field(default_factory=list)
    reach: Optional[ReachStats] = None
    search: Optional[SearchStats] = None
    seconds: float = 0.0


@dataclass
class Advice:
    """Everything `memcheck fences` reports for one test."""
    test: A.Test
    condition: str
    positions: list[Change]
    models: dict[str, ModelAdvice]
    portable: Optional[Fix]
    portable_search: Optional[SearchStats]
    costs: CostTable
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def chosen_changes(changes: Sequence[Change], f: Found) -> tuple[Change, ...]:
    """The changes a found switch set stands for, in thread and line order."""
    return tuple(sorted((changes[k] for k in f.on), key=Change.sort_key))


def fix_order(changes: Sequence[Change], f: Found) -> tuple:
    """Cheapest first, then fewest changes, then by thread and line (an insertion before an upgrade)."""
    chosen = chosen_changes(changes, f)
    return (f.cost, len(chosen), [c.sort_key() for c in chosen])


def usable(checker: Checker, model: str) -> Optional[str]:
    """Why C tests cannot be judged under `model` yet (its lowering is missing), or None."""
    try:
        checker.target_for(model)
    except MemcheckError as e:
        return e.message
    return None


def select_models(checker: Checker, spec: Optional[str]) -> tuple[list[str], dict[str, str]]:
    """The models to advise for, and those skipped with the reason (no C lowering yet).

    By default lkmm and every hardware model of the index; `all` every model;
    a model named explicitly must be usable."""
    if spec and spec != "all":
        names = checker.model_names(spec)
        for n in names:
            why = usable(checker, n)
            if why is not None:
                raise MemcheckError(f"model '{n}' cannot judge C tests: {why}")
        return names, {}
    names = checker.model_names("all") if spec == "all" else \
        ["lkmm"] + [n for n, s in checker.index.items() if s.arch not in ("", "any") and n != "lkmm"]
    skipped = {n: why for n in names if (why := usable(checker, n)) is not None}
    return [n for n in names if n not in skipped], skipped


@dataclass
class Advisor:
    """Runs the search for one test under several models."""
    checker: Checker
    costs: CostTable
    max_fixes: int = 8
    timeout: Optional[float] = None
    placements: Placements = field(default_factory=Placements.default)

    def _deadline(self) -> Optional[float]:
        return time.monotonic() + self.timeout if self.timeout else None

    def _fix(self, test: A.Test, changes: Sequence[Change], f: Found, models: Sequence[str]) -> Fix:
        chosen = chosen_changes(changes, f)
        per_arch = {a: sum(self.costs.cost(a, c.barrier) for c in chosen) for a in self.costs.arches}
        return Fix(chosen, f.cost, per_arch, verify(self.checker, test, chosen, models, self.timeout))

    def model(self, test: A.Test, changes: Sequence[Change],
              model: str) -> tuple[ModelAdvice, Optional[Search], Optional[Reach]]:
        """The verdict under `model` and, when the outcome is reachable, its cost-minimal fixes."""
        start = time.monotonic()
        spec = self.checker.spec(model)
        arch = spec.lowering if spec.lowering in self.costs.arches else None
        verdict = self.checker.judge(test, model, self.timeout).verdict
        advice = ModelAdvice(model, verdict.observation, arch)
        if not outcome_seen(verdict):
            advice.seconds = time.monotonic() - start
            return advice, None, None
        sp = lower_switched(test, changes, self.checker.target_for(model), self.checker.loops)
        reach = Reach(sp, self.checker.evaluator(model), test, self._deadline())
        search = Search([self.costs.cost(arch, c.barrier) for c in changes], [reach])
        found = sorted((f for f in search.run(self.max_fixes, reach.deadline) if f.on),
                       key=lambda f: fix_order(changes, f))
        advice.fixes = [self._fix(test, changes, f, [model]) for f in found]
        advice.reach, advice.search = reach.stats, search.stats
        advice.seconds = time.monotonic() - start
        return advice, search, reach

    def advise(self, test: A.Test, models: Sequence[str]) -> Advice:
        """Advice for `test` under each model, then the cheapest fix forbidding the outcome under all of them."""
        start = time.monotonic()
        changes = candidate_changes(test, self.placements)
        self.costs.check_covers(sorted({c.barrier for c in changes}))
        out: dict[str, ModelAdvice] = {}
        oracles: list[Reach] = []
        known: list[frozenset[int]] = []
        skipped: dict[str, str] = {}
        errors: list[MemcheckError] = []
        for m in models:
            try:
                advice, search, reach = self.model(test, changes, m)
            except MemcheckError as e:  # e.g. RCU has no instructions: that model cannot judge this test
                if len(models) == 1:
                    raise
                skipped[m] = str(e)
                errors.append(e)
                continue
            out[m] = advice
            if search is not None and reach is not None:
                oracles.append(reach)
                known += search.known
        if not out and len(set(skipped.values())) == 1:  # the test's own fault, the same under every model
            raise errors[0]
        if not out:
            raise MemcheckError("no model could judge the test: " + "; ".join(skipped.values()), test.source)
        portable, pstats = self._portable(test, changes, list(out), oracles, known)
        return Advice(test, condition_text(test.condition), list(changes), out, portable, pstats,
                      self.costs, skipped, time.monotonic() - start)

    def _portable(self, test: A.Test, changes: Sequence[Change], models: Sequence[str],
                  oracles: list[Reach], known: list[frozenset[int]]) -> tuple[Optional[Fix], Optional[SearchStats]]:
        if not oracles:
            return Fix((), 0.0, {a: 0.0 for a in self.costs.arches}, True), None
        for r in oracles:
            r.deadline = self._deadline()
        search = Search([self.costs.cost(None, c.barrier) for c in changes], oracles, list(known))
        found = [f for f in search.run(self.max_fixes, self._deadline()) if f.on]
        if not found:
            return None, search.stats
        first: Optional[Fix] = None
        for f in sorted(found, key=lambda f: fix_order(changes, f)):  # the first placement that checks out
            fix = self._fix(test, changes, f, models)
            if fix.verified:
                return fix, search.stats
            first = first or fix
        return first, search.stats


def advise_file(checker: Checker, test: A.Test, model_spec: Optional[str] = None,
                costs_file: Optional[str] = None, max_fixes: int = 8,
                timeout: Optional[float] = None) -> Advice:
    """The whole advisor for one parsed C test: models chosen, costs read, search run."""
    models, skipped = select_models(checker, model_spec)
    advice = Advisor(checker, load_costs(costs_file), max_fixes, timeout).advise(test, models)
    advice.skipped = {**skipped, **advice.skipped}
    return advice
