"""`memcheck check`: expectations, JUnit/JSON reports, timeouts, the cache, Dask."""
from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from memcheck.cli import main
from memcheck.corpus.cache import ResultCache
from memcheck.corpus.expectations import Expectation, ExpectationRules, load_expect_file, result_lines
from memcheck.corpus.judging import Judged
from memcheck.corpus.pool import Finished, KillablePool, Overran

LITMUS = Path(__file__).resolve().parents[1] / "litmus"


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch) -> Path:
    """Each test gets its own result cache."""
    d = tmp_path / "cache"
    monkeypatch.setenv("MEMCHECK_CACHE_DIR", str(d))
    return d


def check(*args: str):
    """Run `memcheck check ARGS` in-process."""
    return CliRunner().invoke(main, ["check", *args])


def copy(corpus: Path, name: str, new_name: str = "", edit=lambda t: t) -> Path:
    """Copy litmus/NAME.litmus into the corpus, edited."""
    dest = corpus / f"{new_name or name}.litmus"
    dest.write_text(edit((LITMUS / f"{name}.litmus").read_text()))
    return dest


def junit_cases(path: Path) -> dict[str, str]:
    """JUnit file -> {test file name: passed|failure|error|skipped}, as a CI server reads it."""
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        kinds = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
        out[Path(case.get("name")).name] = kinds[0] if kinds else "passed"
    return out


def slow_litmus(threads: int = 3, writes: int = 2) -> str:
    """A test whose enumeration takes many seconds (≈17 s for 3×2): racing writes and reads."""
    procs = []
    for t in range(threads):
        decl = "".join(f"\tint r{i};\n" for i in range(writes))
        body = "".join(f"\tWRITE_ONCE(*x, {t * 10 + i + 1});\n\tr{i} = READ_ONCE(*y);\n" for i in range(writes))
        procs.append(f"P{t}(int *x, int *y)\n{{\n{decl}{body}\tWRITE_ONCE(*y, {t + 1});\n}}\n")
    return "C slow\n\n(*\n * Result: Never\n *)\n\n{ x = 0; y = 0; }\n\n" + "\n".join(procs) + "\nexists (x=1)\n"


# ------------------------------------------------------------- expectations


def test_result_lines_follow_the_kernel_convention():
    lines = result_lines("Result: Sometimes DATARACE *)\nResult(arm64): Never\nResult(x86): Flag foo\n")
    assert lines[None] == Expectation("Sometimes", True, origin="Result line")
    assert lines["arm64"].verdict == "Never" and lines["arm64"].data_race is False
    assert lines["x86"].flag == "foo" and lines["x86"].verdict is None
    assert result_lines("Result: Maybe")[None].unchecked
    assert result_lines("no result here") == {}


def test_expectation_rules_pick_model_lines_then_the_unqualified_one(tmp_path):
    tsv = tmp_path / "expect.tsv"
    tsv.write_text("# file\tmodel\tverdict\na.litmus\tlkmm\tAlways\nb.litmus\t*\tNever DATARACE\n")
    rules = ExpectationRules("lkmm", {"lkmm": "", "x86": "X86"}, load_expect_file(tsv, "lkmm"))
    comment = "Result: Sometimes\nResult(other): Never"
    assert rules.find(str(tmp_path / "a.litmus"), "lkmm", "lkmm", "", comment).verdict == "Always"
    assert rules.find(str(tmp_path / "b.litmus"), "x86", "x86", "", "").data_race is True
    assert rules.find(str(tmp_path / "c.litmus"), "lkmm", "lkmm", "", comment).verdict == "Sometimes"
    assert rules.find(str(tmp_path / "c.litmus"), "other", "other", "", comment).verdict == "Never"
    assert rules.find(str(tmp_path / "c.litmus"), "x86", "x86", "", comment) is None  # C test, not lkmm
    # an assembly test's unqualified line speaks of its architecture's model
    assert rules.find(str(tmp_path / "d.litmus"), "lkmm", "x86", "X86", comment).verdict == "Sometimes"


def test_herd7_tsv_with_a_header_is_an_expectations_file(tmp_path):
    tsv = tmp_path / "herd7.tsv"
    tsv.write_text("file\tverdict\tpositive\tnegative\tflags\n"
                   "x/a.litmus\tSometimes\t1\t3\tdata-race\nx/b.litmus\tTIMEOUT\t0\t0\t-\n")
    table = load_expect_file(tsv, "lkmm")
    assert table == {((tmp_path / "x/a.litmus").resolve(), "lkmm"):
                     Expectation("Sometimes", True, origin=f"{tsv}:2")}


# ---------------------------------------------------------------- the runs


