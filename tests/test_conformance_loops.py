"""Conformance with herd7 7.57 (-unroll 2) on the shared corpus of tests
with `while` loops: every test's verdict, final states, flags and Loop line
with await loops judged exactly; a seeded sample, awaits unrolled as herd7
unrolls them, its witness counts too."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from memcheck.checker import Checker, read_test
from memcheck.corpus.herd_tsv import canonical_herd_states, canonical_states, herd_flags, read_herd_tsv
from memcheck.lower.loops import LoopOptions

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "lkmm-loops"
TSV = CORPUS / "herd7.tsv"
RECORDS = read_herd_tsv(TSV) if TSV.exists() else {}
ALL = sorted(f for f, r in RECORDS.items() if r.judged)
SAMPLE = sorted(random.Random(20261204).sample(ALL, min(40, len(ALL))))

exact = Checker()
unrolled = Checker(loops=LoopOptions(2, exact_awaits=False))


@pytest.mark.skipif(not ALL, reason="shared corpus of loop tests not present")
@pytest.mark.parametrize("rel", ALL)
def test_same_verdict_states_and_loop_line(rel):
    record = RECORDS[rel]
    v = exact.judge(read_test(CORPUS / rel), "lkmm", timeout=120).verdict
    assert v.observation == record.verdict
    assert canonical_states(v) == canonical_herd_states(record.states)
    assert herd_flags(v) == record.flags
    assert v.loop_limit == record.loop_limit


@pytest.mark.skipif(not ALL, reason="shared corpus of loop tests not present")
@pytest.mark.parametrize("rel", SAMPLE)
def test_unrolled_awaits_count_as_herd7(rel):
    record = RECORDS[rel]
    v = unrolled.judge(read_test(CORPUS / rel), "lkmm", timeout=120).verdict
    assert (v.observation, v.positive, v.negative) == (record.verdict, record.positive, record.negative)
    assert canonical_states(v) == canonical_herd_states(record.states)
    assert v.loop_limit == v.loop_cut == record.loop_limit
    assert "hang" not in v.flags
