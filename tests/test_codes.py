"""Narrow value codes (engine/codes.py): a program that only copies and
compares values is judged with a few bits a value, exactly as with 64-bit
words."""
from __future__ import annotations

from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memcheck.checker import parse_test_text
from memcheck.engine.codes import value_codes
from memcheck.lower.program import Event, Program, VConst, VOp, VRead
from strategies import conditions, shapes

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow], database=None)


def program(values, free_reads: int = 1) -> Program:
    """A program whose writes write `values` (each an int or a Value)."""
    events = [Event(i, 0, "W", frozenset(), VConst(8), v if not isinstance(v, int) else VConst(v))
              for i, v in enumerate(values)]
    events += [Event(len(events) + i, 1, "R", frozenset(), VConst(8), VRead(len(events) + i))
               for i in range(free_reads)]
    return Program("lkmm", events, {"x": 8})


@given(st.lists(st.integers(-(1 << 63), (1 << 63) - 1), max_size=6), st.integers(0, 4))
def test_codes_keep_the_order_of_values(constants, free):
    codes = value_codes(program(constants), free)
    assert codes is not None
    width = codes.width

    def signed(bits: int) -> int:
        return bits - (1 << width) if bits >> (width - 1) else bits

    assert len(codes.values) == 1 << width
    assert list(codes.values) == sorted(set(codes.values))
    for v in constants + [0, 1, 8]:
        assert codes.value(codes.bits(v)) == v
    for a in codes.values:
        for b in codes.values[:8]:
            assert (signed(codes.bits(a)) < signed(codes.bits(b))) == (a < b)


def test_gaps_hold_the_values_out_of_thin_air_can_take():
    codes = value_codes(program([5]), 2)
    # 0, 1, 5, 8 and, around each, room for two values no constant names
    for v in (-2, -1, 2, 3, 6, 7, 9, 10):
        assert codes.represents(v)
    assert not codes.represents(4)   # between 3 and 5 no third value is needed
    narrow = value_codes(program([5]), 0)
    assert [v for v in narrow.values if v <= 8] == [0, 1, 5, 8]


def test_computed_values_keep_64_bit_words():
    assert value_codes(program([VOp("+", (VRead(1), VConst(1)))]), 0) is None
    assert value_codes(program([VOp("==", (VRead(1), VConst(1)))]), 0) is not None
    assert value_codes(program([VOp("+", (VRead(1),))]), 0) is not None   # unary plus copies


def test_a_constant_near_the_top_of_the_word_is_coded():
    top = (1 << 63) - 1
    codes = value_codes(program([top, -(1 << 63)]), 3)
    assert codes is not None and codes.value(codes.bits(top)) == top


def judged(checker, text: str, model: str, **mode):
    return checker.judge(parse_test_text(text.encode(), "<test>"), model, **mode).verdict


def coded_and_words(checker, text: str, model: str):
    """(listing, verdict-only) with coded values, then with 64-bit words."""
    coded = (judged(checker, text, model), judged(checker, text, model, verdict_only=True))
    with mock.patch("memcheck.engine.encode.value_codes", lambda program, free: None):
        words = (judged(checker, text, model), judged(checker, text, model, verdict_only=True))
    return coded, words


def assert_same(coded, words):
    (full, quick), (full64, quick64) = coded, words
    assert (full.states, full.positive, full.negative, full.flags) == \
        (full64.states, full64.positive, full64.negative, full64.flags)
    assert (quick.observation, quick.flags) == (quick64.observation, quick64.flags)
    assert quick.observation == full.observation


OOTA_BETWEEN = """C oota-between
{}
P0(int *x, int *y, int *z)
{
	int r0 = READ_ONCE(*x);
	if (r0 > 1) {
		if (r0 < 5) {
			if (r0 != 3) {
				if (r0 != 4)
					WRITE_ONCE(*z, 4);
			}
		}
	}
	WRITE_ONCE(*y, r0);
}
P1(int *x, int *y)
{
	int r1 = READ_ONCE(*y);
	WRITE_ONCE(*x, r1);
}
exists (z=4)
"""


def test_a_value_out_of_thin_air_between_the_constants(checker, no_axioms):
    # only 2 takes the store: no constant of the program is 2, a value of the cycle can be
    coded, words = coded_and_words(checker, OOTA_BETWEEN, no_axioms)
    assert_same(coded, words)
    assert coded[0].observation == "Sometimes"


@SETTINGS
@given(shapes(copies=True, branches=True).flatmap(lambda s: st.tuples(st.just(s), conditions(s, (-1, 4)))),
       st.sampled_from(("lkmm", "arm64", "no axioms")))
def test_coded_values_judge_as_64_bit_words(checker, no_axioms, shape_condition, model):
    shape, condition = shape_condition
    model = no_axioms if model == "no axioms" else model
    assert_same(*coded_and_words(checker, shape.text(condition=condition), model))
