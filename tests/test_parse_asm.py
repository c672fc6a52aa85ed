"""Tests of the herd7 assembly litmus parser and printer (X86, AArch64, PPC, RISCV)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memcheck.errors import MemcheckError
from memcheck.litmus.asm_ast import (
    AsmTest,
    AsmThread,
    BarrierOpt,
    Cond,
    Imm,
    Instr,
    Label,
    LabelRef,
    Mem,
    Reg,
    Shift,
    Var,
    without_pos,
)
from memcheck.litmus.ast import (
    AddrValue,
    Condition,
    Init,
    IntLit,
    MemLoc,
    PAnd,
    PAtom,
    PConst,
    PImplies,
    PNot,
    POr,
    Pos,
    RegLoc,
)
from memcheck.litmus.parse_asm import (
    format_asm_litmus,
    format_instr,
    format_prop,
    parse_asm_code,
    parse_asm_file,
    parse_asm_litmus,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arch"
# the assembly dialects memcheck reads
ARCH_DIRS = ("X86", "AArch64", "PPC", "RISCV")
CORPUS_FILES = sorted(p for a in ARCH_DIRS for p in (CORPUS / a).glob("*.litmus")) \
    if CORPUS.is_dir() else []


def roundtrip(test: AsmTest) -> AsmTest:
    """Print and re-parse `test` under the same source name."""
    return parse_asm_litmus(format_asm_litmus(test), test.source)


def one(arch: str, text: str) -> Instr:
    """The single instruction of a code snippet."""
    (item,) = parse_asm_code(arch, text)
    assert isinstance(item, Instr)
    return item


# ---------------------------------------------------------------------- X86

X86_SB = """X86 SB
"PodWR Fre PodWR Fre"
Cycle=Fre PodWR Fre PodWR
Generator=diycross7 (version 7.54+01(dev))
{
}
 P0          | P1          ;
 MOV [x],$1  | MOV [y],$1  ;
 MFENCE      | MOV EAX,[x] ;
 MOV EAX,[y] |             ;
exists
(0:EAX=0 /\\ 1:EAX=0)
"""


def test_x86_whole_test() -> None:
    t = parse_asm_litmus(X86_SB, "sb.litmus")
    assert (t.arch, t.name, t.doc) == ("X86", "SB", "PodWR Fre PodWR Fre")
    assert t.info == (("Cycle", "Fre PodWR Fre PodWR"), ("Generator", "diycross7 (version 7.54+01(dev))"))
    assert t.init == ()
    assert [th.index for th in t.threads] == [0, 1]
    p0 = t.threads[0].code
    assert p0[0] == Instr("MOV", (Mem(Var("x")), Imm(1)), Pos(8, 2))
    assert p0[1] == Instr("MFENCE", (), Pos(9, 2))
    assert p0[2].operands == (Reg("EAX"), Mem(Var("y")))
    assert len(t.threads[1].code) == 2
    assert t.condition == Condition(
        "exists",
        PAnd((PAtom(RegLoc(0, "EAX", Pos(12, 2)), "=", IntLit(0, Pos(12, 8)), Pos(12, 2)),
              PAtom(RegLoc(1, "EAX", Pos(12, 13)), "=", IntLit(0, Pos(12, 19)), Pos(12, 13))),
             Pos(12, 2)),
        Pos(11, 1))


@pytest.mark.parametrize("text, expected", [
    ("MOV [x],$1", Instr("MOV", (Mem(Var("x")), Imm(1)))),
    ("MOV EAX,[y]", Instr("MOV", (Reg("EAX"), Mem(Var("y"))))),
    ("MOV [x],EAX", Instr("MOV", (Mem(Var("x")), Reg("EAX")))),
    ("MOV EBX,2", Instr("MOV", (Reg("EBX"), Imm(2)))),
    ("MOV EAX,$-1", Instr("MOV", (Reg("EAX"), Imm(-1)))),
    ("MOV EAX,[EBX]", Instr("MOV", (Reg("EAX"), Mem(Reg("EBX"))))),
    ("MOV EAX,(EBX)", Instr("MOV", (Reg("EAX"), Mem(Reg("EBX"))))),
    ("MOV EAX,[16]", Instr("MOV", (Reg("EAX"), Mem(Imm(16))))),
    ("XCHG [x],EAX", Instr("XCHG", (Mem(Var("x")), Reg("EAX")))),
    ("LOCK XCHG [x],EAX", Instr("XCHG", (Mem(Var("x")), Reg("EAX")), prefixes=("LOCK",))),
    ("LOCK ADD [x],$1", Instr("ADD", (Mem(Var("x")), Imm(1)), prefixes=("LOCK",))),
    ("MFENCE", Instr("MFENCE")),
    ("JMP L0", Instr("JMP", (LabelRef("L0"),))),
    ("JNE L0", Instr("JNE", (LabelRef("L0"),))),
])
def test_x86_instructions(text: str, expected: Instr) -> None:
    got = without_pos(one("X86", text))
    assert got == expected
    assert without_pos(one("X86", format_instr("X86", got))) == expected


def test_x86_lock_is_not_a_reserved_variable_name() -> None:
    (i,) = parse_asm_code("X86", "MOV [lock],$1")
    assert isinstance(i, Instr) and i.operands[0] == Mem(Var("lock"))


def test_x86_label_and_instruction_in_one_cell() -> None:
    items = parse_asm_code("X86", "L0: MOV EAX,[x]")
    assert items == (Label("L0", Pos(1, 1)), Instr("MOV", (Reg("EAX"), Mem(Var("x"))), Pos(1, 5)))


# ------------------------------------------------------------------ AArch64

A64_MP = """AArch64 MP+dmb.sy+addr
"DMB.SYdWW Rfe DpAddrdR Fre"
{
0:X1=x; 0:X3=y;
1:X1=y; 1:X4=x;
}
 P0          | P1                  ;
 MOV W0,#1   | LDR W0,[X1]         ;
 STR W0,[X1] | EOR W2,W0,W0        ;
 DMB SY      | LDR W3,[X4,W2,SXTW] ;
 MOV W2,#1   |                     ;
 STR W2,[X3] |                     ;
