"""Decide whether a concrete candidate execution is allowed by a cat model.

`Evaluator` compiles the model once; `check` runs per candidate execution,
reusing everything that does not depend on rf/co through a small cache keyed
by `Execution.static_key`; `explain` says why a check failed.
"""
from __future__ import annotations

from typing import Hashable, Optional

from ..errors import MemcheckError
from . import ast as A
from . import ops as O
from .compile import compile_model
from .execution import CheckResult, Execution, Explanation
from .explain import evaluated, explain_check, step_facts
from .program import DYNAMIC, CheckSpec, Program, Violation
from .plan import Planner, State

__all__ = ["Execution", "DYNAMIC", "Violation", "CheckResult", "Explanation", "Evaluator"]

CACHE_SIZE = 128


def _located(e: O.CatTypeError, pos: A.Pos) -> MemcheckError:
    return MemcheckError(str(e), pos.file, pos.line, pos.col)


class Evaluator:
    """A compiled model, ready to check executions (compile once per process)."""

    def __init__(self, model: A.Model, variants: frozenset[str] = frozenset()):
        self.model = model
        self.variants = frozenset(variants)
        self.program: Program = compile_model(model, self.variants)
        self._cache: dict[Hashable, State] = {}

    def __getstate__(self) -> dict:
        return {"model": self.model, "variants": self.variants}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["model"], state["variants"])

    @property
    def checks(self) -> list[CheckSpec]:
        """The model's checks (axioms and flags) in order."""
        return self.program.checks

    def _state(self, ex: Execution) -> State:
        """The per-static-key state of ex (cached unless static_key is None)."""
        key = ex.static_key
        if key is None:
            return Planner(self.program, ex).build()
        st = self._cache.get(key)
        if st is None:
            st = Planner(self.program, ex).build()
            if len(self._cache) >= CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = st
        return st

    def check(self, ex: Execution, stop_at_first: bool = True) -> CheckResult:
        """Evaluate the model's checks on ex, in model order (stopping at the
        first failed axiom when stop_at_first)."""
        st = self._state(ex)
        v = st.vals.copy()
        violations: list[Violation] = []
        flags: list[str] = []
        k = -1
        try:
            for entry in st.plan:
                for k, fn in entry.steps:
                    v[k] = fn(v, ex)
                ok = entry.fixed
                spec = entry.spec
                if ok is None:
                    k = spec.node
                    ok = entry.test(v[k]) != spec.negated
                if spec.asserted:
                    if not ok:
                        raise MemcheckError(f"{spec.name} assertion failed, check input test.",
                                            spec.pos.file, spec.pos.line, spec.pos.col)
                elif spec.flag:
                    if ok:
                        flags.append(spec.name)
                elif not ok:
                    violations.append(spec.violation)
                    if stop_at_first:
                        break
        except O.CatTypeError as e:
            raise _located(e, self.program.nodes[k].pos) from None
        return CheckResult(violations, frozenset(flags), v if violations else None)

    def flags_ruled_out(self, ex: Execution) -> frozenset[str]:
        """Flags no execution with ex's static part raises, whatever rf and
        co are (every check of that name is decided statically, not raised)."""
        possible: set[str] = set()
        named: set[str] = set()
        for entry in self._state(ex).plan:
            if entry.spec.flag and not entry.spec.asserted:
                named.add(entry.spec.name)
                if entry.fixed is not False:
                    possible.add(entry.spec.name)
        return frozenset(named - possible)

    def explain(self, ex: Execution, violation: Violation, closures: bool = False,
                values: Optional[list] = None) -> Explanation:
        """Edges and rf/co facts showing why `violation` holds on ex (with
        `closures`, closure edges as path facts: see explain.py); `values`:
        the check's own (CheckResult.values), when it found `violation`."""
        return explain_check(self, ex, violation, closures, values)

    def evaluated(self, ex: Execution, violation: Violation) -> tuple:
        """ex's values up to `violation`'s check, for step_facts."""
        return evaluated(self, ex, violation)

    def step_facts(self, values: tuple, relation: int,
                   pairs: list[tuple[int, int]]) -> list[Optional[frozenset]]:
        """The facts deriving each pair as an edge of node `relation`, on
        values from `evaluated` (explain.py's step_facts)."""
        return step_facts(self, values, relation, pairs)

    def values_for(self, ex: Execution, spec: CheckSpec, traces: Optional[dict] = None,
                   known: Optional[list] = None) -> tuple[State, list]:
        """The static state and all slot values computed up to `spec` on ex (for
        explanations); with `traces`, records each iteration of the dynamic
        let-rec groups, per group id.  `known`: the values a check of ex
        computed up to `spec` (only let-rec groups are run again, traced)."""
        st = self._state(ex)
        nodes = self.program.nodes
        v = (st.vals if known is None else known).copy()
        k = -1
        try:
            for entry in st.plan:
                for k, fn in entry.steps:
                    if known is not None and (traces is None or nodes[k].kind != "fix"):
                        continue
                    if traces is not None and nodes[k].kind == "fix":
                        gid = nodes[k].data
                        traces[gid] = []
                        fn = st.planner.fix_fn(gid, traces[gid])
                    v[k] = fn(v, ex)
                if entry.spec is spec:
                    break
        except O.CatTypeError as e:
            raise _located(e, nodes[k].pos) from None
        return st, v
