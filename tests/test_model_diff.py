"""`memcheck model-diff OLD NEW PATHS`: the tests whose verdict or flags
change between two models, as a table or JSON lines, and its exit code."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from memcheck.cli import main
from memcheck.corpus.judging import Judged
from memcheck.corpus.model_diff import Change, Compared

ROOT = Path(__file__).resolve().parents[1]
KERNEL_TESTS = ROOT.parent / "shared" / "corpus" / "lkmm" / "kernel-litmus-tests"
# written for the later (v6) definitions: Sometimes under lkmm, Never under lkmm-v6
CHANGED = ["LB+unlocklockonceonce+poacquireonce", "MP+unlocklockonceonce+fencermbonceonce", "dep+plain"]
SAME = ["SB+poonceonces", "MP+pooncerelease+poacquireonce"]
# smp_mb__after_srcu_read_unlock: the v6 .def has it, the 7.57 one does not
SRCU = """C srcu-after

{}

P0(int *x, int *y, struct srcu_struct *s)
{
\tint r0;
\tint i;

\ti = srcu_read_lock(s);
\tWRITE_ONCE(*x, 1);
\tsrcu_read_unlock(s, i);
\tsmp_mb__after_srcu_read_unlock();
\tr0 = READ_ONCE(*y);
}

P1(int *x, int *y)
{
\tint r0;

\tWRITE_ONCE(*y, 1);
\tsmp_mb();
\tr0 = READ_ONCE(*x);
}

exists (0:r0=0 /\\ 1:r0=0)
"""


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch) -> Path:
    """Each test gets its own result cache."""
    d = tmp_path / "cache"
    monkeypatch.setenv("MEMCHECK_CACHE_DIR", str(d))
    return d


def model_diff(*args: str):
    return CliRunner().invoke(main, ["model-diff", *args])


@pytest.fixture
def corpus(tmp_path) -> Path:
    """Kernel tests whose verdict differs between lkmm and lkmm-v6, two that do not, and one only v6 judges."""
    if not KERNEL_TESTS.is_dir():
        pytest.skip("shared LKMM corpus not present")
    d = tmp_path / "tests"
    d.mkdir()
    for name in CHANGED + SAME:
        shutil.copy(KERNEL_TESTS / f"{name}.litmus", d)
    (d / "srcu-after.litmus").write_text(SRCU)
    return d


def test_table_of_changed_tests_and_summary_exit_1(corpus, cache_dir):
    r = model_diff("lkmm", "lkmm-v6", str(corpus), "-j", "2")
    assert r.exit_code == 1, r.output + r.stderr
    rows = [line for line in r.stdout.splitlines() if ".litmus" in line]
    for name in CHANGED:
        (row,) = [line for line in rows if f"{name}.litmus" in line]
        assert "Sometimes" in row and "Never" in row and "verdict" in row
    assert not any(name in r.stdout for name in SAME)
    (srcu,) = [line for line in rows if "srcu-after.litmus" in line]
    assert "Unknown macro smp_mb__after_srcu_read_unlock" in srcu and "refused by one side" in r.stdout
    assert ("6 tests compared: 4 changed (3 verdict, 0 flags only, 1 refused by one side only), "
            "0 refused by both, 0 undecided") in r.stdout
    assert (cache_dir / "results.sqlite3").exists()
    again = model_diff("lkmm", "lkmm-v6", str(corpus), "-j", "2")  # from the cache
    assert again.exit_code == 1 and "4 changed" in again.stdout


def test_json_lines_one_per_changed_test(corpus):
    r = model_diff("lkmm", "lkmm-v6", str(corpus), "--json", "--no-cache", "-j", "2", "--timeout", "60")
    assert r.exit_code == 1, r.output + r.stderr
    records = [json.loads(line) for line in r.stdout.splitlines()]
    by_name = {rec["name"]: rec for rec in records}
    assert set(by_name) == set(CHANGED) | {"srcu-after"}
    for name in CHANGED:
        rec = by_name[name]
        assert set(rec) == {"file", "name", "old", "new"} and rec["file"].endswith(f"{name}.litmus")
        assert rec["old"]["verdict"] == "Sometimes" and rec["new"]["verdict"] == "Never"
        assert isinstance(rec["old"]["flags"], list)
    srcu = by_name["srcu-after"]
    assert set(srcu["old"]) == {"error"} and ":13:2: Unknown macro smp_mb__after_srcu_read_unlock" in srcu["old"]["error"]
    assert srcu["new"]["verdict"] == "Never"   # the fence orders the unlock: SB with full barriers (herd7 agrees)
    assert "6 tests compared: 4 changed" in r.stderr


def test_no_difference_exits_0(corpus):
    for name in CHANGED:
        (corpus / f"{name}.litmus").unlink()
    (corpus / "srcu-after.litmus").unlink()
    r = model_diff("lkmm", "lkmm-v6", str(corpus), "--no-cache", "-j", "1")
    assert r.exit_code == 0, r.output + r.stderr
    assert "2 tests compared: 0 changed" in r.stdout and "model-diff:" not in r.stdout


def test_bad_arguments_are_usage_errors(tmp_path):
    assert model_diff("lkmm", "lkmm", str(tmp_path)).exit_code == 2
    r = model_diff("lkmm", "nosuch", str(tmp_path))
    assert r.exit_code == 2 and "unknown model 'nosuch'" in r.stderr
    r = model_diff("lkmm", "lkmm-v6", str(tmp_path))
    assert r.exit_code == 2 and "no litmus tests found" in r.stderr


def test_how_two_results_compare():
    def j(verdict=None, flags=(), **kw):
        return Judged("m", verdict=verdict, flags=tuple(flags), **kw)
    assert Compared("f", j("Never"), j("Never")).change is Change.SAME
    assert Compared("f", j("Never"), j("Never", ["data-race"])).change is Change.FLAGS
    assert Compared("f", j("Never"), j(error="x")).change is Change.REFUSED_ONE
    assert Compared("f", j(error="x"), j(error="y")).change is Change.REFUSED_BOTH
    assert Compared("f", j("Never"), j(timeout=True, internal=True, error="t")).change is Change.UNDECIDED
    assert not Change.UNDECIDED.changed and Change.REFUSED_ONE.changed


def test_a_model_files_content_is_part_of_its_cache_key(tmp_path):
    from memcheck.checker import Checker
    from memcheck.corpus.check import model_keys
    cat = tmp_path / "m.cat"
    cat.write_text('"m"\nacyclic po | rf | co | fr as sc\n')
    before = model_keys(Checker(), [str(cat), "lkmm"])
    assert set(before) == {str(cat)}  # a built-in model is covered by memcheck's own fingerprint
    cat.write_text('"m"\nacyclic po | rf as sc\n')
    assert model_keys(Checker(), [str(cat)]) != before
