"""The compiled form of a cat model: a DAG of set/relation operations in
evaluation order, its `let rec` groups, and its checks.

Produced by `compile.py`, specialised per execution by `plan.py`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from . import ast as A

# Relations the engine chooses: rf and co between memory accesses, and
# those of lock events (which herd's C models build themselves, see
# lock.cat; memcheck's own models add them back, see lkmm-events.cat).
ENGINE_RELATIONS = ("rf", "co", "lock-rf", "lock-co")
DYNAMIC = ENGINE_RELATIONS


def engine_relation(name: str) -> str:
    """The engine choice ('rf' or 'co') a dynamic base relation is made of."""
    return "rf" if name in ("rf", "lock-rf") else "co"


@dataclass
class Node:
    """One operation of the DAG.  `args` are value slots read; `deps` are the
    nodes that must be evaluated first, at this node's nesting level."""

    kind: str
    args: tuple[int, ...]
    pos: A.Pos
    data: Any = None
    deps: tuple[int, ...] = ()
    label: Optional[str] = None
    text: str = ""
    owner: Optional[int] = None       # the `let rec` group that recomputes this node
    ph: frozenset = frozenset()       # groups whose placeholders this node depends on
    dyn: bool = False                 # depends on rf, co or event values
    mono: bool = True                 # monotone in rf and co


@dataclass
class Group:
    """A `let rec` group: placeholders hold the previous iteration's values,
    results are the binding bodies (later bindings see earlier results)."""

    gid: int
    names: list[str]
    placeholders: list[int]
    results: list[int] = field(default_factory=list)
    body: list[int] = field(default_factory=list)
    fix: int = -1
    closed: bool = False
    nested: bool = False


@dataclass(frozen=True)
class Violation:
    """A failed axiom: its name, kind and whether it is monotone in rf/co
    (then it fails on every execution containing the rf/co edges its
    explanation names: executions where each read reads one write and co
    orders the writes of each location, so an edge's absence is named by the
    edge excluding it)."""

    name: str
    kind: str
    monotone: bool


@dataclass(frozen=True)
class CheckSpec:
    """A compiled check (axiom or flag) of the model, in model order."""

    kind: str
    negated: bool
    node: int
    name: str
    flag: bool
    pos: A.Pos
    monotone: bool
    structural: bool = False   # fails on what is no execution of the model at all
    asserted: bool = False     # `assert`: checked like a flag, its failure an error in the test

    @property
    def violation(self) -> "Violation":
        """The Violation reported when this (non-flag) check fails."""
        kind = ("~" + self.kind) if self.negated else self.kind
        return Violation(self.name, kind, self.monotone)


@dataclass
class Program:
    """The compiled model: nodes in evaluation order, rec groups, checks."""

    nodes: list[Node]
    groups: list[Group]
    checks: list[CheckSpec]
    empty_default: frozenset[str]     # base sets that default to empty (enum tags)
    title: Optional[str] = None
    complete: dict = field(default_factory=dict)  # node -> "rf"/"co": all the engine's edges
    # (set names, relation names) -> which nodes fail, which `try` branches are
    # chosen, which nodes the checks need: the same for every execution naming them
    fails_cache: dict = field(default_factory=dict, repr=False, compare=False)
    # (names, static nodes found empty) -> the dynamic nodes left to evaluate (cat/plan.py)
    layout_cache: dict = field(default_factory=dict, repr=False, compare=False)
    # node -> the function evaluating it statically, where no key changes it (cat/plan.py)
    static_fns: dict = field(default_factory=dict, repr=False, compare=False)
