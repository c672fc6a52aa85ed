"""A litmus proposition over final values, as a Z3 formula.

Used to push a test's `filter` into the solver (filtered-out executions are
never proposed) and to ask for executions reaching a condition directly.
"""
from __future__ import annotations

import z3

from ..errors import MemcheckError
from ..litmus import ast as A
from ..lower.program import VConst
from .encode import Encoding, all_of, any_of, equal, final_memory, implies, negate


def location_term(enc: Encoding, test: A.Test, loc: A.Loc, of=None) -> z3.ExprRef:
    """The final value of a register or variable (with `of`, `of(value)`)."""
    of = of or enc.term
    prog = enc.program
    if isinstance(loc, A.RegLoc):
        v = prog.registers.get(loc.thread, {}).get(loc.reg)
        return of(v if v is not None else VConst(0))
    addr = prog.locations.get(loc.name)
    if addr is None:
        raise MemcheckError(f"undeclared shared variable '{loc.name}'", test.source, loc.pos.line, loc.pos.col)
    return final_memory(enc, addr, of)


def prop_term(enc: Encoding, test: A.Test, p: A.Prop) -> z3.BoolRef:
    """`p` as a formula over the encoding's variables."""
    if isinstance(p, A.PConst):
        return enc.true if p.value else negate(enc.true)
    if isinstance(p, A.PAtom):
        left = location_term(enc, test, p.loc)
        if isinstance(p.value, A.IntLit):
            constant = p.value.value
        elif isinstance(p.value, A.AddrValue):
            constant = enc.program.locations.get(p.value.name)
            if constant is None:
                raise MemcheckError(f"undeclared shared variable '{p.value.name}'", test.source,
                                    p.value.pos.line, p.value.pos.col)
        else:
            right = location_term(enc, test, p.value)
            return equal(left, right) if p.op == "=" else negate(equal(left, right))
        if not enc.represents(constant):  # no value of the program (engine/codes.py)
            return negate(enc.true) if p.op == "=" else enc.true
        # an out-of-thin-air value (engine/grounded.py) equals no constant
        determined = location_term(enc, test, p.loc, enc.determined_value)
        same = equal(left, enc.const(constant))
        holds = enc.conjunction([determined, same])
        return holds if p.op == "=" else negate(holds)
    if isinstance(p, A.PAnd):
        return all_of([prop_term(enc, test, q) for q in p.items], enc.ctx)
    if isinstance(p, A.POr):
        return any_of([prop_term(enc, test, q) for q in p.items], enc.ctx)
    if isinstance(p, A.PNot):
        return negate(prop_term(enc, test, p.item))
    if isinstance(p, A.PImplies):
        return implies(prop_term(enc, test, p.left), prop_term(enc, test, p.right))
    raise TypeError(p)
