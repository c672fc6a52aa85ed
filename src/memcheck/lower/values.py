"""Concrete evaluation of program values, with the solver's 64-bit C semantics."""
from __future__ import annotations

from typing import Mapping, Sequence

from .program import Value, VBranch, VConst, VOp, VRead

MASK = (1 << 64) - 1


def wrap(v: int) -> int:
    """A Python int as a signed 64-bit word."""
    v &= MASK
    return v - (1 << 64) if v >> 63 else v


def _div(x: int, y: int) -> int:
    if y == 0:
        return -1  # SMT-LIB's bvsdiv by zero, as the solver sees it
    q = abs(x) // abs(y)
    return q if (x >= 0) == (y >= 0) else -q


def _rem(x: int, y: int) -> int:
    if y == 0:
        return x
    return x - _div(x, y) * y


_BINARY = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
    "/": _div, "%": _rem, "&": lambda x, y: x & y, "|": lambda x, y: x | y,
    "^": lambda x, y: x ^ y, "<<": lambda x, y: x << (y & 127) if 0 <= y < 64 else 0,
    ">>": lambda x, y: x >> y if 0 <= y < 64 else (-1 if x < 0 else 0),
    "==": lambda x, y: int(x == y), "!=": lambda x, y: int(x != y),
    "<": lambda x, y: int(x < y), "<=": lambda x, y: int(x <= y),
    ">": lambda x, y: int(x > y), ">=": lambda x, y: int(x >= y),
    "&&": lambda x, y: int(bool(x) and bool(y)), "||": lambda x, y: int(bool(x) or bool(y)),
}
_UNARY = {"neg": lambda x: -x, "~": lambda x: ~x, "!": lambda x: int(x == 0), "+": lambda x: x}


def evaluate(v: Value, reads: Mapping[int, int], branches: Sequence[bool]) -> int:
    """The value of `v` given what each read read and which branches ran."""
    if isinstance(v, VConst):
        return v.value
    if isinstance(v, VRead):
        return reads.get(v.eid, 0)
    if isinstance(v, VBranch):
        return int(branches[v.index])
    assert isinstance(v, VOp)
    if v.op == "ite":
        c = evaluate(v.args[0], reads, branches)
        return evaluate(v.args[1] if c != 0 else v.args[2], reads, branches)
    args = [evaluate(a, reads, branches) for a in v.args]
    if len(args) == 1:
        return wrap(_UNARY[v.op](args[0]))
    return wrap(_BINARY[v.op](args[0], args[1]))
