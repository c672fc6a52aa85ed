"""herd7's instruction index of a C thread, which numbers srcu cookies.

herd7 counts one per instruction it runs: each statement, each block
(`{ ... }`, and so each statement macro's expansion) and each statement in
it, an `if` and, once more, the start of its legs.  Both legs of an `if`
count from the same point and what follows counts on from the leg taken, so
after an `if` whose legs differ in length the index is one number per leg.
A `while` counts one more each time its condition is tested (herd7 runs it
again as a new instruction), its body as an if's leg, and what follows
counts on from the test that left it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .program import Value, VBranch, VConst, VOp


@dataclass(frozen=True)
class Index:
    """A count, plus `base`: a number, or (`legs`) one count per leg of an
    earlier branching, chosen by a condition (a branch's value, or which
    way a loop was left)."""
    base: int = 0
    legs: Optional[tuple[Value, "Index", "Index"]] = None  # (condition, then, else)

    def plus(self, k: int) -> "Index":
        return Index(self.base + k, self.legs)

    @staticmethod
    def join(branch: int, then: "Index", other: "Index") -> "Index":
        """The index after an if: the then leg's when its branch is taken."""
        return Index.choose(VBranch(branch), then, other)

    @staticmethod
    def choose(cond: Value, then: "Index", other: "Index") -> "Index":
        """`then` when `cond` holds, else `other`."""
        return then if then == other else Index(0, (cond, then, other))

    def value(self, f: Callable[[int], int], offset: int = 0) -> Value:
        """f of the index, as a value (an `ite` on the branches that decide it)."""
        if self.legs is None:
            return VConst(f(self.base + offset))
        cond, then, other = self.legs
        return VOp("ite", (cond, then.value(f, offset + self.base),
                           other.value(f, offset + self.base)))
