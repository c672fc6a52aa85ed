"""RISC-V end to end: the RISCV instructions' events, RVWMO's rules one by
one, the kernel's RISC-V lowering and its variants, and `lower --arch riscv`.

The expected verdicts of the assembly tests below are herd7 7.58's under its
riscv.cat (run once, when they were written); memcheck's models/riscv.cat
is written from the ISA manual's RVWMO chapter.
"""
from __future__ import annotations

import random
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import judge_text
from strategies import RICH_FENCES, shapes
from memcheck.checker import Checker, parse_test_text
from memcheck.cli import main
from memcheck.errors import MemcheckError
from memcheck.litmus.parse_asm import parse_asm_litmus
from memcheck.lower.asm import lower_asm
from memcheck.lower.hardware import arch_steps
from memcheck.lower.program import Program, VConst


def lower(text: str) -> Program:
    return lower_asm(parse_asm_litmus(text, "<test>"))


def events(p: Program, tid: int, kind: str = ""):
    return [e for e in p.events if e.thread == tid and (not kind or e.kind == kind)]


def pairs(rel) -> set[tuple[int, int]]:
    return {(a, b) for a, b, *_ in rel}


# ------------------------------------------------------------ instructions


def test_amo_is_a_read_and_a_write_both_carrying_the_annotation():
    p = lower("""RISCV t
{ 0:x6=x; }
 P0                        ;
 li x5,2                   ;
 amoadd.w.aqrl x7,x5,(x6)  ;
 amoswap.w.aq x8,x5,(x6)   ;
 amoor.d.rl x0,x5,0(x6)    ;
exists (0:x7=0)
""")
    r1, w1, r2, w2, r3, w3 = events(p, 0)
    assert [e.kind for e in (r1, w1, r2, w2, r3, w3)] == ["R", "W"] * 3
    assert r1.tags == w1.tags == {"Amo", "Acq", "Rel"}
    assert r2.tags == w2.tags == {"Amo", "Acq"}
    assert r3.tags == w3.tags == {"Amo", "Rel"}
    assert p.rmw == {(r1.eid, w1.eid), (r2.eid, w2.eid), (r3.eid, w3.eid)}
    assert p.registers[0]["x7"] == r1.value and p.registers[0]["t2"] == r1.value  # ABI alias


def test_lr_rl_and_sc_aq_annotate_nothing_as_the_chapter_says():
    p = lower("""RISCV t
{ 0:x6=x; }
 P0                  ;
 lr.w.rl x5,(x6)     ;
 sc.w.aq x7,x5,(x6)  ;
 lr.w.aqrl x5,(x6)   ;
 sc.w.rl x7,x5,(x6)  ;
exists (0:x7=0)
""")
    r1, w1, r2, w2 = (e for e in events(p, 0) if e.kind in "RW")
    assert r1.tags == w1.tags == {"Exclusive"}
    assert r2.tags == {"Exclusive", "Acq", "Rel"} and w2.tags == {"Exclusive", "Rel"}
    assert p.rmw == {(r1.eid, w1.eid), (r2.eid, w2.eid)}


def test_sc_status_depends_on_the_sc_and_a_branch_on_it_is_a_control_dependency():
    p = lower("""RISCV t
{ 0:x6=x; 0:x8=y; }
 P0                 ;
 lr.w x5,(x6)       ;
 sc.w x7,x5,(x6)    ;
 bne x7,x0,L0       ;
 L0:                ;
 li x9,1            ;
 sw x9,0(x8)        ;
exists (0:x7=0)
""")
    r, w_sc, w_y = events(p, 0, "R") + events(p, 0, "W")
    assert (w_sc.eid, w_y.eid) in pairs(p.ctrl)
    assert (r.eid, w_y.eid) not in pairs(p.ctrl)


def test_fences_are_tagged_by_their_main_memory_sets():
    p = lower("""RISCV t
{ }
 P0              ;
 fence rw,rw     ;
 fence r,w       ;
 fence iorw,ow   ;
 fence           ;
 fence.tso       ;
 fence.i         ;
 fence i,o       ;
exists (x=0)
""")
    assert [set(e.tags) for e in events(p, 0)] == [
        {"Fence.rw.rw"}, {"Fence.r.w"}, {"Fence.rw.w"}, {"Fence.rw.rw"}, {"Fence.tso"}, {"Fence.i"},
        {"Fence.io"}]


