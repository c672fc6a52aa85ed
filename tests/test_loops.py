"""Loops: herd7's unrolling (`--unroll N`, the Loop line), await loops judged
without a bound, the hang flag, and loops memcheck refuses."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from memcheck.checker import Checker, parse_test_text
from memcheck.cli import main
from memcheck.errors import MemcheckError
from memcheck.lower.loops import LoopOptions
from memcheck.report.herd_text import format_verdict

# herd7 7.57, -unroll 2 (and -unroll 0): the await's body reads y, which
# nobody writes; executions leave the loop at its 1st, 2nd or 3rd test
AWAIT_WITH_BODY = """C await-with-body
{}
P0(int *x)
{
	WRITE_ONCE(*x, 1);
}
P1(int *x, int *y)
{
	int r0;
	int r1;
	while (READ_ONCE(*x) == 0) {
		r1 = READ_ONCE(*y);
	}
	r0 = 1;
}
exists (1:r0=1)
"""

# a loop that writes is no await: unrolled, as herd7 does (2 executions at -unroll 2)
WRITING_LOOP = """C writing-loop
{}
P0(int *x)
{
	WRITE_ONCE(*x, 1);
}
P1(int *x, int *y)
{
	int r0;
	r0 = 0;
	while (r0 == 0) {
		r0 = READ_ONCE(*x);
		WRITE_ONCE(*y, r0);
	}
}
exists (1:r0=1)
"""

MP_SPIN = """C MP+spin
{}
P0(int *x, int *flag)
{
	WRITE_ONCE(*x, 1);
	smp_store_release(flag, 1);
}
P1(int *x, int *flag)
{
	int r1;
	while (!smp_load_acquire(flag))
		cpu_relax();
	r1 = READ_ONCE(*x);
}
exists (1:r1=0)
"""

# each waits for what the other writes after its own wait: nobody leaves
DEADLOCK = """C wait-for-each-other
{}
P0(int *x, int *y)
{
	while (READ_ONCE(*y) == 0)
		cpu_relax();
	WRITE_ONCE(*x, 1);
}
P1(int *x, int *y)
{
	while (READ_ONCE(*x) == 0)
		cpu_relax();
	WRITE_ONCE(*y, 1);
}
exists (x=1)
"""


def judge(text: str, model: str = "lkmm", unroll: int = 2, exact: bool = True):
    checker = Checker(loops=LoopOptions(unroll, exact))
    return checker.judge(parse_test_text(text.encode(), "t.litmus"), model).verdict


@pytest.mark.parametrize("unroll, executions", [(0, 1), (1, 2), (2, 3), (5, 6)])
def test_unrolled_await_counts_as_herd7(unroll, executions):
    v = judge(AWAIT_WITH_BODY, unroll=unroll, exact=False)
    assert (v.observation, v.positive, v.negative) == ("Always", executions, 0)
    assert v.loop_limit and v.loop_cut
    assert "Loop Ok" in format_verdict(v).splitlines()


def test_exact_await_one_iteration_stands_for_all():
    for unroll in (0, 2, 7):
        v = judge(AWAIT_WITH_BODY, unroll=unroll)
        assert (v.observation, v.positive, v.negative) == ("Always", 2, 0)
        assert v.loop_limit and not v.loop_cut  # herd7's Loop line; nothing missing
        assert v.flags == []  # P0 writes x: the wait ends


def test_writing_loop_is_unrolled():
    v = judge(WRITING_LOOP)
    assert (v.observation, v.positive, v.negative, v.loop_cut) == ("Always", 2, 0, True)
    v = judge(WRITING_LOOP, unroll=0)
    assert (v.positive, v.negative, v.states) == (0, 0, [])
    assert "Loop No" in format_verdict(v)


def test_spin_wait_message_passing():
    v = judge(MP_SPIN)
    assert (v.observation, v.positive, v.negative, v.flags) == ("Never", 0, 1, [])


@pytest.mark.parametrize("model", ["lkmm", "lkmm-v6", "sc", "x86", "arm64", "power"])
def test_wait_nobody_satisfies_hangs_under_every_model(model):
    assert "hang" in judge(DEADLOCK, model).flags


@pytest.mark.parametrize("model", ["lkmm", "sc", "x86", "arm64", "power"])
def test_correct_handshake_does_not_hang(model):
    assert "hang" not in judge(MP_SPIN, model).flags


def test_hang_text_and_json(tmp_path):
    f = tmp_path / "t.litmus"
    f.write_text(DEADLOCK)
    r = CliRunner().invoke(main, ["run", str(f)])
    assert "Flag hang" in r.output.splitlines()
    r = CliRunner().invoke(main, ["run", "--json", str(f)])
    rec = json.loads(r.output)
    assert rec["flags"] == ["hang"] and rec["loop_limit"] is True


def test_loop_warning_on_stderr(tmp_path):
    f = tmp_path / "t.litmus"
    f.write_text(WRITING_LOOP)
    r = CliRunner().invoke(main, ["run", str(f)])
    assert r.exit_code == 0
    assert "Loop Ok" in r.stdout
    assert r.stderr.strip() == (f'Warning: File "{f}": unrolling limit exceeded at While, '
                                "legal outcomes may be missing.")
    f.write_text(AWAIT_WITH_BODY)
    r = CliRunner().invoke(main, ["run", str(f)])
    assert "Loop Ok" in r.stdout and r.stderr == ""  # an await judged exactly misses nothing


NEVER_ENDS = [
    ("while (1) { WRITE_ONCE(*x, 1); }", "has a condition that is always true"),
    ("for (;;) { r0 = READ_ONCE(*x); }", "has no condition"),
    ("r0 = READ_ONCE(*x); while (r0 == 0) { WRITE_ONCE(*x, 1); }", "tests a value that does not change in it"),
    ("while (r0 == 0) { r1 = READ_ONCE(*x); }", "tests a value that does not change in it"),
]


@pytest.mark.parametrize("code, why", NEVER_ENDS)
@pytest.mark.parametrize("exact", [True, False])
def test_loop_that_never_ends_is_bad_input(code, why, exact):
    text = f"C bad\n{{}}\nP0(int *x)\n{{\n\tint r0;\n\tint r1;\n\t{code}\n}}\nexists (0:r0=0)\n"
    with pytest.raises(MemcheckError) as e:
        judge(text, exact=exact)
    col = code.index("while" if "while" in code else "for") + 2
    assert str(e.value) == f"t.litmus:7:{col}: this loop never ends: it {why}, and no break leaves it"


def test_break_and_continue_outside_a_loop():
    for word in ("break", "continue"):
        text = f"C bad\n{{}}\nP0(int *x)\n{{\n\t{word};\n}}\nexists (x=0)\n"
        with pytest.raises(MemcheckError) as e:
            judge(text)
        assert str(e.value) == f"t.litmus:5:2: '{word}' outside a loop"


def test_unrolling_past_the_event_budget_is_refused():
    text = ("C big\n{}\nP0(int *x)\n{\n\tint i;\n\tint j;\n"
            "\tfor (i = 0; i < 100000; i++) { for (j = 0; j < 100000; j++) { WRITE_ONCE(*x, j); } }\n"
            "}\nexists (x=0)\n")
    with pytest.raises(MemcheckError) as e:
        judge(text, unroll=100)
    assert "unrolling this loop 100 times makes more than" in str(e.value)
    assert str(e.value).startswith("t.litmus:7:")


SRCU_AFTER_LOOP = """C srcu-loop
{}
P0(int *x, struct srcu_struct *s)
{
	int r0;
	int r1;
	r0 = 0;
	while (r0 == 0) {
		r0 = READ_ONCE(*x);
		if (r0 == 2) {
			r0 = 3;
		}
	}
	r1 = srcu_read_lock(s);
	srcu_read_unlock(s, r1);
}
P1(int *x)
{
	WRITE_ONCE(*x, 1);
	WRITE_ONCE(*x, 2);
}
exists (0:r1=0)
"""


@pytest.mark.parametrize("unroll, cookies", [
    (1, [4500, 6297]),  # herd7 7.57 -unroll 1
    (3, [4500, 6297, 6896, 8693, 9292, 11089]),  # -unroll 3
])
def test_srcu_cookies_count_loop_iterations_as_herd7(unroll, cookies):
    v = judge(SRCU_AFTER_LOOP, unroll=unroll, exact=False)
    assert sorted(dict(s)["0:r1"] for s in v.states) == cookies
