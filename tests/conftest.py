"""Shared fixtures: the checker, the project root and the shared corpora."""
from __future__ import annotations

from pathlib import Path

import pytest

from memcheck.checker import Checker

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def checker() -> Checker:
    return Checker()


@pytest.fixture(scope="session")
def no_axioms(tmp_path_factory) -> str:
    """A model file allowing every candidate: values out of thin air show."""
    path = tmp_path_factory.mktemp("models") / "no-axioms.cat"
    path.write_text('"no axioms"\n')
    return str(path)


@pytest.fixture(scope="session")
def lkmm_corpus() -> Path:
    path = SHARED / "lkmm"
    if not (path / "herd7.tsv").exists():
        pytest.skip("shared LKMM corpus not present")
    return path