def test_registers_carry_addr_data_and_ctrl_and_x0_carries_nothing():
    p = lower("""RISCV t
{ 0:x6=x; 0:x8=y; }
 P0             ;
 lw x5,0(x6)    ;
 xor x7,x5,x5   ;
 add x9,x8,x7   ;
 lw x10,0(x9)   ;
 sw x10,0(x6)   ;
 ori x11,x0,1   ;
 sw x11,0(x8)   ;
 beq x5,x0,L0   ;
 L0:            ;
 sw x0,0(x8)    ;
exists (0:x5=1)
""")
    r0, r1 = events(p, 0, "R")
    w0, w1, w2 = events(p, 0, "W")
    assert pairs(p.addr) == {(r0.eid, r1.eid)}
    assert r1.addr == VConst(p.locations["y"])  # x ^ x folds to 0, the dependency stays
    assert pairs(p.data) == {(r1.eid, w0.eid)}
    assert pairs(p.ctrl) == {(r0.eid, w2.eid)}
    assert w2.value == VConst(0)


@pytest.mark.parametrize("text, words", [
    (" sw x5,0(x6) ;\n beq x5,x0,L9 ;", "unknown label"),
    (" amoswap.w.xx x5,x6,(x7) ;", "unsupported RISCV instruction"),
    (" lw.rl x5,0(x6) ;", "unsupported RISCV instruction"),
    (" addi x5,x6,x7 ;", "takes an immediate"),
    (" fence rw ;", "both its predecessor and successor"),
    (" L0: ;\n lw x5,0(x6) ;\n bne x5,x0,L0 ;", "backward branch"),
])
def test_bad_instructions_are_errors_with_positions(text, words):
    with pytest.raises(MemcheckError) as info:
        lower(f"RISCV t\n{{ 0:x6=x; }}\n P0 ;\n{text}\nexists (x=0)\n")
    assert words in info.value.message and info.value.line >= 4


# ------------------------------------------------------------- the model

def _sb(*rows: str) -> str:
    """SB: both threads store 1 to their first variable, then `rows` (the
    same on both), then load the other variable into x7."""
    body = "".join(f" {r} | {r} ;\n" for r in rows)
    return f"""RISCV SB
{{ 0:x6=x; 0:x8=y; 1:x6=y; 1:x8=x; }}
 P0 | P1 ;
 li x5,1 | li x5,1 ;
{body}exists (0:x7=0 /\\ 1:x7=0)
"""


def _mp(writer: str, reader: str) -> str:
    """MP: P0 writes x then y (`writer` between), P1 reads y into x5 then x into x7."""
    return f"""RISCV MP
{{ 0:x6=x; 0:x8=y; 1:x6=y; 1:x8=x; }}
 P0 | P1 ;
 li x5,1 | lw x5,0(x6) ;
 sw x5,0(x6) | {reader} ;
 {writer} | lw x7,0(x8) ;
 sw x5,0(x8) | ;
exists (1:x5=1 /\\ 1:x7=0)
"""


RULES = {
    # rule 4: FENCE sets; FENCE.TSO orders all but a store before a load
    "SB+fence.rw.rw": (_sb("sw x5,0(x6)", "fence rw,rw", "lw x7,0(x8)"), "Never"),
    "SB+fence.w.r": (_sb("sw x5,0(x6)", "fence w,r", "lw x7,0(x8)"), "Never"),
    "SB+fence.w.w": (_sb("sw x5,0(x6)", "fence w,w", "lw x7,0(x8)"), "Sometimes"),
    "SB+fence": (_sb("sw x5,0(x6)", "fence", "lw x7,0(x8)"), "Never"),
    "SB+fence.iorw.iorw": (_sb("sw x5,0(x6)", "fence iorw,iorw", "lw x7,0(x8)"), "Never"),
    "SB+fence.tso": (_sb("sw x5,0(x6)", "fence.tso", "lw x7,0(x8)"), "Sometimes"),
    "MP+fence.tso": (_mp("fence.tso", "fence.tso"), "Never"),
    "MP+fence.w.w+fence.r.r": (_mp("fence w,w", "fence r,r"), "Never"),
    "MP+fence.w.w+fence.r.w": (_mp("fence w,w", "fence r,w"), "Sometimes"),
    "MP+fence.w.w+fence.i": (_mp("fence w,w", "fence.i"), "Sometimes"),
    # rules 5-7: lw.aq/sw.rl are RCpc (a release then an acquire stay unordered),
    # annotated AMOs and LR/SC are RCsc
    "SB+sw.rl+lw.aq": (_sb("sw.rl x5,0(x6)", "lw.aq x7,0(x8)"), "Sometimes"),
    "SB+amoswap.rl+lr.aq": (_sb("amoswap.w.rl x0,x5,(x6)", "lr.w.aq x7,(x8)"), "Never"),
    "MP+sw.rl+lw.aq": (_mp("nop", "nop").replace("sw x5,0(x8)", "sw.rl x5,0(x8)")
                       .replace("lw x5,0(x6)", "lw.aq x5,0(x6)"), "Never"),
    "MP+fence.w.w+lr.rl": (_mp("fence w,w", "nop").replace("lw x5,0(x6)", "lr.w.rl x5,(x6)"), "Sometimes"),
    "MP+fence.w.w+lr.aq": (_mp("fence w,w", "nop").replace("lw x5,0(x6)", "lr.w.aq x5,(x6)"), "Never"),
}

