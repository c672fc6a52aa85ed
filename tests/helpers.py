"""Small helpers for tests that judge litmus text."""
from __future__ import annotations

from memcheck.checker import Checker, parse_test_text
from memcheck.engine.outcome import Verdict


def judge_text(checker: Checker, text: str, model: str = "lkmm") -> Verdict:
    test = parse_test_text(text.encode(), "<test>")
    return checker.judge(test, model).verdict


def states_as_dicts(v: Verdict) -> list[dict]:
    return [dict(s) for s in v.states]
