"""Program -> Z3: the free choices of a candidate execution.

Z3 chooses which branches run, which write each read reads from (rf) and
the coherence order of writes to each location (co, as positions); values
follow from rf through the program's value expressions.  Nothing of the
memory model is here: the model is checked concretely on each candidate
(engine/enumerate.py) and refutations come back as learned clauses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import ctypes

import z3

from ..lower.program import (Event, Literal, Program, Value, VBranch, VConst,
                             VOp, VRead)
from ..lower.values import wrap
from .closures import ClosureLiterals
from .codes import ValueCodes, value_codes
from .grounded import determined_term, encode_grounding, thin_air_reads

if TYPE_CHECKING:
    from .loops import LoopLiterals

WIDTH = 64  # machine word: C arithmetic wraps at 64 bits


@dataclass
class Encoding:
    """The Z3 variables of one Program and the constraints tying them."""
    program: Program
    ctx: z3.Context
    branch: list[z3.BoolRef] = field(default_factory=list)
    read_value: dict[int, z3.BitVecRef] = field(default_factory=dict)
    rf: dict[tuple[int, int], z3.BoolRef] = field(default_factory=dict)
    rf_of_read: dict[int, list[int]] = field(default_factory=dict)
    position: dict[int, z3.ArithRef] = field(default_factory=dict)  # non-init writes
    # two non-init writes that may share a location -> "both run, at one address"
    co_pairs: dict[tuple[int, int], z3.BoolRef] = field(default_factory=dict)
    addr_term: dict[int, z3.BitVecRef] = field(default_factory=dict)
    const_addr: dict[int, Optional[int]] = field(default_factory=dict)
    constraints: list[z3.BoolRef] = field(default_factory=list)
    # reads on a value cycle -> "its value is determined" (engine/grounded.py)
    determined: dict[int, z3.BoolRef] = field(default_factory=dict)
    loops: Optional["LoopLiterals"] = None  # the loop modes' literals (engine/loops.py)
    closures: Optional[ClosureLiterals] = None  # closure edges' literals (engine/closures.py)
    readout: Optional[object] = None  # one term reading a model (engine/candidate.py)
    codes: Optional[ValueCodes] = None  # narrow codes of the values (engine/codes.py); None: 64-bit words
    _negations: dict[tuple, z3.BoolRef] = field(default_factory=dict)
    _co: dict[tuple[int, int], z3.BoolRef] = field(default_factory=dict)
    _consts: dict[int, z3.BitVecRef] = field(default_factory=dict)
    true: z3.BoolRef = field(init=False)

    def __post_init__(self) -> None:
        self.true = z3.BoolVal(True, self.ctx)

    # ------------------------------------------------------------- values

    @property
    def width(self) -> int:
        """Bits of a value."""
        return WIDTH if self.codes is None else self.codes.width

    def represents(self, value: int) -> bool:
        """Whether some value of the program can be `value` (when coded,
        only those have a code)."""
        return self.codes is None or self.codes.represents(value)

    def const(self, value: int) -> z3.BitVecRef:
        """The constant `value` (one term per value)."""
        t = self._consts.get(value)
        if t is None:
            bits = value if self.codes is None else self.codes.bits(value)
            t = self._consts[value] = z3.BitVecVal(bits, self.width, self.ctx)
        return t

    def decode(self, bits: int) -> int:
        """The value of a word read from a model (unsigned)."""
        return wrap(bits) if self.codes is None else self.codes.value(bits)

    def term(self, v: Value) -> z3.BitVecRef:
        """A program value as a Z3 word (64 bits, or its code: engine/codes.py)."""
        if isinstance(v, VConst):
            return self.const(v.value)
        if isinstance(v, VRead):
            return self.read_value[v.eid]
        if isinstance(v, VBranch):
            return z3.If(self.branch[v.index], self.const(1), self.const(0))
        assert isinstance(v, VOp)
        args = [self.term(a) for a in v.args]
        return apply_op(v.op, args, self.const(0), self.const(1))

    def determined_value(self, v: Value) -> z3.BoolRef:
        """`v` is fixed by the program's constants (not out of thin air)."""
        return determined_term(self, v)

    def truth(self, v: Value) -> z3.BoolRef:
        return negate(equal(self.term(v), self.const(0)))

    def guard(self, g: tuple[Literal, ...]) -> z3.BoolRef:
        if not g:
            return self.true
        return all_of([self.literal(l) for l in g], self.ctx)

    def may_alias(self, a: Event, b: Event) -> bool:
        """Events a and b may access one address (not two different constants)."""
        ca, cb = self.const_addr[a.eid], self.const_addr[b.eid]
        return ca is None or cb is None or ca == cb

    def same_address(self, a: int, b: int) -> z3.BoolRef:
        """Events a and b access one address (true when both are that constant)."""
        ca = self.const_addr.get(a)
        if ca is not None and ca == self.const_addr.get(b):
            return self.true
        return equal(self.addr_term[a], self.addr_term[b])

    def conjunction(self, parts: list) -> z3.BoolRef:
        """all_of(parts) with the parts known true left out."""
        true = self.true
        parts = [p for p in parts if p is not true]
        return all_of(parts, self.ctx) if parts else true

    def literal(self, l: Literal) -> z3.BoolRef:
        return self.branch[l.branch] if l.value else negate(self.branch[l.branch])

    def fact(self, key: tuple) -> z3.BoolRef:
        """A choice of a candidate as a literal: ('branch', b, taken),
        ('rf', w, r), ('co', w1, w2) or ('addr', event, address); or
        ('path', node, a, b), an edge of a model's closure (engine/closures.py)."""
        kind = key[0]
        if kind == "path":
            if self.closures is None:
                self.closures = ClosureLiterals(self.ctx)
            return self.closures.literal(key[1], key[2], key[3])
        if kind == "branch":
            return self.literal(Literal(key[1], key[2]))
        if kind == "rf":
            return self.rf[(key[1], key[2])]
        if kind == "co":
            return self.co_literal(key[1], key[2])
        if kind == "addr":
            return equal(self.addr_term[key[1]], self.const(key[2]))
        raise ValueError(f"unknown fact {key}")

    def refutation(self, keys, under: Optional[z3.BoolRef] = None) -> z3.BoolRef:
        """The clause saying not all of these facts hold together (with
        `under`, only while that literal holds)."""
        negs = [] if under is None else [negate(under)]
        for k in keys:
            n = self._negations.get(k)
            if n is None:
                n = self._negations[k] = negate(self.fact(k))
            negs.append(n)
        # straight to the C API: z3.Or's argument coercion costs more than
        # the solver call on large enumerations
        return any_of(negs, self.ctx)

    def co_literal(self, w1: int, w2: int) -> z3.BoolRef:
        """co(w1, w2) given both exist and share a location."""
        lit = self._co.get((w1, w2))
        if lit is None:
            p1, p2 = self.position.get(w1), self.position.get(w2)
            if p1 is None:  # initial write: first in co
                lit = self.true if p2 is not None else negate(self.true)
            elif p2 is None:
                lit = negate(self.true)
            else:
                lit = z3.BoolRef(z3.Z3_mk_lt(self.ctx.ref(), p1.as_ast(), p2.as_ast()), self.ctx)
            self._co[(w1, w2)] = lit
        return lit


