"""The kernel's waiting primitives (models/lkmm.def, lkmm-v6.def): loops
as the kernel writes them, judged as awaits, with the barriers the kernel
puts in them."""
from __future__ import annotations

import pytest

from helpers import judge_text

MODELS = ("lkmm", "lkmm-v6", "arm64", "power")


def mp(writer: str, wait: str, after: str = "r1 = READ_ONCE(*x);") -> str:
    return f"""C wait
{{}}
P0(int *x, int *flag)
{{
	WRITE_ONCE(*x, 1);
	{writer}
}}
P1(int *x, int *flag)
{{
	int r0;
	int r1;
	{wait}
	{after}
}}
exists (1:r1=0)
"""


RELEASE = "smp_store_release(flag, 1);"
ONCE = "WRITE_ONCE(*flag, 1);"
SET_RELEASE = "atomic_set_release(flag, 1);"

CASES = [
    # (writer, wait, verdict on every model): an acquiring wait orders the read after it
    (RELEASE, "r0 = smp_cond_load_acquire(flag, VAL != 0);", "Never"),
    (RELEASE, "r0 = smp_cond_load_relaxed(flag, VAL != 0);", "Sometimes"),
    (RELEASE, "r0 = smp_cond_load_relaxed(flag, VAL != 0); smp_rmb();", "Never"),
    (SET_RELEASE, "r0 = atomic_cond_read_acquire(flag, VAL == 1);", "Never"),
    (SET_RELEASE, "r0 = atomic_cond_read_relaxed(flag, VAL == 1);", "Sometimes"),
    (RELEASE, "spin_until_cond(smp_load_acquire(flag));", "Never"),
    (RELEASE, "spin_until_cond(READ_ONCE(*flag) == 1);", "Sometimes"),
    (ONCE, "r0 = smp_cond_load_acquire(flag, VAL != 0);", "Sometimes"),  # the writer does not order
]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("writer, wait, verdict", CASES)
def test_waits_order_what_the_kernel_says(checker, model, writer, wait, verdict):
    v = judge_text(checker, mp(writer, wait), model)
    assert v.observation == verdict
    assert "hang" not in v.flags


def test_the_value_of_a_wait_is_the_value_that_ended_it(checker):
    text = mp("WRITE_ONCE(*flag, 1); WRITE_ONCE(*flag, 2);", "r0 = smp_cond_load_relaxed(flag, VAL >= 2);",
              "").replace("exists (1:r1=0)", "exists (1:r0=2)")
    v = judge_text(checker, text)
    assert v.observation == "Always" and v.states == [(("1:r0", 2),)]


def test_a_wait_for_a_value_never_written_hangs(checker):
    v = judge_text(checker, mp(RELEASE, "r0 = smp_cond_load_acquire(flag, VAL == 2);"))
    assert v.flags == ["hang"] and v.states == []


def test_seqcount_primitives(checker):
    text = """C seqcount
{}
P0(int *s, int *a, int *b)
{
	raw_write_seqcount_begin(s);
	WRITE_ONCE(*a, 1);
	WRITE_ONCE(*b, 1);
	raw_write_seqcount_end(s);
}
P1(int *s, int *a, int *b)
{
	int seq;
	int r0;
	int r1;
	int retry;
	seq = raw_read_seqcount_begin(s);
	r0 = READ_ONCE(*a);
	r1 = READ_ONCE(*b);
	retry = read_seqcount_retry(s, seq);
}
exists (1:retry=0 /\\ 1:r0=1 /\\ 1:r1=0)
"""
    for model in MODELS:
        v = judge_text(checker, text, model)
        assert v.observation == "Never", model
    v = judge_text(checker, text.replace("exists (1:retry=0 /\\ 1:r0=1 /\\ 1:r1=0)", "exists (1:seq=1)"))
    assert v.observation == "Never"  # read_seqcount_begin waits for an even count
