"""Kernel C tests on the hardware models: the lowering tables at work."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from helpers import judge_text
from memcheck.checker import Checker, parse_test_text
from strategies import shapes

HARDWARE = ("x86", "arm64", "power", "riscv")
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow], database=None)

WALKER = """C vma-pte-walker
{{}}
P0(int *vma, int *pte, spinlock_t *ptl)
{{
\tWRITE_ONCE(*vma, 1);
\t{barrier}
\tspin_lock(ptl);
\tWRITE_ONCE(*pte, 1);
\tspin_unlock(ptl);
}}
P1(int *vma, int *pte)
{{
\tint r0; int r1;
\tr0 = READ_ONCE(*pte);
\tsmp_rmb();
\tr1 = READ_ONCE(*vma);
}}
exists (1:r0=1 /\\ 1:r1=0)
"""


@pytest.mark.parametrize("kernel,atomics", [("current", "lse"), ("current", "llsc"), ("4.14", "lse")])
def test_lockless_walker_needs_a_write_barrier_before_spin_lock_off_x86(kernel, atomics):
    checker = Checker(kernel=kernel, atomics=atomics)
    text = WALKER.format(barrier="")
    got = {m: judge_text(checker, text, m).observation for m in ("lkmm", "x86", "arm64", "power")}
    assert got == {"lkmm": "Sometimes", "x86": "Never", "arm64": "Sometimes", "power": "Sometimes"}
    fixed = WALKER.format(barrier="smp_wmb__before_spin_lock();")
    for m in ("lkmm", "x86", "arm64", "power"):
        assert judge_text(checker, fixed, m).observation == "Never"


def test_grace_periods_have_no_hardware_lowering(checker):
    text = "C gp\n{}\nP0(int *x) { synchronize_rcu(); }\nexists (x=0)\n"
    with pytest.raises(Exception) as e:
        judge_text(checker, text, "arm64")
    assert "judge RCU tests under the lkmm model" in str(e.value)


def _states(checker, text, model):
    return set(checker.judge(parse_test_text(text.encode(), "<gen>"), model).verdict.states)


@SETTINGS
@given(shapes())
def test_no_architecture_allows_what_the_lkmm_forbids(checker, shape):
    text = shape.text()
    lkmm = _states(checker, text, "lkmm")
    for arch in HARDWARE:
        assert _states(checker, text, arch) <= lkmm, arch


@SETTINGS
@given(shapes())
def test_sc_allows_no_more_than_any_model(checker, shape):
    text = shape.text()
    sc = _states(checker, text, "sc")
    for m in ("lkmm",) + HARDWARE:
        assert sc <= _states(checker, text, m), m


@SETTINGS
@given(shapes())
def test_x86_allows_nothing_power_forbids(checker, shape):
    text = shape.text()
    assert _states(checker, text, "x86") <= _states(checker, text, "power")


@SETTINGS
@given(shapes(copies=True))
def test_x86_allows_nothing_riscv_forbids(checker, shape):
    text = shape.text()
    assert _states(checker, text, "x86") <= _states(checker, text, "riscv")


ATOMICPO = """C atomicpo
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*y, 1);
	smp_wmb();
	WRITE_ONCE(*x, 1);
}
P1(int *x, int *y)
{
	int r1;
	int r2;
	r1 = RMW1;
	r2 = RMW2;
}
exists (1:r1=1 /\\ 1:r2=0)
"""


@pytest.mark.parametrize("model", ["arm64/llsc", "arm64/4.14"])
@pytest.mark.parametrize("rmw1, rmw2, verdict", [
    # the LL/SC loop of xchg and atomic_*_return branches on the store-exclusive's
    # status, not on the value read: nothing orders two relaxed RMWs (herd7's
    # aarch64.cat on the kernel's code: Sometimes; this was Never before)
    ("xchg_relaxed(x, 1)", "xchg_relaxed(y, 1)", "Sometimes"),
    ("atomic_fetch_add_relaxed(1, x)", "atomic_fetch_add_relaxed(1, y)", "Sometimes"),
    # cmpxchg compares the value read and branches on it before its store: the
    # second RMW's store is control-dependent on the read of x, and its read
    # cannot come before P0's store of y without that store coming first in coherence
    ("cmpxchg_relaxed(x, 1, 2)", "xchg_relaxed(y, 1)", "Never"),
    ("xchg_acquire(x, 1)", "xchg_relaxed(y, 1)", "Never"),
])
def test_llsc_rmws_order_by_their_annotations_not_by_their_loop(checker, model, rmw1, rmw2, verdict):
    text = ATOMICPO.replace("RMW1", rmw1).replace("RMW2", rmw2)
    assert judge_text(checker, text, model).observation == verdict