exists (1:X0=1 /\\ 1:X3=0)
"""


def test_aarch64_whole_test() -> None:
    t = parse_asm_litmus(A64_MP, "mp.litmus")
    assert t.arch == "AArch64"
    assert t.init[0] == Init("X1", 0, None, AddrValue("x", Pos(4, 6)), Pos(4, 1))
    assert [i.thread for i in t.init] == [0, 0, 1, 1]
    p1 = t.threads[1].code
    assert isinstance(p1[2], Instr)
    assert p1[2].operands == (Reg("W3"), Mem(Reg("X4"), Reg("W2"), Shift("SXTW")))
    assert p1[2].pos == Pos(10, 16)
    assert t.threads[0].code[2].operands == (BarrierOpt("SY"),)  # type: ignore[union-attr]


@pytest.mark.parametrize("text, expected", [
    ("LDR W0,[X1]", Instr("LDR", (Reg("W0"), Mem(Reg("X1"))))),
    ("STR W0,[X1,X2]", Instr("STR", (Reg("W0"), Mem(Reg("X1"), Reg("X2"))))),
    ("LDR W0, [X1, W2, SXTW]", Instr("LDR", (Reg("W0"), Mem(Reg("X1"), Reg("W2"), Shift("SXTW"))))),
    ("LDR X0,[X1,X2,LSL #3]", Instr("LDR", (Reg("X0"), Mem(Reg("X1"), Reg("X2"), Shift("LSL", 3))))),
    ("LDR W0,[X1,#4]", Instr("LDR", (Reg("W0"), Mem(Reg("X1"), Imm(4))))),
    ("LDR W0,[X1,#4]!", Instr("LDR", (Reg("W0"), Mem(Reg("X1"), Imm(4), None, "pre")))),
    ("LDR W0,[X1],#4", Instr("LDR", (Reg("W0"), Mem(Reg("X1"), Imm(4), None, "post")))),
    ("LDAR W0,[X1]", Instr("LDAR", (Reg("W0"), Mem(Reg("X1"))))),
    ("STLR W0,[X1]", Instr("STLR", (Reg("W0"), Mem(Reg("X1"))))),
    ("LDAPR W0,[X1]", Instr("LDAPR", (Reg("W0"), Mem(Reg("X1"))))),
    ("LDXR W0,[X1]", Instr("LDXR", (Reg("W0"), Mem(Reg("X1"))))),
    ("LDAXR W0,[X1]", Instr("LDAXR", (Reg("W0"), Mem(Reg("X1"))))),
    ("STXR W3,W0,[X1]", Instr("STXR", (Reg("W3"), Reg("W0"), Mem(Reg("X1"))))),
    ("STLXR W3,W0,[X1]", Instr("STLXR", (Reg("W3"), Reg("W0"), Mem(Reg("X1"))))),
    ("SWPAL W2,W1,[X0]", Instr("SWPAL", (Reg("W2"), Reg("W1"), Mem(Reg("X0"))))),
    ("CAS W3, WZR, [X1]", Instr("CAS", (Reg("W3"), Reg("WZR"), Mem(Reg("X1"))))),
    ("CASAL W1,W2,[X0]", Instr("CASAL", (Reg("W1"), Reg("W2"), Mem(Reg("X0"))))),
    ("LDADDAL W2,W1,[X0]", Instr("LDADDAL", (Reg("W2"), Reg("W1"), Mem(Reg("X0"))))),
    ("STADD W1,[X0]", Instr("STADD", (Reg("W1"), Mem(Reg("X0"))))),
    ("STSET W1,[X0]", Instr("STSET", (Reg("W1"), Mem(Reg("X0"))))),
    ("DMB ISH", Instr("DMB", (BarrierOpt("ISH"),))),
    ("DMB ISHLD", Instr("DMB", (BarrierOpt("ISHLD"),))),
    ("DSB ST", Instr("DSB", (BarrierOpt("ST"),))),
    ("ISB", Instr("ISB")),
    ("NOP", Instr("NOP")),
    ("EOR W2,W0,W0", Instr("EOR", (Reg("W2"), Reg("W0"), Reg("W0")))),
    ("ADD X3,X2,W0,SXTW", Instr("ADD", (Reg("X3"), Reg("X2"), Reg("W0"), Shift("SXTW")))),
    ("ADD X1,X2,X3,LSL #2", Instr("ADD", (Reg("X1"), Reg("X2"), Reg("X3"), Shift("LSL", 2)))),
    ("AND W2,W2,#2", Instr("AND", (Reg("W2"), Reg("W2"), Imm(2)))),
    ("CBNZ W0,LC00", Instr("CBNZ", (Reg("W0"), LabelRef("LC00")))),
    ("CBZ W0,LC00", Instr("CBZ", (Reg("W0"), LabelRef("LC00")))),
    ("B LC00", Instr("B", (LabelRef("LC00"),))),
    ("B.EQ over", Instr("B.EQ", (LabelRef("over"),))),
    ("CMP W0,#0", Instr("CMP", (Reg("W0"), Imm(0)))),
    ("CSEL W2,W1,W0,EQ", Instr("CSEL", (Reg("W2"), Reg("W1"), Reg("W0"), Cond("EQ")))),
    ("CSINC W2,W3,W2,NE", Instr("CSINC", (Reg("W2"), Reg("W3"), Reg("W2"), Cond("NE")))),
    ("MOV W0,#1", Instr("MOV", (Reg("W0"), Imm(1)))),
    ("MOV W0,#-1", Instr("MOV", (Reg("W0"), Imm(-1)))),
    ("MOV X0,#0x10", Instr("MOV", (Reg("X0"), Imm(16)))),
    ("MOV W5, W0", Instr("MOV", (Reg("W5"), Reg("W0")))),
    ("ldr w0,[x1]", Instr("ldr", (Reg("w0"), Mem(Reg("x1"))))),
])
def test_aarch64_instructions(text: str, expected: Instr) -> None:
    got = without_pos(one("AArch64", text))
    assert got == expected
    assert without_pos(one("AArch64", format_instr("AArch64", got))) == expected


def test_aarch64_mnemonic_lookup_is_case_insensitive() -> None:
    assert one("AArch64", "ldr w0,[x1]").op == "LDR"
    assert one("AArch64", "ldr w0,[x1]").mnemonic == "ldr"
    assert Reg("w0").norm == "W0"


def test_aarch64_labels_and_typed_init() -> None:
    t = parse_asm_litmus("""AArch64 T
{
int x=1; uint64_t y; 0: X0 = x;
}
 P0           ;
 LDR W1,[X0]  ;
 CBNZ W1,LC00 ;
 LC00:        ;
 ISB          ;
