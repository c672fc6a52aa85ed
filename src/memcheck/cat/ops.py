"""Operations on runtime cat values: a set is an int, a relation a tuple of
row ints, and int 0 doubles as herd's polymorphic empty (set or relation).

They dispatch on the value type so that compiled models need no static types.
"""
from __future__ import annotations

from operator import and_, or_
from typing import Sequence, Union

from . import relation as R

Value = Union[int, tuple]


class CatTypeError(Exception):
    """A set was used where a relation is needed, or the reverse."""


def is_emptyval(x: Value) -> bool:
    """x is the empty set, empty relation or polymorphic empty (values of
    other kinds, see values.py, are never taken for empty here)."""
    if type(x) is int:
        return not x
    return type(x) is tuple and not any(x)


def same(x: Value, y: Value) -> bool:
    """Value equality where every empty value is equal (fixpoint test)."""
    return x == y or (is_emptyval(x) and is_emptyval(y))


def _mixed(op: str) -> CatTypeError:
    return CatTypeError(f"'{op}' between an event set and a relation")


def union(a: Value, b: Value) -> Value:
    """a | b."""
    if type(a) is int:
        if type(b) is int:
            return a | b
        if a:
            raise _mixed("|")
        return b
    if type(b) is int:
        if b:
            raise _mixed("|")
        return a
    return tuple(map(or_, a, b))


def union_n(vals: Sequence[Value]) -> Value:
    """The union of several values."""
    acc = vals[0]
    for x in vals[1:]:
        acc = union(acc, x)
    return acc


def inter(a: Value, b: Value) -> Value:
    """a & b."""
    if type(a) is int:
        if type(b) is int:
            return a & b
        if a:
            raise _mixed("&")
        return 0
    if type(b) is int:
        if b:
            raise _mixed("&")
        return 0
    return tuple(map(and_, a, b))


def diff(a: Value, b: Value) -> Value:
    """a \\ b."""
    if type(a) is int:
        if type(b) is int:
            return a & ~b
        if a:
            raise _mixed("\\")
        return 0
    if type(b) is int:
        if b:
            raise _mixed("\\")
        return a
    return tuple(map(and_, a, map(int.__invert__, b)))


def _rel(x: Value, op: str) -> tuple:
    if type(x) is int:
        raise CatTypeError(f"'{op}' needs a relation, got an event set")
    return x


def _no_set(x: int, op: str) -> None:
    if x:
        raise CatTypeError(f"'{op}' needs a relation, got an event set")


def _set(x: Value, op: str) -> int:
    if type(x) is not int:
        if not any(x):
            return 0
        raise CatTypeError(f"'{op}' needs an event set, got a relation")
    return x


def seq(a: Value, b: Value) -> Value:
    """a ; b."""
    if type(a) is int:
        if a:
            raise CatTypeError("';' needs relations, got an event set")
        return 0
    if type(b) is int:
        if b:
            raise CatTypeError("';' needs relations, got an event set")
        return 0
    return R.seq(a, b)


def seq_chain(n: int, v: list, ops: Sequence[tuple]) -> Value:
    """The sequence of operands given as (mode, slot, mask): mode r is a
    relation, f a filter `[S]` (slot holds S; mask is R.row_mask(n, S) when S
    is known in advance), o is `X?` and s is `X*` (slot holds X, resp. X+).
    Composing costs one step per edge of the left operand: evaluated left to
    right when the chain starts with a filter or a relation of few rows (a
    quarter of the events at most: every partial product keeps to those
    rows), else right to left (operands are sparser than partial products)."""
    for mode, slot, _ in ops:   # an empty relation empties the chain: nothing to compose
        if mode == "r":
            x = v[slot]
            if type(x) is int:
                if x == 0:
                    return 0
            elif not any(x):
                return R.empty(n)
    mode, slot, _ = ops[0]
    x = v[slot]
    few_rows = (type(x) is int and 4 * x.bit_count() <= n) if mode == "f" else \
        (mode == "r" and type(x) is not int and 4 * (n - x.count(0)) <= n)
    return _seq_from(n, v, ops, left=few_rows)