# rule 3: a load reading its own AMO's store waits for it; from a plain store it need not
RULE3 = """RISCV MP+rule3
{ 0:x6=x; 0:x8=y; 1:x6=y; 1:x8=x; 1:x10=z; }
 P0          | P1                     ;
 li x5,1     | lw x5,0(x6)            ;
 sw x5,0(x6) | fence r,w              ;
 fence w,w   | li x13,1               ;
 sw x5,0(x8) | STORE                  ;
             | lw x9,0(x10)           ;
             | xor x11,x9,x9          ;
             | add x12,x8,x11         ;
             | lw x7,0(x12)           ;
exists (1:x5=1 /\\ 1:x9=1 /\\ 1:x7=0)
"""
RULES["MP+rule3-amo"] = (RULE3.replace("STORE", "amoswap.w x0,x13,(x10)"), "Never")
RULES["MP+rule3-plain"] = (RULE3.replace("STORE", "sw x13,0(x10)"), "Sometimes")
# rule 12: a load reading a store whose data depends on an earlier load
RULES["MP+rule12"] = ("""RISCV MP+rule12
{ 0:x6=x; 0:x8=y; 1:x6=y; 1:x8=z; 1:x10=x; }
 P0          | P1             ;
 li x5,1     | lw x5,0(x6)    ;
 sw x5,0(x6) | sw x5,0(x8)    ;
 fence w,w   | lw x7,0(x8)    ;
 sw x5,0(x8) | xor x9,x7,x7   ;
             | add x11,x10,x9 ;
             | lw x12,0(x11)  ;
exists (1:x5=1 /\\ 1:x7=1 /\\ 1:x12=0)
""", "Never")
# rule 13: a store after a load whose address depends on an earlier load
RULES["LB+rule13"] = ("""RISCV LB+rule13
{ 0:x6=x; 0:x8=y; 0:x10=z; 1:x6=y; 1:x8=x; }
 P0             | P1          ;
 lw x5,0(x6)    | lw x5,0(x6) ;
 xor x7,x5,x5   | fence r,w   ;
 add x11,x10,x7 | li x7,1     ;
 lw x12,0(x11)  | sw x7,0(x8) ;
 li x9,1        |             ;
 sw x9,0(x8)    |             ;
exists (0:x5=1 /\\ 1:x5=1)
""", "Never")
# rule 11 through an SC's status: the retry branch orders the SC before later stores
RULES["2+2W+sc-ctrl"] = ("""RISCV SCctrl
{ 0:x6=x; 0:x8=y; 1:x6=y; 1:x7=x; }
 P0                | P1          ;
 ori x5,x0,2       | ori x5,x0,2 ;
 lr.w x9,0(x6)     | sw x5,0(x6) ;
 sc.w x10,x5,0(x6) | fence rw,rw ;
 bne x10,x0,L0     | ori x8,x0,1 ;
 L0:               | sw x8,0(x7) ;
 ori x7,x0,1       |             ;
 sw x7,0(x8)       |             ;
exists ([x]=2 /\\ [y]=2 /\\ 0:x10=0)
""", "Never")
# AMO arithmetic and atomicity
RULES["amoadd+amoor"] = ("""RISCV AMOADD
{ 0:x6=x; 1:x6=x; }
 P0                  | P1                    ;
 li x5,2             | li x5,5               ;
 amoadd.w x7,x5,(x6) | amoor.w.aq x7,x5,(x6) ;
exists ([x]=7 /\\ 0:x7=0)
""", "Sometimes")
RULES["amomax+amoxor"] = ("""RISCV AMOMAX
{ x=3; 0:x6=x; 1:x6=x; }
 P0                  | P1                  ;
 li x5,2             | li x5,5             ;
 amomax.w x7,x5,(x6) | amoxor.w x7,x5,(x6) ;
exists ([x]=6)
""", "Always")


