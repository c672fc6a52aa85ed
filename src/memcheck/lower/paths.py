"""Where control flow meets again: the paths of an if's legs, of a loop's exits.

A path is the state of a thread's walk at one point (its guard, registers,
herd's instruction index, control-dependency sources).  Paths that are the
two legs of one branch merge back into the branch's own path, their
registers chosen by the branch; what is left when some path is gone (a
`break`, an iteration cut off) goes on under a condition that is no longer
one guard: the caller makes it a branch of its own (`alive`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from .herd_index import Index
from .program import Guard, Literal, Value, VBranch, VConst, VOp
from .sym import Dep, Sym, const


@dataclass(frozen=True)
class Path:
    """A point of a thread's walk: under `guard`, with these registers,
    herd's instruction `index` and `ctrl` (the reads later events depend
    on by control)."""
    guard: Guard
    regs: dict[str, Sym]
    index: Index
    ctrl: frozenset[Dep]


def literal_value(l: Literal) -> Value:
    """1 when the literal holds, else 0."""
    return VBranch(l.branch) if l.value else VOp("!", (VBranch(l.branch),))


def guard_value(lits: Sequence[Literal]) -> Value:
    """1 when every literal holds, else 0."""
    if not lits:
        return VConst(1)
    v = literal_value(lits[0])
    for l in lits[1:]:
        v = VOp("&&", (v, literal_value(l)))
    return v


def merge_registers(b: int, then_regs: dict[str, Sym], else_regs: dict[str, Sym]) -> dict[str, Sym]:
    """Registers after an if: a value chosen by the branch where they differ."""
    return select_registers([(VBranch(b), (Literal(b, True),), then_regs),
                             (VConst(1), (Literal(b, False),), else_regs)])


def select_registers(choices: Sequence[tuple[Value, Guard, dict[str, Sym]]]) -> dict[str, Sym]:
    """Registers chosen among `choices` (condition, its literals, registers):
    the first whose condition holds (the last when none does).  A
    dependency carried by a choice holds under that choice's literals."""
    merged: dict[str, Sym] = {}
    for name in dict.fromkeys(n for _, _, regs in choices for n in regs):
        values = [regs.get(name, const(0)) for _, _, regs in choices]
        if all(v == values[0] for v in values):
            merged[name] = values[0]
            continue
        value = values[-1].value
        for (cond, _, _), v in zip(reversed(choices[:-1]), reversed(values[:-1])):
            value = VOp("ite", (cond, v.value, value))
        deps = frozenset((src, g + lits) for (_, lits, _), v in zip(choices, values) for src, g in v.deps)
        merged[name] = Sym(value, deps)
    return merged


@dataclass(frozen=True)
class Meeting:
    """Where paths under one guard meet: `alive`, the condition that one of
    them was taken; `suffix`, the literals saying so when that is a
    conjunction (None when it is not); the registers, index and ctrl
    sources of the path taken."""
    alive: Value
    suffix: Optional[Guard]
    regs: dict[str, Sym]
    index: Index
    ctrl: frozenset[Dep]


_TRUE = VConst(1)


def meet(base: Guard, paths: Sequence[Path]) -> Meeting:
    """The meeting of `paths`, each under `base` (at least one).  The paths
    form a tree of branches below `base`; values are chosen down that tree,
    so the meeting of n exits of an unrolled loop costs n, not n squared."""
    return _node(list(paths), len(base))


def _node(paths: list[Path], depth: int) -> Meeting:
    if len(paths) == 1 and len(paths[0].guard) == depth:
        p = paths[0]
        return Meeting(_TRUE, (), p.regs, p.index, p.ctrl)
    groups: dict[int, list[Path]] = {}
    for p in paths:
        groups.setdefault(p.guard[depth].branch, []).append(p)
    met = [_branch(b, ps, depth) for b, ps in groups.items()]
    if len(met) == 1:
        return met[0]
    alive = met[-1].alive
    regs, index = met[-1].regs, met[-1].index
    for m in reversed(met[:-1]):
        alive = VOp("||", (m.alive, alive))
        regs = _choose(m.alive, m.regs, regs)
        index = Index.choose(m.alive, m.index, index)
    return Meeting(alive, None, regs, index, frozenset().union(*(m.ctrl for m in met)))


def _branch(b: int, paths: list[Path], depth: int) -> Meeting:
    """Paths that go on from one branch `b` at `depth`."""
    legs = {side: _node(ps, depth + 1) for side in (True, False)
            if (ps := [p for p in paths if p.guard[depth].value == side])}
    if len(legs) == 1:
        side, m = next(iter(legs.items()))
        l = Literal(b, side)
        alive = literal_value(l) if m.alive == _TRUE else VOp("&&", (literal_value(l), m.alive))
        return Meeting(alive, None if m.suffix is None else (l,) + m.suffix,
                       {n: _under(v, (l,)) for n, v in m.regs.items()}, m.index, m.ctrl)
    then, other = legs[True], legs[False]
    full = then.suffix == () and other.suffix == ()
    alive = _TRUE if full else VOp("ite", (VBranch(b), then.alive, other.alive))
    regs = _choose(VBranch(b), then.regs, other.regs, (Literal(b, True),), (Literal(b, False),))
    return Meeting(alive, () if full else None, regs, Index.join(b, then.index, other.index),
                   then.ctrl | other.ctrl)


def _under(v: Sym, lits: Guard) -> Sym:
    """`v` with its dependencies holding only under `lits` too."""
    return Sym(v.value, frozenset((src, g + lits) for src, g in v.deps)) if v.deps and lits else v


def _choose(cond: Value, then: dict[str, Sym], other: dict[str, Sym],
            then_lits: Guard = (), other_lits: Guard = ()) -> dict[str, Sym]:
    """`then`'s registers where `cond` holds, else `other`'s; a register
    chosen so depends on what it depends on in the leg taken only."""
    out: dict[str, Sym] = {}
    for name in dict.fromkeys(list(then) + list(other)):
        t, o = then.get(name, const(0)), other.get(name, const(0))
        if same(t, o):
            out[name] = t
        else:
            t, o = _under(t, then_lits), _under(o, other_lits)
            out[name] = Sym(VOp("ite", (cond, t.value, o.value)), t.deps | o.deps)
    return out


def same(a: Sym, b: Sym) -> bool:
    """Equal symbolic values (a shallow look: the same object, or equal
    constants without dependencies); unequal ones are chosen by an ite."""
    if a is b:
        return True
    return isinstance(a.value, VConst) and a.value == b.value and a.deps == b.deps
