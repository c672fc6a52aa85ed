"""A concrete candidate execution read off a Z3 model, and its cat view."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import z3

from ..cat.evaluate import Execution
from ..lower.herd_view import complete_view
from ..lower.program import Program
from .encode import Encoding
from ..lower.values import evaluate, wrap


@dataclass
class Candidate:
    """Which events ran, what they read and wrote, and rf/co, concretely."""
    branches: list[bool]
    exists: list[bool]
    reads: dict[int, int]
    addrs: dict[int, int]
    values: dict[int, int]  # every existing event with a value
    rf: dict[int, int]  # read -> write
    co: dict[int, list[int]]  # address -> writes in coherence order
    undetermined: frozenset[int] = frozenset()  # reads with an out-of-thin-air value

    def path_key(self, program: Program) -> tuple:
        """Equal keys: the same branch decisions (hence the same events and
        the same dependencies) and the same addresses."""
        taken = tuple((b.index, self.branches[b.index]) for b in program.branches
                      if all(self.branches[l.branch] == l.value for l in b.guard))
        return (taken, tuple(sorted(self.addrs.items())))


@dataclass(frozen=True)
class Readout:
    """Every choice of a candidate as bits of one bit-vector term, so a Z3
    model is read with a single evaluation (far cheaper than printing the
    model or asking for each constant).  `fields`: (kind, key, offset,
    width), offsets counted from the least significant bit."""
    term: Optional[z3.BitVecRef]
    fields: tuple[tuple[str, int, int, int], ...]

    def read(self, m: z3.ModelRef) -> dict[tuple[str, int], int]:
        """(kind, key) -> value in model m (unconstrained constants: false / 0)."""
        if self.term is None:
            return {}
        out = (z3.Ast * 1)()
        ctx = self.term.ctx.ref()
        if not z3.Z3_model_eval(ctx, m.model, self.term.as_ast(), True, out):
            raise z3.Z3Exception("cannot evaluate a candidate in the model")  # pragma: no cover
        bits = int(z3.Z3_get_numeral_string(ctx, out[0]))
        return {(kind, key): (bits >> off) & ((1 << width) - 1)
                for kind, key, off, width in self.fields}


def readout(enc: Encoding) -> Readout:
    """The encoding's Readout: rf literals, branches, read values (two's
    complement), coherence positions and determined-ness, built once."""
    if enc.readout is not None:
        return enc.readout
    ctx = enc.ctx
    c = ctx.ref()
    one, zero = z3.BitVecVal(1, 1, ctx), z3.BitVecVal(0, 1, ctx)  # held: the terms below use them

    def bit(b: z3.BoolRef) -> z3.BitVecRef:   # wrapped at once: Z3 may free an unreferenced term
        return z3.BitVecRef(z3.Z3_mk_ite(c, b.as_ast(), one.as_ast(), zero.as_ast()), ctx)

    # (kind, key, term, width), built through the C API (the Python API's
    # coercion would cost more than every model read of a small test)
    parts: list[tuple[str, int, z3.BitVecRef, int]] = []
    parts += [("b", i, bit(b), 1) for i, b in enumerate(enc.branch)]
    parts += [("rf", k, bit(lit), 1) for k, lit in enumerate(enc.rf.values())]
    parts += [("d", r, bit(lit), 1) for r, lit in enc.determined.items()]
    parts += [("v", eid, var, var.size()) for eid, var in enc.read_value.items()]
    width = max(1, len(enc.position).bit_length() + 1)   # positions lie in 1..len(position)
    parts += [("p", w, z3.BitVecRef(z3.Z3_mk_int2bv(c, width, p.as_ast()), ctx), width)
              for w, p in enc.position.items()]
    fields, off = [], 0
    for kind, key, _, size in reversed(parts):
        fields.append((kind, key, off, size))
        off += size
    term = None
    if parts:
        term = parts[-1][2]
        for _, _, t, _ in reversed(parts[:-1]):
            term = z3.BitVecRef(z3.Z3_mk_concat(c, t.as_ast(), term.as_ast()), ctx)
    enc.readout = Readout(term, tuple(fields))
    return enc.readout


def read_candidate(enc: Encoding, m: z3.ModelRef) -> Candidate:
    """The candidate execution of Z3 model m."""
    vals = readout(enc).read(m)
    branches = [bool(vals[("b", i)]) for i in range(len(enc.branch))]
    rf: dict[int, int] = {}
    for k, (w, r) in enumerate(enc.rf):
        if vals[("rf", k)] and r not in rf:
            rf[r] = w
    reads = {eid: enc.decode(vals[("v", eid)]) for eid in enc.read_value}
    positions = {w: vals[("p", w)] for w in enc.position}
    undetermined = frozenset(r for r in enc.determined if not vals[("d", r)])
    return complete_candidate(enc, branches, reads, rf, positions, undetermined)


def complete_candidate(enc: Encoding, branches: list[bool], reads: dict[int, int],
                       rf: dict[int, int], positions: dict[int, int],
                       undetermined: frozenset[int] = frozenset()) -> Candidate:
    """The candidate of these choices: which events run, their addresses and
    values, co per address (choices of events that do not run dropped)."""
    prog = enc.program
    exists = [all(branches[l.branch] == l.value for l in e.guard) for e in prog.events]
    reads = {eid: v for eid, v in reads.items() if exists[eid]}
    addrs: dict[int, int] = {}
    values: dict[int, int] = {}
    for e in prog.events:
        if not exists[e.eid]:
            continue
        if e.addr is not None:
            c = enc.const_addr.get(e.eid)
            addrs[e.eid] = c if c is not None else evaluate(e.addr, reads, branches)
        if e.kind == "R":
            values[e.eid] = reads[e.eid]
        elif e.value is not None:
            values[e.eid] = evaluate(e.value, reads, branches)
    co: dict[int, list[int]] = {}
    for e in prog.events:
        if e.kind == "W" and exists[e.eid]:
            co.setdefault(addrs[e.eid], []).append(e.eid)
    for a, ws in co.items():
        ws.sort(key=lambda w: positions.get(w, 0))
    return Candidate(branches, exists, reads, addrs, values,
                     {r: w for r, w in rf.items() if exists[r]}, co,
                     frozenset(r for r in undetermined if exists[r]))


def with_choices(enc: Encoding, c: Candidate, reads: dict[int, int],
                 orders: dict[int, tuple[int, ...]], dependents: frozenset[int]) -> Candidate:
    """c with each read of `reads` reading from the write it names and the
    writes of each address of `orders` in that coherence order (free
    choices, engine/free_choices.py: no address depends on them);
    `dependents`: the events whose value is computed from a free read, the
    only values recomputed (of those that run)."""
    events = enc.program.events
    read_values = dict(c.reads)
    values = dict(c.values)
    for r, w in reads.items():
        read_values[r] = values[r] = wrap(c.values[w])   # a constant: the same in every variant
    for eid in dependents:
        e = events[eid]
        if c.exists[eid] and e.kind != "R" and e.value is not None:
            values[eid] = evaluate(e.value, read_values, c.branches)
    co = c.co
    if orders:
        co = dict(co)
        for address, ws in orders.items():
            co[address] = [w for w in co[address] if events[w].is_init] + list(ws)
    return Candidate(c.branches, c.exists, read_values, c.addrs, values, {**c.rf, **reads}, co,
                     c.undetermined)


# Lock operations: herd's C models see them outside R, W and M, with no rf
# or co of the engine's (lock.cat builds those); memcheck's engine still
# chooses their rf and co, offered to models as lock-rf and lock-co.
LOCK_EVENTS = frozenset({"LKR", "LKW", "UL", "LF", "RL", "RU"})

# The event sets herd's C semantics always defines (empty when no event of
# the test is one): lock operations, atomic accesses (RMW).
C_EVENT_SETS = ("LKR", "LKW", "UL", "LF", "RL", "RU", "LS", "RMW")

# The static set of events at locations a final state shows (herd's FW
# only names final writes there).
OBSERVED = "_observed"


@dataclass
class StaticView:
    """The parts of the cat view that depend only on which events ran."""
    index: dict[int, int]  # program event -> cat event
    events: list[int]  # cat event -> program event
    sets: dict[str, int]
    rels: dict[str, tuple[int, ...]]
    locks: int = 0  # cat events that are lock operations


def _rel(n: int, pairs) -> tuple[int, ...]:
    rows = [0] * n
    for a, b in pairs:
        rows[a] |= 1 << b
    return tuple(rows)


def static_view(prog: Program, c: Candidate,
                observed: Optional[frozenset[int]] = None) -> StaticView:
    """Event sets and the static relations (po, deps, rmw, loc, int/ext), as
    herd names them: R, W and M are memory accesses (lock operations are
    not); `observed`: the addresses a final state shows (None: all)."""
    events = [e.eid for e in prog.events if c.exists[e.eid]]
    index = {eid: i for i, eid in enumerate(events)}
    n = len(events)
    sets: dict[str, int] = {}
    locks = 0

    def add(name: str, i: int) -> None:
        sets[name] = sets.get(name, 0) | (1 << i)

    for eid, i in index.items():
        e = prog.events[eid]
        is_lock = not LOCK_EVENTS.isdisjoint(e.tags)
        if is_lock:
            locks |= 1 << i
        elif e.kind in ("R", "W"):
            add(e.kind, i)
            add("M", i)
        elif e.kind == "F":
            add("F", i)
        for t in e.tags:
            add(t, i)
        if eid in c.addrs and (observed is None or c.addrs[eid] in observed):
            add(OBSERVED, i)
    for name in ("R", "W", "M", "F", "IW", OBSERVED) + C_EVENT_SETS:
        sets.setdefault(name, 0)
    sets["LK"] = sets["LKR"] | sets["LKW"]

    def holds(guard) -> bool:
        return all(c.branches[l.branch] == l.value for l in guard)

    rels = {
        "po": _rel(n, ((index[a], index[b]) for a, b in prog.po if a in index and b in index)),
        "rmw": _rel(n, ((index[a], index[b]) for a, b in prog.rmw if a in index and b in index
                        and not (locks >> index[a]) & 1)),
    }
    for name in ("addr", "data", "ctrl"):
        rels[name] = _rel(n, ((index[a], index[b]) for a, b, g in getattr(prog, name)
                              if a in index and b in index and holds(g)))
    by_addr: dict[int, int] = {}
    for eid, a in c.addrs.items():
        by_addr[a] = by_addr.get(a, 0) | (1 << index[eid])
    loc = [0] * n
    for eid, a in c.addrs.items():
        loc[index[eid]] = by_addr[a]
    rels["loc"] = tuple(loc)
    by_thread: dict[int, int] = {}
    for eid, i in index.items():
        t = prog.events[eid].thread
        by_thread[t] = by_thread.get(t, 0) | (1 << i)
    full = (1 << n) - 1
    internal = tuple(by_thread[prog.events[eid].thread] for eid in events)
    rels["int"] = internal
    rels["ext"] = tuple(full & ~row for row in internal)
    rels["id"] = tuple(1 << i for i in range(n))
    if prog.view:
        complete_view(prog, index, n, sets, rels, holds)
    return StaticView(index, events, sets, rels, locks)


def cat_execution(prog: Program, c: Candidate, view: StaticView, key) -> Execution:
    """The candidate as the cat evaluator sees it."""
    n = len(view.events)
    idx = view.index
    locks = view.locks
    rf = [0] * n
    lock_rf = [0] * n
    for r, w in c.rf.items():
        ir = idx[r]
        (lock_rf if (locks >> ir) & 1 else rf)[idx[w]] |= 1 << ir
    co = [0] * n
    lock_co = [0] * n
    for ws in c.co.values():
        later = 0
        for w in reversed(ws):
            iw = idx[w]
            if (locks >> iw) & 1:
                lock_co[iw] = later
            else:
                co[iw] = later & ~locks
                lock_co[iw] = later & locks
            later |= 1 << iw
    rels = dict(view.rels)
    rels["rf"] = tuple(rf)
    rels["co"] = tuple(co)
    rels["lock-rf"] = tuple(lock_rf)
    rels["lock-co"] = tuple(lock_co)
    values: list[Optional[int]] = [c.values.get(eid) for eid in view.events]
    return Execution(n=n, sets=view.sets, rels=rels, values=values, static_key=key)
