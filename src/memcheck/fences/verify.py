"""Check a fix the ordinary way: change the test's text, parse it again, judge it."""
from __future__ import annotations

from typing import Optional, Sequence

from ..checker import Checker, parse_test_text
from ..engine.outcome import Verdict
from ..litmus import ast as A
from ..litmus.print_c import format_c_litmus
from .changes import Change
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


def verify(checker: Checker, test: A.Test, changes: Sequence[Change], models: Sequence[str],
           timeout: Optional[float] = None) -> bool:
    """With the changes made, the outcome is Never under every model named."""
    fixed = reparse(test, changes)
    return all(not outcome_seen(checker.judge(fixed, m, timeout).verdict) for m in models)
