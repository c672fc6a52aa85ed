"""Assembly tests under the hardware models: lowering, classic shapes, herd7.

Three parts: the lowering of X86, AArch64 and PPC instructions to events
(dependencies, rmw pairs, branches, tags) checked without the engine; the
classic litmus shapes each model must allow or forbid; and agreement with
herd7's verdicts and final states on a fixed seeded sample of the shared
assembly corpus (skipped when ../shared/corpus/arch is absent).
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from helpers import judge_text, states_as_dicts
from memcheck.checker import parse_test_text, read_test
from memcheck.corpus.herd_tsv import canonical_herd_states, canonical_states, read_herd_tsv
from memcheck.errors import MemcheckError
from memcheck.litmus.parse_asm import parse_asm_litmus
from memcheck.lower.asm import lower_asm
from memcheck.lower.program import Program, VConst

ARCH_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arch"
ARCH_MODELS = {"X86": "x86", "AArch64": "arm64", "PPC": "power", "RISCV": "riscv"}
SAMPLE_PER_ARCH = 60


def lower(text: str) -> Program:
    return lower_asm(parse_asm_litmus(text, "<test>"))


def thread_events(p: Program, tid: int, kind: str = ""):
    return [e for e in p.events if e.thread == tid and (not kind or e.kind == kind)]


def pairs(rel) -> set[tuple[int, int]]:
    return {(a, b) for a, b, *_ in rel}


# ------------------------------------------------------------------ lowering


def test_x86_xchg_is_a_locked_rmw_and_mfence_a_fence():
    p = lower("""X86 t
{ }
 P0           ;
 MOV EAX,$1   ;
 XCHG [x],EAX ;
 MFENCE       ;
 MOV EBX,[y]  ;
exists (0:EAX=0)
""")
    r, w, f, r2 = thread_events(p, 0)
    assert (r.kind, w.kind, f.kind, r2.kind) == ("R", "W", "F", "R")
    assert r.tags == w.tags == {"Locked"} and f.tags == {"Mfence"}
    assert p.rmw == {(r.eid, w.eid)}
    assert w.value == VConst(1)
    assert p.registers[0]["EAX"] == r.value  # EAX gets the old value
    assert set(p.locations) == {"x", "y"}


def test_arm64_registers_carry_addr_data_and_ctrl_dependencies():
    p = lower("""AArch64 t
{ 0:X1=x; 0:X3=y; 0:X5=z; }
 P0                  ;
 LDR W0,[X1]         ;
 EOR W2,W0,W0        ;
 LDR W4,[X3,W2,SXTW] ;
 STR W4,[X5]         ;
 CBNZ W0,L0          ;
 L0:                 ;
 MOV W6,#1           ;
 STR W6,[X1]         ;
exists (0:X0=1)
""")
    r0, r1, w0, w1 = thread_events(p, 0)
    assert pairs(p.addr) == {(r0.eid, r1.eid)}
    assert r1.addr == VConst(p.locations["y"])  # x ^ x folds to 0, the dependency stays
    assert pairs(p.data) == {(r1.eid, w0.eid)}
    assert pairs(p.ctrl) == {(r0.eid, w1.eid)}
    assert p.branches == []  # a branch over nothing needs no Branch
    assert p.registers[0]["W4"] == p.registers[0]["X4"] == r1.value


def test_arm64_skipped_instructions_are_guarded_and_registers_merged():
    p = lower("""AArch64 t
{ 0:X1=x; 0:X3=y; }
 P0          ;
 LDR W0,[X1] ;
 MOV W2,#7   ;
 CMP W0,#1   ;
 B.EQ over   ;
 LDR W2,[X3] ;
 over:       ;
 STR W2,[X1] ;
exists (0:X2=7)
""")
    assert len(p.branches) == 1
    r0, r1 = thread_events(p, 0, "R")
    (w,) = thread_events(p, 0, "W")
    assert r1.guard and not r1.guard[0].value  # runs when the branch is not taken
    assert w.guard == ()
    assert (r0.eid, w.eid) in pairs(p.ctrl)
    assert {(src, g) for src, dst, g in p.data if dst == w.eid} == {(r1.eid, r1.guard)}


def test_arm64_backward_branch_is_refused():
    with pytest.raises(MemcheckError, match="loop"):
        lower("""AArch64 t
{ 0:X1=x; }
 P0           ;
 top:         ;
 LDR W0,[X1]  ;
 CBZ W0,top   ;
exists (0:X0=1)
""")


def test_arm64_exclusives_pair_on_success_only():
    p = lower("""AArch64 t
{ 0:X1=x; }
 P0               ;
 MOV W3,#1        ;
 LDAXR W0,[X1]    ;
 STLXR W4,W3,[X1] ;
