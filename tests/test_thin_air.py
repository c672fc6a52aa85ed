"""Out-of-thin-air values: symbolic, equal to no constant (as herd7 treats them)."""
from __future__ import annotations

import pytest

from memcheck.checker import parse_test_text, read_test
from memcheck.corpus.herd_tsv import canonical_herd_states, canonical_states, read_herd_tsv

# Each thread copies what it reads into the other's variable: the values of
# the rf cycle are fixed by nothing.
LB_COPY = """C LB+copy
{}
P0(int *x, int *y)
{
	int r1 = READ_ONCE(*x);
	WRITE_ONCE(*y, r1);
}
P1(int *x, int *y)
{
	int r1 = READ_ONCE(*y);
	WRITE_ONCE(*x, r1);
}
exists (%s)
"""


def judge(checker, text: str, verdict_only: bool = False):
    test = parse_test_text(text.encode(), "<test>")
    return checker.judge(test, "lkmm", verdict_only=verdict_only).verdict


@pytest.mark.parametrize("verdict_only", [False, True])
@pytest.mark.parametrize("condition, expected", [
    ("0:r1=42", "Never"),            # no constant is out of thin air
    ("0:r1=0 /\\ 1:r1=0", "Always"),  # every allowed execution reads the initial 0
    ("~0:r1=0", "Never"),            # LKMM orders the cycle: no thin air here
])
def test_no_constant_comes_out_of_thin_air(checker, condition, expected, verdict_only):
    assert judge(checker, LB_COPY % condition, verdict_only).observation == expected


PLAIN_COPY = LB_COPY.replace("READ_ONCE(*x)", "*x").replace("READ_ONCE(*y)", "*y") \
    .replace("WRITE_ONCE(*y, r1)", "*y = r1").replace("WRITE_ONCE(*x, r1)", "*x = r1")


@pytest.mark.parametrize("verdict_only", [False, True])
def test_plain_cycle_has_a_symbolic_value(checker, verdict_only):
    # plain accesses do not order the cycle: the execution exists, its value is unknown
    assert judge(checker, PLAIN_COPY % "0:r1=42", verdict_only).observation == "Never"
    v = judge(checker, PLAIN_COPY % "~0:r1=0 /\\ ~1:r1=0", verdict_only)
    assert v.observation == "Sometimes"
    if not verdict_only:
        symbolic = [s for s in v.states if isinstance(dict(s)["0:r1"], str)]
        assert len(symbolic) == 1
        # both registers hold the one unknown of the cycle
        assert dict(symbolic[0])["0:r1"] == dict(symbolic[0])["1:r1"]
        assert dict(symbolic[0])["0:r1"].startswith("S")


def test_constant_store_in_a_cycle_is_determined(checker):
    # a write of a constant grounds the reads that see it, even on a flow cycle
    text = PLAIN_COPY.replace("*x = r1", "*x = r1;\n\t*x = 5") % "0:r1=5"
    assert judge(checker, text).observation == "Sometimes"
    assert judge(checker, text, verdict_only=True).observation == "Sometimes"


def test_herd7_oota_corpus_states(checker, lkmm_corpus):
    herd = read_herd_tsv(lkmm_corpus / "herd7.tsv")
    rows = [r for f, r in herd.items() if r.judged and ("/oota/" in f or f.endswith("/C-OOTA.litmus"))]
    assert rows
    for r in rows:
        test = read_test(lkmm_corpus / r.file)
        v = checker.judge(test, "lkmm").verdict
        assert v.observation == r.verdict, r.file
        assert canonical_states(v) == canonical_herd_states(r.states), r.file
        assert checker.judge(test, "lkmm", verdict_only=True).verdict.observation == r.verdict, r.file


def test_a_value_chosen_by_a_branch_is_determined(checker):
    """Which leg of an `if` ran is the execution's choice, whatever its
    condition read: the value each leg stores is a constant (herd7: Sometimes)."""
    text = """C ctrl-cycle
{}
P0(int *x, int *y)
{
	int r1;
	r1 = 1;
	if (READ_ONCE(*x) == 0)
		r1 = 0;
	WRITE_ONCE(*y, r1);
}
P1(int *x, int *y)
{
	int r2;
	r2 = READ_ONCE(*y);
	WRITE_ONCE(*x, r2);
}
exists (0:r1=1)
"""
    assert judge(checker, text).observation == "Sometimes"
    assert judge(checker, text, verdict_only=True).observation == "Sometimes"


# P1's second read may read P1's own later write (a model without axioms
# allows it): that value is out of thin air, and so is P0's, which reads it.
FED_BY_A_CYCLE = """C fed-by-a-cycle
{}
P0(int *x)
{
	int r0 = READ_ONCE(*x);
}
P1(int *x)
{
	if (READ_ONCE(*x) == 0) WRITE_ONCE(*x, READ_ONCE(*x));
}
exists (0:r0=%s)
"""


def test_a_value_a_cycle_feeds_is_out_of_thin_air(checker, no_axioms):
    for value in (0, 1, 7):
        test = parse_test_text((FED_BY_A_CYCLE % value).encode(), "<test>")
        full = checker.judge(test, no_axioms).verdict
        quick = checker.judge(test, no_axioms, verdict_only=True).verdict
        symbols = [v for state in full.states for _, v in state if isinstance(v, str)]
        assert symbols and all(v.startswith("S") for v in symbols)   # shown as a symbol, never a number
        # whatever value the solver gives the symbol, the condition does not hold of it
        assert full.negative >= 1
        expected = "Sometimes" if value == 0 else "Never"
        assert quick.observation == full.observation == expected
