"""Metamorphic properties of loops: the same test written other ways is
judged the same.

- A loop under `--unroll N` is the loop written out as N nested ifs, the
  executions that would test true once more filtered out (herd7's cut).
- An await judged exactly is the await unrolled, for any N large enough
  (one: an iteration before the last leaves nothing that matters).
- `do B while (C);` is `B; while (C) B`.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loop_strategies import loop_tests
from memcheck.checker import Checker, parse_test_text
from memcheck.lower.loops import LoopOptions

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow], database=None)


def judge(text: str, unroll: int = 2, exact: bool = True):
    checker = Checker(loops=LoopOptions(unroll, exact))
    return checker.judge(parse_test_text(text.encode(), "loop.litmus"), "lkmm").verdict


def summary(v, counts: bool = True) -> tuple:
    return (v.observation, sorted(v.states), v.flags) + ((v.positive, v.negative) if counts else ())


@SETTINGS
@given(loop_tests(writes=True), st.integers(0, 3), st.booleans())
def test_unrolled_loop_is_nested_ifs(t, n, await_too):
    loop = judge(t.text(t.loop.as_while()), n, exact=not await_too)
    ifs = judge(t.text(t.loop.as_nested_ifs(n), cut_filter=True), n)
    assert summary(loop) == summary(ifs)


@SETTINGS
@given(loop_tests(), st.integers(1, 4))
def test_exact_await_is_any_large_enough_unrolling(t, n):
    text = t.text(t.loop.as_while())
    exact = judge(text, n)
    unrolled = judge(text, n, exact=False)
    assert exact.observation == unrolled.observation
    assert sorted(exact.states) == sorted(unrolled.states)
    assert [f for f in exact.flags if f != "hang"] == unrolled.flags
    assert exact.loop_limit == unrolled.loop_limit and not exact.loop_cut


@SETTINGS
@given(loop_tests(), st.integers(0, 3))
def test_do_while_is_body_then_while(t, n):
    for exact in (True, False):
        do = judge(t.text(t.loop.as_do()), n, exact)
        unrolled = judge(t.text(t.loop.as_body_then_while()), n, exact)
        assert summary(do, counts=not exact) == summary(unrolled, counts=not exact)


@SETTINGS
@given(loop_tests(writes=True), st.integers(0, 3))
def test_do_while_that_writes_is_body_then_while(t, n):
    do = judge(t.text(t.loop.as_do()), n)
    unrolled = judge(t.text(t.loop.as_body_then_while()), n)
    assert summary(do) == summary(unrolled)
