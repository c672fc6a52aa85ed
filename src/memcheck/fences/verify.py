"""Check a fix the ordinary way: change the test's text, parse it again, and run the normal engine on it.

The check asks the engine the judge's own question, restricted to what
matters: are there allowed executions of the changed test (its filter
holding) that show the outcome?  That is the judge's positive count (its
negative count for `forall`), without enumerating every other final state,
which on long tests is most of the time.
"""
from __future__ import annotations

import time
from typing import Optional, Sequence

import z3

from ..checker import Checker, parse_test_text
from ..engine.condition import prop_term
from ..engine.decide import first_allowed
from ..engine.enumerate import Refinement
from ..engine.outcome import Verdict
from ..litmus import ast as A
from ..litmus.print_c import format_c_litmus
from .changes import Change
from .reach import bad_outcome
from .rewrite import apply_changes


def outcome_seen(v: Verdict) -> bool:
    """Some allowed execution shows the bad outcome (the exists clause; a forall's counterexample)."""
    return v.negative > 0 if v.quantifier == "forall" else v.positive > 0


def fixed_text(test: A.Test, changes: Sequence[Change]) -> str:
    """The test with the changes made, as litmus text."""
    return format_c_litmus(apply_changes(test, changes))


def reparse(test: A.Test, changes: Sequence[Change]) -> A.Test:
    """The fixed test as the parser reads its printed text."""
    parsed = parse_test_text(fixed_text(test, changes).encode(), test.source or "<fixed>")
    assert isinstance(parsed, A.Test)
    return parsed


def reachable(checker: Checker, test: A.Test, model: str, timeout: Optional[float] = None) -> bool:
    """The normal lowering and engine: does `model` allow an execution showing the outcome?"""
    program = checker.lower(test, model)

    def restrict(enc) -> z3.BoolRef:
        bad = prop_term(enc, test, bad_outcome(test))
        return bad if test.filter is None else z3.And(bad, prop_term(enc, test, test.filter))

    deadline = time.monotonic() + timeout if timeout else None
    refinement = Refinement(program, checker.evaluator(model))
    refinement.restrict(restrict)
    return first_allowed(refinement, None, deadline) is not None


def verify(checker: Checker, test: A.Test, changes: Sequence[Change], models: Sequence[str],
           timeout: Optional[float] = None) -> bool:
    """With the changes made, the outcome is Never under every model named."""
    fixed = reparse(test, changes)
    return not any(reachable(checker, fixed, m, timeout) for m in models)