exists (0:X4=0)
""")
    (r,) = thread_events(p, 0, "R")
    (w,) = thread_events(p, 0, "W")
    assert r.tags == {"Exclusive", "Acq"} and w.tags == {"Exclusive", "Rel"}
    assert p.rmw == {(r.eid, w.eid)}
    (b,) = p.branches
    assert b.cond is None and w.guard[0].branch == b.index and w.guard[0].value
    assert "X4" in p.registers[0]  # the status: 0 on success, 1 on failure


def test_arm64_store_exclusive_without_load_exclusive_fails():
    p = lower("""AArch64 t
{ 0:X1=x; }
 P0              ;
 STXR W4,W3,[X1] ;
exists (0:X4=0)
""")
    assert thread_events(p, 0) == [] and p.registers[0]["X4"] == VConst(1)


def test_arm64_lse_atomics_tags():
    p = lower("""AArch64 t
{ 0:X1=x; }
 P0                 ;
 SWPAL W2,W3,[X1]   ;
 LDADD W2,WZR,[X1]  ;
 STSET W2,[X1]      ;
exists (0:X3=0)
""")
    ev = thread_events(p, 0)
    assert [e.tags for e in ev] == [{"Amo", "Acq"}, {"Amo", "Rel"}, {"Amo", "NoRet"}, {"Amo"},
                                    {"Amo", "NoRet"}, {"Amo"}]
    assert p.rmw == {(ev[0].eid, ev[1].eid), (ev[2].eid, ev[3].eid), (ev[4].eid, ev[5].eid)}


def test_arm64_csel_depends_by_pick_on_its_condition():
    p = lower("""AArch64 t
{ 0:X1=x; 0:X3=y; }
 P0               ;
 LDR W0,[X1]      ;
 CMP W0,#1        ;
 CSEL W2,W4,W5,EQ ;
 STR W2,[X3]      ;
exists (0:X0=1)
""")
    (r,) = thread_events(p, 0, "R")
    (x,) = [e for e in thread_events(p, 0, "X") if "Pick" in e.tags]
    (w,) = thread_events(p, 0, "W")
    assert (r.eid, x.eid) in pairs(p.data) and (x.eid, w.eid) in pairs(p.data)
    assert (r.eid, w.eid) not in pairs(p.data)


def test_ppc_lwarx_stwcx_and_beq_on_cr0():
    p = lower("""PPC t
{ 0:r2=x; 0:r4=y; }
 P0              ;
 li r3,1         ;
 lwarx r5,r0,r2  ;
 stwcx. r3,r0,r2 ;
 bne L0          ;
 stw r3,0(r4)    ;
 L0:             ;
exists (0:r5=0)
""")
    r, w, w2 = thread_events(p, 0)
    assert r.tags == w.tags == {"Exclusive"} and p.rmw == {(r.eid, w.eid)}
    assert len(p.branches) == 2 and w2.guard[-1].branch == 1  # stw only when bne is not taken
    assert p.ctrl == set()  # the success flag depends on no read


def test_symbolic_registers_and_unknown_instructions():
    p = lower("""PPC t
{ %x0=x; }
 P0             ;
 lwz r1,0(%x0)  ;
exists (0:r1=0)
""")
    (r,) = thread_events(p, 0)
    assert r.addr == VConst(p.locations["x"])
    with pytest.raises(MemcheckError, match="unsupported PPC instruction"):
        lower("PPC t\n{ }\n P0 ;\n frob r1 ;\nexists (0:r1=0)\n")


# ------------------------------------------------------------ classic shapes

X86_SB = """X86 SB{name}
{{ }}
 P0          | P1          ;
 MOV [x],$1  | MOV [y],$1  ;
 {f}         | {f}         ;
 MOV EAX,[y] | MOV EAX,[x] ;
exists (0:EAX=0 /\\ 1:EAX=0)
"""

X86_MP = """X86 MP
{ }
 P0         | P1          ;
 MOV [x],$1 | MOV EAX,[y] ;
 MOV [y],$1 | MOV EBX,[x] ;
exists (1:EAX=1 /\\ 1:EBX=0)
"""


@pytest.mark.parametrize("name, fence, verdict", [
    ("", "", "Sometimes"), ("+mfences", "MFENCE", "Never")])
def test_x86_store_buffering(checker, name, fence, verdict):
    v = judge_text(checker, X86_SB.format(name=name, f=fence), "x86")
    assert v.observation == verdict
    assert (v.positive, v.negative) == ((1, 3) if verdict == "Sometimes" else (0, 3))


def test_x86_store_buffering_with_xchg_is_forbidden(checker):
    text = """X86 SB+xchgs
{ }
 P0           | P1           ;
 MOV EAX,$1   | MOV EAX,$1   ;
 XCHG [x],EAX | XCHG [y],EAX ;
 MOV EBX,[y]  | MOV EBX,[x]  ;
