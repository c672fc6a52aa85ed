"""What the cat evaluator works on and answers: a candidate execution, the
checks it fails, and why one fails."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Mapping, Optional, Sequence

from .program import Violation
from .relation import Rel


@dataclass(frozen=True)
class Execution:
    """A candidate execution over events 0..n-1: named base sets (bitmasks),
    base relations (row tuples), event values, and a key identifying the
    static part (equal keys: identical sets and relations other than rf/co)."""

    n: int
    sets: Mapping[str, int]
    rels: Mapping[str, Rel]
    values: Sequence[Optional[int]] = ()
    static_key: Hashable = None


@dataclass(frozen=True)
class CheckResult:
    """The failed (non-flag) checks, and the names of the flags raised."""

    violations: list[Violation]
    flags: frozenset[str]
    # on a violation, the slot values computed up to it (what an explanation starts from)
    values: Optional[list] = field(default=None, compare=False, repr=False)

    @property
    def allowed(self) -> bool:
        """The model allows the execution."""
        return not self.violations


@dataclass(frozen=True)
class Step:
    """One edge (a, b) of the relation under closure node `node`, and the
    facts deriving it."""

    node: int
    a: int
    b: int
    facts: frozenset[tuple]


@dataclass(frozen=True)
class PathFact:
    """A ('path', node, a, b) fact and the steps of the path found for it,
    edges of node `relation` (the closure's operand)."""

    node: int
    a: int
    b: int
    steps: tuple[tuple[int, int], ...]
    relation: int


@dataclass(frozen=True)
class Explanation:
    """Why a check failed: labelled edges (a cycle, a loop path or a pair) and
    rf/co edges ('rf'|'co', a, b) that suffice, with the static part, to fail
    it; asked for closures, also ('path', node, a, b): (a, b) is in closure
    node's relation, its steps' derivations in `steps`."""

    edges: list[tuple[int, int, str]]
    facts: frozenset[tuple]
    whole: bool = False   # the facts do not suffice: refute the whole execution
    steps: tuple[Step, ...] = ()
    paths: tuple[PathFact, ...] = ()
