"""One program holding every candidate change, each existing only under its own switch.

A switch is a free two-way branch of the event program (like a trylock's
outcome): the events of change k carry the guard "switch k on", the
original access of an upgrade carries "switch k off".  Nothing in the engine
changes: the solver's branch variables are the switches, and the search
fixes them with assumptions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

from ..litmus import ast as A
from ..lower.c_walk import Sym, Target, ThreadBuilder, lower_c
from ..lower.lkmm import choose, with_branch
from ..lower.loops import LoopOptions
from ..lower.program import Program
from .changes import Change
from .rewrite import MARKER, switched_test

MARKER_RE = re.compile(re.escape(MARKER).replace(r"\{\}", r"(\d+)"))


@dataclass
class SwitchedProgram:
    """The program with every change, and how switches map to its branches and events."""
    program: Program
    changes: Sequence[Change]
    branches: dict[int, list[int]]  # switch -> its branch indices (one per time it was lowered)
    # upgrade switch -> (event when off, event when on) for each memory access, or None
    # when the two forms do not match access for access
    pairs: dict[int, Optional[list[tuple[int, int]]]]

    def switch_of_branch(self) -> dict[int, int]:
        return {b: k for k, bs in self.branches.items() for b in bs}


@dataclass
class SwitchedTarget:
    """Wraps a lowering target: markers become switched barriers or switched upgrades."""
    inner: Target
    changes: Sequence[Change]
    branches: dict[int, list[int]] = field(default_factory=dict)
    pairs: dict[int, Optional[list[tuple[int, int]]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.inner.name

    @staticmethod
    def _switch(primitive: str) -> Optional[int]:
        m = MARKER_RE.fullmatch(primitive)
        return int(m.group(1)) if m else None

    def builtin(self, b: ThreadBuilder, node) -> Optional[Sym]:
        return self.inner.builtin(b, node)

    def call(self, b: ThreadBuilder, call: A.Call, statement: bool) -> Optional[Sym]:
        k = self._switch(call.name)
        if k is None:
            return self.inner.call(b, call, statement)
        change = self.changes[k]
        br = b.fork(None, call.pos.line)
        # a trial walk (of a loop's iteration) is thrown away: keep no record of it
        branches = {} if b.pb.scratch else self.branches
        pairs = {} if b.pb.scratch else self.pairs
        branches.setdefault(k, []).append(br)
        if change.action == "insert":
            with_branch(b, br, True, lambda: self.inner.call(b, A.Call(change.barrier, (), call.pos), True))
            return None
        original = call.args[0]
        assert isinstance(original, A.Call) and change.replacement is not None
        new = A.Call(change.replacement.name, change.replacement.args, original.pos)
        out: dict[bool, tuple[Optional[Sym], list[int]]] = {}

        before = b.instruction

        def leg(side: bool, c: A.Call) -> None:
            # each leg counts herd's instructions from the same point; the
            # original's count goes on
            b.instruction = before
            start = len(b.pb.events)
            sym = self.inner.call(b, c, statement)
            out[side] = (sym, [e.eid for e in b.pb.events[start:] if e.kind in ("R", "W")])

        with_branch(b, br, True, lambda: leg(True, new))
        with_branch(b, br, False, lambda: leg(False, original))
        (on_sym, on_ev), (off_sym, off_ev) = out[True], out[False]
        same = [b.pb.events[e].kind for e in on_ev] == [b.pb.events[e].kind for e in off_ev]
        earlier = pairs.get(k, [])
        pairs[k] = earlier + list(zip(off_ev, on_ev)) if same and earlier is not None else None
        if on_sym is None or off_sym is None:
            return None
        return choose(br, on_sym, off_sym)


def lower_switched(test: A.Test, changes: Sequence[Change], target: Target,
                   loops: LoopOptions = LoopOptions()) -> SwitchedProgram:
    """Lower the test with every change behind its switch, through `target`."""
    st = SwitchedTarget(target, changes)
    program = lower_c(switched_test(test, changes), st, loops=loops)
    return SwitchedProgram(program, changes, st.branches, st.pairs)
