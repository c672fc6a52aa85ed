"""Every test of our own corpus (litmus/) gets the verdict its header states."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from memcheck.checker import read_test

LITMUS = Path(__file__).resolve().parents[1] / "litmus"
RESULT = re.compile(r"^\s*\*?\s*Result:\s*(Never|Sometimes|Always)\b(.*)$", re.M)


def expected(test_text: str) -> tuple[str, bool]:
    m = RESULT.search(test_text)
    assert m, "test has no Result: line"
    return m.group(1), "DATARACE" in m.group(2)


FILES = sorted(LITMUS.glob("*.litmus"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_own_litmus_result(checker, path):
    test = read_test(path)
    verdict, race = expected(test.comment)
    v = checker.judge(test, "lkmm").verdict
    assert v.observation == verdict
    assert ("data-race" in v.flags) == race


def test_own_corpus_is_not_empty():
    assert len(FILES) >= 40