forall 0:X1=1
""")
    assert without_pos(t.init) == (
        Init("x", None, "int", IntLit(1)), Init("y", None, "uint64_t", None),
        Init("X0", 0, None, AddrValue("x")))
    code = without_pos(t.threads[0].code)
    assert code[1] == Instr("CBNZ", (Reg("W1"), LabelRef("LC00")))
    assert code[2] == Label("LC00")
    assert t.condition.quantifier == "forall"


# ---------------------------------------------------------------------- PPC

PPC_MP = """PPC MP+lwsync+ctrlisync (MPLC)
"LwSyncdWW Rfe DpCtrlIsyncdR Fre"
{
0:r2=x; 0:r4=y;
P1:r2=y; P1:r4=x;
}
 P0           | P1           ;
 li r1,1      | lwz r1,0(r2) ;
 stw r1,0(r2) | cmpw r1,r1   ;
 lwsync       | beq  LC00    ;
 li r3,1      | LC00:        ;
 stw r3,0(r4) | isync        ;
              | lwz r3,0(r4) ;
exists ([y]=1 /\\ 1:r1=1 /\\ 1:r3=0)
"""


def test_ppc_whole_test() -> None:
    t = parse_asm_litmus(PPC_MP)
    assert (t.name, t.alt_name) == ("MP+lwsync+ctrlisync", "MPLC")
    assert [(i.thread, i.name) for i in t.init] == [(0, "r2"), (0, "r4"), (1, "r2"), (1, "r4")]
    p1 = without_pos(t.threads[1].code)
    assert p1[0] == Instr("lwz", (Reg("r1"), Mem(Reg("r2"), Imm(0))))
    assert p1[2] == Instr("beq", (LabelRef("LC00"),))
    assert p1[3] == Label("LC00")
    first = t.condition.prop.items[0]  # type: ignore[union-attr]
    assert without_pos(first) == PAtom(MemLoc("y"), "=", IntLit(1))


@pytest.mark.parametrize("text, expected", [
    ("li r1,1", Instr("li", (Reg("r1"), Imm(1)))),
    ("stw r1,0(r2)", Instr("stw", (Reg("r1"), Mem(Reg("r2"), Imm(0))))),
    ("lwz r1,8(r2)", Instr("lwz", (Reg("r1"), Mem(Reg("r2"), Imm(8))))),
    ("lwzx r1,r3,r2", Instr("lwzx", (Reg("r1"), Reg("r3"), Reg("r2")))),
    ("stwx r1,r3,r2", Instr("stwx", (Reg("r1"), Reg("r3"), Reg("r2")))),
    ("sync", Instr("sync")),
    ("lwsync", Instr("lwsync")),
    ("eieio", Instr("eieio")),
    ("isync", Instr("isync")),
    ("xor r3,r1,r1", Instr("xor", (Reg("r3"), Reg("r1"), Reg("r1")))),
    ("add r3,r1,r2", Instr("add", (Reg("r3"), Reg("r1"), Reg("r2")))),
    ("addi r4,r4,1", Instr("addi", (Reg("r4"), Reg("r4"), Imm(1)))),
    ("cmpw r1,r1", Instr("cmpw", (Reg("r1"), Reg("r1")))),
    ("cmpw cr0,r1,r2", Instr("cmpw", (Reg("cr0"), Reg("r1"), Reg("r2")))),
    ("beq LC00", Instr("beq", (LabelRef("LC00"),))),
    ("bne LC00", Instr("bne", (LabelRef("LC00"),))),
    ("b LC00", Instr("b", (LabelRef("LC00"),))),
    ("lwarx r1,0,r2", Instr("lwarx", (Reg("r1"), Imm(0), Reg("r2")))),
    ("lwarx r5,r0,r4", Instr("lwarx", (Reg("r5"), Reg("r0"), Reg("r4")))),
    ("stwcx. r1,0,r2", Instr("stwcx.", (Reg("r1"), Imm(0), Reg("r2")))),
    ("mr r1,r2", Instr("mr", (Reg("r1"), Reg("r2")))),
    ("lwz r1,0(%y1)", Instr("lwz", (Reg("r1"), Mem(Reg("%y1"), Imm(0))))),
])
def test_ppc_instructions(text: str, expected: Instr) -> None:
    got = without_pos(one("PPC", text))
    assert got == expected
    assert without_pos(one("PPC", format_instr("PPC", got))) == expected


def test_ppc_symbolic_registers_in_init() -> None:
    t = parse_asm_litmus("""PPC S
{ %x0=x; %y1=y; }
 P0            | P1            ;
 stw r1,0(%x0) | lwz r1,0(%y1) ;
