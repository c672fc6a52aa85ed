"""From allowed executions to herd7's verdict: final states, witnesses, flags."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from ..errors import MemcheckError
from ..litmus import ast as A
from ..lower.program import Program, Value
from .candidate import Candidate
from .grounded import live_reads, thin_air_origin
from ..lower.values import evaluate

# A final state: (key, value) pairs; key 'N:reg' or a variable name; value an
# int or the name of the variable a pointer points to.
StateValue = Union[int, str]
State = tuple[tuple[str, StateValue], ...]


@dataclass
class Verdict:
    """What herd7 prints for one test under one model."""
    name: str
    model: str
    quantifier: str
    condition: str
    states: list[State]
    positive: int  # executions satisfying the condition's proposition
    negative: int
    flags: list[str]
    seconds: float = 0.0
    file: str = ""
    candidates: int = 0
    # False when executions were not all counted: `positive`/`negative` say
    # only whether one exists
    exhaustive: bool = True
    # False when final states were not all listed: `states` are the witnesses found
    states_complete: bool = True
    limit: Optional[int] = None  # not exhaustive because more executions than this were allowed
    # herd7's `Loop`: some candidate needs more loop iterations than --unroll N
    loop_limit: bool = False
    # ... and a loop judged by unrolling was cut there: outcomes may be missing
    loop_cut: bool = False

    @property
    def observation(self) -> str:
        if self.positive == 0:
            return "Never"
        if self.negative == 0:
            return "Always"
        return "Sometimes"

    @property
    def ok(self) -> bool:
        """herd7's Ok/No: does the test's condition hold?"""
        if self.quantifier == "exists":
            return self.positive > 0
        if self.quantifier == "~exists":
            return self.positive == 0
        return self.negative == 0  # forall


def loc_key(loc: A.Loc) -> str:
    return f"{loc.thread}:{loc.reg}" if isinstance(loc, A.RegLoc) else loc.name


def prop_locations(p: Optional[A.Prop]) -> list[A.Loc]:
    """Locations a proposition mentions, in order of appearance."""
    out: list[A.Loc] = []
    if p is None:
        return out
    if isinstance(p, A.PAtom):
        out.append(p.loc)
        if isinstance(p.value, (A.RegLoc, A.MemLoc)):
            out.append(p.value)
    elif isinstance(p, (A.PAnd, A.POr)):
        for q in p.items:
            out += prop_locations(q)
    elif isinstance(p, A.PNot):
        out += prop_locations(p.item)
    elif isinstance(p, A.PImplies):
        out += prop_locations(p.left) + prop_locations(p.right)
    return out


def observed_locations(test: A.Test) -> list[A.Loc]:
    """What a final state shows: `locations` and the condition's locations,
    registers first (by thread, then name), then shared variables."""
    seen: dict[str, A.Loc] = {}
    for loc in list(test.locations) + prop_locations(test.condition.prop):
        seen.setdefault(loc_key(loc), loc)
    regs = sorted((l for l in seen.values() if isinstance(l, A.RegLoc)), key=lambda l: (l.thread, l.reg))
    mems = sorted((l for l in seen.values() if isinstance(l, A.MemLoc)), key=lambda l: l.name)
    return regs + mems


def observed_addresses(test: A.Test, program: Program) -> frozenset[int]:
    """The addresses of the shared variables a final state shows (or a
    filter tests), which herd's FW speaks of."""
    locs = list(test.locations) + prop_locations(test.condition.prop)
    if test.filter is not None:
        locs += prop_locations(test.filter)
    return frozenset(program.locations[l.name] for l in locs
                     if isinstance(l, A.MemLoc) and l.name in program.locations)


class FinalState:
    """Reads final values of registers and variables off a candidate."""

    def __init__(self, test: A.Test, program: Program, c: Candidate):
        self.test, self.program, self.c = test, program, c
        self._last_write: dict[int, int] = {addr: ws[-1] for addr, ws in c.co.items()}

    def expression(self, loc: A.Loc) -> Optional[Value]:
        """The program value a location ends with; None for 0 (a register
        never written, a variable never stored to)."""
        if isinstance(loc, A.RegLoc):
            regs = self.program.registers.get(loc.thread)
            if regs is None:
                raise MemcheckError(f"no thread P{loc.thread}", self.test.source, loc.pos.line, loc.pos.col)
            return regs.get(loc.reg)
        addr = self.program.locations.get(loc.name)
        if addr is None:
            raise MemcheckError(f"undeclared shared variable '{loc.name}'", self.test.source,
                                loc.pos.line, loc.pos.col)
        w = self._last_write.get(addr)
        return None if w is None else self.program.events[w].value

    def value(self, loc: A.Loc) -> int:
        v = self.expression(loc)
        return 0 if v is None else evaluate(v, self.c.reads, self.c.branches)

    def undetermined(self, loc: A.Loc) -> frozenset[int]:
        """The out-of-thin-air reads the location's final value is built from."""
        if not self.c.undetermined:
            return frozenset()
        return frozenset(live_reads(self.program, self.expression(loc), self.c.reads, self.c.branches)
                         & self.c.undetermined)

    def shown(self, loc: A.Loc) -> StateValue:
        """The value as herd7 prints it: a variable's name for its address,
        a symbol S<n> for an out-of-thin-air value."""
        thin_air = self.undetermined(loc)
        if thin_air:
            return f"S{thin_air_origin(self.program, self.c, set(thin_air))}"
        v = self.value(loc)
        name = self.program.address_name(v)
        return name if name is not None else v

    def state(self, locs: list[A.Loc]) -> State:
        return tuple((loc_key(l), self.shown(l)) for l in locs)

    def holds(self, p: A.Prop) -> bool:
        if isinstance(p, A.PConst):
            return p.value
        if isinstance(p, A.PAtom):
            left = self.value(p.loc)
            if isinstance(p.value, A.IntLit):
                right = p.value.value
            elif isinstance(p.value, A.AddrValue):
                addr = self.program.locations.get(p.value.name)
                if addr is None:
                    raise MemcheckError(f"undeclared shared variable '{p.value.name}'", self.test.source,
                                        p.value.pos.line, p.value.pos.col)
                right = addr
            else:
                right = self.value(p.value)
                return (left == right) if p.op == "=" else (left != right)
            # an out-of-thin-air value equals no constant (engine/grounded.py)
            determined = not self.undetermined(p.loc)
            return (determined and left == right) if p.op == "=" else (not determined or left != right)
        if isinstance(p, A.PAnd):
            return all(self.holds(q) for q in p.items)
        if isinstance(p, A.POr):
            return any(self.holds(q) for q in p.items)
        if isinstance(p, A.PNot):
            return not self.holds(p.item)
        if isinstance(p, A.PImplies):
            return (not self.holds(p.left)) or self.holds(p.right)
        raise TypeError(p)


def state_sort_key(s: State):
    return tuple((k, (0, v) if isinstance(v, int) else (1, v)) for k, v in s)
