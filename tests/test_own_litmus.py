"""Every test of our own corpus (litmus/) gets the verdict its header states."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from memcheck.checker import read_test

LITMUS = Path(__file__).resolve().parents[1] / "litmus"
RESULT = re.compile(r"^\s*\*?\s*Result:\s*(Never|Sometimes|Always)\b(.*)$", re.M)
MODEL_RESULT = re.compile(r"^\s*\*?\s*Result\(([\w./+-]+)\):\s*(Never|Sometimes|Always)\b", re.M)


def expected(test_text: str) -> tuple[str, bool]:
    m = RESULT.search(test_text)
    assert m, "test has no Result: line"
    return m.group(1), "DATARACE" in m.group(2)


FILES = sorted(LITMUS.rglob("*.litmus"))
MODEL_FILES = [p for p in FILES if MODEL_RESULT.search(p.read_text())]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_own_litmus_result(checker, path):
    test = read_test(path)
    verdict, race = expected(test.comment)
    v = checker.judge(test, "lkmm").verdict
    assert v.observation == verdict
    assert ("data-race" in v.flags) == race


@pytest.mark.parametrize("path", MODEL_FILES, ids=[p.name for p in MODEL_FILES])
def test_own_litmus_result_per_model(checker, path):
    test = read_test(path)
    for model, verdict in MODEL_RESULT.findall(test.comment):
        assert checker.judge(test, model).verdict.observation == verdict, model


def test_own_corpus_is_not_empty():
    assert len(FILES) >= 40
    assert len(MODEL_FILES) >= 10
