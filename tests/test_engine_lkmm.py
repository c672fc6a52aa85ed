"""End-to-end LKMM verdicts on classic shapes, with exact states and counts."""
from __future__ import annotations

import pytest

from helpers import judge_text, states_as_dicts

SB = """C SB{suffix}
{{}}
P0(int *x, int *y)
{{
\tint r0;
\tWRITE_ONCE(*x, 1);
\t{fence}
\tr0 = READ_ONCE(*y);
}}
P1(int *x, int *y)
{{
\tint r0;
\tWRITE_ONCE(*y, 1);
\t{fence}
\tr0 = READ_ONCE(*x);
}}
exists (0:r0=0 /\\ 1:r0=0)
"""


def test_store_buffering_without_fences_is_allowed(checker):
    v = judge_text(checker, SB.format(suffix="", fence=""))
    assert v.observation == "Sometimes"
    assert (v.positive, v.negative) == (1, 3)
    assert len(v.states) == 4


def test_store_buffering_with_smp_mb_is_forbidden(checker):
    v = judge_text(checker, SB.format(suffix="+mb", fence="smp_mb();"))
    assert v.observation == "Never"
    assert (v.positive, v.negative) == (0, 3)
    assert {"0:r0": 0, "1:r0": 0} not in states_as_dicts(v)


@pytest.mark.parametrize("fence", ["smp_wmb();", "smp_rmb();", "barrier();"])
def test_store_buffering_weak_fences_do_not_help(checker, fence):
    assert judge_text(checker, SB.format(suffix="", fence=fence)).observation == "Sometimes"


MP = """C MP
{{}}
P0(int *x, int *y)
{{
\tWRITE_ONCE(*x, 1);
\t{wfence}
\t{store}
}}
P1(int *x, int *y)
{{
\tint r0; int r1;
\t{load}
\t{rfence}
\tr1 = READ_ONCE(*x);
}}
exists (1:r0=1 /\\ 1:r1=0)
"""


@pytest.mark.parametrize("wfence,store,load,rfence,expected", [
    ("", "WRITE_ONCE(*y, 1);", "r0 = READ_ONCE(*y);", "", "Sometimes"),
    ("smp_wmb();", "WRITE_ONCE(*y, 1);", "r0 = READ_ONCE(*y);", "smp_rmb();", "Never"),
    ("smp_wmb();", "WRITE_ONCE(*y, 1);", "r0 = READ_ONCE(*y);", "", "Sometimes"),
    ("", "smp_store_release(y, 1);", "r0 = smp_load_acquire(y);", "", "Never"),
    ("", "smp_store_release(y, 1);", "r0 = READ_ONCE(*y);", "", "Sometimes"),
])
def test_message_passing(checker, wfence, store, load, rfence, expected):
    text = MP.format(wfence=wfence, store=store, load=load, rfence=rfence)
    assert judge_text(checker, text).observation == expected


def test_lock_protected_counter_never_loses_an_increment(checker):
    text = """C counter
{}
P0(int *x, spinlock_t *s)
{
\tint r0;
\tspin_lock(s);
\tr0 = READ_ONCE(*x);
\tWRITE_ONCE(*x, r0 + 1);
\tspin_unlock(s);
}
P1(int *x, spinlock_t *s)
{
\tint r0;
\tspin_lock(s);
\tr0 = READ_ONCE(*x);
\tWRITE_ONCE(*x, r0 + 1);
\tspin_unlock(s);
}
exists (x=1)
"""
    v = judge_text(checker, text)
    assert v.observation == "Never"
    assert states_as_dicts(v) == [{"x": 2}]


def test_atomic_inc_is_atomic(checker):
    text = """C inc
{}
P0(atomic_t *v) { atomic_inc(v); }
P1(atomic_t *v) { atomic_inc(v); }
exists (v=2)
"""
    v = judge_text(checker, text)
    assert v.observation == "Always"


def test_cmpxchg_failure_and_success_are_both_outcomes(checker):
    text = """C cas
{}
P0(int *x) { int r0; r0 = cmpxchg(x, 0, 1); }
P1(int *x) { int r0; r0 = cmpxchg(x, 0, 2); }
exists (0:r0=0 /\\ 1:r0=0)
"""
    v = judge_text(checker, text)
    assert v.observation == "Never"
    assert sorted(map(lambda d: (d["0:r0"], d["1:r0"]), states_as_dicts(v))) == [(0, 1), (2, 0)]


def test_pointer_values_print_as_variable_names(checker):
    text = """C ptr
{ int *p = &a; }
P0(int **p, int *b) { WRITE_ONCE(*b, 1); smp_store_release(p, b); }
P1(int **p) { int *r0; int r1; r0 = rcu_dereference(*p); r1 = READ_ONCE(*r0); }
exists (1:r0=b /\\ 1:r1=0)
"""
    v = judge_text(checker, text)
    assert v.observation == "Never"
    values = {d["1:r0"] for d in states_as_dicts(v)}
    assert values == {"a", "b"}


def test_plain_accesses_race(checker):
    text = """C race
{}
P0(int *x) { *x = 1; }
P1(int *x) { int r0; r0 = *x; }
exists (1:r0=1)
"""
    v = judge_text(checker, text)
    assert v.flags == ["data-race"]


def test_if_else_takes_one_leg(checker):
    text = """C branch
{}
P0(int *x, int *y) { int r0; r0 = READ_ONCE(*x); if (r0 == 1) WRITE_ONCE(*y, 1); else WRITE_ONCE(*y, 2); }
P1(int *x) { WRITE_ONCE(*x, 1); }
exists (y=2)
"""
    v = judge_text(checker, text)
    assert v.observation == "Sometimes"
    assert sorted(d["y"] for d in states_as_dicts(v)) == [1, 2]


def test_branch_legs_differing_only_in_dependencies_keep_their_own(checker):
    """Two legs with the same events but different register dependencies:
    each execution must see the dependencies of the leg it took."""
    text = """C legs
{}
P0(int *x, int *y, int *w)
{
\tint r0; int r2; int r3;
\tr0 = READ_ONCE(*x);
\tr3 = READ_ONCE(*w);
\tif (r3) r2 = 1; else r2 = r0;
\tWRITE_ONCE(*y, r2);
}
P1(int *x, int *y)
{
\tint r1;
\tr1 = READ_ONCE(*y);
\tWRITE_ONCE(*x, r1);
}
P2(int *w) { WRITE_ONCE(*w, 1); }
locations [0:r3;]
exists (0:r0=1 /\\ 1:r1=1)
"""
    # one enumeration sees both legs, whichever comes first
    states = states_as_dicts(judge_text(checker, text))
    assert {"0:r0": 1, "1:r1": 1, "0:r3": 1} in states  # no dependency: load buffering
    assert {"0:r0": 1, "1:r1": 1, "0:r3": 0} not in states  # data dependency forbids it
