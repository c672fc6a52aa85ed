"""`memcheck portability`: the LKMM held against every architecture, and ARCH/VARIANT model names."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from memcheck.checker import Checker
from memcheck.cli import main
from memcheck.corpus.portability import (CONSERVATIVE, DEPENDENT, ERROR, INCOMPLETE, LKMM_ONLY, UNIFORM,
                                         UNSOUND, Column, classify, summarize, variant_changes)
from memcheck.corpus.portability_run import PortabilityOptions, run_portability
from memcheck.errors import MemcheckError
from memcheck.lower.hardware import ARCHITECTURES, table_variants

ROOT = Path(__file__).resolve().parents[1]
LITMUS = ROOT / "litmus"
BROKEN = ROOT / "tests" / "tables" / "arm64-release-without-barrier.toml"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMCHECK_CACHE_DIR", str(tmp_path / "cache"))


def portability(*args: str):
    return CliRunner().invoke(main, ["portability", "-j", "1", *args], catch_exceptions=False)


def records(output: str) -> dict[str, dict]:
    return {Path(r["file"]).name: r for r in map(json.loads, output.splitlines()) if r}


# ------------------------------------------------------------ model names

def test_variant_names_are_read_from_the_tables(checker):
    for arch in ARCHITECTURES:
        assert checker.variant_names(arch) == [f"{arch}/{v}" for v in table_variants(arch)]
    assert checker.variant_names("arm64") == ["arm64/llsc", "arm64/4.14"]
    assert checker.variant_names("riscv") == ["riscv/llsc", "riscv/6.6"]
    assert checker.variant_names("power") == ["power/4.14"]
    assert checker.variant_names("lkmm") == []


def test_a_variant_name_judges_through_its_table_with_the_architecture_model(checker):
    spec = checker.spec("arm64/llsc")
    assert spec.lowering == "arm64/llsc" and spec.file == checker.spec("arm64").file
    assert checker.evaluator("arm64/llsc") is checker.evaluator("arm64")
    with pytest.raises(MemcheckError, match="no lowering variant 'nope' for arm64"):
        checker.spec("arm64/nope")


def test_options_and_names_select_the_same_lowering():
    test = LITMUS / "vma-pte" / "vma-pte-walker.litmus"
    from memcheck.checker import read_test
    t = read_test(test)
    by_name = Checker().lower(t, "riscv/6.6")
    by_option = Checker(kernel="6.6").lower(t, "riscv")
    assert by_name == by_option
    assert Checker().lower(t, "riscv") != by_name


@pytest.mark.parametrize("command, shows", [
    (["run"], "Observation vma-pte-walker Never"),  # riscv (its qspinlock) says Sometimes
    (["check", "--no-cache", "-j", "1"], "│ passed                        │      1 │"),  # Result(riscv/6.6): Never
    (["fences"], "riscv/6.6")])
def test_a_variant_name_is_a_model_wherever_one_is(command, shows):
    r = CliRunner().invoke(main, command + ["--model", "riscv/6.6",
                                            str(LITMUS / "vma-pte" / "vma-pte-walker.litmus")])
    assert "unknown model" not in r.output
    assert r.exit_code in (0, 1), r.output
    assert shows in r.output


def test_a_variant_name_draws_one_graph_file(tmp_path):
    """A name with a slash used to become a folder under --graph."""
    r = CliRunner().invoke(main, ["run", "--model", "arm64/llsc", "--graph", str(tmp_path),
                                  str(LITMUS / "MP+wmb+rmb.litmus")])
    assert r.exit_code == 0, r.output
    assert [p.name for p in tmp_path.iterdir()] == ["MP+wmb+rmb.arm64_llsc.svg"]


# ----------------------------------------------------------------- classes

S = lambda **kv: tuple(sorted(kv.items()))  # noqa: E731  a final state


def col(model: str, verdict: str, *states) -> Column:
    return Column(model, verdict, frozenset(states))


def test_classes_of_hand_made_columns():
    a, b, c = S(r=0), S(r=1), S(r=2)
    lkmm = col("lkmm", "Sometimes", a, b)
    assert classify("f", "t", lkmm, [col("x86", "Never", a), col("arm64", "Sometimes", a, b)]).klass == DEPENDENT
    assert classify("f", "t", lkmm, [col("x86", "Sometimes", a, b)]).klass == UNIFORM
    cons = classify("f", "t", lkmm, [col("x86", "Never", a), col("arm64", "Never", a)])
    assert cons.klass == CONSERVATIVE and cons.conservative_states == (b,)
    bad = classify("f", "t", lkmm, [col("x86", "Never", a), col("arm64", "Sometimes", a, b, c)])
    assert bad.klass == UNSOUND and [(u.model, u.states) for u in bad.unsound] == [("arm64", (c,))]
    refused = Column("x86", error="f:1:1: no lowering", refused=True)
    assert classify("f", "t", lkmm, [refused]).klass == LKMM_ONLY
    timeout = Column("x86", error="timed out")
    assert classify("f", "t", lkmm, [timeout, col("arm64", "Sometimes", a, b)]).klass == INCOMPLETE
    assert classify("f", "t", Column("lkmm", error="f:1:2: bad", refused=True), [refused]).klass == ERROR


STATES = st.frozensets(st.tuples(st.just("r"), st.integers(0, 4)).map(lambda kv: (kv,)), max_size=5)


@settings(max_examples=200, deadline=None)
@given(STATES, st.lists(STATES, min_size=1, max_size=4))
def test_classes_follow_the_state_sets(lkmm_states, arch_states):
    """Unsound exactly when some architecture's states leave the LKMM's, with
    those states; otherwise conservative exactly when the LKMM has a state
    none of them has."""
    verdict = lambda s: "Sometimes" if s else "Never"  # noqa: E731
    lkmm = Column("lkmm", verdict(lkmm_states), lkmm_states)
    archs = [Column(f"a{i}", verdict(s), s) for i, s in enumerate(arch_states)]
    p = classify("f", "t", lkmm, archs)
    escaped = {f"a{i}": s - lkmm_states for i, s in enumerate(arch_states) if s - lkmm_states}
    assert (p.klass == UNSOUND) == bool(escaped)
    assert {u.model: set(u.states) for u in p.unsound} == escaped
    if not escaped:
        missing = lkmm_states - frozenset().union(*arch_states)
        assert set(p.conservative_states) == missing
        assert (p.klass == CONSERVATIVE) == bool(missing)
    summary = summarize([p], [a.model for a in archs])
    assert summary.classes[p.klass] == 1
    assert sum(t.unsound for t in summary.models) == len(escaped)


def test_variant_changes_keep_only_changed_verdicts():
    a, b = col("arm64/4.14", "Sometimes"), col("arm64", "Never")
    changes = variant_changes([("f", "t", a, b), ("g", "u", a, a), ("h", "v", a, Column("arm64"))])
    assert [c.file for c in changes] == ["f"]


# ------------------------------------------------------------- the command

def test_vma_pte_family_classes():
    r = portability("--json", "--model", "lkmm,x86,arm64,power", str(LITMUS / "vma-pte"))
    assert r.exit_code == 0, r.output
    found = records(r.stdout)
    walker = found["vma-pte-walker.litmus"]
    assert walker["class"] == DEPENDENT
    assert walker["verdicts"] == {"lkmm": "Sometimes", "x86": "Never", "arm64": "Sometimes", "power": "Sometimes"}
    assert walker["unsound"] == [] and walker["conservative_states"] == []
    assert found["vma-pte-walker+wmb-before-lock.litmus"]["class"] == UNIFORM
    assert found["vma-pte-store-load.litmus"]["class"] == DEPENDENT
    assert found["vma-pte-store-load+mb-after-spinlock.litmus"]["class"] == UNIFORM
    assert all(rec["class"] in (DEPENDENT, UNIFORM) for rec in found.values())


def test_variants_are_columns_of_their_own():
    r = portability("--json", "--variants", "--model", "lkmm,riscv",
                    str(LITMUS / "vma-pte" / "vma-pte-walker.litmus"))
    assert r.exit_code == 0, r.output
    rec = records(r.stdout)["vma-pte-walker.litmus"]
    assert rec["verdicts"] == {"lkmm": "Sometimes", "riscv": "Sometimes", "riscv/llsc": "Sometimes",
                               "riscv/6.6": "Never"}
    assert rec["class"] == DEPENDENT


def test_a_lowering_without_the_release_barrier_is_unsound(tmp_path):
    html = tmp_path / "html"
    r = portability("--json", "--html", str(html), "--model", f"lkmm,arm64,{BROKEN}",
                    str(LITMUS / "portability" / "MP+store-release+load-acquire.litmus"))
    assert r.exit_code == 1, r.output
    rec = records(r.stdout)["MP+store-release+load-acquire.litmus"]
    assert rec["class"] == UNSOUND
    assert rec["verdicts"] == {"lkmm": "Never", "arm64": "Never", str(BROKEN): "Sometimes"}
    [unsound] = rec["unsound"]
    assert unsound["model"] == str(BROKEN)
    assert unsound["states"] == [{"1:r0": 1, "1:r1": 0}]
    assert "breaks happens-before" in unsound["explanation"]
    svg = html / unsound["graph"]
    assert svg.read_text().startswith("<svg") or "<svg" in svg.read_text()[:200]
    page = (html / "index.html").read_text()
    assert "unsound" in page and unsound["graph"] in page


def test_text_report_names_the_state_and_the_axiom():
    r = portability("--model", f"lkmm,{BROKEN}", str(LITMUS / "portability"))
    assert r.exit_code == 1
    assert "allows, lkmm forbids: 1:r0=1; 1:r1=0;" in r.output
    assert "happens-before (acyclic hb) cycle" in r.output
    assert "unsound" in r.output and "conservative" in r.output


def test_hand_made_portability_tests_under_the_shipped_tables():
    r = portability("--json", "--model", "lkmm,x86,arm64,power,riscv", str(LITMUS / "portability"))
    assert r.exit_code == 0, r.output
    found = records(r.stdout)
    assert found["MP+store-release+load-acquire.litmus"]["class"] == UNIFORM
    cons = found["2+2W+wmb+release.litmus"]
    assert cons["class"] == CONSERVATIVE and cons["conservative_states"] == [{"x": 1, "y": 1}]


def test_grace_periods_are_lkmm_only_and_judged_for_the_verdict_alone():
    r = portability("--json", "--model", "lkmm,x86", str(LITMUS / "MP+synchronize_rcu+rcu-reader.litmus"))
    rec = records(r.stdout)["MP+synchronize_rcu+rcu-reader.litmus"]
    assert rec["class"] == LKMM_ONLY and rec["verdicts"] == {"lkmm": "Never", "x86": None}
    assert rec["states"]["lkmm"] is None  # the verdict alone: no architecture to compare states with
    assert "grace period" in rec["errors"]["x86"]


def test_a_second_run_comes_from_the_cache():
    o = PortabilityOptions((str(LITMUS / "MP+wmb+rmb.litmus"),), "lkmm,arm64,arm64/llsc",
                           jobs=1)
    first = run_portability(o)
    again = run_portability(o)
    assert first.summary.judged == 2  # arm64/llsc lowers this test as arm64 does: judged once
    assert again.summary.judged == 0 and again.summary.cache_hits == 2
    assert again.results == first.results


def test_compare_variants():
    r = portability("--compare-variants", "riscv/6.6", "riscv", str(LITMUS / "vma-pte"))
    assert r.exit_code == 0, r.output
    assert "vma-pte-walker.litmus  riscv/6.6=Never -> riscv=Sometimes" in r.output
    assert "change verdict between riscv/6.6 and riscv" in r.output
    r = portability("--json", "--compare-variants", "riscv/6.6", "riscv", str(LITMUS / "vma-pte"))
    changed = records(r.stdout)
    assert changed["vma-pte-walker.litmus"]["verdicts"] == {"riscv/6.6": "Never", "riscv": "Sometimes"}


def test_compare_variants_of_different_architectures_is_a_usage_error():
    r = portability("--compare-variants", "arm64/4.14", "power", str(LITMUS / "vma-pte"))
    assert r.exit_code == 2 and "different architectures" in r.output
    assert "Traceback" not in r.output


def test_bad_input_is_located_never_a_traceback(tmp_path):
    bad = tmp_path / "bad.litmus"
    bad.write_text("C bad\n{}\nP0(int *x) { WRITE_ONCE(*x, ; }\nexists (x=1)\n")
    r = portability("--json", "--model", "lkmm,x86", str(bad))
    rec = records(r.stdout)["bad.litmus"]
    assert rec["class"] == ERROR and rec["message"].startswith(f"{bad}:3:")
    assert r.exit_code == 1
    r = portability("--compare-variants", "arm64", "arm64/llsc", str(bad))
    assert r.exit_code == 1 and f"{bad}:3:" in r.output
    table = tmp_path / "t.toml"
    table.write_text('arch = "arm64"\n[steps]\n"store.release" = [{write = [}]\n')
    r = portability("--model", f"lkmm,{table}", str(bad))
    assert r.exit_code == 2 and f"{table}:3:" in r.output and "Traceback" not in r.output
    table.write_text('arch = "vax"\n')
    r = portability("--model", f"lkmm,{table}", str(bad))
    assert r.exit_code == 2 and "arch" in r.output
    r = portability("--model", "lkmm", str(bad))
    assert r.exit_code == 2 and "needs an architecture" in r.output


def test_corpus_sample_is_sound(lkmm_corpus):
    """A few of the kernel's own tests: no architecture allows what the LKMM forbids."""
    files = sorted((lkmm_corpus / "kernel-litmus-tests").glob("*.litmus"))[:12]
    r = portability("--json", *map(str, files))
    assert r.exit_code == 0, r.output
    classes = {rec["class"] for rec in records(r.stdout).values()}
    assert UNSOUND not in classes and ERROR not in classes