def apply_op(op: str, a: list, zero: z3.BitVecRef, one: z3.BitVecRef) -> z3.BitVecRef:
    """C operators on words (`zero`, `one`: their 0 and 1), comparisons
    giving 0 or 1.  Coded values (engine/codes.py) meet only the operators
    that compare or choose."""
    def boolean(b: z3.BoolRef) -> z3.BitVecRef:
        return z3.If(b, one, zero)

    if op == "ite":
        return z3.If(a[0] != zero, a[1], a[2])
    if len(a) == 1:
        x = a[0]
        if op == "neg":
            return -x
        if op == "~":
            return ~x
        if op == "!":
            return boolean(x == zero)
        if op == "+":
            return x
        raise ValueError(f"unknown unary operator {op}")
    x, y = a
    arith = {
        "+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
        "/": lambda: x / y, "%": lambda: z3.SRem(x, y),
        "&": lambda: x & y, "|": lambda: x | y, "^": lambda: x ^ y,
        "<<": lambda: x << y, ">>": lambda: x >> y,
    }
    if op in arith:
        return arith[op]()
    cmp = {
        "==": lambda: x == y, "!=": lambda: x != y, "<": lambda: x < y,
        "<=": lambda: x <= y, ">": lambda: x > y, ">=": lambda: x >= y,
        "&&": lambda: z3.And(x != zero, y != zero),
        "||": lambda: z3.Or(x != zero, y != zero),
    }
    if op in cmp:
        return boolean(cmp[op]())
    raise ValueError(f"unknown operator {op}")


