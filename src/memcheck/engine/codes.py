"""Narrow codes for the values of a program that only copies and compares them.

The solver sees a value as a bit-vector; 64 bits make every term 64 clauses
wide.  When no operation of the program computes a new value (only
comparisons, logical operators and `?:`), what matters of a value is its
order against the program's constants and the other values: a determined
value is one of the constants, and an out-of-thin-air value (engine/
grounded.py) can only be compared.  So the constants (in their order) and,
in each gap between them, as many values as there are reads that can be
out of thin air, coded in increasing order by a few bits, give exactly the
behaviours of 64-bit words; codes are read back as the values they stand
for.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

from ..lower.program import Program, Value, VConst, VOp
from ..lower.values import wrap

LOW, HIGH = -(1 << 63), (1 << 63) - 1
# operations whose result is an operand or 0 / 1: they create no value
COPYING = frozenset({"ite", "!", "==", "!=", "<", "<=", ">", ">=", "&&", "||"})


@dataclass(frozen=True)
class ValueCodes:
    """`values[i]` is coded by the `width`-bit word whose signed reading is
    i - 2**(width-1): codes compare (signed) as the values do."""
    width: int
    values: tuple[int, ...]
    index: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {v: i for i, v in enumerate(self.values)})

    def represents(self, value: int) -> bool:
        return wrap(value) in self.index

    def bits(self, value: int) -> int:
        """The code of `value` as an unsigned word (KeyError: not coded)."""
        return (self.index[wrap(value)] - (1 << (self.width - 1))) % (1 << self.width)

    def value(self, bits: int) -> int:
        """The value a code (read as an unsigned word) stands for."""
        return self.values[(bits + (1 << (self.width - 1))) % (1 << self.width)]


def _values(v: Optional[Value]) -> Iterator[Value]:
    if v is None:
        return
    yield v
    if isinstance(v, VOp):
        for a in v.args:
            yield from _values(a)


def program_values(program: Program) -> Iterator[Value]:
    """Every value expression of the program, with its subexpressions."""
    for e in program.events:
        yield from _values(e.addr)
        yield from _values(e.value)
    for b in program.branches:
        yield from _values(b.cond)
    for c in program.constraints:
        yield from _values(c.cond)
    for regs in program.registers.values():
        for v in regs.values():
            yield from _values(v)


def value_codes(program: Program, free: int) -> Optional[ValueCodes]:
    """The codes of `program`'s values, `free` of them possibly out of thin
    air (the reads on a value cycle or fed by one: grounded.thin_air_reads);
    None when some operation computes values: 64-bit words then."""
    constants = {0, 1}
    for v in program_values(program):
        if isinstance(v, VOp):
            if v.op not in COPYING and not (v.op == "+" and len(v.args) == 1):
                return None
        elif isinstance(v, VConst):
            constants.add(wrap(v.value))
    ordered = sorted(constants)
    # the open intervals around the constants, and how many values each holds
    gaps = list(zip([LOW - 1] + ordered, ordered + [HIGH + 1]))
    take = [min(free, b - a - 1) for a, b in gaps]
    width = max(2, (len(ordered) + sum(take) - 1).bit_length())
    room = (1 << width) - len(ordered) - sum(take)   # every code stands for a value
    for i in [len(gaps) - 1, 0] + list(range(1, len(gaps) - 1)):
        a, b = gaps[i]
        more = min(room, b - a - 1 - take[i])
        take[i] += more
        room -= more
    values: list[int] = list(range(ordered[0] - take[0], ordered[0]))
    for (a, b), n in zip(gaps[1:], take[1:]):
        values.append(a)
        values.extend(range(a + 1, a + 1 + n))
    return ValueCodes(width, tuple(values))