@pytest.mark.parametrize("path", sorted(LITMUS.glob("Counter+*.litmus")) + sorted(LITMUS.glob("MP+*.litmus"))[:4],
                         ids=lambda p: p.name)
def test_a_column_judged_once_for_another_gives_its_result(checker, path):
    """Columns sharing a lowered program and a model share the result: judged apart, they agree."""
    from memcheck.checker import read_test
    from memcheck.corpus.portability_run import shared_lowerings
    columns = ["arm64", "arm64/llsc", "arm64/4.14", "riscv", "riscv/llsc", "riscv/6.6"]
    shared = shared_lowerings(checker, str(path), path.read_bytes(), columns)
    test = read_test(path)
    for column, first in shared.items():
        assert column.split("/")[0] == first.split("/")[0]
        a = checker.judge(test, column, states_only=True).verdict
        b = checker.judge(test, first, states_only=True).verdict
        assert (a.observation, a.states) == (b.observation, b.states), (column, first)


def test_columns_without_listed_states_are_compared_by_verdict():
    a, b = S(r=0), S(r=1)
    lkmm_never = Column("lkmm", "Never", None)  # too many states to list
    p = classify("f", "t", lkmm_never, [col("x86", "Never", a), Column("arm64", "Sometimes", None)])
    assert p.klass == UNSOUND and [(u.model, u.states) for u in p.unsound] == [("arm64", ())]
    p = classify("f", "t", Column("lkmm", "Sometimes", None), [col("x86", "Never", a), col("arm64", "Sometimes", b)])
    assert p.klass == DEPENDENT and "too many final states" in p.message
    p = classify("f", "t", Column("lkmm", "Sometimes", None), [col("x86", "Sometimes", a, b)])
    assert p.klass == INCOMPLETE and "compared by verdict" in p.message
    always = col("lkmm", "Always", a)
    assert classify("f", "t", always, [Column("power", "Sometimes", None)]).klass == UNSOUND


def test_listing_states_stops_past_the_limit_with_the_verdict(checker):
    from memcheck.checker import read_test
    test = read_test(LITMUS / "IRIW+once+once.litmus")
    full = checker.judge(test, "lkmm", states_only=True).verdict
    assert full.states_complete and len(full.states) > 4
    capped = checker.judge(test, "lkmm", states_only=True, max_executions=4).verdict
    assert not capped.states_complete and capped.limit == 4
    assert capped.observation == full.observation
