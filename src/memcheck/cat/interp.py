"""Evaluate a cat expression on one execution, value by value.

The compiler inlines what it can into the DAG of set/relation operations;
what needs values only an execution has (a function recursing over a set,
`match`, `++`, `{e}`, `map`, `cross`, `linearisations`) becomes one
`interp` node, evaluated here with the DAG's values for its free names.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from . import ast as A
from . import ops as O
from . import values as V
from .ops import CatTypeError

MAX_DEPTH = 150


@dataclass(frozen=True)
class RClosure:
    """A function value at run time."""

    pat: A.Pattern
    body: A.Expr
    scope: "Scope"
    name: str = "*fun*"


@dataclass(frozen=True)
class RBuiltin:
    """A primitive (or a partial application of one)."""

    name: str
    fn: Callable


class Scope:
    """Runtime bindings over a compile-time environment."""

    __slots__ = ("vars", "parent", "cenv")

    def __init__(self, vars: dict, parent: Optional["Scope"], cenv) -> None:
        self.vars = vars
        self.parent = parent
        self.cenv = cenv

    def child(self, vars: dict) -> "Scope":
        return Scope(vars, self, self.cenv)


class Interpreter:
    """One evaluation: the DAG slot values `v`, the execution `ex`, the
    variants, the compile-time conversion of values, and base-name slots."""

    def __init__(self, v: list, ex, variants: frozenset, bases: dict, convert,
                 deps: tuple = ()) -> None:
        self.v = v
        self.deps = deps
        self.ex = ex
        self.n = ex.n
        self.variants = variants
        self.bases = bases
        self.convert = convert
        self.depth = 0
        self.used_values = False   # read the events' values (the result is then not cached)

    # ------------------------------------------------------------ names
    def lookup(self, name: str, scope: Scope, pos: A.Pos):
        s: Optional[Scope] = scope
        while s is not None:
            if name in s.vars:
                return s.vars[name]
            last = s
            s = s.parent
        cv = last.cenv.lookup(name) if last.cenv is not None else None
        if cv is not None:
            return self.convert(cv, self)
        k = self.bases.get(name)
        if k is not None:
            return self.v[k]
        raise CatTypeError(f"unbound name '{name}'")

    # ------------------------------------------------------------ expressions
    def eval(self, e: A.Expr, scope: Scope):
        m = getattr(self, "e_" + type(e).__name__)
        return m(e, scope)

    def e_Var(self, e: A.Var, scope: Scope):
        return self.lookup(e.name, scope, e.pos)

    def e_Tag(self, e: A.Tag, scope: Scope):
        return V.TagV(e.name)

    def e_Empty(self, e: A.Empty, scope: Scope):
        return 0

    def e_Universe(self, e: A.Universe, scope: Scope):
        return (1 << self.n) - 1

    def e_ExplicitSet(self, e: A.ExplicitSet, scope: Scope):
        return V.explicit([self.eval(x, scope) for x in e.elems], self.n)

    def e_Tuple(self, e: A.Tuple, scope: Scope):
        return V.TupleV(tuple(self.eval(x, scope) for x in e.elems))

    def e_Unop(self, e: A.Unop, scope: Scope):
        x = self.eval(e.expr, scope)
        n = self.n
        _check_plain(x, e.op)
        if e.op == "comp":
            return O.complement(n, x)
        if e.op == "toid":
            return O.toid(n, x)
        if e.op == "star":
            return O.star(n, x)
        if e.op == "opt":
            return O.opt(n, x)
        if e.op == "plus":
            return O.plus(x)
        return O.inverse(x)

    def e_Binop(self, e: A.Binop, scope: Scope):
        a = self.eval(e.left, scope)
        b = self.eval(e.right, scope)
        if e.op == "add":
            return V.add(a, b, self.n)
        if isinstance(a, (V.ValSet, V.LazySet)) or isinstance(b, (V.ValSet, V.LazySet)):
            return _valset_op(e.op, a, b, self.n)
        _check_plain(a, e.op)
        _check_plain(b, e.op)
        if e.op == "union":
            return O.union(a, b)
        if e.op == "inter":
            return O.inter(a, b)
        if e.op == "diff":
            return O.diff(a, b)
        if e.op == "seq":
            return O.seq(a, b)
        return O.product(self.n, a, b)

    def e_App(self, e: A.App, scope: Scope):
        return self.apply(self.eval(e.func, scope), self.eval(e.arg, scope))

    def apply(self, f, arg):
        if isinstance(f, RBuiltin):
            return f.fn(arg, self)
        if not isinstance(f, RClosure):
            raise CatTypeError(f"applying {V.describe(f)}, which is not a function")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CatTypeError(f"recursion deeper than {MAX_DEPTH} calls in '{f.name}'")
        try:
            return self.eval(f.body, f.scope.child(bind(f.pat, arg)))
        except RecursionError:
            raise CatTypeError(f"recursion too deep in '{f.name}'") from None
        finally:
            self.depth -= 1

    def e_Fun(self, e: A.Fun, scope: Scope):
        return RClosure(e.pat, e.body, scope, e.name)

    def e_LetIn(self, e: A.LetIn, scope: Scope):
        return self.eval(e.body, self.let(e.rec, e.bindings, scope))

    def let(self, rec: bool, bindings, scope: Scope) -> Scope:
        if not rec:
            out: dict = {}
            for b in bindings:
                out.update(bind(b.pat, self.eval(b.expr, scope)))
            return scope.child(out)
        inner: dict = {}
        new = scope.child(inner)
        if all(isinstance(b.expr, A.Fun) for b in bindings):
            for b in bindings:
                inner.update(bind(b.pat, RClosure(b.expr.pat, b.expr.body, new, b.expr.name)))
            return new
        names = [b.pat.name for b in bindings]
        for name in names:
            inner[name] = 0
        limit = len(bindings) * self.n * self.n + 3
        for _ in range(limit):
            changed = False
            for name, b in zip(names, bindings):
                x = self.eval(b.expr, new)
                if not _same(x, inner[name]):
                    inner[name] = x
                    changed = True
            if not changed:
                return new
        raise CatTypeError("'let rec' did not reach a fixpoint")

    def e_Try(self, e: A.Try, scope: Scope):
        try:
            return self.eval(e.expr, scope)
        except CatTypeError:
            return self.eval(e.default, scope)

    def e_IfVariant(self, e: A.IfVariant, scope: Scope):
        return self.eval(e.then if variant_holds(e.cond, self.variants) else e.other, scope)

    def e_Match(self, e: A.Match, scope: Scope):
        x = self.eval(e.expr, scope)
        for c in e.clauses:
            if c.kind == "any":
                return self.eval(c.body, scope)
            if c.kind == "tag":
                if isinstance(x, V.TagV) and x.name == c.data[0]:
                    return self.eval(c.body, scope)
                continue
            if isinstance(x, V.TagV):
                continue
            split = V.uncons(x, self.n)
            if c.kind == "empty" and split is None:
                return self.eval(c.body, scope)
            if c.kind == "cons" and split is not None:
                head, rest = split
                return self.eval(c.body, scope.child({c.data[0]: head, c.data[1]: rest}))
        raise CatTypeError("no case of 'match' applies")


def _same(a, b) -> bool:
    if type(a) in (int, tuple) and type(b) in (int, tuple):
        return O.same(a, b)
    return a == b


def _check_plain(x, op: str) -> None:
    if type(x) not in (int, tuple):
        raise CatTypeError(f"'{op}' applied to {V.describe(x)}")


def _valset_op(op: str, a, b, n: int):
    """Union, intersection and difference of sets of values."""
    def items(x):
        if type(x) is int and not x:
            return frozenset()
        if isinstance(x, V.ValSet):
            return x.items
        if isinstance(x, V.LazySet):
            return frozenset(x.elements(n))
        raise CatTypeError(f"'{op}' between a set of values and {V.describe(x)}")
    ia, ib = items(a), items(b)
    if op == "union":
        return V.ValSet(ia | ib)
    if op == "inter":
        return V.ValSet(ia & ib)
    if op == "diff":
        return V.ValSet(ia - ib)
    raise CatTypeError(f"'{op}' does not apply to sets of values")


def bind(pat: A.Pattern, value) -> dict:
    """The bindings of a pattern to a value."""
    if isinstance(pat, A.PVar):
        return {pat.name: value} if pat.name is not None else {}
    items = value.items if isinstance(value, V.TupleV) else None
    if items is None or len(items) != len(pat.names):
        raise CatTypeError(f"expected a tuple of {len(pat.names)} values")
    return {name: x for name, x in zip(pat.names, items) if name is not None}


def variant_holds(c: A.VCond, variants: frozenset) -> bool:
    """The value of a variant condition (unknown variants are unset)."""
    if isinstance(c, A.VName):
        return c.name.lower() in variants
    if isinstance(c, A.VNot):
        return not variant_holds(c.cond, variants)
    if isinstance(c, A.VAnd):
        return variant_holds(c.left, variants) and variant_holds(c.right, variants)
    return variant_holds(c.left, variants) or variant_holds(c.right, variants)


# ---------------------------------------------------------------- primitives


def _args(arg, k: int, name: str) -> tuple:
    if k == 1:
        return (arg,)
    if not isinstance(arg, V.TupleV) or len(arg.items) != k:
        raise CatTypeError(f"'{name}' takes {k} arguments")
    return arg.items


def _plain_prim(op: Callable) -> Callable:
    def fn(arg, it: Interpreter):
        _check_plain(arg, "primitive")
        return op(arg, it)
    return fn


def _map(f, it: Interpreter):
    def over(s, it2: Interpreter):
        acc = 0
        for x in reversed(list(V.elements_of(s, it2.n))):
            acc = V.add(it2.apply(f, x), acc, it2.n)
        return acc
    return RBuiltin("map", over)


def _cross(s, it: Interpreter):
    parts = tuple(V.elements_of(s, it.n)) if not (type(s) is int and not s) else ()
    return V.Cross(parts)


def _linearisations(arg, it: Interpreter):
    ws, pco = _args(arg, 2, "linearisations")
    if type(ws) is not int:
        raise CatTypeError("'linearisations' needs an event set first")
    if type(pco) not in (int, tuple):
        raise CatTypeError("'linearisations' needs a relation second")
    slot = next((k for k in it.deps if it.v[k] is pco), -1)
    return V.LinSet(ws, pco, slot)


def _classes(r, it: Interpreter):
    """herd's `classes`: the equivalence classes of an equivalence relation."""
    if type(r) is int:
        if r:
            raise CatTypeError("'classes' needs a relation")
        return V.ValSet(frozenset())
    out, seen = set(), 0
    for i, row in enumerate(r):
        if (seen >> i) & 1 or not (row or any((x >> i) & 1 for x in r)):
            continue
        cls = row | (1 << i)
        out.add(cls)
        seen |= cls
    return V.ValSet(frozenset(out))