def test_wrong_expectations_are_exactly_the_junit_failures(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for good in ("SB+once+once", "CoRR", "Counter+atomic_inc"):
        copy(corpus, good)
    copy(corpus, "MP+wmb+rmb", edit=lambda t: t.replace("Result: Never", "Result: Sometimes"))
    copy(corpus, "Counter+plain", edit=lambda t: t.replace(" DATARACE", ""))
    copy(corpus, "SB+mb+mb", edit=lambda t: t.replace(" * Result: Never", " * Result: Never\n * Result(lkmm): Always"))
    copy(corpus, "LB+once+once")  # right in the file, wrong in the expectations file
    copy(corpus, "R+once+once", edit=lambda t: t.replace("Result: Sometimes", "Result: Never"))  # fixed by the TSV
    copy(corpus, "SB+once+once", "Maybe", edit=lambda t: t.replace("Result: Sometimes", "Result: Maybe"))
    copy(corpus, "CoWW", "NoExpectation", edit=lambda t: t.replace("Result: Never", ""))
    (corpus / "bad.litmus").write_text("C bad\n(* Result: Never *)\n{}\nP0(int *x) { WRITE_ONCE(*x, 1) }\nexists (x=1)\n")
    tsv = tmp_path / "expect.tsv"
    tsv.write_text("corpus/LB+once+once.litmus\tlkmm\tNever\ncorpus/R+once+once.litmus\tlkmm\tSometimes\n")
    junit, report = tmp_path / "out" / "junit.xml", tmp_path / "out" / "report.json"
    r = check(str(corpus), "--expect", str(tsv), "--junit", str(junit), "--json", str(report), "-j", "2")
    assert r.exit_code == 1, r.output
    cases = junit_cases(junit)
    assert {n for n, k in cases.items() if k == "failure"} == {
        "MP+wmb+rmb.litmus", "Counter+plain.litmus", "SB+mb+mb.litmus", "LB+once+once.litmus"}
    assert {n for n, k in cases.items() if k == "error"} == {"bad.litmus"}
    assert {n for n, k in cases.items() if k == "skipped"} == {"Maybe.litmus", "NoExpectation.litmus"}
    assert len(cases) == 11
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "4" and root.get("errors") == "1"
    error = next(c for c in root.iter("testcase") if c.get("name").endswith("bad.litmus")).find("error")
    assert error.get("message").startswith(f"{corpus / 'bad.litmus'}:4:")
    doc = json.loads(report.read_text())
    assert doc["summary"]["failed"] == 4 and doc["summary"]["passed"] == 4 and not doc["summary"]["ok"]
    mp = next(x for x in doc["results"] if x["file"].endswith("MP+wmb+rmb.litmus"))
    assert (mp["expected"], mp["got"], mp["status"]) == ("Sometimes", "Never", "failed")
    race = next(x for x in doc["results"] if x["file"].endswith("Counter+plain.litmus"))
    assert (race["expected"], race["got"]) == ("Sometimes", "Sometimes DATARACE")
    assert "expected Sometimes, got Never" in r.stdout  # the summary lists each failure
    assert "failed" in r.stdout and "wall time" in r.stdout


def test_a_slow_test_times_out_and_the_others_pass(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "slow.litmus").write_text(slow_litmus())
    for good in ("SB+once+once", "MP+wmb+rmb", "CoRR"):
        copy(corpus, good)
    report = tmp_path / "report.json"
    start = time.monotonic()
    r = check(str(corpus), "--timeout", "0.5", "-j", "2", "--json", str(report))
    assert time.monotonic() - start < 15
    assert r.exit_code == 1, r.output
    status = {Path(x["file"]).name: x["status"] for x in json.loads(report.read_text())["results"]}
    assert status == {"slow.litmus": "timeout", "SB+once+once.litmus": "passed",
                      "MP+wmb+rmb.litmus": "passed", "CoRR.litmus": "passed"}


def _sleep(state, seconds: float) -> float:
    """Pool work that may never come back."""
    time.sleep(seconds)
    return seconds


def test_a_stuck_worker_is_killed_and_the_others_go_on():
    pool = KillablePool(2, _sleep, limit=1.0)
    start = time.monotonic()
    outcomes = dict(pool.run([600.0, 0.01, 0.02, 0.03]))
    assert time.monotonic() - start < 10
    assert isinstance(outcomes[0], Overran)
    assert [outcomes[i] for i in (1, 2, 3)] == [Finished(0.01), Finished(0.02), Finished(0.03)]


def test_second_run_is_served_from_the_cache(tmp_path, cache_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = ["SB+once+once", "MP+wmb+rmb", "CoRR", "IRIW+mb+mb", "Counter+plain", "LB+ctrl+ctrl",
             "SB+unlock-lock", "Z6.0+lock+lock+mb", "WRC+mb+rmb", "Counter+trylocks"]
    for n in names:
        copy(corpus, n)
    report = tmp_path / "report.json"

    def run(*extra: str) -> tuple[float, dict]:
        start = time.monotonic()
        r = check(str(corpus), "-j", "1", "--json", str(report), *extra)
        assert r.exit_code == 0, r.output
        return time.monotonic() - start, json.loads(report.read_text())

    cold, first = run()
    warm, second = run()
    assert first["summary"]["cache_hits"] == 0 and second["summary"]["cache_hits"] == len(names)
    assert "cache hits" in check(str(corpus)).stdout
    assert warm < cold / 3, (cold, warm)
    assert [x["verdict"] for x in first["results"]] == [x["verdict"] for x in second["results"]]
    assert (cache_dir / "results.sqlite3").exists()
    # an edited test is judged again, the rest still come from the cache
    t = corpus / "CoRR.litmus"
    t.write_text(t.read_text() + "\n")
    _, third = run()
    assert third["summary"]["cache_hits"] == len(names) - 1
    _, bypass = run("--no-cache")
    assert bypass["summary"]["cache_hits"] == 0


def test_cache_is_safe_under_concurrent_writers(tmp_path):
    path = tmp_path / "c" / "results.sqlite3"
    errors = []

    def writer(n: int) -> None:
        cache = ResultCache(path)
        try:
            for i in range(50):
                cache.put_many([(f"{n}-{i}", Judged("lkmm", verdict="Never", name=f"t{i}"))])
        except Exception as e:  # pragma: no cover - the failure being tested for
            errors.append(e)
        finally:
            cache.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    got = ResultCache(path).get_many(f"{n}-{i}" for n in range(4) for i in range(50))
    assert len(got) == 200 and got["3-49"].name == "t49"


def test_dask_cluster_gives_the_local_pool_s_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in ("SB+once+once", "MP+wmb+rmb", "Counter+plain", "CoRR"):
        copy(corpus, n)
    copy(corpus, "MP+once+once", edit=lambda t: t.replace("Result: Sometimes", "Result: Never"))
    (corpus / "bad.litmus").write_text("C bad\n{}\nP0(int *x) { frobnicate(x); }\nexists (x=1)\n")

    def records(*extra: str) -> list[tuple]:
        report = tmp_path / "report.json"
        r = check(str(corpus), "--no-cache", "--json", str(report), *extra)
        assert r.exit_code == 1, r.output
        return [(x["file"], x["model"], x["status"], x["verdict"], x["flags"], x["message"])
                for x in json.loads(report.read_text())["results"]]

    local = records("-j", "1")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, host="127.0.0.1",
                                  protocol="tcp", dashboard_address=None) as cluster:
        remote = records("--scheduler", cluster.scheduler_address)
    assert remote == local
    assert [s for _, _, s, *_ in local].count("failed") == 1


def test_workers_are_replaced_after_their_share_of_tasks():
    pool = KillablePool(1, _sleep, max_tasks_per_worker=2)
    assert sorted(pool.run([0.0] * 5)) == [(i, Finished(0.0)) for i in range(5)]


def test_verdict_and_states_only_checks_grade_like_enumeration_and_are_cached_apart(tmp_path):
    report = tmp_path / "report.json"

    def run(*extra: str) -> dict:
        r = check(str(LITMUS), "-j", "2", "--json", str(report), *extra)
        assert r.exit_code in (0, 1), r.output
        return json.loads(report.read_text())

    full = run()
    quick = run("--verdict-only")
    assert quick["summary"]["cache_hits"] == 0  # its own cache entries
    key = lambda x: (x["file"], x["model"])  # noqa: E731
    assert [(key(x), x["status"], x["verdict"], x["flags"]) for x in full["results"]] == \
        [(key(x), x["status"], x["verdict"], x["flags"]) for x in quick["results"]]
    assert all(x["exhaustive"] for x in full["results"] if x["verdict"])
    assert not any(x["exhaustive"] for x in quick["results"] if x["verdict"])
    assert run("--verdict-only")["summary"]["cache_hits"] == len(quick["results"])
    states = run("--states-only")
    assert states["summary"]["cache_hits"] == 0
    assert [(key(x), x["status"], x["verdict"], x["flags"]) for x in states["results"]] == \
        [(key(x), x["status"], x["verdict"], x["flags"]) for x in full["results"]]


def test_verdict_only_decides_the_slow_test_quickly(tmp_path):
    (tmp_path / "slow.litmus").write_text(slow_litmus())
    start = time.monotonic()
    r = check(str(tmp_path), "--verdict-only", "--timeout", "10", "--no-cache")
    assert r.exit_code == 0, r.output
    assert time.monotonic() - start < 10
