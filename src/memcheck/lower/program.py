"""The event program: what a litmus test becomes before the solver sees it.

A Program lists every event any execution of the test may contain (events of
both legs of an `if` included, each with a guard), the static relations
between them (program order, dependencies, read-modify-write pairs) and the
symbolic values they read and write.  Values are a tiny expression language
of our own so that lowering needs no solver and programs can be printed,
compared and evaluated concretely.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union


# ------------------------------------------------------------------ values


@dataclass(frozen=True)
class VConst:
    value: int


@dataclass(frozen=True)
class VRead:
    """The value read by event `eid`."""
    eid: int


@dataclass(frozen=True)
class VOp:
    """An operator applied to values: C spelling (+ - * / % & | ^ << >>
    == != < <= > >= && || ! ~ neg ite)."""
    op: str
    args: tuple["Value", ...]


@dataclass(frozen=True)
class VBranch:
    """1 when branch `index` takes its then-leg, else 0."""
    index: int


Value = Union[VConst, VRead, VOp, VBranch]


# ------------------------------------------------------------------ events


@dataclass(frozen=True)
class Literal:
    """Branch `branch` taken with polarity `value` (True: the then-leg)."""
    branch: int
    value: bool


@dataclass(frozen=True)
class Event:
    """One memory access, fence or other model event.

    kind: 'R', 'W', 'F' (a fence) or 'X' (another non-memory event that
    may name a location, such as an SRCU read-side lock).  `addr` is None for events without a
    location.  `value` is what a write writes, or the event's value for
    non-memory events that carry one (srcu); for a read it is VRead(eid).
    `guard` lists the branch literals under which the event exists.
    """
    eid: int
    thread: int  # -1 for initial writes
    kind: str
    tags: frozenset[str]
    addr: Optional[Value]
    value: Optional[Value]
    guard: tuple[Literal, ...] = ()
    line: int = 0
    label: str = ""  # source text of the primitive, for reports and graphs

    @property
    def is_read(self) -> bool:
        return self.kind == "R"

    @property
    def is_write(self) -> bool:
        return self.kind == "W"

    @property
    def is_init(self) -> bool:
        return self.thread < 0


@dataclass(frozen=True)
class Branch:
    """A two-way choice of one thread.  `cond` is the value deciding it (taken
    when non-zero); None for a free choice (a trylock may fail)."""
    index: int
    thread: int
    cond: Optional[Value]
    guard: tuple[Literal, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Constraint:
    """A value condition that must hold whenever `guard` holds, e.g. a lock
    read sees the unlocked value, or a failed cmpxchg saw another value."""
    cond: Value
    guard: tuple[Literal, ...] = ()


Guard = tuple[Literal, ...]


@dataclass(frozen=True)
class LoopRecord:
    """One loop as lowered (a loop inside an unrolled one: once per copy).

    `kind` is 'unrolled' (herd7's: `--unroll N` iterations, executions
    needing more are cut off) or 'await' (its iterations only read, judged
    without a bound: one iteration stands for all, the last).  Under a
    guard of `cut` an execution goes on past what was lowered: an unrolled
    loop's execution is cut off, an await is still waiting; either way no
    complete execution takes it.  `limit`: the guards under which an
    execution needs more than `--unroll N` iterations (herd7's `Loop`
    line).  `waiting`: an await's reads of its last iteration, which a
    stuck await (flag `hang`) reads from the coherence-last writes."""
    line: int
    col: int
    kind: str
    cut: tuple[Guard, ...] = ()
    limit: tuple[Guard, ...] = ()
    waiting: tuple[int, ...] = ()

    @property
    def is_await(self) -> bool:
        return self.kind == "await"


@dataclass
class Program:
    """All events of a test and their static relations, per target."""
    target: str
    events: list[Event]
    locations: dict[str, int]  # shared variable -> its address value
    po: set[tuple[int, int]] = field(default_factory=set)  # transitive, same thread
    # dependencies: (source read, target event, guard under which it holds)
    addr: set[tuple[int, int, tuple[Literal, ...]]] = field(default_factory=set)
    data: set[tuple[int, int, tuple[Literal, ...]]] = field(default_factory=set)
    ctrl: set[tuple[int, int, tuple[Literal, ...]]] = field(default_factory=set)
    rmw: set[tuple[int, int]] = field(default_factory=set)
    branches: list[Branch] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    # final value of each register: thread -> name -> value
    registers: dict[int, dict[str, Value]] = field(default_factory=dict)
    nthreads: int = 0
    # How the events are named for models: "" memcheck's own tags; "herd:ARCH"
    # herd7's sets for that architecture (lower/herd_view.py builds the rest
    # of herd's view: same-instance, iico_*, rf-reg, the sets always defined)
    view: str = ""
    # the instruction instance each event belongs to (assembly lowerings)
    instance: dict[int, int] = field(default_factory=dict)
    # rmw pairs that are one atomic step, as herd's single-event AMOs: the
    # read reads the write just before the pair's write in coherence order
    atomic_steps: set[tuple[int, int]] = field(default_factory=set)
    # further static relations, guarded as the dependencies are: iico_data,
    # iico_ctrl, iico_order and rf-reg between register and memory events
    relations: dict[str, set[tuple[int, int, tuple[Literal, ...]]]] = field(default_factory=dict)
    loops: list[LoopRecord] = field(default_factory=list)

    def address_name(self, value: int) -> Optional[str]:
        """The variable whose address `value` is, if any."""
        for name, addr in self.locations.items():
            if addr == value:
                return name
        return None
