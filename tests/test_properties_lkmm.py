"""Properties of the LKMM engine that hold for every test."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import judge_text
from strategies import FENCES, shapes

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow], database=None)


@SETTINGS
@given(shapes(), st.data())
def test_adding_a_fence_never_adds_a_final_state(checker, shape, data):
    thread = data.draw(st.integers(0, len(shape.threads) - 1))
    index = data.draw(st.integers(0, len(shape.threads[thread])))
    fence = data.draw(st.sampled_from(FENCES))
    before = judge_text(checker, shape.text())
    after = judge_text(checker, shape.with_fence(thread, index, fence).text())
    assert set(after.states) <= set(before.states)


@SETTINGS
@given(shapes())
def test_counts_are_consistent_with_states(checker, shape):
    v = judge_text(checker, shape.text())
    assert v.positive + v.negative >= len(v.states) >= 1
    assert (v.positive > 0) == (v.observation != "Never")
