"""The barrier advisor (`memcheck fences`): classic shapes, minimality, verification, CLI."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import judge_text
from memcheck.checker import Checker, parse_test_text, read_test
from memcheck.cli import main
from memcheck.fences.advisor import Advisor, usable
from memcheck.fences.changes import candidate_changes
from memcheck.fences.costs import load_costs
from memcheck.fences.extend import extend
from memcheck.fences.reach import Reach
from memcheck.fences.switched import lower_switched
from memcheck.fences.verify import fixed_text
from memcheck.litmus.def_ast import Macros
from memcheck.litmus.parse_def import parse_def
from memcheck.lower.lkmm import LkmmTarget

LITMUS = Path(__file__).resolve().parents[1] / "litmus"

VMA_PTE = """C vma-pte

(* speculative page fault: VMA fields written, then the page-table lock taken *)

{ vma = 0; pte = 0; }

P0(int *vma, int *pte, spinlock_t *ptl)
{
	WRITE_ONCE(*vma, 1);
	spin_lock(ptl);
	WRITE_ONCE(*pte, 1);
	spin_unlock(ptl);
}

P1(int *vma, int *pte)
{
	int r0;
	int r1;

	r0 = READ_ONCE(*pte);
	smp_rmb();
	r1 = READ_ONCE(*vma);
}

exists (1:r0=1 /\\ 1:r1=0)
"""
SPIN_LOCK_LINE = 10


def parse(text: str):
    return parse_test_text(text.encode(), "<test>")


def advise(checker, test, models=("lkmm",), max_fixes=8, costs=None):
    return Advisor(checker, costs or load_costs(), max_fixes).advise(test, list(models))


def shape(fix) -> set[tuple[int, str]]:
    """A fix as (thread, primitive) pairs."""
    return {(c.thread, c.barrier) for c in fix.changes}


def never(checker, test, changes, model="lkmm") -> bool:
    """Judge the changed test from its text, independently of the advisor's own check."""
    return judge_text(checker, fixed_text(test, changes), model).positive == 0


# ------------------------------------------------------------ classic shapes


def test_mp_needs_ordering_on_both_sides(checker):
    test = read_test(LITMUS / "MP+once+once.litmus")
    a = advise(checker, test).models["lkmm"]
    assert a.verdict == "Sometimes"
    shapes_found = [shape(f) for f in a.fixes]
    # summed over the architectures the barriers are the cheapest: on RISC-V
    # `fence rw,w` and `fence r,rw` cost more than `fence w,w` and `fence r,r`
    assert shapes_found == [{(0, "smp_wmb"), (1, "smp_rmb")}]
    on_arm64 = [shape(f) for f in advise(checker, test, ("arm64",)).models["arm64"].fixes]
    assert {(0, "smp_wmb"), (1, "smp_rmb")} in on_arm64
    assert {(0, "smp_store_release"), (1, "smp_load_acquire")} in on_arm64
    for f in a.fixes:
        assert f.verified and len(f.changes) == 2 and {c.thread for c in f.changes} == {0, 1}
        assert shape(f) <= {(0, "smp_wmb"), (0, "smp_store_release"), (1, "smp_rmb"), (1, "smp_load_acquire")}
        assert f.costs["x86"] == 0 < f.costs["arm64"] < f.costs["power"] + 10
        assert never(checker, test, f.changes)


def test_sb_needs_a_full_barrier_on_both_sides(checker):
    test = read_test(LITMUS / "SB+once+once.litmus")
    a = advise(checker, test).models["lkmm"]
    assert [shape(f) for f in a.fixes] == [{(0, "smp_mb"), (1, "smp_mb")}]
    assert a.fixes[0].verified and a.fixes[0].costs["x86"] > 0
    assert never(checker, test, a.fixes[0].changes)


def test_lb_is_fixed_by_acquire_or_release_on_each_side(checker):
    test = read_test(LITMUS / "LB+once+once.litmus")
    a = advise(checker, test).models["lkmm"]
    assert len(a.fixes) == 4
    for f in a.fixes:
        assert f.verified and {c.action for c in f.changes} == {"upgrade"}
        assert {c.thread for c in f.changes} == {0, 1}
        assert never(checker, test, f.changes)


def test_an_outcome_already_forbidden_needs_no_fix(checker):
    test = read_test(LITMUS / "MP+wmb+rmb.litmus")
    advice = advise(checker, test, models=("lkmm", "sc"))
    assert all(m.verdict == "Never" and m.fixes == [] for m in advice.models.values())
    assert advice.portable is not None and advice.portable.changes == ()


