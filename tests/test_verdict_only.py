"""Verdict-only judging (`run --verdict-only`) decides what enumeration does;
states-only judging (`run --states-only`) lists the states it lists."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import z3

from memcheck.checker import parse_test_text
from memcheck.engine.encode import all_of
from memcheck.engine.enumerate import Refinement
from memcheck.engine.sequential import sequential
from memcheck.report.herd_text import format_verdict
from strategies import conditions, shapes

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow], database=None)

MP_WMB_RMB = """C MP+wmb+rmb
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 1);
	smp_wmb();
	WRITE_ONCE(*y, 1);
}
P1(int *x, int *y)
{
	int r0 = READ_ONCE(*y);
	smp_rmb();
	int r1 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 1:r1=0)
"""


def both(checker, text: str, model: str = "lkmm"):
    test = parse_test_text(text.encode(), "<test>")
    return (checker.judge(test, model).verdict,
            checker.judge(test, model, verdict_only=True).verdict)


def limited(checker, text: str, model: str):
    """Judged with the listing stopped after one execution."""
    return checker.judge(parse_test_text(text.encode(), "<test>"), model, max_executions=1).verdict


@SETTINGS
@given(shapes(copies=True).flatmap(lambda s: st.tuples(st.just(s), conditions(s))),
       st.sampled_from(("lkmm", "sc", "x86", "arm64", "power")))
def test_verdict_only_agrees_with_enumeration(checker, shape_condition, model):
    shape, condition = shape_condition
    full, quick = both(checker, shape.text(condition=condition), model)
    assert quick.observation == full.observation
    assert quick.ok == full.ok
    assert (quick.positive > 0) == (full.positive > 0)
    assert (quick.negative > 0) == (full.negative > 0)
    assert quick.flags == full.flags
    states = checker.judge(parse_test_text(shape.text(condition=condition).encode(), "<test>"), model,
                           states_only=True).verdict
    assert states.states == full.states
    assert (states.observation, states.ok, states.flags) == (full.observation, full.ok, full.flags)
    assert states.states_complete and not states.exhaustive
    cut = limited(checker, shape.text(condition=condition), model)
    assert (cut.observation, cut.flags) == (full.observation, full.flags)
    assert cut.exhaustive == (full.positive + full.negative <= 1)
    assert not quick.exhaustive and full.exhaustive
    # the witnesses it reports are executions enumeration finds
    assert set(quick.states) <= set(full.states)


def test_verdict_only_text_names_witnesses_not_counts(checker):
    full, quick = both(checker, MP_WMB_RMB)
    assert full.observation == quick.observation == "Never"
    text = format_verdict(quick)
    assert "Witnesses found 1 (states not enumerated)" in text
    assert "Positive:" not in text
    assert text.splitlines()[-2] == "Observation MP+wmb+rmb Never"
    assert quick.candidates <= full.candidates


def test_verdict_only_on_a_wide_chain_needs_few_candidates(checker):
    """Eight readers of two writes: 4^8 executions to enumerate, a handful
    of candidates to decide (the count grows with refutations, not executions)."""
    readers = []
    for i in range(8):
        a, b = ("x", "y") if i % 2 == 0 else ("y", "x")
        readers.append(f"P{i + 2}(int *x, int *y)\n{{\n\tint r0 = READ_ONCE(*{a});\n\tsmp_mb();\n"
                       f"\tint r1 = READ_ONCE(*{b});\n}}")
    cond = " /\\ ".join(f"{i + 2}:r0=1 /\\ {i + 2}:r1=0" for i in range(8))
    text = ("C IRIW8\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nP1(int *y)\n{\n\tWRITE_ONCE(*y, 1);\n}\n"
            + "\n".join(readers) + f"\nexists ({cond})\n")
    v = checker.judge(parse_test_text(text.encode(), "<iriw8>"), "lkmm", verdict_only=True).verdict
    assert v.observation == "Never"
    assert v.candidates < 50


PLAIN_OPS = ("r{i} = *{v};", "r{i} = READ_ONCE(*{v});", "*{v} = {k};", "WRITE_ONCE(*{v}, {k});",
             "smp_store_release({v}, {k});", "r{i} = smp_load_acquire({v});", "smp_mb();")


@st.composite
def racy_tests(draw) -> str:
    """Straight-line tests mixing plain and marked accesses (the data-race
    flag comes and goes with the choices of rf and co)."""
    threads = []
    for t in range(draw(st.integers(2, 3))):
        ops = [draw(st.sampled_from(PLAIN_OPS)).format(i=i, v=draw(st.sampled_from(("x", "y"))),
                                                        k=draw(st.integers(1, 2)))
               for i in range(draw(st.integers(1, 3)))]
        decls = "".join(f"int r{i} = 0; " for i in range(len(ops)))
        threads.append(f"P{t}(int *x, int *y) {{ {decls}{' '.join(ops)} }}")
    reg = draw(st.integers(0, len(threads) - 1))
    return ("C racy\n{}\n" + "\n".join(threads) +
            f"\nexists ({reg}:r0=0 \\/ x={draw(st.integers(0, 2))})\n")


@SETTINGS
@given(racy_tests())
def test_flags_decided_on_one_path_equal_the_listings(checker, text):
    # on one path the flag search judges each solver answer's free choices itself
    full, quick = both(checker, text)
    assert (quick.observation, quick.flags) == (full.observation, full.flags)


SB_THREE = """C SB+reader
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 1);
	int r0 = READ_ONCE(*y);
}
P1(int *x, int *y)
{
	WRITE_ONCE(*y, 1);
	int r0 = READ_ONCE(*x);
	WRITE_ONCE(*x, 2);
}
P2(int *x, int *y)
{
	int r0 = READ_ONCE(*x);
	int r1 = READ_ONCE(*y);
}
exists (0:r0=0 /\\ 1:r0=0)
"""


def test_the_sequential_candidate_runs_the_threads_in_order(checker):
    test = parse_test_text(SB_THREE.encode(), "<test>")
    program = checker.lower(test, "lkmm")
    refinement = Refinement(program, checker.evaluator("lkmm"))
    in_order = z3.Bool("in order", refinement.enc.ctx)
    refinement.define(in_order, lambda enc: all_of(sequential(enc), enc.ctx), both_ways=False)
    found = [c.candidate for c in refinement.candidates(assumptions=(in_order,), cover=in_order)]
    assert len(found) == 1
    reads = found[0].reads
    assert [reads[e] for e in sorted(reads)] == [0, 1, 2, 1]
    x = program.locations["x"]
    assert [program.events[w].value.value for w in found[0].co[x]][1:] == [1, 2]
    # the verdict still finds the executions no sequential run has
    assert checker.judge(test, "lkmm", verdict_only=True).verdict.observation == "Sometimes"
