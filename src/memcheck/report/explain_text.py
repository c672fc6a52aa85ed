"""A witness graph as a few plain-text lines a reviewer can quote.

    Test MP+wmb+rmb, model lkmm: Never  [exists (1:r0=1 /\\ 1:r1=0)]
    Forbidden: every execution reaching the condition breaks an axiom; this one breaks happens-before.
      P0  a: W[once] x=1   b: F[wmb]   c: W[once] y=1
      P1  d: R[once] y=1   e: F[rmb]   f: R[once] x=0
      rf: c->d init->f   co: -   fr: f->a
      happens-before (acyclic hb) cycle: d -rmb-> f -prop-> d
"""
from __future__ import annotations

from .graph import Edge, WitnessGraph


def _edges(g: WitnessGraph, kind: str) -> str:
    found = [e for e in g.edges if e.kind == kind or (e.cycle and e.label.endswith(f"({kind})"))]
    return " ".join(f"{g.name(e.src)}->{g.name(e.dst)}" for e in found) or "-"


def cycle_text(g: WitnessGraph, cycle: tuple[Edge, ...]) -> str:
    """`d -rmb-> f -prop-> d`: a walk of labelled edges."""
    if not cycle:
        return ""
    parts = [g.name(cycle[0].src)]
    for e in cycle:
        parts.append(f"-{e.label}-> {g.name(e.dst)}")
    return " ".join(parts)


def _axiom_line(g: WitnessGraph) -> str:
    kind, _, rel = g.relation.partition(" ")
    walk = cycle_text(g, g.cycle)
    steps = ""
    if kind == "acyclic" and len(g.steps) != len(g.cycle) and g.steps:
        names = [g.name(a) for a, _ in g.steps] + [g.name(g.steps[-1][1])]
        steps = f"  ({rel}: {' -> '.join(names)})"
    if kind in ("acyclic", "irreflexive"):
        return f"  {g.axiom} ({g.relation}) cycle: {walk}{steps}"
    if g.steps:
        a, b = g.steps[0]
        return f"  {g.axiom} ({g.relation}) holds {g.name(a)} -> {g.name(b)}"
    return f"  {g.axiom} ({g.relation})"


def explain_text(g: WitnessGraph) -> str:
    """The events, the base edges, and the broken axiom with its cycle (or the
    final state reached), for one test under one model."""
    lines = [f"Test {g.test}, model {g.model}: {g.verdict}  [{g.condition}]"]
    if not g.nodes or all(n.thread < 0 for n in g.nodes) or g.summary.startswith("no candidate"):
        lines.append(g.summary[:1].upper() + g.summary[1:] + ".")
    elif g.axiom:
        lines.append(f"Forbidden: every execution reaching the condition breaks an axiom;"
                     f" this one breaks {g.axiom}.")
    else:
        lines.append(f"Reachable: {g.model} allows this execution, which ends in {g.final}")
    for t in g.threads:
        events = [n for n in g.nodes if n.thread == t]
        lines.append(f"  P{t}  " + "   ".join(n.title for n in sorted(events, key=lambda n: n.row)))
    if any(e.kind != "po" for e in g.edges):
        lines.append(f"  rf: {_edges(g, 'rf')}   co: {_edges(g, 'co')}   fr: {_edges(g, 'fr')}")
    if g.axiom:
        lines.append(_axiom_line(g))
    if g.flags:
        lines.append(f"  flags: {', '.join(g.flags)}")
    return "\n".join(lines) + "\n"