exists (0:EBX=0 /\\ 1:EBX=0)
"""
    assert judge_text(checker, text, "x86").observation == "Never"


def test_x86_locked_halves_are_one_step_in_asm_tests_as_herd7_judges(checker):
    # herd7 (x86tso.cat) lets XCHG read a write that coherence orders after
    # its own: its read and write are not in program order.  The corpus's
    # final states need it; C tests keep the halves ordered (see x86tso.cat).
    text = """X86 xchg-late
{ }
 P0           | P1         ;
 MOV EAX,$2   | MOV [z],$1 ;
 XCHG [z],EAX |            ;
exists (0:EAX=1 /\\ z=1)
"""
    assert judge_text(checker, text, "x86").observation == "Sometimes"
    assert judge_text(checker, text, "sc").observation == "Never"


def test_x86_message_passing_is_forbidden(checker):
    v = judge_text(checker, X86_MP, "x86")
    assert v.observation == "Never"
    assert {"1:EAX": 1, "1:EBX": 0} not in states_as_dicts(v)


ARM_MP = """AArch64 MP{name}
{{ 0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x; }}
 P0          | P1          ;
 MOV W0,#1   | LDR W0,[X1] ;
 STR W0,[X1] | {r1}        ;
 {w}         | {r2}        ;
 MOV W2,#1   | {r3}        ;
 STR W2,[X3] |             ;
exists (1:X0=1 /\\ 1:X2=0)
"""


@pytest.mark.parametrize("name, w, reader, verdict", [
    ("", "NOP", ["NOP", "LDR W2,[X3]", "NOP"], "Sometimes"),
    ("+dmb.sy+addr", "DMB SY", ["EOR W4,W0,W0", "LDR W2,[X3,W4,SXTW]", "NOP"], "Never"),
    ("+dmb.sy+ctrl", "DMB SY", ["CBNZ W0,L0", "L0:", "LDR W2,[X3]"], "Sometimes"),
    ("+dmb.sy+ctrl-isb", "DMB SY", ["CBNZ W0,L0", "L0: ISB", "LDR W2,[X3]"], "Never"),
    ("+dmb.st+dmb.ld", "DMB ST", ["DMB LD", "LDR W2,[X3]", "NOP"], "Never"),
    ("+popl+poap", "NOP", ["NOP", "LDR W2,[X3]", "NOP"], "Never"),
])
def test_arm64_message_passing(checker, name, w, reader, verdict):
    text = ARM_MP.format(name=name, w=w, r1=reader[0], r2=reader[1], r3=reader[2])
    if name == "+popl+poap":
        text = text.replace(" STR W2,[X3]", "STLR W2,[X3]").replace("LDR W0,[X1]", "LDAR W0,[X1]")
    assert judge_text(checker, text, "arm64").observation == verdict


def test_arm64_load_buffering_with_data_is_forbidden_without_allowed(checker):
    lb = """AArch64 LB{name}
{{ 0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x; }}
 P0          | P1          ;
 LDR W0,[X1] | LDR W0,[X1] ;
 {d}         | {d}         ;
 STR W2,[X3] | STR W2,[X3] ;
