"""Choices of a candidate that nothing else in the encoding depends on.

A read is free when it and every write it may read from run unconditionally
at one constant address, those writes store constants, no address is
computed from its value, and neither its value nor its rf literals occur in
any constraint but its own (one implication per
write it may read from, and "exactly one"): any choice of its write then
completes any assignment of the rest.  Likewise the coherence order of a
location is free when its writes run unconditionally at a constant address
and their positions occur only in their own bounds and in "two writes here
are never at one position": any order of them completes the rest.

Listing executions, the solver finds the rest once and the free choices are
enumerated here, one solver call for their whole product instead of one per
execution.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

import z3

from ..lower.program import VConst
from .encode import Encoding
from .grounded import value_reads


@dataclass(frozen=True)
class FreeChoices:
    """The free reads with the writes each may read from, the addresses
    whose writes (all but the initial one) may take any coherence order, and
    the events whose value is computed from a free read."""
    reads: dict[int, list[int]] = field(default_factory=dict)
    orders: dict[int, list[int]] = field(default_factory=dict)
    dependents: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.reads or self.orders)


def constant_names(formulas: Iterable[z3.ExprRef]) -> Counter:
    """For each uninterpreted constant, how many of `formulas` mention it."""
    counts: Counter = Counter()
    below: dict[int, frozenset[str]] = {}  # AST id -> constants under it
    for f in formulas:
        ctx = f.ctx.ref()
        counts.update(_consts(ctx, f.as_ast(), below))
    return counts


def _consts(ctx, ast, below: dict[int, frozenset[str]]) -> frozenset[str]:
    """The constants under `ast` (memoised by AST id, shared subterms once)."""
    key = z3.Z3_get_ast_id(ctx, ast)
    hit = below.get(key)
    if hit is not None:
        return hit
    out: frozenset[str] = frozenset()
    if z3.Z3_get_ast_kind(ctx, ast) == z3.Z3_APP_AST:
        n = z3.Z3_get_app_num_args(ctx, ast)
        if n == 0:
            decl = z3.Z3_get_app_decl(ctx, ast)
            if z3.Z3_get_decl_kind(ctx, decl) == z3.Z3_OP_UNINTERPRETED:
                out = frozenset({z3.Z3_get_symbol_string(ctx, z3.Z3_get_decl_name(ctx, decl))})
        else:
            parts = [_consts(ctx, z3.Z3_get_app_arg(ctx, ast, i), below) for i in range(n)]
            out = frozenset().union(*parts)
    below[key] = out
    return out


def free_choices(enc: Encoding, formulas: list[z3.ExprRef]) -> FreeChoices:
    """The free choices (see module doc) under the constraints `formulas`
    (the encoding's and any restriction of the candidates; definitions of
    fresh literals left out)."""
    prog = enc.program
    events = prog.events
    if prog.loops or prog.atomic_steps:
        return FreeChoices()

    def fixed(eid: int) -> bool:   # runs unconditionally at a constant address
        return not events[eid].guard and enc.const_addr.get(eid) is not None

    # a variant keeps every address (and so the execution's static view)
    feeds_address = frozenset().union(*(value_reads(prog, e.addr) for e in events))
    counts = None
    reads: dict[int, list[int]] = {}
    for r, ws in enc.rf_of_read.items():
        if not fixed(r) or len(ws) < 2 or r in feeds_address or \
                not all(fixed(w) and isinstance(events[w].value, VConst) for w in ws):
            continue
        counts = counts if counts is not None else constant_names(formulas)
        if counts[str(enc.read_value[r])] == len(ws) and \
                all(counts[str(enc.rf[(w, r)])] == 2 for w in ws):
            reads[r] = list(ws)
    by_address: dict[int, list[int]] = {}
    for w in enc.position:   # the writes other than initial ones
        by_address.setdefault(enc.const_addr.get(w), []).append(w)
    orders: dict[int, list[int]] = {}
    for address, ws in by_address.items():
        if address is None or len(ws) < 2 or not all(fixed(w) for w in ws):
            continue
        counts = counts if counts is not None else constant_names(formulas)
        # its two bounds and one "not at one position" with each other write here
        if all(counts[str(enc.position[w])] == len(ws) + 1 for w in ws):
            orders[address] = ws
    dependents = frozenset(e.eid for e in events if reads.keys() & value_reads(prog, e.value))
    return FreeChoices(reads, orders, dependents)