def static_address(v: Optional[Value]) -> Optional[int]:
    """The address when it does not depend on what the program reads."""
    if isinstance(v, VConst):
        return v.value
    return None


def exclusive(g1: tuple[Literal, ...], g2: tuple[Literal, ...]) -> bool:
    """Two guards that can never hold together (opposite legs of a branch)."""
    s = {(l.branch, l.value) for l in g1}
    return any((l.branch, not l.value) in s for l in g2)


def encode(program: Program, ctx: Optional[z3.Context] = None) -> Encoding:
    """Variables and well-formedness constraints of all candidate executions
    (which ones loops leave in: a literal per mode, engine/loops.py)."""
    ctx = ctx or z3.Context()
    enc = Encoding(program, ctx)
    events = program.events
    for e in events:
        if e.addr is not None:
            enc.const_addr[e.eid] = static_address(e.addr)
    writes = [e for e in events if e.kind == "W"]
    reads = [e for e in events if e.kind == "R"]

    instance = program.instance

    def own_later(w: Event, r: Event) -> bool:
        """w is r's own instruction's write, after r (herd never lets a read
        take a write of its own instruction that depends on it)."""
        k = instance.get(r.eid)
        return k is not None and instance.get(w.eid) == k and (r.eid, w.eid) in program.po

    for r in reads:
        enc.rf_of_read[r.eid] = [w.eid for w in writes if enc.may_alias(w, r) and not exclusive(w.guard, r.guard)
                                 and not own_later(w, r)]
    thin_air = thin_air_reads(program, enc.rf_of_read)
    enc.codes = value_codes(program, len(thin_air))

    boolean, word = z3.BoolSort(ctx), z3.BitVecSort(enc.width, ctx)
    enc.branch = [variable(f"b{b.index}", boolean) for b in program.branches]
    for e in reads:
        enc.read_value[e.eid] = variable(f"v{e.eid}", word, z3.BitVecRef)
    for e in events:
        if e.addr is not None:
            enc.addr_term[e.eid] = enc.term(e.addr)
    cs = enc.constraints
    for b in program.branches:
        if b.cond is not None:
            cs.append(implies(enc.guard(b.guard), equal(enc.branch[b.index], enc.truth(b.cond))))
    for c in program.constraints:
        cs.append(implies(enc.guard(c.guard), enc.truth(c.cond)))

    for r in reads:
        lits = []
        for w_eid in enc.rf_of_read[r.eid]:
            w = events[w_eid]
            lit = variable(f"rf_{w.eid}_{r.eid}", boolean)
            enc.rf[(w.eid, r.eid)] = lit
            lits.append(lit)
            cs.append(implies(lit, enc.conjunction([enc.guard(w.guard), enc.guard(r.guard),
                                                    enc.same_address(w.eid, r.eid),
                                                    equal(enc.read_value[r.eid], enc.term(w.value))])))
        g = enc.guard(r.guard)
        if lits:
            one = exactly_one(lits, ctx)
            cs.append(one if g is enc.true else implies(g, one))
        else:
            cs.append(negate(g))

    cs += encode_grounding(enc, thin_air, lambda eid: enc.guard(events[eid].guard))

    inner = [w for w in writes if not w.is_init]
    # a write's position is 1 to the number of writes (keeps models finite
    # and canonical enough; the order is what matters)
    first, last, integer = z3.IntVal(1, ctx), z3.IntVal(len(inner), ctx), z3.IntSort(ctx)
    for w in inner:
        p = enc.position[w.eid] = variable(f"p{w.eid}", integer, z3.ArithRef)
        cs += within(p, first, last)
    for i, w1 in enumerate(inner):
        for w2 in inner[i + 1:]:
            if enc.may_alias(w1, w2) and not exclusive(w1.guard, w2.guard):
                both = enc.co_pairs[(w1.eid, w2.eid)] = enc.conjunction(
                    [enc.guard(w1.guard), enc.guard(w2.guard), enc.same_address(w1.eid, w2.eid)])
                apart = negate(equal(enc.position[w1.eid], enc.position[w2.eid]))
                cs.append(apart if both is enc.true else implies(both, apart))
    cs += lock_atomicity(enc, writes)
    if program.loops:
        from .loops import loop_literals
        enc.loops, more = loop_literals(enc)
        cs += more
    return enc


