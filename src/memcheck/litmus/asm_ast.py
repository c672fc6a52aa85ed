"""Typed syntax tree of a herd7 assembly litmus test (X86, AArch64, PPC, RISCV).

The initial state and the final condition reuse the nodes of
`memcheck.litmus.ast` (Init, Condition, PAtom, ...), so C and assembly tests
share one representation. Mnemonics, registers and labels keep the spelling
of the source; `Instr.op` and `Reg.norm` give upper-case forms for lookups.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Optional, TypeVar, Union

from memcheck.litmus.ast import NOPOS, Condition, Init, Loc, Pos, Prop

ARCHS = ("X86", "AArch64", "PPC", "RISCV")

# ------------------------------------------------------------------ operands


@dataclass(frozen=True)
class Reg:
    """A register as written: 'EAX', 'W0', 'XZR', 'r2', or symbolic '%x0'."""
    name: str

    @property
    def norm(self) -> str:
        """Upper-case name, for table lookups."""
        return self.name.upper()


@dataclass(frozen=True)
class Imm:
    """An immediate: X86 `$1`, AArch64 `#1`, PPC `1` (value only)."""
    value: int


@dataclass(frozen=True)
class Var:
    """A shared variable named directly as an address (X86 `[x]`)."""
    name: str


@dataclass(frozen=True)
class Shift:
    """A shift or extension modifier: AArch64 `SXTW`, `LSL #3`, `UXTW #2`."""
    op: str
    amount: Optional[int] = None


# Memory operands as written:
#   X86      `[x]` -> Mem(Var('x')), `[EAX]`/`(EAX)` -> Mem(Reg('EAX')), `[16]` -> Mem(Imm(16))
#   AArch64  `[X1]`, `[X1,#8]`, `[X1,X2]`, `[X1,W2,SXTW]` -> Mem(Reg('X1'), Reg('W2'), Shift('SXTW')),
#            `[X1,X2,LSL #3]`, `[X1,#8]!` (mode 'pre'), `[X1],#8` (mode 'post')
#   PPC      `8(r2)` -> Mem(Reg('r2'), Imm(8)); indexed forms (`lwzx r1,r3,r2`,
#            `lwarx r1,0,r2`) are written as plain operands and stay Reg/Imm.
#   RISCV    `0(x6)` -> Mem(Reg('x6'), Imm(0)), `(x7)` -> Mem(Reg('x7')) (offset None).


@dataclass(frozen=True)
class Mem:
    """A memory operand: base, optional offset and extension, addressing mode."""
    base: Union[Reg, Var, Imm]
    offset: Optional[Union[Reg, Imm]] = None
    extend: Optional[Shift] = None
    mode: str = "offset"  # 'offset', 'pre' or 'post'


@dataclass(frozen=True)
class LabelRef:
    """A branch target: `CBNZ W0,LC00`, `beq LC00`, `JMP L0`."""
    name: str


@dataclass(frozen=True)
class Cond:
    """An AArch64 condition code operand (`CSEL W0,W1,W2,EQ`)."""
    name: str


@dataclass(frozen=True)
class BarrierOpt:
    """A barrier domain/type option (`DMB ISH`, `DSB ST`, `ISB SY`) or a
    RISC-V fence's predecessor or successor set (`fence rw,w`)."""
    name: str


Operand = Union[Reg, Imm, Mem, LabelRef, Cond, BarrierOpt, Shift]

# --------------------------------------------------------------------- code


@dataclass(frozen=True)
class Instr:
    """One instruction; `prefixes` holds X86 prefixes such as 'LOCK'."""
    mnemonic: str
    operands: tuple[Operand, ...] = ()
    pos: Pos = NOPOS
    prefixes: tuple[str, ...] = ()

    @property
    def op(self) -> str:
        """Upper-case mnemonic, for table lookups ('stwcx.' -> 'STWCX.')."""
        return self.mnemonic.upper()


@dataclass(frozen=True)
class Label:
    """A label definition `LC00:` in a code cell."""
    name: str
    pos: Pos = NOPOS


CodeItem = Union[Instr, Label]


@dataclass(frozen=True)
class AsmThread:
    """The code of thread `P<index>`, top to bottom, empty cells dropped."""
    index: int
    code: tuple[CodeItem, ...]
    pos: Pos = NOPOS


# --------------------------------------------------------------------- test


@dataclass(frozen=True)
class AsmTest:
    """A whole assembly litmus test; a missing final condition is `forall true`."""
    arch: str  # 'X86', 'AArch64', 'PPC' or 'RISCV'
    name: str
    init: tuple[Init, ...]  # registers: Init(reg, thread, ...); `%x0=x` has thread None
    threads: tuple[AsmThread, ...]
    condition: Condition
    locations: tuple[Loc, ...] = ()
    filter: Optional[Prop] = None
    comment: str = ""  # texts of all `(* ... *)` comments, joined by newlines
    source: str = ""  # file name used in error messages
    doc: str = ""  # the quoted description under the name line
    alt_name: str = ""  # `(CoTen)` in `PPC CoWW (CoTen)`
    info: tuple[tuple[str, str], ...] = ()  # `key=value` lines (Cycle, Prefetch, ...) in order
    text: str = field(default="", compare=False, repr=False)  # the source text


# ---------------------------------------------------------------- utilities

T = TypeVar("T")


def without_pos(node: T) -> T:
    """A copy of `node` (any AST value) with every `pos` set to NOPOS."""
    if isinstance(node, tuple):
        return tuple(without_pos(x) for x in node)  # type: ignore[return-value]
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {}
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if f.name == "pos" and isinstance(value, Pos):
                new = NOPOS
            else:
                new = without_pos(value)
            if new is not value:
                changes[f.name] = new
        return dataclasses.replace(node, **changes) if changes else node
    return node
