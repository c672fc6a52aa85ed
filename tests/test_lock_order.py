"""Lock order, encoded (engine/lock_order.py, engine/closures.py): the ring of
critical sections gets its verdict at every size, the lock's sections are
found only where they are totally ordered, and on random tests with locks
the refinement allows exactly the executions the plain encoding allows."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memcheck.checker import parse_test_text
from memcheck.engine.enumerate import Refinement, allowed_executions
from memcheck.engine.lock_order import lock_order

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "families.py"
_spec = importlib.util.spec_from_file_location("memcheck_bench_families_lock", _PATH)
families = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = families
_spec.loader.exec_module(families)


def _refinement(checker, text: str, orders: bool = True) -> Refinement:
    test = parse_test_text(text.encode(), "<test>")
    return Refinement(checker.lower(test, "lkmm"), checker.evaluator("lkmm"), orders=orders)


def _executions(checker, text: str, orders: bool) -> set:
    """The allowed executions as (rf, co, flags), program events."""
    allowed, complete = allowed_executions(_refinement(checker, text, orders))
    assert complete
    return {(tuple(sorted(a.candidate.rf.items())),
             tuple(sorted((k, tuple(ws)) for k, ws in a.candidate.co.items())),
             a.flags) for a in allowed}


@pytest.mark.parametrize("n", [2, 3, 5, 8, 11])
def test_the_lock_ring_is_never_allowed(checker, n):
    test = parse_test_text(families.lock_ring(n).encode(), f"<ring-{n}>")
    v = checker.judge(test, "lkmm", 120, verdict_only=True).verdict
    assert v.observation == "Never"


@pytest.mark.parametrize("n", [2, 3, 4])
def test_the_lock_ring_lists_every_order_of_its_sections(checker, n):
    """Without the condition every order of the n critical sections runs; the
    first section reads 0, so at most n - 1 threads see 1."""
    test = parse_test_text(families.lock_ring(n).encode(), f"<ring-{n}>")
    v = checker.judge(test, "lkmm", 120).verdict
    assert v.observation == "Never"
    ones = [sum(1 for k, val in s if k.endswith(":r0") and val == 1) for s in v.states]
    assert max(ones) == n - 1
    assert v.positive == 0


def test_the_ring_refutes_in_polynomially_many_candidates(checker):
    """Each refutation names the order of two sections, not a chain of
    hand-offs: the candidates grow with n squared, not n factorial."""
    counts = {}
    for n in (6, 9):
        test = parse_test_text(families.lock_ring(n).encode(), f"<ring-{n}>")
        counts[n] = checker.judge(test, "lkmm", 120, verdict_only=True).verdict.candidates
    assert counts[9] < 4 * counts[6]


RING3 = families.lock_ring(3)


def test_sections_of_a_plain_lock_are_found(checker):
    locks = lock_order(_refinement(checker, RING3).enc)
    assert [len(secs) for secs in locks.sections.values()] == [3]


TRYLOCK = """C trylock
{ x = 0; }
P0(spinlock_t *s, int *x) { spin_lock(s); WRITE_ONCE(*x, 1); spin_unlock(s); }
P1(spinlock_t *s, int *x) { int r0; int r1; r0 = spin_trylock(s); if (r0) { r1 = READ_ONCE(*x); spin_unlock(s); } }
exists (1:r0=1 /\\ 1:r1=0)
"""

UNMATCHED = """C unmatched
{ x = 0; }
P0(spinlock_t *s, int *x) { spin_lock(s); WRITE_ONCE(*x, 1); }
P1(spinlock_t *s, int *x) { int r0; spin_lock(s); r0 = READ_ONCE(*x); spin_unlock(s); }
exists (1:r0=0)
"""


@pytest.mark.parametrize("text", [TRYLOCK, UNMATCHED], ids=["trylock", "unmatched"])
def test_no_order_where_sections_may_not_be_total(checker, text):
    """A conditional lock or a section never closed: the plain encoding."""
    assert not lock_order(_refinement(checker, text).enc).sections


# -- random tests with critical sections: the same executions both ways -------

OPS = ("r{r} = READ_ONCE(*{v});", "WRITE_ONCE(*{v}, {k});", "smp_mb();",
       "r{r} = smp_load_acquire({v});", "smp_store_release({v}, {k});")


@st.composite
def locked_tests(draw) -> str:
    """2-3 threads of plain and locked blocks over x, y and one or two locks."""
    threads = []
    for t in range(draw(st.integers(2, 3))):
        body, regs = [], 0
        for _ in range(draw(st.integers(1, 3))):
            ops = []
            for _ in range(draw(st.integers(1, 2))):
                op = draw(st.sampled_from(OPS))
                ops.append(op.format(r=regs, v=draw(st.sampled_from("xy")), k=draw(st.integers(1, 2))))
                regs += "{r}" in op
            lock = draw(st.sampled_from(("", "s", "s", "t")))
            body += [f"spin_lock({lock});", *ops, f"spin_unlock({lock});"] if lock else ops
        decl = [f"int r{i};" for i in range(regs)]
        threads.append(f"P{t}(int *x, int *y, spinlock_t *s, spinlock_t *t) {{ {' '.join(decl + body)} }}")
    return "C random\n{ x = 0; y = 0; }\n" + "\n".join(threads) + "\nexists (x=1)\n"


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(locked_tests())
def test_the_same_executions_as_the_plain_encoding(checker, text):
    assert _executions(checker, text, orders=True) == _executions(checker, text, orders=False)


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(locked_tests())
def test_the_same_verdict_as_with_full_listing(checker, text):
    test = parse_test_text(text.encode(), "<test>")
    full = checker.judge(test, "lkmm").verdict
    quick = checker.judge(test, "lkmm", verdict_only=True).verdict
    assert quick.observation == full.observation
    assert quick.flags == full.flags
