"""Relations and event sets on small universes as Python integer bitmasks.

A set over events 0..n-1 is an int (bit i = event i).  A relation is a tuple
of n ints, one row per event: bit j of row i is the edge i -> j.  All
functions are pure and never mutate their arguments.
"""
from __future__ import annotations

import functools
from collections import deque
from itertools import compress
from operator import and_, or_
from typing import Iterable, Iterator, Optional

Rel = tuple[int, ...]


# ---------------------------------------------------------------- sets


def bits(s: int) -> Iterator[int]:
    """The members of set `s`, in increasing order."""
    while s:
        low = s & -s
        yield low.bit_length() - 1
        s ^= low


def full_set(n: int) -> int:
    """The set of all n events."""
    return (1 << n) - 1


def set_from(items: Iterable[int]) -> int:
    """The set holding `items`."""
    s = 0
    for i in items:
        s |= 1 << i
    return s


def set_complement(n: int, s: int) -> int:
    """Events of 0..n-1 not in s."""
    return ((1 << n) - 1) & ~s


# ---------------------------------------------------------------- construction


def empty(n: int) -> Rel:
    """The empty relation on n events."""
    return (0,) * n


@functools.lru_cache(maxsize=64)
def _identity(n: int) -> Rel:
    return tuple(1 << i for i in range(n))


def identity(n: int, s: Optional[int] = None) -> Rel:
    """The identity on set s (all n events when s is None): herd's `[s]`."""
    if s is None:
        return _identity(n)
    return tuple(s & (1 << i) for i in range(n))


def from_pairs(n: int, pairs: Iterable[tuple[int, int]]) -> Rel:
    """The relation holding the (a, b) edges of `pairs`."""
    rows = [0] * n
    for a, b in pairs:
        rows[a] |= 1 << b
    return tuple(rows)


def pairs(r: Rel) -> list[tuple[int, int]]:
    """The edges of r, sorted."""
    return [(i, j) for i, row in enumerate(r) for j in bits(row)]


def product(n: int, s: int, t: int) -> Rel:
    """The cartesian product s * t."""
    return tuple(t if (s >> i) & 1 else 0 for i in range(n))


# ---------------------------------------------------------------- algebra


def union(a: Rel, b: Rel) -> Rel:
    """a | b."""
    return tuple(map(or_, a, b))


def inter(a: Rel, b: Rel) -> Rel:
    """a & b."""
    return tuple(map(and_, a, b))


def diff(a: Rel, b: Rel) -> Rel:
    """a \\ b."""
    return tuple(map(and_, a, map(int.__invert__, b)))


def complement(r: Rel) -> Rel:
    """All pairs of events not in r (herd's `~r`)."""
    full = (1 << len(r)) - 1
    return tuple(full & ~row for row in r)


@functools.lru_cache(maxsize=4096)
def row_mask(n: int, s: int) -> Rel:
    """Per row, all ones for events in s and zero otherwise (see restrict_rows;
    the same few sets recur, hence the cache)."""
    return tuple(-((s >> i) & 1) for i in range(n))


def restrict_rows(s: int, r: Rel, mask: Optional[Rel] = None) -> Rel:
    """[s] ; r: keep the rows of events in s (mask: row_mask(len(r), s) if known)."""
    return tuple(map(and_, r, mask if mask is not None else row_mask(len(r), s)))


def restrict_cols(r: Rel, s: int) -> Rel:
    """r ; [s]: keep the columns of events in s."""
    return tuple(map(s.__and__, r))


def seq(a: Rel, b: Rel) -> Rel:
    """The composition a ; b = {(x, y) | exists z. a(x, z) and b(z, y)}."""
    n = len(a)
    if n >= 32 and sum(map(int.bit_count, a)) > 3 * n:
        return _seq_dense(a, b)
    out = [0] * n
    for i in compress(range(n), a):   # the rows with an edge, found at C speed
        row = a[i]
        if not row & (row - 1):   # one edge: that row of b
            out[i] = b[row.bit_length() - 1]
            continue
        acc = 0
        while row:
            low = row & -row
            acc |= b[low.bit_length() - 1]
            row ^= low
        out[i] = acc
    return tuple(out)


@functools.lru_cache(maxsize=64)
def _row_heads(n: int) -> int:
    """The int with bit i*n set for each row i of an n*n bit matrix."""
    return sum(1 << (i * n) for i in range(n))