@pytest.mark.parametrize("name", sorted(RULES))
def test_rvwmo_rules_as_herd7_judges_them(checker, name):
    text, verdict = RULES[name]
    assert judge_text(checker, text, "riscv").observation == verdict


# ------------------------------------------------------ the kernel lowering

TABLES = resources.files("memcheck.lower").joinpath("tables")


def test_every_row_names_the_kernel_macro_it_comes_from():
    """Each step row of riscv.toml carries a comment naming its source, or
    sits under a comment block naming it."""
    lines = TABLES.joinpath("riscv.toml").read_text().splitlines()
    rows = [i for i, l in enumerate(lines) if re.match(r'^"[\w.-]+" = \[', l)]
    assert rows
    for i in rows:
        assert "#" in lines[i] or lines[i - 1].startswith("#"), lines[i]


def test_the_tables_cover_every_builtin_of_the_other_architectures():
    riscv = set(arch_steps("riscv"))
    for arch in ("x86", "arm64", "power"):
        assert set(arch_steps(arch)) <= riscv, arch
    asm = tomllib.loads(TABLES.joinpath("riscv.asm.toml").read_text())
    arm = tomllib.loads(TABLES.joinpath("arm64.asm.toml").read_text())
    assert set(arm["steps"]) <= set(asm["steps"])


@pytest.mark.parametrize("kernel, atomics, variant", [
    ("current", "amo", ""), ("current", "lse", ""), ("current", "llsc", "llsc"),
    ("6.6", "amo", "ticket"), ("6.6", "llsc", "llsc+ticket")])
def test_options_select_the_variants(kernel, atomics, variant):
    assert Checker(kernel=kernel, atomics=atomics).lowering_variant("riscv") == variant
    arch_steps("riscv", variant)  # every combination exists


def test_no_riscv_for_a_kernel_older_than_the_port():
    with pytest.raises(MemcheckError, match="v4.15"):
        Checker(kernel="4.14").lowering_variant("riscv")


C_HEAD = "C t\n{}\n"


def _judge(text, kernel="current", atomics="amo", model="riscv"):
    return judge_text(Checker(kernel=kernel, atomics=atomics), text, model).observation


SEQCOUNT = C_HEAD + """P0(int *seq, int *vma)
{
\tWRITE_ONCE(*seq, 1);
\tsmp_wmb();
\tWRITE_ONCE(*vma, 1);
}
P1(int *seq, int *vma, spinlock_t *ptl)
{
\tint r0; int r1;
\tr0 = READ_ONCE(*vma);
\t%s
\tspin_lock(ptl);
\tr1 = READ_ONCE(*seq);
\tspin_unlock(ptl);
}
exists (1:r0=1 /\\ 1:r1=0)
"""


@pytest.mark.parametrize("kernel", ["current", "6.6"])
def test_the_lock_orders_earlier_reads_on_riscv_and_not_on_arm64(kernel):
    """The queued lock's trailing `fence r,rw` (and the ticket lock's
    amoadd.w.aqrl) orders every earlier read: a seqcount re-check inside the
    lock needs no smp_rmb() on RISC-V; it does on ARMv8 and POWER."""
    assert _judge(SEQCOUNT % "", kernel) == "Never"
    assert _judge(SEQCOUNT % "", model="arm64") == "Sometimes"
    assert _judge(SEQCOUNT % "", model="power") == "Sometimes"
    assert _judge(SEQCOUNT % "smp_rmb();", model="arm64") == "Never"


STORE_BEFORE_LOCK = C_HEAD + """P0(int *vma, int *pte, spinlock_t *ptl)
{
\tWRITE_ONCE(*vma, 1);
\t%s
\tspin_lock(ptl);
\tWRITE_ONCE(*pte, 1);
\tspin_unlock(ptl);
}
P1(int *vma, int *pte)
{
\tint r0; int r1;
\tr0 = READ_ONCE(*pte);
\tsmp_rmb();
\tr1 = READ_ONCE(*vma);
}
exists (1:r0=1 /\\ 1:r1=0)
"""