def test_a_costs_file_changes_the_advice(checker, tmp_path):
    costs = tmp_path / "costs.toml"
    costs.write_text("[arm64]\nsmp_store_release = 9\nsmp_load_acquire = 9\n")
    test = read_test(LITMUS / "MP+once+once.litmus")
    a = advise(checker, test, costs=load_costs(costs)).models["lkmm"]
    assert [shape(f) for f in a.fixes] == [{(0, "smp_wmb"), (1, "smp_rmb")}]


# ------------------------------------------------------------ minimality and soundness


def test_fixes_are_the_cost_minimal_ones_by_brute_force(checker):
    """Every set of at most two changes judged the ordinary way: the advisor finds exactly the cheapest."""
    test = read_test(LITMUS / "MP+once+once.litmus")
    costs = load_costs()
    changes = candidate_changes(test)
    fixes = []
    for n in (1, 2):
        for combo in itertools.combinations(changes, n):
            if never(checker, test, combo):
                fixes.append((sum(costs.cost(None, c.barrier) for c in combo), frozenset(combo)))
    best = min(c for c, _ in fixes)
    expected = {s for c, s in fixes if c == best}
    got = advise(checker, test, max_fixes=50).models["lkmm"].fixes
    assert {frozenset(f.changes) for f in got} == expected
    assert all(f.cost == best for f in got)


def test_an_upgrade_that_adds_a_fence_is_carried_over(checker):
    """A lowering where the upgraded form has an extra fence (as POWER's lwsync; st): events still pair up."""
    lkmm = LkmmTarget.default()
    fenced = parse_def("smp_store_release(X,V) { __store{release}(*X,V); __fence{mb}; }")
    macros = Macros(lkmm.macros.macros + fenced.macros)  # the later definition wins
    test = read_test(LITMUS / "MP+once+once.litmus")
    changes = candidate_changes(test)
    sp = lower_switched(test, changes, LkmmTarget(macros))
    c = Reach(sp, checker.evaluator("lkmm"), test).witness(frozenset())
    assert c is not None
    for k, change in enumerate(changes):
        if change.action == "upgrade":
            assert sp.pairs[k]
        carried = extend(sp, c, frozenset({k}))
        assert carried is not None and carried.rf.keys() <= set(carried.reads)


@pytest.mark.parametrize("name", ["MP+once+once", "SB+once+once", "LB+once+once", "SB+unlock-lock",
                                  "MP+wmb+ctrl", "Counter+atomic_inc"])
def test_switched_program_with_every_switch_off_is_the_test(checker, name):
    test = read_test(LITMUS / f"{name}.litmus")
    sp = lower_switched(test, candidate_changes(test), LkmmTarget.default())
    reach = Reach(sp, checker.evaluator("lkmm"), test)
    seen = checker.judge(test, "lkmm").verdict.positive > 0
    assert (reach.witness(frozenset()) is not None) == seen