exists (1:r1=0)
""")
    assert [(i.name, i.thread) for i in t.init] == [("%x0", None), ("%y1", None)]


# -------------------------------------------------------------------- RISCV

RISCV_MP = """RISCV MP+fence.w.w+ctrlfencei
"Fence.w.wdWW Rfe DpCtrlFenceIdR Fre"
Cycle=Rfe DpCtrlFenceIdR Fre Fence.w.wdWW
{
0:x6=x; 0:x8=y;
1:x6=y; 1:x9=x;
}
 P0          | P1             ;
 ori x5,x0,1 | lw x5,0(x6)    ;
 sw x5,0(x6) | bne x5,x0,LC00 ;
 fence w,w   | LC00:          ;
 ori x7,x0,1 | fence.i        ;
 sw x7,0(x8) | lw x7,0(x9)    ;
exists (1:x5=1 /\\ 1:x7=0)
"""


def test_riscv_whole_test() -> None:
    t = parse_asm_litmus(RISCV_MP)
    assert (t.arch, t.name) == ("RISCV", "MP+fence.w.w+ctrlfencei")
    assert [(i.thread, i.name) for i in t.init] == [(0, "x6"), (0, "x8"), (1, "x6"), (1, "x9")]
    p0, p1 = (without_pos(th.code) for th in t.threads)
    assert p0[2] == Instr("fence", (BarrierOpt("w"), BarrierOpt("w")))
    assert p1[1] == Instr("bne", (Reg("x5"), Reg("x0"), LabelRef("LC00")))
    assert p1[2] == Label("LC00")
    assert p1[3] == Instr("fence.i")
    assert format_asm_litmus(roundtrip(t)) == format_asm_litmus(t)


@pytest.mark.parametrize("text, expected", [
    ("ori x5,x0,2", Instr("ori", (Reg("x5"), Reg("x0"), Imm(2)))),
    ("li a0,-1", Instr("li", (Reg("a0"), Imm(-1)))),
    ("sw x5,0(x6)", Instr("sw", (Reg("x5"), Mem(Reg("x6"), Imm(0))))),
    ("lw.aq x5,8(x6)", Instr("lw.aq", (Reg("x5"), Mem(Reg("x6"), Imm(8))))),
    ("sw.rl t0,0(s1)", Instr("sw.rl", (Reg("t0"), Mem(Reg("s1"), Imm(0))))),
    ("lr.w.aq x9,0(x7)", Instr("lr.w.aq", (Reg("x9"), Mem(Reg("x7"), Imm(0))))),
    ("lr.d x9,(x7)", Instr("lr.d", (Reg("x9"), Mem(Reg("x7"))))),
    ("sc.w.rl x10,x8,0(x7)", Instr("sc.w.rl", (Reg("x10"), Reg("x8"), Mem(Reg("x7"), Imm(0))))),
    ("amoswap.w.aqrl x8,x9,(x7)", Instr("amoswap.w.aqrl", (Reg("x8"), Reg("x9"), Mem(Reg("x7"))))),
    ("amoadd.d.aq.rl zero,a1,(a0)", Instr("amoadd.d.aq.rl", (Reg("zero"), Reg("a1"), Mem(Reg("a0"))))),
    ("fence", Instr("fence")),
    ("fence rw,rw", Instr("fence", (BarrierOpt("rw"), BarrierOpt("rw")))),
    ("fence iorw,iorw", Instr("fence", (BarrierOpt("iorw"), BarrierOpt("iorw")))),
    ("fence r,w", Instr("fence", (BarrierOpt("r"), BarrierOpt("w")))),
    ("fence.tso", Instr("fence.tso")),
    ("fence.i", Instr("fence.i")),
    ("xor x7,x5,x5", Instr("xor", (Reg("x7"), Reg("x5"), Reg("x5")))),
    ("add x8,x6,x7", Instr("add", (Reg("x8"), Reg("x6"), Reg("x7")))),
    ("beq x5,x6,L1", Instr("beq", (Reg("x5"), Reg("x6"), LabelRef("L1")))),
    ("bnez a5,L1", Instr("bnez", (Reg("a5"), LabelRef("L1")))),
    ("j L1", Instr("j", (LabelRef("L1"),))),
    ("mv x5,x6", Instr("mv", (Reg("x5"), Reg("x6")))),
    ("sw x5,0(%r1)", Instr("sw", (Reg("x5"), Mem(Reg("%r1"), Imm(0))))),
])
def test_riscv_instructions(text: str, expected: Instr) -> None:
    got = without_pos(one("RISCV", text))
    assert got == expected
    assert without_pos(one("RISCV", format_instr("RISCV", got))) == expected


# -------------------------------------------------------- header and extras


def test_comments_locations_filter_and_trailing_semicolon() -> None:
    t = parse_asm_litmus("""PPC co (* name comment *)