LOCK_READ, LOCK_WRITE = "LKR", "LKW"


def lock_atomicity(enc: Encoding, writes: list[Event]) -> list[z3.BoolRef]:
    """Taking a lock is one atomic step: the lock read reads the write that
    comes immediately before the lock write in coherence order (what a
    spin_lock's successful attempt does; herd's lock.cat defines the lock
    read's rf that way), as is an rmw pair herd makes one event (a RISC-V
    AMO under herd's models: Program.atomic_steps).  Other RMWs' atomicity
    is the model's to state."""
    events = enc.program.events
    out: list[z3.BoolRef] = []
    true = enc.true
    here_cache: dict[tuple[int, int], z3.BoolRef] = {}

    def here(x: Event, w: int) -> z3.BoolRef:
        """x exists and writes where lock write w does."""
        key = (x.eid, w)
        h = here_cache.get(key)
        if h is None:
            h = here_cache[key] = enc.conjunction([enc.guard(x.guard), enc.same_address(x.eid, w)])
        return h

    for r, w in enc.program.rmw:
        if (LOCK_READ not in events[r].tags or LOCK_WRITE not in events[w].tags) \
                and (r, w) not in enc.program.atomic_steps:
            continue
        lw = events[w]
        others = [x for x in writes if x.eid != w and not x.is_init and enc.may_alias(x, lw)
                  and not exclusive(x.guard, lw.guard)]
        for s in enc.rf_of_read.get(r, []):
            lit = enc.rf[(s, r)]
            between = []
            for x in others:
                if x.eid == s:
                    continue
                parts = [enc.co_literal(x.eid, w)]
                if not events[s].is_init:
                    parts.append(enc.co_literal(s, x.eid))
                h = here(x, w)
                if h is not true:
                    parts.append(h)
                between.append(all_of(parts, enc.ctx))
            source_before = (enc.co_literal(s, w) if not events[s].is_init else true)
            out.append(implies(lit, all_of([source_before, negate(any_of(between, enc.ctx))], enc.ctx)
                               if between else source_before))
    return out


# Formulas straight through Z3's C API: the Python API's argument coercion
# costs more than the solver on most tests.