@pytest.mark.parametrize("atomics", ["amo", "llsc"])
def test_queued_lock_needs_the_write_barrier_the_ticket_lock_does_not(atomics):
    assert _judge(STORE_BEFORE_LOCK % "", atomics=atomics) == "Sometimes"
    assert _judge(STORE_BEFORE_LOCK % "smp_wmb__before_spin_lock();", atomics=atomics) == "Never"
    assert _judge(STORE_BEFORE_LOCK % "", "6.6", atomics) == "Never"  # amoadd.w.aqrl: fully ordered


SB_RMW = C_HEAD + """P0(int *x, int *y)
{
\tint r0; int r1;
\tr0 = %s;
\tr1 = READ_ONCE(*y);
}
P1(int *x, int *y)
{
\tint r0; int r1;
\tr0 = %s;
\tr1 = READ_ONCE(*x);
}
exists (0:r1=0 /\\ 1:r1=0)
"""


@pytest.mark.parametrize("rmw, amo, llsc", [
    ("xchg(x, 1)", "Never", "Never"), ("xchg_relaxed(x, 1)", "Sometimes", "Sometimes"),
    # amoswap.w; fence r,rw orders the whole AMO, its store too; after an SC
    # the acquire fence orders only the LR
    ("xchg_acquire(x, 1)", "Never", "Sometimes"), ("xchg_release(x, 1)", "Sometimes", "Sometimes"),
    ("atomic_add_return(1, x)", "Never", "Never"),
    ("atomic_fetch_add_relaxed(1, x)", "Sometimes", "Sometimes"), ("cmpxchg(x, 0, 1)", "Never", "Never"),
    ("cmpxchg_acquire(x, 0, 1)", "Sometimes", "Sometimes"),
    ("cmpxchg_relaxed(x, 0, 1)", "Sometimes", "Sometimes")])
def test_rmw_ordering_variants_in_store_buffering(rmw, amo, llsc):
    """Verdicts herd7 gives the `lower --arch riscv` print of each test."""
    text = SB_RMW % (rmw, rmw.replace("x,", "y,").replace("(1, x)", "(1, y)"))
    assert _judge(text, atomics="amo") == amo
    assert _judge(text, atomics="llsc") == llsc


@pytest.mark.parametrize("old, verdict", [("5", "Sometimes"), ("0", "Never")])
def test_a_failed_cmpxchg_skips_its_trailing_fence(old, verdict):
    """The fully ordered cmpxchg orders nothing when it fails: its `bne`
    jumps past the SC and the `fence rw,rw` (y is never 5)."""
    text = C_HEAD + """P0(int *x, int *y, int *z)
{
\tint r0; int r1;
\tWRITE_ONCE(*x, 1);
\tr0 = cmpxchg(y, %s, 6);
\tr1 = READ_ONCE(*z);
}
P1(int *x, int *z)
{
\tint r0;
\tWRITE_ONCE(*z, 1);
\tsmp_mb();
\tr0 = READ_ONCE(*x);
}
exists (0:r1=0 /\\ 1:r0=0)
""" % old
    assert _judge(text) == verdict


# ---------------------------------------------------------- lower --arch riscv

MP_LOCK = C_HEAD + """P0(int *x, int *y, spinlock_t *s)
{
\tWRITE_ONCE(*x, 1);
\tspin_lock(s);
\tWRITE_ONCE(*y, 1);
\tspin_unlock(s);
}
P1(int *x, int *y)
{
\tint r0; int r1;
\tr0 = READ_ONCE(*y);
\tsmp_rmb();
\tr1 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 1:r1=0)
"""


@pytest.mark.parametrize("options, lock, verdict", [
    ([], "lr.w", "Sometimes"), (["--kernel", "6.6"], "amoadd.w.aqrl", "Never"),
    (["--atomics", "llsc", "--kernel", "6.6"], "amoadd.w.aqrl", "Never")])
def test_lower_prints_the_lock_and_judges_like_the_c_test(tmp_path, options, lock, verdict):
    path = tmp_path / "t.litmus"
    path.write_text(MP_LOCK)
    run = CliRunner().invoke(main, ["lower", "--arch", "riscv", *options, str(path)])
    assert run.exit_code == 0, run.output
    assert run.output.startswith("RISCV t\n") and lock in run.output and "fence r,r" in run.output
    asm = parse_asm_litmus(run.output, "lowered")
    assert Checker().judge(asm, "riscv").verdict.observation == verdict