def _classes_loc(s, it: Interpreter):
    if type(s) is not int:
        raise CatTypeError("'classes-loc' needs an event set")
    return V.classes_loc(s, it.ex.rels["loc"])


def _values_used(it: Interpreter) -> bool:
    """Note that the evaluation reads event values (see plan.py's cache)."""
    it.used_values = True
    return True


RUNTIME_PRIMITIVES: dict[str, Callable] = {
    "domain": _plain_prim(lambda x, it: O.domain(x)),
    "range": _plain_prim(lambda x, it: O.range_(x)),
    "different-values": _plain_prim(lambda x, it: _values_used(it) and O.different_values(it.ex.values, x)),
    "map": _map,
    "cross": _cross,
    "linearisations": _linearisations,
    "classes-loc": _classes_loc,
    "classes": _classes,
}

# Primitives only this interpreter evaluates (they yield sets of values).
VALUE_PRIMITIVES = frozenset({"map", "cross", "linearisations", "classes-loc", "classes"})


def frame_guard(first: dict, key: str, frame: tuple) -> None:
    """Refuse a `with` whose alternatives range over pairs that change with rf
    and co: memcheck takes the alternative the execution realises, which is
    only sound when the pairs are fixed by the static part of the execution.
    An empty frame (no alternative, as when cos.cat's `cobase` is cyclic) is
    no execution whichever is chosen, and fixes nothing."""
    if not any(frame):
        return
    old = first.setdefault(key, frame)
    if old != frame:
        raise CatTypeError("'with': the pairs its alternatives range over depend on rf and co; "
                           "memcheck cannot choose among them")
