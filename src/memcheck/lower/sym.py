"""Values during symbolic execution: a program value and the reads it depends on."""
from __future__ import annotations

from dataclasses import dataclass

from .program import Literal, Value, VConst

# A dependency source: (read event, guard under which the value came from it)
Dep = tuple[int, tuple[Literal, ...]]


@dataclass(frozen=True)
class Sym:
    """A value during symbolic execution and the reads it depends on."""
    value: Value
    deps: frozenset[Dep] = frozenset()


def const(v: int) -> Sym:
    return Sym(VConst(v))