exists (0:X0=1 /\\ 1:X0=1)
"""
    assert judge_text(checker, lb.format(name="+datas", d="ADD W2,W0,#1"), "arm64").observation == "Never"
    assert judge_text(checker, lb.format(name="", d="MOV W2,#1"), "arm64").observation == "Sometimes"


IRIW = """{arch} IRIW{name}
{{ {init} }}
 P0     | P1     | P2     | P3     ;
{body}
exists (1:{r}=1 /\\ 1:{s}=0 /\\ 3:{r}=1 /\\ 3:{s}=0)
"""


def _ppc_iriw(fence: str) -> str:
    rows = [" li r1,1      | lwz r1,0(r2) | li r1,1      | lwz r1,0(r2) ;",
            " stw r1,0(r2) | {f}          | stw r1,0(r2) | {f}          ;",
            "              | lwz r3,0(r4) |              | lwz r3,0(r4) ;"]
    init = "0:r2=x; 1:r2=x; 1:r4=y; 2:r2=y; 3:r2=y; 3:r4=x;"
    return IRIW.format(arch="PPC", name="", init=init, body="\n".join(rows).format(f=fence),
                       r="r1", s="r3")


@pytest.mark.parametrize("fence, verdict", [("lwsync", "Sometimes"), ("sync  ", "Never")])
def test_power_iriw_needs_sync(checker, fence, verdict):
    assert judge_text(checker, _ppc_iriw(fence), "power").observation == verdict


def test_arm64_iriw_with_addresses_is_forbidden(checker):
    rows = [" MOV W0,#1   | LDR W0,[X1]         | MOV W0,#1   | LDR W0,[X1]         ;",
            " STR W0,[X1] | EOR W4,W0,W0        | STR W0,[X1] | EOR W4,W0,W0        ;",
            "             | LDR W2,[X3,W4,SXTW] |             | LDR W2,[X3,W4,SXTW] ;"]
    init = "0:X1=x; 1:X1=x; 1:X3=y; 2:X1=y; 3:X1=y; 3:X3=x;"
    text = IRIW.format(arch="AArch64", name="+addrs", init=init, body="\n".join(rows), r="X0", s="X2")
    assert judge_text(checker, text, "arm64").observation == "Never"  # multicopy atomic


PPC_LB = """PPC LB{name}
{{ 0:r2=x; 0:r4=y; 1:r2=y; 1:r4=x; }}
 P0           | P1           ;
 lwz r1,0(r2) | lwz r1,0(r2) ;
 {a}          | {a}          ;
 {b}          | {b}          ;
 stw r3,0(r4) | stw r3,0(r4) ;
exists (0:r1=1 /\\ 1:r1=1)
"""


@pytest.mark.parametrize("name, a, b, verdict", [
    ("", "li r3,1", "", "Sometimes"), ("+datas", "addi r3,r1,1", "", "Never"),
    ("+lwsyncs", "li r3,1", "lwsync", "Never")])
def test_power_load_buffering(checker, name, a, b, verdict):
    assert judge_text(checker, PPC_LB.format(name=name, a=a, b=b), "power").observation == verdict


def test_power_store_buffering_needs_sync(checker):
    sb = """PPC SB
{{ 0:r2=x; 0:r4=y; 1:r2=y; 1:r4=x; }}
 P0           | P1           ;
 li r1,1      | li r1,1      ;
 stw r1,0(r2) | stw r1,0(r2) ;
 {f}          | {f}          ;
 lwz r3,0(r4) | lwz r3,0(r4) ;
exists (0:r3=0 /\\ 1:r3=0)
"""
    assert judge_text(checker, sb.format(f="lwsync"), "power").observation == "Sometimes"
    assert judge_text(checker, sb.format(f="sync  "), "power").observation == "Never"


def test_sc_forbids_store_buffering_of_any_architecture(checker):
    v = judge_text(checker, X86_SB.format(name="", f=""), "sc")
    assert v.observation == "Never" and v.model == "sc"


def test_default_model_of_an_asm_test_is_its_architecture(checker):
    v = judge_text(checker, X86_MP)  # the CLI's default model, lkmm
    assert v.model == "x86"
    with pytest.raises(MemcheckError, match="does not judge X86"):
        judge_text(checker, X86_MP, "power")


def test_models_for_an_asm_test_are_those_judging_its_architecture(checker):
    t = parse_test_text(X86_MP.encode(), "<t>")
    assert sorted(checker.models_for(t, checker.model_names("all"))) == ["sc", "x86"]


def test_asm_tests_are_read_by_first_word():
    t = parse_test_text(X86_MP.encode(), "<t>")
    assert t.arch == "X86" and t.name == "MP"


# ---------------------------------------------------- herd7 on the corpus


def _sample() -> list:
    """A fixed seeded sample of each architecture folder: (arch, record)."""
    out = []
    for arch in ARCH_MODELS:
        tsv = ARCH_CORPUS / arch / "herd7.tsv"
        if not tsv.exists():
            continue
        records = sorted((r for r in read_herd_tsv(tsv).values() if r.judged), key=lambda r: r.file)
        out += [(arch, r) for r in random.Random(7).sample(records, min(SAMPLE_PER_ARCH, len(records)))]
    return out


SAMPLE = _sample()


@pytest.mark.skipif(not SAMPLE, reason="shared assembly corpus not present")
@pytest.mark.parametrize("arch, record", SAMPLE, ids=[f"{a}/{r.file}" for a, r in SAMPLE])
def test_same_verdict_and_states_as_herd7(checker, arch, record):
    test = read_test(ARCH_CORPUS / arch / record.file)
    v = checker.judge(test, ARCH_MODELS[arch], timeout=60).verdict
    assert v.observation == record.verdict
    assert canonical_states(v) == canonical_herd_states(record.states)
