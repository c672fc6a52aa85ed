"""Free choices (reads, coherence orders): listing enumerates them without
the solver, and lists exactly the executions the solver alone lists."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from hypothesis import strategies as st

from memcheck.checker import parse_test_text
from memcheck.engine.condition import prop_term
from memcheck.engine.enumerate import Refinement, allowed_executions
from memcheck.engine.outcome import FinalState, observed_addresses, observed_locations
from memcheck.engine.states import allowed_states
from strategies import conditions, shapes

MP = """C MP
{}
P0(int *x, int *y) { WRITE_ONCE(*x, 1); smp_wmb(); WRITE_ONCE(*y, 1); }
P1(int *x, int *y) { int r0 = READ_ONCE(*y); smp_rmb(); int r1 = READ_ONCE(*x); }
exists (1:r0=1 /\\ 1:r1=0)
"""

# r0's value is written to z, which P2 reads: r0's choice is not free
COPY = """C copy
{}
P0(int *x, int *y, int *z) { int r0 = READ_ONCE(*x); WRITE_ONCE(*z, r0); }
P1(int *x) { WRITE_ONCE(*x, 1); }
P2(int *z, int *y) { int r1 = READ_ONCE(*z); int r2 = READ_ONCE(*y); }
P3(int *y) { WRITE_ONCE(*y, 2); }
exists (2:r1=1)
"""


def refinement(checker, text: str, filtered: bool = True) -> Refinement:
    test = parse_test_text(text.encode(), "t.litmus")
    prog = checker.lower(test, "lkmm")
    ref = Refinement(prog, checker.evaluator("lkmm"), observed=observed_addresses(test, prog))
    if filtered and test.filter is not None:
        ref.restrict(lambda enc: prop_term(enc, test, test.filter))
    return ref


def read_names(ref: Refinement) -> set[tuple[int, int]]:
    """The free reads as (thread, index of the read in its thread)."""
    events = ref.program.events

    def index(r: int) -> int:
        return [e.eid for e in events if e.kind == "R" and e.thread == events[r].thread].index(r)
    return {(events[r].thread, index(r)) for r in ref.free_choices().reads}


def executions(ref: Refinement, expand: bool) -> list[tuple]:
    allowed, complete = allowed_executions(ref, expand=expand)
    assert complete
    return sorted((tuple(sorted(a.candidate.rf.items())),
                   tuple(sorted((k, tuple(v)) for k, v in a.candidate.co.items())),
                   tuple(a.candidate.branches), tuple(sorted(a.flags))) for a in allowed)


def test_reads_of_constant_writes_are_free(checker):
    assert read_names(refinement(checker, MP)) == {(1, 0), (1, 1)}


def test_a_read_whose_value_another_read_sees_is_not_free(checker):
    # P0's read feeds z's write, which P2 reads; P2's reads are free
    assert read_names(refinement(checker, COPY)) == {(2, 1)}


def test_a_filter_on_a_read_makes_it_bound(checker):
    text = MP.replace("exists", "filter (1:r0=1)\nexists")
    assert read_names(refinement(checker, text)) == {(1, 1)}
    assert read_names(refinement(checker, text, filtered=False)) == {(1, 0), (1, 1)}


# two writers to each of x and y, nothing reads: both coherence orders are free
WW = """C 2+2W-like
{}
P0(int *x, int *y) { WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 2); }
P1(int *x, int *y) { WRITE_ONCE(*y, 1); smp_wmb(); WRITE_ONCE(*x, 2); }
P2(int *x) { WRITE_ONCE(*x, 3); }
exists (x=1 /\\ y=1)
"""


def test_coherence_orders_of_unconditional_writes_are_free(checker):
    ref = refinement(checker, WW)
    assert sorted(len(ws) for ws in ref.free_choices().orders.values()) == [2, 3]
    assert ref.free_choices().reads == {}
    assert len(executions(ref, expand=True)) == len(executions(refinement(checker, WW), expand=False))
    assert ref.solutions < ref.proposed


def test_a_filter_on_final_memory_binds_its_order(checker):
    ref = refinement(checker, WW.replace("exists", "filter (y=2)\nexists"))
    assert sorted(len(ws) for ws in ref.free_choices().orders.values()) == [3]


def test_listing_expands_a_solution_into_its_free_choices(checker):
    ref = refinement(checker, MP)
    assert len(executions(ref, expand=True)) == 3
    assert ref.solutions < ref.proposed   # fewer solver answers than executions


SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(shapes(rich=True, copies=True), st.data())
def test_expanded_listing_equals_the_solvers(checker, shape, data):
    condition = data.draw(conditions(shape))
    if data.draw(st.booleans()):   # a filter too: the reads it names are bound
        condition = "filter " + data.draw(conditions(shape)).split(" ", 1)[1] + "\n" + condition
    text = shape.text(condition=condition)
    assert executions(refinement(checker, text), True) == executions(refinement(checker, text), False)


def _xchg_lock_thread(i: int) -> str:
    a, b = f"x{i}", f"x{(i + 1) % 3}"
    return (f"P{i}(int *sl, int *{a}, int *{b}) {{ int r2 = xchg_acquire(sl, 1); WRITE_ONCE(*{a}, 1);"
            f" int r1 = READ_ONCE(*{b}); smp_store_release(sl, 0); }}\n")


XCHG_LOCKS = "C xchg-locks\n{}\n" + "".join(_xchg_lock_thread(i) for i in range(3)) + \
    "exists (0:r1=0 /\\ 1:r1=0 /\\ 2:r1=0)\n"


def test_expansion_stops_where_the_model_refutes_most_choices(checker):
    # the xchg reads are free, but atomicity refutes most of their choices:
    # enumerating all 7^3 * 2^3 of them per solution took 255,192 checks
    ref = refinement(checker, XCHG_LOCKS)
    assert len(ref.free_choices().reads) == 6
    executions(ref, expand=True)
    assert ref.proposed < 2000
    assert 2 * ref.expanded_refuted > ref.expanded


@SETTINGS
@given(shapes(rich=True, copies=True), st.data())
def test_expanded_state_listing_equals_the_solvers(checker, shape, data):
    text = shape.text(condition=data.draw(conditions(shape)))
    test = parse_test_text(text.encode(), "t.litmus")
    locs = observed_locations(test)

    def states(expand: bool) -> list:
        ref = refinement(checker, text)
        found = allowed_states(ref, test, ref.program, locs, expand=expand)
        return sorted(FinalState(test, ref.program, a.candidate).state(locs) for a in found)
    with_free, without = states(True), states(False)
    assert with_free == without
    assert len(set(with_free)) == len(with_free)   # one execution per state
