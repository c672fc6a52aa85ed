"""Reads whose rf choice is independent of everything else in the encoding.

A read is free when it and every write it may read from run unconditionally
at one constant address, those writes store constants, and neither its value
nor its rf literals occur in any constraint but its own (one implication per
write it may read from, and "exactly one"): then any choice of its write
completes any assignment of the rest.  Listing executions, the solver finds
the rest once and the free reads' choices are enumerated here, one solver
call for their whole product instead of one per execution.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

import z3

from ..lower.program import VConst
from .encode import Encoding


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


def free_reads(enc: Encoding, formulas: list[z3.ExprRef]) -> dict[int, list[int]]:
    """read -> the writes it may read from, for every free read (see module
    doc) under the constraints `formulas` (the encoding's and any restriction
    of the candidates; definitions of fresh literals left out)."""
    prog = enc.program
    events = prog.events
    if prog.loops or prog.atomic_steps:
        return {}
    counts = None
    out: dict[int, list[int]] = {}
    for r, ws in enc.rf_of_read.items():
        e = events[r]
        if e.guard or enc.const_addr.get(r) is None or len(ws) < 2:
            continue
        if any(events[w].guard or enc.const_addr.get(w) is None or not isinstance(events[w].value, VConst)
               for w in ws):
            continue
        if counts is None:
            counts = constant_names(formulas)
        if counts[str(enc.read_value[r])] == len(ws) and \
                all(counts[str(enc.rf[(w, r)])] == 2 for w in ws):
            out[r] = list(ws)
    return out