"doc"
{
0:r5=x;
}
P0           ;
stw r1,0(r5) ; (* a (* nested *) comment *)
locations [0:r1; x;]
filter 0:r1=0
~exists (x=1);
""")
    assert t.comment == "name comment\na (* nested *) comment"
    assert without_pos(t.locations) == (RegLoc(0, "r1"), MemLoc("x"))
    assert without_pos(t.filter) == PAtom(RegLoc(0, "r1"), "=", IntLit(0))
    assert t.condition.quantifier == "~exists"
    assert without_pos(roundtrip(t)) == without_pos(t)


def test_missing_condition_means_forall_true() -> None:
    t = parse_asm_litmus("PPC T\n{0:r5=x;}\nP0 ;\nlwz r2,0(r5) ;\nlocations [0:r2;]\n")
    assert without_pos(t.condition) == Condition("forall", PConst(True))


def test_unterminated_doc_runs_to_end_of_line() -> None:
    t = parse_asm_litmus('PPC T\n"half a doc\n{}\nP0 ;\nsync ;\nexists (x=0)\n')
    assert t.doc == "half a doc"


def test_condition_precedence_follows_herd() -> None:
    """herd7: `\\/` binds loosest, then `/\\`, then `=>`, then `~`."""
    t = parse_asm_litmus("X86 T\n{}\nP0 ;\nMFENCE ;\n"
                         "exists ~x=1 /\\ y=1 \\/ x=2 => y=2 /\\ (x=3 \\/ x!=4) \\/ true\n")
    x = lambda v: PAtom(MemLoc("x"), "=", IntLit(v))  # noqa: E731
    y = lambda v: PAtom(MemLoc("y"), "=", IntLit(v))  # noqa: E731
    assert without_pos(t.condition.prop) == POr((
        PAnd((PNot(x(1)), y(1))),
        PAnd((PImplies(x(2), y(2)), POr((x(3), PAtom(MemLoc("x"), "!=", IntLit(4)))))),
        PConst(True),
    ))
    assert without_pos(roundtrip(t)) == without_pos(t)


def test_condition_values() -> None:
    t = parse_asm_litmus("AArch64 T\n{0:X1=x;}\nP0 ;\nNOP ;\n"
                         "exists (0:X1=x /\\ [x]=-1 /\\ 0:X2=[y] /\\ P0:X3=0:X4 /\\ y==0x10)\n")
    assert without_pos(t.condition.prop) == PAnd((
        PAtom(RegLoc(0, "X1"), "=", AddrValue("x")),
        PAtom(MemLoc("x"), "=", IntLit(-1)),
        PAtom(RegLoc(0, "X2"), "=", MemLoc("y")),
        PAtom(RegLoc(0, "X3"), "=", RegLoc(0, "X4")),
        PAtom(MemLoc("y"), "=", IntLit(16)),
    ))
    assert without_pos(roundtrip(t)) == without_pos(t)


def test_format_prop_parenthesises_compound_operands() -> None:
    a = PAtom(MemLoc("x"), "=", IntLit(1))
    b = PAtom(RegLoc(0, "r1"), "=", IntLit(0))
    assert format_prop(PAnd((a, POr((a, b))))) == "x=1 /\\ (x=1 \\/ 0:r1=0)"
    assert format_prop(PNot(PAnd((a, b)))) == "~(x=1 /\\ 0:r1=0)"
    assert format_prop(PImplies(PImplies(a, b), a)) == "(x=1 => 0:r1=0) => x=1"


def _props() -> st.SearchStrategy:
    """Random well-formed propositions (And/Or with at least two items)."""
    locs = st.one_of(st.builds(RegLoc, st.integers(0, 2), st.sampled_from(["X0", "r1", "EAX"])),
                     st.builds(MemLoc, st.sampled_from(["x", "y"])))
    values = st.one_of(st.builds(IntLit, st.integers(-5, 5)), st.builds(AddrValue, st.just("z")), locs)
    atoms = st.builds(PAtom, locs, st.sampled_from(["=", "!="]), values) | st.builds(PConst, st.booleans())
    return st.recursive(atoms, lambda inner: st.one_of(
        st.builds(PNot, inner),
        st.builds(PAnd, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(POr, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(PImplies, inner, inner),
    ), max_leaves=8)


@settings(max_examples=300, deadline=None, database=None)
@given(_props())
def test_printed_propositions_parse_back(prop) -> None:  # type: ignore[no-untyped-def]
    text = f"PPC T\n{{}}\nP0 | P1 | P2 ;\nsync | sync | sync ;\nexists ({format_prop(prop)})\n"
    assert without_pos(parse_asm_litmus(text).condition.prop) == prop


def test_printing_a_constructed_test() -> None:
    """The printer accepts ASTs built by hand (as the lowering does)."""
    t = AsmTest(
        arch="AArch64",
        name="MP+lowered",
        init=(Init("X1", 0, None, AddrValue("x")), Init("X1", 1, None, AddrValue("x"))),
        threads=(
            AsmThread(0, (Instr("MOV", (Reg("W0"), Imm(1))), Instr("STLR", (Reg("W0"), Mem(Reg("X1")))))),
            AsmThread(1, (Instr("LDAR", (Reg("W0"), Mem(Reg("X1")))),)),
        ),
        condition=Condition("exists", PAtom(RegLoc(1, "X0"), "=", IntLit(0))),
        doc="lowered from C",
    )
    text = format_asm_litmus(t)
    assert text.splitlines()[0] == "AArch64 MP+lowered"
    assert " MOV W0,#1    | LDAR W0,[X1] ;" in text.splitlines()
    assert without_pos(parse_asm_litmus(text)) == t


# ------------------------------------------------------------------- errors

BASE = """AArch64 T
{
0:X1=x;
}
 P0          ;
 LDR W0,[X1] ;