def _seq_from(n: int, v: list, ops: Sequence[tuple], left: bool) -> Value:
    """seq_chain from one end: filters before the first relation met restrict
    that end (rows from the left, columns from the right), filters after it
    the other end of the partial product."""
    acc = None
    end = -1   # the events the filters met first allow at this end
    for mode, slot, mask in (ops if left else reversed(ops)):
        x = v[slot]
        if mode == "f":
            x = _set(x, "[ ]")
            if acc is None:
                end &= x
            else:
                acc = R.restrict_cols(acc, x) if left else R.restrict_rows(x, acc, mask)
            continue
        if type(x) is int:
            if x:
                raise CatTypeError("';' needs relations, got an event set")
            if mode == "r":
                return 0
            if acc is None:
                acc = R.identity(n) if end == -1 else R.identity(n, end)
            continue
        if acc is None:
            if mode != "r":
                x = R.opt(x)
            acc = x if end == -1 else R.restrict_rows(end, x) if left else R.restrict_cols(x, end)
            continue
        step = R.seq(acc, x) if left else R.seq(x, acc)
        acc = step if mode == "r" else R.union(acc, step)
    if acc is None:  # pragma: no cover - the compiler folds all-filter chains into [S]
        raise CatTypeError("internal: sequence of filters only")
    return acc


def inter_modes(v: list, rels: Sequence[int], invs: Sequence[int]) -> Value:
    """The intersection of the values in slots `rels` and of the inverses of
    the values in slots `invs`; inverses are checked edge by edge."""
    if rels:
        acc = v[rels[0]]
        for s in rels[1:]:
            acc = inter(acc, v[s])
        start = 0
    else:
        acc = inverse(v[invs[0]])
        start = 1
    for s in invs[start:]:
        b = v[s]
        if type(acc) is int or type(b) is int:
            if (type(acc) is int and acc) or (type(b) is int and b):
                raise _mixed("&")
            return 0
        out = []
        for i, row in enumerate(acc):
            bit = 1 << i
            keep = 0
            while row:
                low = row & -row
                row ^= low
                if b[low.bit_length() - 1] & bit:
                    keep |= low
            out.append(keep)
        acc = tuple(out)
    return acc


def product(n: int, a: Value, b: Value) -> Value:
    """a * b for event sets."""
    return R.product(n, _set(a, "*"), _set(b, "*"))


def complement(n: int, a: Value) -> Value:
    """~a (set or relation)."""
    if type(a) is int:
        return ((1 << n) - 1) & ~a
    return R.complement(a)


def toid(n: int, a: Value) -> Value:
    """[a]: the identity on set a."""
    s = _set(a, "[ ]")
    return R.identity(n, s) if s else 0


def plus(a: Value) -> Value:
    """a+."""
    if type(a) is int:
        _no_set(a, "+")
        return 0
    return R.plus(a)


def star(n: int, a: Value) -> Value:
    """a*."""
    if type(a) is int:
        _no_set(a, "*")
        return R.identity(n)
    return R.star(a)


def opt(n: int, a: Value) -> Value:
    """a?."""
    if type(a) is int:
        _no_set(a, "?")
        return R.identity(n)
    return R.opt(a)


def inverse(a: Value) -> Value:
    """a^-1."""
    if type(a) is int:
        _no_set(a, "^-1")
        return 0
    return R.inverse(a)


def domain(a: Value) -> int:
    """domain(a)."""
    if type(a) is int:
        _no_set(a, "domain")
        return 0
    return R.domain(a)


def range_(a: Value) -> int:
    """range(a)."""
    if type(a) is int:
        _no_set(a, "range")
        return 0
    return R.range_(a)


def different_values(values: Sequence, a: Value) -> Value:
    """The pairs of a whose two events have different values."""
    if type(a) is int:
        _no_set(a, "different-values")
        return 0
    if len(values) < len(a):
        values = list(values) + [None] * (len(a) - len(values))
    out = []
    for i, row in enumerate(a):
        vi = values[i]
        keep = 0
        for j in R.bits(row):
            if values[j] != vi:
                keep |= 1 << j
        out.append(keep)
    return tuple(out)


def test_acyclic(x: Value) -> bool:
    """acyclic x."""
    return R.is_acyclic(_rel(x, "acyclic")) if type(x) is not int or x else True


def test_irreflexive(x: Value) -> bool:
    """irreflexive x."""
    return R.is_irreflexive(_rel(x, "irreflexive")) if type(x) is not int or x else True


def test_empty(x: Value) -> bool:
    """empty x (set or relation)."""
    return not x if type(x) is int else not any(x)


TESTS = {"acyclic": test_acyclic, "irreflexive": test_irreflexive, "empty": test_empty}


def contains(x: Value, item: tuple) -> bool:
    """item (a,) is in set x, or item (a, b) is in relation x."""
    if type(x) is int:
        return len(item) == 1 and bool((x >> item[0]) & 1)
    return len(item) == 2 and bool((x[item[0]] >> item[1]) & 1)