def _seq_dense(a: Rel, b: Rel) -> Rel:
    """a ; b on the n*n bit matrix: column k of a (one bit per row) times
    row k of b spreads b's row into every row holding k, without carries."""
    n = len(a)
    flat = 0
    for row in reversed(a):
        flat = (flat << n) | row
    heads = _row_heads(n)
    acc = 0
    for k, bk in enumerate(b):
        if bk:
            col = (flat >> k) & heads
            if col:
                acc |= col * bk
    full = (1 << n) - 1
    return tuple((acc >> (i * n)) & full for i in range(n))


def inverse(r: Rel) -> Rel:
    """r^-1."""
    out = [0] * len(r)
    for i, row in enumerate(r):
        bit = 1 << i
        while row:
            low = row & -row
            out[low.bit_length() - 1] |= bit
            row ^= low
    return tuple(out)


def plus(r: Rel) -> Rel:
    """The transitive closure r+ (row-wise search reusing finished rows)."""
    n = len(r)
    out = list(r)
    done = 0
    for i in range(n):
        frontier = r[i]
        reach = 0
        while frontier:
            reach |= frontier
            new = 0
            f = frontier
            while f:
                low = f & -f
                f ^= low
                j = low.bit_length() - 1
                if done & low:
                    reach |= out[j]
                else:
                    new |= r[j]
            frontier = new & ~reach
        out[i] = reach
        done |= 1 << i
    return tuple(out)


def opt(r: Rel) -> Rel:
    """The reflexive closure r? = r | id."""
    return tuple(map(or_, r, _identity(len(r))))


def star(r: Rel) -> Rel:
    """The reflexive-transitive closure r*."""
    return opt(plus(r))


def domain(r: Rel) -> int:
    """Events with an outgoing edge."""
    s = 0
    for i, row in enumerate(r):
        if row:
            s |= 1 << i
    return s


def range_(r: Rel) -> int:
    """Events with an incoming edge."""
    s = 0
    for row in r:
        s |= row
    return s


# ---------------------------------------------------------------- tests


def is_empty(r: Rel) -> bool:
    """r has no edge."""
    return not any(r)


def is_irreflexive(r: Rel) -> bool:
    """No edge i -> i."""
    for i, row in enumerate(r):
        if (row >> i) & 1:
            return False
    return True


def _cyclic_core(r: Rel) -> int:
    """The events left after repeatedly removing events with no successor
    (empty exactly when r is acyclic)."""
    alive = 0
    for i, row in enumerate(r):
        if row:
            alive |= 1 << i
    changed = True
    while changed and alive:
        changed = False
        for i in range(len(r) - 1, -1, -1):
            bit = 1 << i
            if alive & bit and not (r[i] & alive):
                alive ^= bit
                changed = True
    return alive


def is_acyclic(r: Rel) -> bool:
    """r has no cycle (i.e. r+ is irreflexive)."""
    return _cyclic_core(r) == 0


def find_path(r: Rel, a: int, b: int, avoid: int = 0) -> Optional[list[int]]:
    """A shortest path [a, ..., b] of at least one edge of r, not visiting
    intermediate events of `avoid`; None when there is none."""
    prev: dict[int, int] = {}
    seen = 0
    queue = deque()
    for j in bits(r[a]):
        if j == b:
            return [a, b]
        if not (avoid >> j) & 1 and not (seen >> j) & 1:
            seen |= 1 << j
            prev[j] = a
            queue.append(j)
    while queue:
        x = queue.popleft()
        for j in bits(r[x]):
            if j == b:
                path = [b, x]
                while x != a:
                    x = prev[x]
                    path.append(x)
                path.reverse()
                return path
            if not (avoid >> j) & 1 and not (seen >> j) & 1:
                seen |= 1 << j
                prev[j] = x
                queue.append(j)
    return None


def find_cycle(r: Rel) -> Optional[list[int]]:
    """A shortest cycle of r as its list of events [e0, ..., ek] (the closing
    edge ek -> e0 is implied); None when r is acyclic."""
    core = _cyclic_core(r)
    if not core:
        return None
    best: Optional[list[int]] = None
    for a in bits(core):
        if (r[a] >> a) & 1:
            return [a]
        path = find_path(r, a, a)
        if path is not None and (best is None or len(path) - 1 < len(best)):
            best = path[:-1]
            if len(best) == 2:
                break
    return best