def all_of(parts: list, ctx: z3.Context) -> z3.BoolRef:
    """z3.And without its argument coercion (true when `parts` is empty)."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return z3.BoolVal(True, ctx)
    array = (z3.Ast * len(parts))(*(p.as_ast() for p in parts))
    return z3.BoolRef(z3.Z3_mk_and(ctx.ref(), len(parts), array), ctx)


def any_of(parts: list, ctx: z3.Context) -> z3.BoolRef:
    """z3.Or without its argument coercion (false when `parts` is empty)."""
    if not parts:
        return z3.BoolVal(False, ctx)
    array = (z3.Ast * len(parts))(*(p.as_ast() for p in parts))
    return z3.BoolRef(z3.Z3_mk_or(ctx.ref(), len(parts), array), ctx)


def variable(name: str, sort: z3.SortRef, kind: type = z3.BoolRef) -> z3.ExprRef:
    """A constant of `sort` named `name`, wrapped as `kind` (z3.Const
    without its checks)."""
    ctx = sort.ctx
    ref = ctx.ref()
    return kind(z3.Z3_mk_const(ref, z3.Z3_mk_string_symbol(ref, name), sort.ast), ctx)


def exactly_one(lits: list, ctx: z3.Context) -> z3.BoolRef:
    """z3.PbEq([(l, 1) for l in lits], 1) without its argument coercion."""
    n = len(lits)
    array = (z3.Ast * n)(*(l.as_ast() for l in lits))
    coeffs = (ctypes.c_int * n)(*([1] * n))
    return z3.BoolRef(z3.Z3_mk_pbeq(ctx.ref(), n, array, coeffs, 1), ctx)


def within(p: z3.ArithRef, low: z3.ArithRef, high: z3.ArithRef) -> list[z3.BoolRef]:
    """low <= p and p <= high for integer terms, without coercion."""
    ctx = p.ctx
    ref = ctx.ref()
    return [z3.BoolRef(z3.Z3_mk_ge(ref, p.as_ast(), low.as_ast()), ctx),
            z3.BoolRef(z3.Z3_mk_le(ref, p.as_ast(), high.as_ast()), ctx)]


def implies(a: z3.BoolRef, b: z3.BoolRef) -> z3.BoolRef:
    """z3.Implies without its argument coercion."""
    return z3.BoolRef(z3.Z3_mk_implies(a.ctx.ref(), a.as_ast(), b.as_ast()), a.ctx)


def equal(a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    """a == b for two terms of one sort, without coercion."""
    return z3.BoolRef(z3.Z3_mk_eq(a.ctx.ref(), a.as_ast(), b.as_ast()), a.ctx)


def negate(a: z3.BoolRef) -> z3.BoolRef:
    """z3.Not without its argument coercion."""
    return z3.BoolRef(z3.Z3_mk_not(a.ctx.ref(), a.as_ast()), a.ctx)


def assert_all(solver: z3.Solver, terms) -> None:
    """solver.add(*terms) without its argument coercion (a list of formulas or one)."""
    ctx, handle = solver.ctx.ref(), solver.solver
    for t in (terms if isinstance(terms, list) else [terms]):
        z3.Z3_solver_assert(ctx, handle, t.as_ast())


def final_memory(enc: Encoding, address: int, of=None) -> z3.ExprRef:
    """The value of the co-last write to `address`, as a term; with `of`, the
    term `of(value)` instead (e.g. whether that value is determined)."""
    of = of or enc.term
    writes = [e for e in enc.program.events if e.kind == "W" and
              (enc.const_addr.get(e.eid) in (None, address))]
    ctx = enc.ctx
    at = enc.const(address)
    here = {w.eid: enc.conjunction([enc.guard(w.guard), enc.true if enc.const_addr.get(w.eid) == address
                                    else equal(enc.addr_term[w.eid], at)]) for w in writes}
    result = of(VConst(0))
    # the co-last write is the one no other write here comes after
    for w in writes:
        later = []
        for o in writes:
            if o.eid == w.eid:
                continue
            if w.is_init:
                later.append(here[o.eid])
            elif not o.is_init:
                after = z3.BoolRef(z3.Z3_mk_gt(ctx.ref(), enc.position[o.eid].as_ast(),
                                               enc.position[w.eid].as_ast()), ctx)
                later.append(enc.conjunction([here[o.eid], after]))
        last = enc.conjunction([here[w.eid], negate(any_of(later, ctx))]) if later else here[w.eid]
        chosen = of(w.value)
        result = type(chosen)(z3.Z3_mk_ite(ctx.ref(), last.as_ast(), chosen.as_ast(), result.as_ast()), ctx)
    return result
