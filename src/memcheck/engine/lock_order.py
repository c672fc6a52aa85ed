"""The critical sections of a lock, in one total order.

herd's lock.cat orders the lock writes of a location and puts each unlock
right after the lock write it closes: critical sections never interleave in
coherence order.  On a lock location where every write is the lock write or
the unlock of a critical section (no branch, no computed address), the
engine says so too (`contiguity`).  Then a lock read reads the unlock just
before its lock write, and "section c's unlock comes before section d's
lock write" in coherence holds exactly when a chain of hand-offs (unlock
read by the next lock) runs from c to d.

So a refutation naming a closure's path made of hand-offs from c to d
(`PathFact`) may name that coherence edge instead, when the model's relation
has the step of every hand-off (`hand_off_family`): one clause then forbids
every chain, of any length, through any sections.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import z3

from ..cat.execution import Execution
from ..lower.program import Program
from .encode import Encoding

LOCK_READ, LOCK_WRITE, UNLOCK = "LKR", "LKW", "UL"


@dataclass(frozen=True)
class Section:
    """One critical section: the lock's read and write, and its unlock."""
    lkr: int
    lkw: int
    ul: int


@dataclass
class LockOrder:
    """The lock locations whose sections are totally ordered, by address."""
    sections: dict[int, list[Section]] = field(default_factory=dict)
    by_unlock: dict[int, tuple[int, int]] = field(default_factory=dict)  # UL -> (address, index)
    by_read: dict[int, tuple[int, int]] = field(default_factory=dict)  # LKR -> (address, index)

    def hand_off(self, fact: tuple) -> Optional[tuple[int, int, int]]:
        """(address, from section, to section) when `fact` is an unlock read
        by a lock of the same location."""
        if fact[0] != "rf" or fact[1] not in self.by_unlock or fact[2] not in self.by_read:
            return None
        (a1, c), (a2, d) = self.by_unlock[fact[1]], self.by_read[fact[2]]
        return (a1, c, d) if a1 == a2 and c != d else None


def _sections(program: Program, address: int, events) -> Optional[list[Section]]:
    """The critical sections at `address`, or None unless every write there
    is an unconditional lock write or unlock of a balanced section."""
    lock_read = {w: r for r, w in program.rmw if LOCK_READ in program.events[r].tags}
    by_thread: dict[int, list] = {}
    for e in events:
        if e.kind != "W" or e.is_init:
            continue
        if e.guard or not ({LOCK_WRITE, UNLOCK} & e.tags):
            return None
        by_thread.setdefault(e.thread, []).append(e)
    out = []
    for ws in by_thread.values():
        ws.sort(key=lambda e: e.eid)
        if len(ws) % 2:
            return None
        for lkw, ul in zip(ws[::2], ws[1::2]):
            r = lock_read.get(lkw.eid)
            if (LOCK_WRITE not in lkw.tags or UNLOCK not in ul.tags or r is None
                    or program.events[r].guard):
                return None
            out.append(Section(r, lkw.eid, ul.eid))
    return out


def lock_order(enc: Encoding) -> LockOrder:
    """The lock locations of `enc`'s program whose sections are ordered."""
    program, order = enc.program, LockOrder()
    if any(e.kind == "W" and a is None for e in program.events
           for a in [enc.const_addr.get(e.eid)] if e.addr is not None):
        return order  # a write to a computed address may hit any lock
    at: dict[int, list] = {}
    for e in program.events:
        a = enc.const_addr.get(e.eid)
        if a is not None:
            at.setdefault(a, []).append(e)
    for address, events in at.items():
        if not any(LOCK_WRITE in e.tags for e in events):
            continue
        secs = _sections(program, address, events)
        if not secs:
            continue
        order.sections[address] = secs
        for i, s in enumerate(secs):
            order.by_unlock[s.ul] = (address, i)
            order.by_read[s.lkr] = (address, i)
    return order


def contiguity(enc: Encoding, order: LockOrder) -> list[z3.BoolRef]:
    """Each section's unlock comes after its lock write, with no other write
    to the lock between them."""
    out = []
    for secs in order.sections.values():
        for s in secs:
            lo, hi = enc.position[s.lkw], enc.position[s.ul]
            out.append(lo < hi)
            for o in secs:
                if o is not s:
                    for w in (o.lkw, o.ul):
                        p = enc.position[w]
                        out.append(z3.Or(p < lo, p > hi))
    return out


def chain_ends(order: LockOrder, steps: list[frozenset]) -> Optional[tuple[int, int, int]]:
    """(address, first section, last section) when each step's facts are one
    hand-off, each starting in the section the previous one reached."""
    ends = None
    for facts in steps:
        if len(facts) != 1:
            return None
        h = order.hand_off(next(iter(facts)))
        if h is None or (ends is not None and (h[0] != ends[0] or h[1] != ends[2])):
            return None
        ends = h if ends is None else (h[0], ends[1], h[2])
    return ends if ends is not None and ends[1] != ends[2] else None


ROLES = ("lkw", "ul", "lkr")


def roles(secs: list[Section], events: list[int]) -> tuple[str, ...]:
    """The part of its section each of `events` is, when all are the same
    part (the roles to try for a chain's inner steps), else every role."""
    found = {r for e in events for s in secs for r in ROLES if getattr(s, r) == e}
    return tuple(found) if len(found) == 1 and events else ROLES


def family_pairs(secs: list[Section], c: int, d: int, a: int, b: int,
                 index: dict[int, int], role: str = "lkw") -> list[tuple[tuple[int, int], tuple]]:
    """Every step a chain of hand-offs from section c to section d takes (in
    cat events: from a, through the same part `role` of each other section,
    to b), with the one hand-off fact each must be derived from."""
    def fact(e: int, f: int) -> tuple:
        return ("rf", index[secs[e].ul], index[secs[f].lkr])
    rep = {e: index[getattr(secs[e], role)] for e in range(len(secs))}
    inner = [e for e in range(len(secs)) if e not in (c, d)]
    out = [((a, b), fact(c, d))]
    out += [((a, rep[f]), fact(c, f)) for f in inner]
    out += [((rep[e], b), fact(e, d)) for e in inner]
    out += [((rep[e], rep[f]), fact(e, f)) for e in inner for f in inner if e != f]
    return out


def with_all_hand_offs(ex: Execution, secs: list[Section], index: dict[int, int]) -> Execution:
    """ex with every hand-off between sections of one lock in lock-rf (not an
    execution: an over-approximation to derive single steps from)."""
    rows = list(ex.rels["lock-rf"])
    for s in secs:
        for t in secs:
            if s is not t:
                rows[index[s.ul]] |= 1 << index[t.lkr]
    rels = dict(ex.rels)
    rels["lock-rf"] = tuple(rows)
    return Execution(n=ex.n, sets=ex.sets, rels=rels, values=ex.values, static_key=ex.static_key)
