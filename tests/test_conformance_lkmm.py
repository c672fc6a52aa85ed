"""Conformance with herd7's recorded LKMM verdicts on the shared corpus.

Every judged test of manual/kernel and kernel-litmus-tests, plus a fixed
seeded draw from each other folder, must get herd7's verdict and final
states.  The full corpus runs through scripts/conformance.py.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from memcheck.checker import read_test
from memcheck.corpus.herd_tsv import canonical_herd_states, canonical_states, read_herd_tsv

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "lkmm"
SEED = 20261126
PER_FOLDER = 80
TIMEOUT = 120.0


def _selection() -> list[str]:
    tsv = CORPUS / "herd7.tsv"
    if not tsv.exists():
        return []
    rows = [r for r in read_herd_tsv(tsv).values() if r.judged]
    always = [r.file for r in rows
              if r.file.startswith(("manual/kernel/", "kernel-litmus-tests/"))]
    rest: dict[str, list[str]] = {}
    for r in rows:
        if r.file not in always:
            folder = "/".join(r.file.split("/")[:2]) if r.file.startswith("manual/") else r.file.split("/")[0]
            rest.setdefault(folder.split("/")[0], []).append(r.file)
    rng = random.Random(SEED)
    drawn = []
    for folder in sorted(rest):
        files = sorted(rest[folder])
        drawn += rng.sample(files, min(PER_FOLDER, len(files)))
    return sorted(always) + sorted(drawn)


SELECTION = _selection()


@pytest.fixture(scope="module")
def herd():
    return read_herd_tsv(CORPUS / "herd7.tsv")


@pytest.mark.skipif(not SELECTION, reason="shared LKMM corpus not present")
@pytest.mark.parametrize("rel", SELECTION)
def test_same_verdict_and_states_as_herd7(checker, herd, rel):
    record = herd[rel]
    v = checker.judge(read_test(CORPUS / rel), "lkmm", timeout=TIMEOUT).verdict
    assert v.observation == record.verdict
    assert canonical_states(v) == canonical_herd_states(record.states)
    assert (",".join(v.flags) or "-") == record.flags