def test_lower_for_4_14_is_an_error_with_a_position(tmp_path):
    path = tmp_path / "t.litmus"
    path.write_text(MP_LOCK)
    run = CliRunner().invoke(main, ["lower", "--arch", "riscv", "--kernel", "4.14", str(path)])
    assert run.exit_code == 1 and "v4.15" in run.output


def test_the_riscv_column_of_model_all(tmp_path):
    path = tmp_path / "t.litmus"
    path.write_text(MP_LOCK)
    run = CliRunner().invoke(main, ["run", "--model", "all", "--json", str(path)])
    assert run.exit_code == 0, run.output
    got = {r["model"]: r["verdict"] for r in map(__import__("json").loads, run.output.splitlines())}
    assert got["riscv"] == "Sometimes" and got["x86"] == "Never"


def test_asm_tests_of_riscv_are_judged_under_riscv(checker):
    test = parse_test_text(RULES["SB+fence.tso"][0].encode(), "<t>")
    assert checker.models_for(test, ["lkmm", "x86", "riscv"]) == ["riscv"]
    assert checker.judge(test, "lkmm").verdict.model == "riscv"


# -------------------------------------------------------------- properties

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    database=None)


def _states(checker, text, model):
    return set(checker.judge(parse_test_text(text.encode(), "<gen>"), model).verdict.states)


@PROPERTY
@given(shapes(rich=True, copies=True))
def test_riscv_allows_no_state_the_lkmm_forbids(checker, shape):
    text = shape.text()
    assert _states(checker, text, "riscv") <= _states(checker, text, "lkmm")


@PROPERTY
@given(shapes(rich=True, copies=True))
def test_sc_and_x86_allow_nothing_riscv_forbids(checker, shape):
    text = shape.text()
    riscv = _states(checker, text, "riscv")
    assert _states(checker, text, "sc") <= riscv
    assert _states(checker, text, "x86") <= riscv


@PROPERTY
@given(shapes(rich=True), st.data())
def test_a_fence_never_adds_a_riscv_state(checker, shape, data):
    thread = data.draw(st.integers(0, len(shape.threads) - 1))
    index = data.draw(st.integers(0, len(shape.threads[thread])))
    fence = data.draw(st.sampled_from(RICH_FENCES[:6]))
    before = _states(checker, shape.text(), "riscv")
    assert _states(checker, shape.with_fence(thread, index, fence).text(), "riscv") <= before


VARIANTS = {(kernel, atomics): Checker(kernel=kernel, atomics=atomics)
            for kernel, atomics in (("6.6", "amo"), ("current", "llsc"))}


@PROPERTY
@given(shapes(rich=True, copies=True))
def test_the_ticket_lock_and_llsc_variants_stay_within_the_lkmm(checker, shape):
    text = shape.text()
    lkmm = _states(checker, text, "lkmm")
    for key, variant in VARIANTS.items():
        assert _states(variant, text, "riscv") <= lkmm, key


# the same inclusions over a fixed seeded sample of the shared corpus's C tests
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "lkmm"
NO_HARDWARE = re.compile(r"\b(synchronize_rcu\w*|srcu_\w*|synchronize_srcu\w*)\s*\(")


def _corpus_sample(n: int = 40) -> list[Path]:
    if not CORPUS.is_dir():
        return []
    tests = [p for p in sorted(CORPUS.rglob("*.litmus"))
             if p.read_text(errors="replace").lstrip().startswith("C ")
             and not NO_HARDWARE.search(p.read_text(errors="replace"))]
    return sorted(random.Random(1212).sample(tests, min(n, len(tests))))


SAMPLE = _corpus_sample()


@pytest.mark.skipif(not SAMPLE, reason="shared corpus absent")
@pytest.mark.parametrize("path", SAMPLE, ids=[str(p.relative_to(p.parents[1])) for p in SAMPLE])
def test_corpus_inclusions(checker, path):
    from memcheck.checker import read_test
    test = read_test(path)
    states = {m: set(checker.judge(test, m, timeout=120, max_executions=None).verdict.states)
              for m in ("lkmm", "sc", "x86", "riscv")}
    assert states["riscv"] <= states["lkmm"]
    assert states["sc"] <= states["riscv"]
    assert states["x86"] <= states["riscv"]
