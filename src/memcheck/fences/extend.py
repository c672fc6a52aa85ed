"""An execution found with some switches on, carried over to more switches on (same rf, co and values)."""
from __future__ import annotations

from typing import Optional

from ..engine.candidate import Candidate
from ..lower.values import evaluate
from .switched import SwitchedProgram


def extend(sp: SwitchedProgram, c: Candidate, on: frozenset[int]) -> Optional[Candidate]:
    """`c` with every switch in `on` on: inserted fences appear, upgraded accesses
    take their new form reading and writing what the old one did.  None when the
    new events cannot be matched to old ones (then nothing is concluded)."""
    prog = sp.program
    branches = list(c.branches)
    moved: dict[int, int] = {}
    for k in on:
        for i in sp.branches.get(k, []):
            branches[i] = True
        if k in sp.pairs:
            pairs = sp.pairs[k]
            if pairs is None:
                return None
            moved.update(pairs)
    exists = [all(branches[l.branch] == l.value for l in e.guard) for e in prog.events]

    def now(eid: int) -> Optional[int]:
        if exists[eid]:
            return eid
        m = moved.get(eid)
        return m if m is not None and exists[m] else None

    reads: dict[int, int] = {}
    for r, v in c.reads.items():
        r2 = now(r)
        if r2 is None:
            return None
        reads[r2] = v
    rf: dict[int, int] = {}
    for r, w in c.rf.items():
        r2, w2 = now(r), now(w)
        if r2 is None or w2 is None:
            return None
        rf[r2] = w2
    co: dict[int, list[int]] = {}
    for a, ws in c.co.items():
        mapped = [now(w) for w in ws]
        if any(w is None for w in mapped):
            return None
        co[a] = mapped  # type: ignore[assignment]
    in_co = {w for ws in co.values() for w in ws}
    addrs: dict[int, int] = {}
    values: dict[int, int] = {}
    for e in prog.events:
        if not exists[e.eid]:
            continue
        if e.kind == "R" and e.eid not in reads or e.kind == "W" and e.eid not in in_co:
            return None  # an access with no counterpart in c
        if e.addr is not None:
            addrs[e.eid] = evaluate(e.addr, reads, branches)
        if e.kind == "R":
            values[e.eid] = reads[e.eid]
        elif e.value is not None:
            values[e.eid] = evaluate(e.value, reads, branches)
    if not _consistent(sp, branches, reads, addrs, values, rf, co):
        return None
    return Candidate(branches, exists, reads, addrs, values, rf, co)


def _consistent(sp: SwitchedProgram, branches: list[bool], reads: dict[int, int], addrs: dict[int, int],
                values: dict[int, int], rf: dict[int, int], co: dict[int, list[int]]) -> bool:
    """The carried-over execution is well formed: reads see their writes, branches and constraints hold."""
    prog = sp.program

    def holds(g) -> bool:
        return all(branches[l.branch] == l.value for l in g)

    for r, w in rf.items():
        if values.get(w) != reads[r] or addrs.get(w) != addrs.get(r):
            return False
    for a, ws in co.items():
        if any(addrs.get(w) != a for w in ws):
            return False
    for b in prog.branches:
        if b.cond is not None and holds(b.guard) and (evaluate(b.cond, reads, branches) != 0) != branches[b.index]:
            return False
    return all(evaluate(c.cond, reads, branches) != 0 for c in prog.constraints if holds(c.guard))