SETTINGS = settings(max_examples=10, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@st.composite
def relaxed_tests(draw) -> str:
    """A small test whose exists clause is a final state the LKMM allows but sequential consistency forbids."""
    n = draw(st.integers(2, 3))
    body = []
    regs = []
    for t in range(n):
        lines = [f"P{t}(int *x, int *y)", "{"]
        for i, v in enumerate(draw(st.permutations("xy"))):
            if draw(st.booleans()):
                lines.append(f"\tint r{i} = READ_ONCE(*{v});")
                regs.append(f"{t}:r{i}")
            else:
                lines.append(f"\tWRITE_ONCE(*{v}, {t + 1});")
        body += lines + ["}"]
    head = ["C relaxed", "{}"] + body + ["locations [x; y;]"]
    probe = "\n".join(head + ["exists (" + (" /\\ ".join(f"{r}=0" for r in regs) or "x=0") + ")"]) + "\n"
    checker = Checker()
    lkmm, sc = (set(judge_text(checker, probe, m).states) for m in ("lkmm", "sc"))
    relaxed = sorted(lkmm - sc, key=repr)
    state = draw(st.sampled_from(relaxed)) if relaxed else sorted(lkmm, key=repr)[0]
    atoms = [f"{k}={v}" for k, v in state]
    return "\n".join(head + ["exists (" + " /\\ ".join(atoms) + ")"]) + "\n"


@SETTINGS
@given(relaxed_tests())
def test_a_returned_fix_really_forbids_the_outcome_and_is_irreducible(checker, text):
    test = parse(text)
    advice = advise(checker, test, max_fixes=3)
    for f in advice.models["lkmm"].fixes:
        assert f.verified and never(checker, test, f.changes)
        for c in f.changes:  # no change can be left out
            assert not never(checker, test, [d for d in f.changes if d != c])
    if advice.portable is not None:
        assert advice.portable.verified and never(checker, test, advice.portable.changes)


# ------------------------------------------------------------ the mm case


def test_vma_pte_needs_a_write_barrier_before_spin_lock_under_lkmm(checker):
    test = parse(VMA_PTE)
    advice = advise(checker, test)
    fixes = advice.models["lkmm"].fixes
    assert [(c.line, c.action, c.barrier) for c in advice.portable.changes] == \
        [(SPIN_LOCK_LINE, "insert", "smp_wmb__before_spin_lock")]
    assert advice.portable.verified
    assert any(shape(f) == {(0, "smp_wmb__before_spin_lock")} for f in fixes)
    assert load_costs().free_on("smp_wmb__before_spin_lock") == ["x86"]


HARDWARE = ("x86", "arm64", "power")


def test_vma_pte_per_architecture(checker):
    missing = [m for m in HARDWARE if m not in checker.index or usable(checker, m) is not None]
    if missing:
        pytest.skip(f"no C lowering yet for {', '.join(missing)}")
    test = parse(VMA_PTE)
    advice = advise(checker, test, models=("lkmm",) + HARDWARE)
    assert advice.models["x86"].verdict == "Never" and advice.models["x86"].fixes == []
    for m in ("lkmm", "arm64", "power"):
        fixes = advice.models[m].fixes
        assert advice.models[m].verdict != "Never"
        assert all(f.verified for f in fixes)
        assert any([(c.line, c.barrier) for c in f.changes] == [(SPIN_LOCK_LINE, "smp_wmb__before_spin_lock")]
                   for f in fixes), m
    p = advice.portable
    assert p.verified and [(c.line, c.barrier) for c in p.changes] == [(SPIN_LOCK_LINE, "smp_wmb__before_spin_lock")]
    assert p.costs["x86"] == 0 and p.costs["arm64"] > 0 and p.costs["power"] > 0


# ------------------------------------------------------------ command line


def test_cli_json_schema_and_apply(checker, tmp_path):
    src = tmp_path / "vma.litmus"
    src.write_text(VMA_PTE)
    out = tmp_path / "fixed.litmus"
    r = CliRunner().invoke(main, ["fences", str(src), "--model", "lkmm", "--json", "--apply", str(out)])
    assert r.exit_code == 0, r.output
    rec = json.loads(r.output)
    assert {"file", "name", "models", "portable_fix"} <= set(rec)
    lk = rec["models"]["lkmm"]
    assert lk["verdict"] == "Sometimes" and lk["fixes"]
    for f in lk["fixes"] + [rec["portable_fix"]]:
        assert isinstance(f["cost"], (int, float)) and f["verified"] is True
        for c in f["changes"]:
            assert {"thread", "line", "action", "barrier"} <= set(c) and c["action"] in ("insert", "upgrade")
    assert rec["portable_fix"]["changes"][0]["line"] == SPIN_LOCK_LINE
    fixed = out.read_text()
    assert "smp_wmb__before_spin_lock();" in fixed
    assert judge_text(checker, fixed).observation == "Never"


def test_cli_text_shows_table_and_diff(tmp_path):
    src = tmp_path / "vma.litmus"
    src.write_text(VMA_PTE)
    r = CliRunner().invoke(main, ["fences", str(src), "--model", "lkmm"])
    assert r.exit_code == 0, r.output
    assert "smp_wmb__before_spin_lock" in r.output and "Portable fix" in r.output
    assert "+\tsmp_wmb__before_spin_lock();" in r.output


def test_cli_reports_bad_input(tmp_path):
    bad = tmp_path / "bad.litmus"
    bad.write_text("C bad\n{}\nP0(int *x) { WRITE_ONCE(*x, ; }\nexists (x=1)\n")
    r = CliRunner().invoke(main, ["fences", str(bad), "--model", "lkmm"])
    assert r.exit_code == 1 and "bad.litmus:" in r.output
