"""Runtime cat values beyond event sets and relations: elements, tuples,
tags, sets of values, and the lazy sets of orders that `with` chooses from.

An event set is an int bitmask and a relation a tuple of row ints (see
relation.py); int 0 is herd's polymorphic empty.  The types here carry what
herd's library computes with (`map`, `cross`, `linearisations`,
`classes-loc`, `++`, `{e}`, `match`), so that models written against it run
verbatim.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Iterator, Union

from . import relation as R
from .ops import CatTypeError


@dataclass(frozen=True)
class EventV:
    """One event, an element of an event set."""

    index: int


@dataclass(frozen=True)
class PairV:
    """One pair of events, an element of a relation."""

    a: int
    b: int


@dataclass(frozen=True)
class TagV:
    """A tag constant ('name)."""

    name: str


@dataclass(frozen=True)
class TupleV:
    """A tuple of values."""

    items: tuple


@dataclass(frozen=True)
class ValSet:
    """A finite set of values (of relations, of event sets, of tags...)."""

    items: frozenset


class LazySet:
    """A set of relations too large to list, known by its frame (the union
    of its elements) and a membership test."""

    def frame(self, n: int) -> tuple:
        raise NotImplementedError

    def contains(self, r: tuple, n: int) -> bool:
        raise NotImplementedError

    def elements(self, n: int) -> Iterator:
        raise NotImplementedError


@dataclass(frozen=True)
class LinSet(LazySet):
    """herd's `linearisations(ws, pco)`: the strict total orders of the events
    of ws that contain pco restricted to ws."""

    ws: int
    pco: object
    pco_node: int = field(default=-1, compare=False)   # DAG slot pco was read from, if any

    def frame(self, n: int) -> tuple:
        return tuple((self.ws & ~(1 << i)) if (self.ws >> i) & 1 else 0 for i in range(n))

    def _pco(self, n: int) -> tuple:
        p = self.pco
        if type(p) is int:
            return (0,) * n
        return tuple(row & self.ws if (self.ws >> i) & 1 else 0 for i, row in enumerate(p))

    def contains(self, r: tuple, n: int) -> bool:
        ws = self.ws
        if type(r) is int:
            r = (0,) * n
        members = list(R.bits(ws))   # r must order each two of them, one way
        for i in range(n):
            row = r[i]
            if (ws >> i) & 1:
                if row & ~ws or (row >> i) & 1:
                    return False
            elif row:
                return False
        for x, y in itertools.combinations(members, 2):
            if ((r[x] >> y) & 1) == ((r[y] >> x) & 1):
                return False
        if not R.is_acyclic(r):
            return False
        return all((r[i] & row) == row for i, row in enumerate(self._pco(n)))

    def missing(self, r: tuple, n: int) -> list[tuple[int, int]]:
        """Edges of pco among ws that r lacks (why an order is not one of them)."""
        return [(a, b) for a, row in enumerate(self._pco(n)) for b in R.bits(row)
                if not (r[a] >> b) & 1]

    def elements(self, n: int) -> Iterator[tuple]:
        pco = self._pco(n)
        if not R.is_acyclic(pco):   # no order extends a cycle (herd: none)
            return

        def extend(order: list[int], left: int) -> Iterator[list[int]]:
            if not left:
                yield order
                return
            for e in R.bits(left):
                # e may come next when no remaining event must precede it
                if not any((pco[p] >> e) & 1 for p in R.bits(left) if p != e):
                    yield from extend(order + [e], left & ~(1 << e))

        for order in extend([], self.ws):
            rows = [0] * n
            later = 0
            for e in reversed(order):
                rows[e] = later
                later |= 1 << e
            yield tuple(rows)


@dataclass(frozen=True)
class Cross(LazySet):
    """herd's `cross(S)`: one element of each set of S, unioned."""

    parts: tuple

    def frame(self, n: int) -> tuple:
        acc = (0,) * n
        for p in self.parts:
            acc = R.union(acc, frame_of(p, n))
        return acc

    def _disjoint(self, n: int) -> bool:
        seen = (0,) * n
        for p in self.parts:
            f = frame_of(p, n)
            if any(a & b for a, b in zip(seen, f)):
                return False
            seen = R.union(seen, f)
        return True

    def contains(self, r: tuple, n: int) -> bool:
        if type(r) is int:
            r = (0,) * n
        if not self._disjoint(n):
            return any(e == r for e in self.elements(n))
        covered = (0,) * n
        for p in self.parts:
            f = frame_of(p, n)
            covered = R.union(covered, f)
            if not member(p, R.inter(r, f), n):
                return False
        return R.diff(r, covered) == (0,) * n

    def elements(self, n: int) -> Iterator[tuple]:
        pools = [list(elements_of(p, n)) for p in self.parts]
        for choice in itertools.product(*pools):
            acc = (0,) * n
            for c in choice:
                acc = R.union(acc, as_rel(c, n))
            yield acc


Value = Union[int, tuple, EventV, PairV, TagV, TupleV, ValSet, LazySet]


def as_rel(x, n: int) -> tuple:
    """x as a relation (int 0, the polymorphic empty, is the empty relation)."""
    if type(x) is int:
        if x:
            raise CatTypeError("expected a relation, got an event set")
        return (0,) * n
    if type(x) is tuple:
        return x
    raise CatTypeError(f"expected a relation, got {describe(x)}")


def describe(x) -> str:
    """A word for the type of a runtime value, for error messages."""
    if type(x) is int:
        return "an event set"
    if type(x) is tuple:
        return "a relation"
    return {EventV: "an event", PairV: "a pair of events", TagV: "a tag", TupleV: "a tuple",
            ValSet: "a set of values", LinSet: "a set of orders", Cross: "a set of relations"
            }.get(type(x), "a function")


def elements_of(s, n: int) -> Iterator:
    """The elements of a set value: events of an event set, pairs of a
    relation, members of a set of values (lazy sets are listed)."""
    if type(s) is int:
        for i in R.bits(s):
            yield EventV(i)
    elif type(s) is tuple:
        for a, b in R.pairs(s):
            yield PairV(a, b)
    elif isinstance(s, ValSet):
        yield from sorted(s.items, key=_order)
    elif isinstance(s, LazySet):
        yield from s.elements(n)
    else:
        raise CatTypeError(f"expected a set, got {describe(s)}")


def _order(x) -> tuple:
    """A deterministic order on values (iteration order of sets of values)."""
    return (type(x).__name__, repr(x))


def frame_of(s, n: int) -> tuple:
    """The union of the relations in set s."""
    if isinstance(s, LazySet):
        return s.frame(n)
    if type(s) is int and not s:
        return (0,) * n
    if isinstance(s, ValSet):
        acc = (0,) * n
        for x in s.items:
            acc = R.union(acc, as_rel(x, n))
        return acc
    raise CatTypeError(f"expected a set of relations, got {describe(s)}")


def member(s, r: tuple, n: int) -> bool:
    """r is one of the relations of set s."""
    if isinstance(s, LazySet):
        return s.contains(r, n)
    if type(s) is int:
        return False
    if isinstance(s, ValSet):
        empty = not any(r)
        return any((as_rel(x, n) == r) if not (type(x) is int) else (empty and not x)
                   for x in s.items)
    raise CatTypeError(f"expected a set of relations, got {describe(s)}")


def add(x, s, n: int):
    """`x ++ s`: s with element x added."""
    if isinstance(s, ValSet):
        return ValSet(s.items | {x})
    if isinstance(x, EventV):
        if type(s) is int:
            return s | (1 << x.index)
        raise CatTypeError("'++' adds an event to an event set")
    if isinstance(x, PairV):
        rows = list(as_rel(s, n))
        rows[x.a] |= 1 << x.b
        return tuple(rows)
    if type(s) is int and not s:
        return ValSet(frozenset({x}))
    if isinstance(s, LazySet):
        return ValSet(frozenset(s.elements(n)) | {x})
    raise CatTypeError(f"'++' cannot add {describe(x)} to {describe(s)}")


def explicit(items: list, n: int):
    """`{e1, ..., ek}`."""
    acc = 0
    for x in reversed(items):
        acc = add(x, acc, n)
    return acc


def uncons(s, n: int):
    """(element, rest) of a non-empty set, or None when s is empty."""
    if type(s) is int:
        if not s:
            return None
        low = s & -s
        return EventV(low.bit_length() - 1), s ^ low
    if type(s) is tuple:
        for i, row in enumerate(s):
            if row:
                low = row & -row
                rows = list(s)
                rows[i] = row ^ low
                return PairV(i, low.bit_length() - 1), tuple(rows)
        return None
    if isinstance(s, ValSet):
        if not s.items:
            return None
        x = min(s.items, key=_order)
        return x, ValSet(s.items - {x})
    if isinstance(s, LazySet):
        return uncons(ValSet(frozenset(s.elements(n))), n)
    raise CatTypeError(f"cannot match {describe(s)} as a set")


def is_empty_set(s, n: int) -> bool:
    """s is an empty set of any kind."""
    return uncons(s, n) is None


def classes_loc(s: int, loc: tuple) -> ValSet:
    """herd's `classes-loc`: the events of s grouped by location."""
    out = set()
    left = s
    while left:
        low = left & -left
        i = low.bit_length() - 1
        cls = loc[i] & s | low
        out.add(cls)
        left &= ~cls
    return ValSet(frozenset(out))
