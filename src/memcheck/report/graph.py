"""What a witness picture shows: named events, base edges and the axiom's cycle.

Shared by the SVG, DOT and text renderers, so all three name events and
edges alike.  Events are named a, b, c, ... by thread then program order,
as herd7 does.  Initial writes are nodes only when the violated axiom's
edges touch them; otherwise an rf from one has no node at its source
(renderers draw it as a short "init" stub).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..engine.encode import static_address
from ..engine.outcome import FinalState, observed_locations
from ..engine.witness import Witness
from ..litmus import ast as A
from ..lower.program import Event, Program
from .herd_text import format_state

BASE_KINDS = ("po", "rmw", "rf", "co", "fr")
LOCK_TAGS = ("LKR", "LKW", "UL", "LF", "RL", "RU")
HIDDEN_TAGS = frozenset({"IW", "RMW"})


@dataclass(frozen=True)
class Node:
    """One event as drawn: `name` (a, b, ...; 'init' for an initial write),
    `label` (W[once] x=1), its thread (-1: initial) and row in that thread."""
    eid: int
    name: str
    label: str
    thread: int
    row: int
    line: int
    source: str

    @property
    def title(self) -> str:
        """`a: W[once] x=1`."""
        return f"{self.name}: {self.label}"


@dataclass(frozen=True)
class Edge:
    """An edge drawn: `kind` picks the colour (po, rf, co, fr, rmw or a model
    relation's name); `cycle` marks edges of the violated axiom's cycle."""
    src: int
    dst: int
    kind: str
    label: str
    cycle: bool = False


@dataclass(frozen=True)
class WitnessGraph:
    """Everything a renderer needs, with no geometry."""
    test: str
    model: str
    verdict: str
    condition: str
    summary: str  # one line: what the picture shows
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    threads: tuple[int, ...]
    cycle: tuple[Edge, ...] = ()  # the explanation's edges, in its order
    axiom: str = ""  # the broken axiom's name, "" when reachable
    relation: str = ""  # its test: "acyclic hb"
    steps: tuple[tuple[int, int], ...] = ()  # the axiom relation's edges on the cycle
    final: str = ""  # final state of the shown execution, herd7's notation
    flags: tuple[str, ...] = ()

    def node(self, eid: int) -> Optional[Node]:
        """The node drawn for event `eid` (None: an initial write not drawn)."""
        return next((n for n in self.nodes if n.eid == eid), None)

    def name(self, eid: int) -> str:
        """The event's name, 'init' for an initial write not drawn."""
        n = self.node(eid)
        return n.name if n is not None else "init"

    @property
    def kinds(self) -> tuple[str, ...]:
        """Edge kinds present, base kinds first then model relations as met."""
        seen = [e.kind for e in self.edges]
        base = [k for k in BASE_KINDS if k in seen]
        return tuple(base + list(dict.fromkeys(k for k in seen if k not in BASE_KINDS)))


def event_name(i: int) -> str:
    """a, b, ..., z, aa, ab, ... (bijective base 26)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def tag_text(tag: str) -> str:
    """A lowering tag as the cat model spells it: Once -> once, Sync-rcu -> sync-rcu."""
    if tag[:1].isupper() and not any(ch.isupper() for ch in tag[1:]):
        return tag.lower()
    return tag


def shown_value(program: Program, v: int) -> str:
    """A value as herd7 shows it: a pointer by its variable's name."""
    name = program.address_name(v) if v >= 1 << 32 else None
    return name if name is not None else str(v)


def location_text(program: Program, addr: Optional[int]) -> str:
    if addr is None:
        return "?"
    name = program.address_name(addr)
    return name if name is not None else hex(addr)


def event_label(program: Program, e: Event, addr: Optional[int], value: Optional[int]) -> str:
    """`W[once] x=1`, `R[acquire] y=0`, `F[wmb]`, `LKR lk`, `X[srcu-lock] s`."""
    tags = sorted(t for t in e.tags if t not in HIDDEN_TAGS)
    locks = [t for t in tags if t in LOCK_TAGS]
    loc = location_text(program, addr) if e.addr is not None else ""
    if locks:
        return f"{locks[0]} {loc}"
    tagged = ",".join(tag_text(t) for t in tags)
    if not tagged and e.kind in ("R", "W") and program.target == "lkmm":
        tagged = "plain"
    head = f"{e.kind}[{tagged}]" if tagged else e.kind
    if e.kind in ("R", "W"):
        return f"{head} {loc}={shown_value(program, value)}" if value is not None else f"{head} {loc}"
    return f"{head} {loc}".rstrip()


def _family(label: str) -> str:
    """The base relation a model label names, if any: rfe -> rf, po-loc -> po."""
    for base in ("rf", "co", "fr", "po", "rmw"):
        if label in (base, base + "e", base + "i") or label.startswith(base + "-"):
            return base
    return ""


def _base_edges(program: Program, w: Witness) -> list[Edge]:
    """po (immediate), rmw, rf, co (immediate, not from the initial write) and fr
    (to the co-successor of the write read)."""
    c = w.candidate
    out: list[Edge] = []
    exists = (lambda eid: True) if c is None else (lambda eid: c.exists[eid])
    by_thread: dict[int, list[int]] = {}
    for e in program.events:
        if not e.is_init and exists(e.eid):
            by_thread.setdefault(e.thread, []).append(e.eid)
    for eids in by_thread.values():
        out += [Edge(a, b, "po", "") for a, b in zip(eids, eids[1:])]
    if c is None:
        return out
    out += [Edge(a, b, "rmw", "rmw") for a, b in sorted(program.rmw) if exists(a) and exists(b)]
    out += [Edge(wr, r, "rf", "rf") for r, wr in sorted(c.rf.items())]
    succ: dict[int, int] = {}
    for ws in c.co.values():
        for a, b in zip(ws, ws[1:]):
            succ[a] = b
            if not program.events[a].is_init:
                out.append(Edge(a, b, "co", "co"))
    for r, wr in sorted(c.rf.items()):
        if wr in succ and (r, succ[wr]) not in program.rmw:  # an rmw's own fr goes without saying
            out.append(Edge(r, succ[wr], "fr", "fr"))
    return out


def _merge_cycle(base: list[Edge], w: Witness) -> tuple[list[Edge], list[Edge]]:
    """Base edges with the explanation's edges laid over.  An explanation
    edge that is a base edge (rfe over rf) marks it; one joining the same
    events as a base edge of another kind (a prop that is an fr) takes its
    place, labelled with both; the others are added.  po stays apart."""
    out = list(base)
    cycle: list[Edge] = []
    for x in w.edges:
        fam = _family(x.label)
        hit = next((i for i, e in enumerate(out)
                    if e.src == x.src and e.dst == x.dst and e.kind != "po" and not e.cycle), None)
        if hit is None:
            out.append(Edge(x.src, x.dst, x.label, x.label, True))
        elif out[hit].kind == fam:
            out[hit] = Edge(x.src, x.dst, fam, x.label, True)
        else:
            out[hit] = Edge(x.src, x.dst, x.label, f"{x.label} ({out[hit].kind})", True)
        cycle.append(out[hit] if hit is not None else out[-1])
    return out, cycle


def _nodes(program: Program, w: Witness, edges: list[Edge]) -> list[Node]:
    c = w.candidate
    touched = {e.src for e in edges if e.cycle} | {e.dst for e in edges if e.cycle}
    nodes: list[Node] = []
    rows: dict[int, int] = {}
    thread_events = sorted((e for e in program.events if not e.is_init and (c is None or c.exists[e.eid])),
                           key=lambda e: (e.thread, e.eid))
    for i, e in enumerate(thread_events):
        row = rows.get(e.thread, 0)
        rows[e.thread] = row + 1
        addr = None if c is None else c.addrs.get(e.eid)
        value = None if c is None else c.values.get(e.eid)
        if c is None and e.addr is not None:
            addr = static_address(e.addr)
        nodes.append(Node(e.eid, event_name(i), event_label(program, e, addr, value),
                          e.thread, row, e.line, e.label))
    inits = [e for e in program.events if e.is_init and e.eid in touched]
    for k, e in enumerate(inits):
        addr = c.addrs.get(e.eid) if c is not None else None
        value = c.values.get(e.eid) if c is not None else None
        nodes.append(Node(e.eid, "init", f"{location_text(program, addr)}={shown_value(program, value or 0)}",
                          -1, k, e.line, e.label))
    return nodes


def build_graph(test: A.Test, program: Program, w: Witness, model: str, verdict: str,
                condition: str) -> WitnessGraph:
    """The picture of witness `w` of `test` under `model`."""
    edges = _base_edges(program, w)
    cycle: list[Edge] = []
    if w.violation is not None:
        edges, cycle = _merge_cycle(edges, w)
    nodes = _nodes(program, w, edges)
    threads = tuple(sorted({n.thread for n in nodes if n.thread >= 0}))
    final = ""
    if w.candidate is not None:
        final = format_state(FinalState(test, program, w.candidate).state(observed_locations(test)))
    if w.candidate is None:
        summary = "no candidate execution reaches the condition, whatever the model"
    elif w.reachable:
        summary = f"reached by this execution, which {model} allows: {final}"
    else:
        summary = (f"forbidden: this candidate reaching it breaks {w.violation.name}"
                   f" ({w.relation})")
    return WitnessGraph(
        test=test.name, model=model, verdict=verdict, condition=condition, summary=summary,
        nodes=tuple(nodes), edges=tuple(edges), threads=threads, cycle=tuple(cycle),
        axiom=w.violation.name if w.violation else "", relation=w.relation,
        steps=w.steps, final=final, flags=tuple(sorted(w.flags)))