exists (0:X0=1)
"""


@pytest.mark.parametrize("text, line, col, words", [
    (BASE.replace("[X1]", "[Y1]"), 6, 10, "not a register"),
    (BASE.replace("W0,[X1]", "W0,,[X1]"), 6, 9, "unexpected ','"),
    (BASE.replace("[X1] ;", "[X1]@;"), 6, 13, "unexpected character '@'"),
    (BASE.replace("(0:X0=1)", "(0:X0=)"), 7, 14, "unexpected ')'"),
    (BASE.replace("exists (0:X0=1)\n", "exists (0:X0=1 /\\"), 7, 18, "end of input"),
    (BASE.replace("AArch64", "ARM"), 1, 1, "unsupported architecture"),
    (BASE.replace("(0:X0=1)", "(3:X0=1)"), 7, 9, "thread 3 does not exist"),
    (BASE.replace("LDR W0,[X1] ;", "LDR W0,[X1] | NOP ;"), 6, 14, "row has 2 cells"),
    (BASE.replace(" P0 ", " P1 "), 5, 2, "expected P0"),
    (BASE.replace("{", "(* open\n{"), 2, 1, "unterminated comment"),
    (BASE.replace("[X1]", "[X1,$1]"), 6, 13, "unexpected '$1'"),
    (BASE.replace("[X1]", "[X1,X2,FOO]"), 6, 16, "not a shift"),
    (BASE.replace("0:X1=x;", "0:X1=x 0:X2=y;"), 3, 8, "unexpected '0'"),
    (BASE.replace("0:X1=x;", "Q:X1=x;"), 3, 1, "thread number"),
    (BASE.replace("{", '"a"\n"b"\n{'), 3, 1, "one doc string"),
    (BASE.replace("exists", "exist"), 7, 7, "unexpected '('"),
    ("X86 T\n{}\n P0 ;\n MOV [x],#1 ;\nexists (x=1)\n", 4, 10, "unexpected '#1'"),
    ("X86 T\n{}\n P0 ;\n MOV EAX,(x) ;\nexists (x=1)\n", 4, 11, "not a register of X86"),
    ("X86 T\n{}\n P0 ;\n MOV EAX,x ;\nexists (x=1)\n", 4, 10, "not a register of X86"),
    ("PPC T\n{}\n P0 ;\n stw r1,0(x) ;\nexists (x=1)\n", 4, 11, "not a register of PPC"),
    ("PPC T\n{}\n P0 ;\n stw r1,0(r2)\n", 4, 14, "end of input"),
    ("RISCV T\n{}\n P0 ;\n sw x5,0(y) ;\nexists (x=1)\n", 4, 10, "not a register of RISCV"),
    ("RISCV T\n{}\n P0 ;\n sw x5,0(x6,x7) ;\nexists (x=1)\n", 4, 12, "unexpected ','"),
    ("RISCV T\n{}\n P0 ;\n fence rw,q ;\nexists (x=1)\n", 4, 11, "not a fence's set"),
    ("RISCV T\n{}\n P0 ;\n lw x32,0(x6) ;\nexists (x=1)\n", 4, 5, "not a register of RISCV"),
    ("", 1, 1, "empty"),
])
def test_error_positions(text: str, line: int, col: int, words: str) -> None:
    with pytest.raises(MemcheckError) as info:
        parse_asm_litmus(text, "bad.litmus")
    err = info.value
    assert (err.file, err.line, err.col) == ("bad.litmus", line, col), str(err)
    assert words in err.message
    assert str(err).startswith(f"bad.litmus:{line}:{col}: ")


def test_missing_file_is_a_memcheck_error(tmp_path: Path) -> None:
    with pytest.raises(MemcheckError) as info:
        parse_asm_file(tmp_path / "missing.litmus")
    assert "missing.litmus" in str(info.value)


def test_code_snippet_errors() -> None:
    with pytest.raises(MemcheckError) as info:
        parse_asm_code("AArch64", "LDR W0,[X1]; STR W0 [X1]", "table")
    assert (info.value.line, info.value.col) == (1, 21)
    with pytest.raises(MemcheckError):
        parse_asm_code("MIPS", "nop")


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([X86_SB, A64_MP, PPC_MP, RISCV_MP]), st.data())
def test_mutated_input_never_escapes_as_another_exception(base: str, data: st.DataObject) -> None:
    """Random edits either parse or raise MemcheckError with a sane position."""
    text = base
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 4)))
        ins = data.draw(st.text(alphabet="[](){};:|,=~/\\$#!%*\"\n x0P", max_size=3))
        text = text[:i] + ins + text[j:]
    try:
        parse_asm_litmus(text, "fuzz.litmus")
    except MemcheckError as err:
        assert err.file == "fuzz.litmus"
        assert 0 <= err.line <= text.count("\n") + 1


# ------------------------------------------------------------------- corpus

needs_corpus = pytest.mark.skipif(not CORPUS_FILES, reason=f"no corpus at {CORPUS}")


def _corpus_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=_corpus_id)
def test_corpus_file_parses_and_roundtrips(path: Path) -> None:
    t = parse_asm_file(path)
    assert t.arch == path.parent.name
    assert t.threads and all(th.code for th in t.threads)
    again = roundtrip(t)
    assert without_pos(again) == without_pos(t)
    assert format_asm_litmus(again) == format_asm_litmus(t)


@needs_corpus
def test_corpus_parse_time() -> None:
    """The whole corpus parses in well under a second per hundred tests."""
    start = time.perf_counter()
    tests = [parse_asm_file(p) for p in CORPUS_FILES]
    elapsed = time.perf_counter() - start
    assert {t.arch for t in tests} <= {"X86", "AArch64", "PPC", "RISCV"}
    assert elapsed < 0.05 * len(CORPUS_FILES) + 5
