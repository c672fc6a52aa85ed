"""Tests of the cat evaluator: relation operations against a naive model,
hand-built executions, let rec, functions, includes, flags, try, monotonicity,
a differential test against a direct AST interpreter, and explanation
soundness (the rf/co facts alone still violate the axiom)."""
from __future__ import annotations

import itertools
import pickle
import random
from dataclasses import replace
from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memcheck.cat import ast as A
from memcheck.cat import relation as R
from memcheck.cat.evaluate import DYNAMIC, Evaluator, Execution
from memcheck.cat.parse import load_model, parse_cat
from memcheck.cat.prelude import PRELUDE
from memcheck.errors import MemcheckError

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# ================================================================ relation ops

@st.composite
def rel_pairs(draw, n: Optional[int] = None, max_n: int = 12):
    """(n, set of pairs) with density drawn too."""
    if n is None:
        n = draw(st.integers(1, max_n))
    p = draw(st.sampled_from([0.0, 0.05, 0.15, 0.4, 0.8]))
    rnd = draw(st.randoms(use_true_random=False))
    return n, frozenset((i, j) for i in range(n) for j in range(n) if rnd.random() < p)


def naive_seq(a, b):
    return frozenset((x, z) for (x, y) in a for (y2, z) in b if y == y2)


def naive_plus(r):
    out = set(r)
    while True:
        new = out | naive_seq(out, out)
        if new == out:
            return frozenset(out)
        out = new


def naive_acyclic(n, r):
    return all((i, i) not in naive_plus(r) for i in range(n))


@SETTINGS
@given(st.data())
def test_sequence_chains_agree_from_either_end(data) -> None:
    """seq_chain composes left to right or right to left by the operands'
    sizes: either way, the naive composition of the chain."""
    from memcheck.cat import ops as O
    n = data.draw(st.integers(1, 16))
    ops, slots, want = [], [], None
    for i in range(data.draw(st.integers(2, 5))):
        mode = data.draw(st.sampled_from("rrfos"))
        if mode == "f":
            s = data.draw(st.integers(0, (1 << n) - 1))
            value, step = s, frozenset((x, x) for x in range(n) if (s >> x) & 1)
        else:
            _, pairs = data.draw(rel_pairs(n=n))
            value = R.from_pairs(n, pairs) if pairs or data.draw(st.booleans()) else 0
            ident = frozenset((x, x) for x in range(n))
            step = {"r": pairs, "o": pairs | ident, "s": naive_plus(pairs) | ident}[mode]
            if mode == "s" and value != 0:
                value = R.plus(value)   # the slot of X* holds X+
        slots.append(value)
        ops.append((mode, i, None))
        want = step if want is None else naive_seq(want, step)
    if all(m == "f" for m, _, _ in ops):
        return   # the compiler folds a chain of filters into one
    for got in (O._seq_from(n, slots, ops, left=True), O._seq_from(n, slots, ops, left=False),
                O.seq_chain(n, slots, ops)):
        assert set(R.pairs(got) if got != 0 else ()) == set(want)


@SETTINGS
@given(st.data())
def test_relation_ops_match_naive(data) -> None:
    n, a = data.draw(rel_pairs(max_n=24))
    _, b = data.draw(rel_pairs(n=n))
    s = data.draw(st.integers(0, (1 << n) - 1))
    t = data.draw(st.integers(0, (1 << n) - 1))
    ra, rb = R.from_pairs(n, a), R.from_pairs(n, b)
    ident = frozenset((i, i) for i in range(n))
    members = lambda m: {i for i in range(n) if (m >> i) & 1}
    assert set(R.pairs(ra)) == a
    assert set(R.pairs(R.union(ra, rb))) == a | b
    assert set(R.pairs(R.inter(ra, rb))) == a & b
    assert set(R.pairs(R.diff(ra, rb))) == a - b
    assert set(R.pairs(R.seq(ra, rb))) == naive_seq(a, b)
    assert set(R.pairs(R._seq_dense(ra, rb))) == naive_seq(a, b)
    assert set(R.pairs(R.inverse(ra))) == {(y, x) for x, y in a}
    assert set(R.pairs(R.plus(ra))) == naive_plus(a)
    assert set(R.pairs(R.star(ra))) == naive_plus(a) | ident
    assert set(R.pairs(R.opt(ra))) == a | ident
    assert set(R.pairs(R.identity(n, s))) == {(i, i) for i in members(s)}
    assert set(R.pairs(R.product(n, s, t))) == {(i, j) for i in members(s) for j in members(t)}
    assert members(R.domain(ra)) == {x for x, _ in a}
    assert members(R.range_(ra)) == {y for _, y in a}
    assert set(R.pairs(R.complement(ra))) == {(i, j) for i in range(n) for j in range(n)} - a
    assert members(R.set_complement(n, s)) == set(range(n)) - members(s)
    assert set(R.pairs(R.restrict_rows(s, ra))) == {(x, y) for x, y in a if x in members(s)}
    assert set(R.pairs(R.restrict_cols(ra, s))) == {(x, y) for x, y in a if y in members(s)}
    assert R.is_empty(ra) == (not a)
    assert R.is_irreflexive(ra) == all(x != y for x, y in a)
    acyclic = naive_acyclic(n, a)
    assert R.is_acyclic(ra) == acyclic
    cyc = R.find_cycle(ra)
    if acyclic:
        assert cyc is None
    else:
        assert cyc and len(set(cyc)) == len(cyc)
        assert all((cyc[i], cyc[(i + 1) % len(cyc)]) in a for i in range(len(cyc)))
    x, y = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    path = R.find_path(ra, x, y)
    if (x, y) in naive_plus(a):
        assert path[0] == x and path[-1] == y and all(e in a for e in zip(path, path[1:]))
    else:
        assert path is None


def test_find_cycle_is_shortest() -> None:
    r = R.from_pairs(6, [(0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 4)])
    assert sorted(R.find_cycle(r)) == [4, 5]
    assert R.find_cycle(R.from_pairs(3, [(0, 1), (1, 1)])) == [1]


# ================================================================ executions

class Builder:
    """Hand-built executions: events with thread, kind, location, value, tags."""

    def __init__(self) -> None:
        self.events: list[tuple] = []

    def ev(self, thread: int, kind: str, loc: Optional[str] = None, value: Optional[int] = None,
           *tags: str) -> int:
        self.events.append((thread, kind, loc, value, tags))
        return len(self.events) - 1

    def build(self, rf, co, extra_rels=None, key=None, **extra_sets) -> Execution:
        evs = self.events
        n = len(evs)
        sets: dict[str, int] = {"R": 0, "W": 0, "F": 0, "IW": 0, "RMW": 0}
        for i, (t, kind, loc, val, tags) in enumerate(evs):
            for name in (kind,) + tags:
                sets[name] = sets.get(name, 0) | (1 << i)
            if t < 0:
                sets["IW"] |= 1 << i
        for name, members in extra_sets.items():
            sets[name] = R.set_from(members)
        pairs = lambda f: [(i, j) for i in range(n) for j in range(n) if f(evs[i], evs[j], i, j)]
        rels = {
            "po": R.from_pairs(n, pairs(lambda a, b, i, j: a[0] == b[0] >= 0 and i < j)),
            "loc": R.from_pairs(n, pairs(lambda a, b, i, j: a[2] is not None and a[2] == b[2])),
            "int": R.from_pairs(n, pairs(lambda a, b, i, j: a[0] == b[0])),
            "ext": R.from_pairs(n, pairs(lambda a, b, i, j: a[0] != b[0])),
            "id": R.identity(n),
            "addr": R.empty(n), "data": R.empty(n), "ctrl": R.empty(n), "rmw": R.empty(n),
            "rf": R.from_pairs(n, rf), "co": R.from_pairs(n, co),
        }
        for name, edges in (extra_rels or {}).items():
            rels[name] = R.from_pairs(n, edges)
        return Execution(n, sets, rels, [e[3] for e in evs], static_key=key)


def sb(fenced: bool, outcome_zero: bool = True, key=None) -> Execution:
    """Store buffering: T0: x=1; [mb]; r0=y   T1: y=1; [mb]; r1=x."""
    b = Builder()
    ix, iy = b.ev(-1, "W", "x", 0), b.ev(-1, "W", "y", 0)
    wx = b.ev(0, "W", "x", 1)
    if fenced:
        b.ev(0, "F", None, None, "Mb")
    ry = b.ev(0, "R", "y", 0 if outcome_zero else 1)
    wy = b.ev(1, "W", "y", 1)
    if fenced:
        b.ev(1, "F", None, None, "Mb")
    rx = b.ev(1, "R", "x", 0)
    rf = [(iy if outcome_zero else wy, ry), (ix, rx)]
    return b.build(rf, [(ix, wx), (iy, wy)], key=key)


SC = '"SC"\nacyclic po | rf | co | fr as sc\n'
TSO = '''"TSO"
enum Fences = 'mb
let ppo = po \\ (W * R)
let fence = fencerel(Mb)
acyclic po-loc | com as uniproc
let com = rf | co | fr
acyclic ppo | fence | rfe | co | fr as tso
'''


def evaluator(text: str, variants=frozenset()) -> Evaluator:
    return Evaluator(parse_cat(text, "test.cat"), variants)


def names(result) -> list[str]:
    return [v.name for v in result.violations]


def test_sb_under_sc() -> None:
    ev = evaluator(SC)
    for fenced in (False, True):
        r = ev.check(sb(fenced))
        assert names(r) == ["sc"] and not r.allowed
        assert r.violations[0].kind == "acyclic" and r.violations[0].monotone
        assert ev.check(sb(fenced, outcome_zero=False)).allowed


def test_sb_under_tso_needs_fences() -> None:
    ev = evaluator(TSO.replace("acyclic po-loc | com as uniproc\n", ""))
    assert ev.check(sb(fenced=False)).allowed
    assert names(ev.check(sb(fenced=True))) == ["tso"]


def test_unknown_name_is_error_with_position() -> None:
    ev = evaluator(TSO)   # uses com before defining it: a base relation, which is missing
    with pytest.raises(MemcheckError) as info:
        ev.check(sb(False))
    assert (info.value.file, info.value.line, info.value.col) == ("test.cat", 5, 18)
    assert "unknown set or relation 'com'" in info.value.message


def test_explain_sb() -> None:
    ev = evaluator(SC)
    ex = sb(False)
    v = ev.check(ex).violations[0]
    expl = ev.explain(ex, v)
    assert sorted(expl.edges) == [(2, 3, "po"), (3, 4, "fr"), (4, 5, "po"), (5, 2, "fr")]
    assert expl.facts == {("rf", 1, 3), ("co", 1, 4), ("rf", 0, 5), ("co", 0, 2)}


def test_stop_at_first_and_all_violations() -> None:
    ev = evaluator(SC + "irreflexive fr ; po ; fr ; po as sb-shape\nempty rf & co as never\n")
    ex = sb(False)
    assert names(ev.check(ex)) == ["sc"]
    assert names(ev.check(ex, stop_at_first=False)) == ["sc", "sb-shape"]


def test_flags_and_negated_checks() -> None:
    ev = evaluator(SC.replace("acyclic", "flag ~acyclic") +
                   "flag ~empty rf & ext as has-rfe\nflag empty co & int as no-coi\n"
                   "~empty po as has-po\n")
    r = ev.check(sb(False))
    assert r.allowed and r.flags == {"sc", "has-rfe", "no-coi"}
    r = ev.check(sb(False, outcome_zero=False))
    assert r.flags == {"has-rfe", "no-coi"}
    lonely = Builder()
    lonely.ev(-1, "W", "x", 0)
    r = ev.check(lonely.build([], []))
    assert names(r) == ["has-po"] and r.violations[0].kind == "~empty"


def test_static_key_cache_separates_keys() -> None:
    ev = evaluator(TSO.replace("acyclic po-loc | com as uniproc\n", ""))
    a, b = sb(False, key="k1"), sb(True, key="k2")
    for _ in range(3):
        assert ev.check(a).allowed
        assert not ev.check(b).allowed
    assert not ev.check(sb(True, outcome_zero=True, key="k2")).allowed
    assert ev.check(sb(True, outcome_zero=False, key="k2")).allowed


def test_evaluator_pickles() -> None:
    ev = pickle.loads(pickle.dumps(evaluator(SC)))
    assert names(ev.check(sb(False))) == ["sc"]


# ================================================================ language features

def tiny(n_po: int = 4) -> Execution:
    """One thread of n_po writes to x (co in po order), no reads."""
    b = Builder()
    ws = [b.ev(0, "W", "x", i + 1) for i in range(n_po)]
    co = [(ws[i], ws[j]) for i in range(n_po) for j in range(i + 1, n_po)]
    return b.build([], co)


def check_empty(ev: Evaluator, ex: Execution, name: str) -> bool:
    return name not in names(ev.check(ex, stop_at_first=False))


def test_let_rec_fixpoint_is_transitive_closure() -> None:
    ev = evaluator("let step = po \\ (po ; po)\n"
                   "let rec t = step | (t ; t)\n"
                   "empty t \\ po as t-sub\nempty po \\ t as t-sup\n"
                   "let rec odd = step | (even ; step) and even = odd ; step\n"
                   "empty odd & even as parity\n"
                   "empty (odd | even) \\ po as parity-sub\n")
    r = ev.check(tiny(5), stop_at_first=False)
    assert r.allowed, names(r)


def test_let_rec_in_expression_and_self_reference() -> None:
    ev = evaluator("let c = let rec x = x | (po \\ (po;po)) | (x ; x) in x\n"
                   "empty c \\ po as sub\nempty po \\ c as sup\n"
                   "let rec z = z\nempty z as z-empty\n")
    assert ev.check(tiny(4), stop_at_first=False).allowed


def test_let_rec_matching_is_gauss_seidel() -> None:
    """Nested lock/unlock matching, herd style: a non-monotone definition whose
    result depends on later bindings seeing earlier ones in the same round."""
    model = '''
enum Locks = 'lk || 'ul
let matching = let rec
        open = Lk \\ domain(matched)
    and close = Ul \\ range(matched)
    and pending = open | close
    and pending-po = [pending] ; po ; [pending]
    and candidates = [open] ; po ; [close]
    and matched = matched | (candidates \\ (pending-po ; pending-po))
    in matched
empty matching \\ expected as too-many
empty expected \\ matching as too-few
'''
    b = Builder()
    l1, l2, u2, u1, l3, u3 = (b.ev(0, "F", None, None, t)
                              for t in ("Lk", "Lk", "Ul", "Ul", "Lk", "Ul"))
    ex = b.build([], [], extra_rels={"expected": [(l2, u2), (l1, u1), (l3, u3)]})
    r = evaluator(model).check(ex, stop_at_first=False)
    assert r.allowed, names(r)


def test_functions_tuples_currying_and_scope() -> None:
    model = '''
let sym(a, b) = (a \\ b) | (b \\ a)
let both a = fun b -> a & b
let k = po
let capture = fun r -> r & k
let k = 0
let apply(f, x) = f(x)
let (p, q) = (po, co)
empty sym(po, co) \\ (po | co) as sym1
empty both po co \\ po as curried
empty capture(po) \\ po as cap1
empty po \\ capture(po) as cap2
empty apply((fun r -> r ; r), po) \\ (po ; po) as higher
empty p \\ po as tup1
empty q \\ co as tup2
empty toid(W) \\ [W] as toid
empty imply(R, W) \\ (~R | W) as imply
empty udr(po) \\ (domain(po) | range(po)) as udr
'''
    r = evaluator(model).check(tiny(3), stop_at_first=False)
    assert r.allowed, names(r)


def test_builtins_and_set_expressions() -> None:
    model = '''
empty domain(po) \\ (W \\ range(po) | domain(po)) as dom
empty range(po) & ~range(po) as comp
empty (W * W) \\ (W * _) as prod
empty [W] \\ id as toid
empty different-values(co) \\ co as dv-sub
~empty different-values(co) as dv
empty emptyset | 0 | {} as empties
empty fencerel(W) \\ (po ; po) as fencerel
empty po? \\ (po | id) as opt
empty po* \\ (po+ | id) as star
empty (po^-1)^-1 \\ po as inv
'''
    r = evaluator(model).check(tiny(3), stop_at_first=False)
    assert r.allowed, names(r)


def test_try_and_enum_defaults() -> None:
    model = '''
enum Tags = 'rcu-lock || 'once
let a = try Missing-set with W
let b = try Rcu-lock with W
let c = try undefined-fun(po) with po
empty a \\ W as a-default
empty W \\ a as a-default2
empty b as enum-tag-defaults-to-empty
empty c \\ po as c-default
empty Once as once-empty
'''
    ev = evaluator(model)
    assert ev.check(tiny(2), stop_at_first=False).allowed
    ex = tiny(2)
    ex = replace(ex, sets={**ex.sets, "Once": 1, "Missing-set": 0})
    assert names(ev.check(ex, stop_at_first=False)) == ["a-default2", "once-empty"]


def test_try_inside_let_rec_only_needs_the_chosen_branch() -> None:
    ev = evaluator("let rec x = (try Missing with po) | (x ; x)\n"
                   "let rec y = (try po with Missing) | (y ; y) | rf\n"
                   "empty x \\ po as a\nempty y \\ (po | rf | (po | rf)+) as b\n")
    assert ev.check(tiny(3), stop_at_first=False).allowed


def test_variants() -> None:
    model = '''
if "strict" && not "lax"
  acyclic po | co as strict-ax
else
  empty 0 as lax-ax
end
let x = if "strict" then po else 0
flag ~empty x as x-set
'''
    assert [c.name for c in evaluator(model).checks] == ["lax-ax", "x-set"]
    ev = evaluator(model, frozenset({"strict"}))
    assert [c.name for c in ev.checks] == ["strict-ax", "x-set"]
    assert ev.check(tiny(2)).flags == {"x-set"}


def test_procedures() -> None:
    model = '''
procedure no-overlap(a, b) =
  let both = a & b
  empty both
end
call no-overlap(po, po^-1) as disjoint
call no-overlap(po, po)
'''
    ev = evaluator(model)
    assert [c.name for c in ev.checks] == ["disjoint", "both"]
    assert names(ev.check(tiny(2), stop_at_first=False)) == ["both"]


def test_model_redefines_base_relations() -> None:
    model = '''
let extra = [W] ; po ; [W]
let co = co | extra
let coe = co & ext
empty co \\ po as co-in-po
empty coe as no-coe
'''
    assert evaluator(model).check(tiny(3), stop_at_first=False).allowed


def test_include_via_load_model(tmp_path) -> None:
    (tmp_path / "defs.cat").write_text("let com = rf | co | fr\n")
    (tmp_path / "main.cat").write_text('"m"\ninclude "defs.cat"\nacyclic po | com as sc\n')
    ev = Evaluator(load_model(tmp_path / "main.cat"))
    assert names(ev.check(sb(False))) == ["sc"]


def test_type_errors_have_positions() -> None:
    ev = evaluator("let bad = W ; po\nempty bad as x\n")
    with pytest.raises(MemcheckError) as info:
        ev.check(tiny(2))
    assert info.value.line == 1 and "event set" in info.value.message


def test_fr_default_is_rf_inverse_co() -> None:
    ev = evaluator("empty fr \\ (rf^-1 ; co) as a\nempty (rf^-1 ; co) \\ fr as b\n")
    assert ev.check(sb(False), stop_at_first=False).allowed


def test_fw_defaults_to_co_maximal_writes() -> None:
    ev = evaluator("empty [FW] \\ expected as a\nempty expected \\ [FW] as b\n")
    ex = tiny(3)
    ex = replace(ex, rels={**ex.rels, "expected": R.identity(3, 0b100)})
    assert ev.check(ex, stop_at_first=False).allowed
    given_fw = replace(ex, sets={**ex.sets, "FW": 0b001})
    assert names(ev.check(given_fw, stop_at_first=False)) == ["a", "b"]


# ================================================================ monotonicity

@pytest.mark.parametrize("expr, kind, monotone", [
    ("po | rf | co | fr", "acyclic", True),
    ("rf ; co", "irreflexive", True),
    ("rf & co^-1", "empty", True),
    ("po \\ rf", "acyclic", True),    # an absent rf edge: the read reads another write
    ("rf \\ po", "acyclic", True),
    ("~rf", "empty", False),
    ("~po & rf", "empty", True),
    ("[domain(rf)] ; po", "acyclic", True),
    ("(W * W) \\ (co | co^-1)", "empty", False),
    ("different-values(po)", "empty", False),
    ("different-values(rf)", "empty", False),
    ("(rf | co)+", "irreflexive", True),
    ("(rf \\ (co ; rf))", "empty", False),
    ("mono-fn(rf)", "acyclic", True),
    ("anti-fn(co ; rf)", "acyclic", False),
    ("rec-mono", "acyclic", True),
    ("rec-anti", "acyclic", False),
    ("try Missing with rf", "acyclic", True),
])
def test_monotonicity_detection(expr: str, kind: str, monotone: bool) -> None:
    prelude = ("let mono-fn(r) = po ; r ; po\nlet anti-fn(r) = po \\ r\n"
               "let rec rec-mono = rf | (rec-mono ; co)\n"
               "let rec rec-anti = rf | (po \\ rec-anti)\n")
    ev = evaluator(f"{prelude}{kind} {expr} as ax\n~{kind} {expr} as neg\n"
                   f"~{kind} po as static-neg\n")
    ax, neg, static_neg = ev.checks
    assert ax.monotone == monotone
    assert not neg.monotone
    assert static_neg.monotone


# ================================================================ reference interpreter

class Unbound(Exception):
    """A name with no binding (makes `try` take its default)."""


class RefEval:
    """A direct, naive interpreter of the cat AST over frozensets, used as the
    oracle in differential tests (no compilation, no caching, no sharing)."""

    EMPTY = ("E",)

    def __init__(self, model: A.Model, variants: frozenset[str] = frozenset()):
        self.model = model
        self.variants = variants
        tags = set()

        def walk(instrs):
            for i in instrs:
                if isinstance(i, A.Enum):
                    tags.update(t[:1].upper() + t[1:] for t in i.tags)
                elif isinstance(i, A.Include) and i.model:
                    walk(i.model.instrs)
        walk(model.instrs)
        self.tags = tags

    # -- values: ("S", frozenset[int]) | ("R", frozenset[pair]) | EMPTY | other python values
    def run(self, ex: Execution) -> tuple[list[str], set[str]]:
        self.ex = ex
        self.all = frozenset(range(ex.n))
        env = {"domain": ("B", "domain"), "range": ("B", "range"),
               "different-values": ("B", "dv"), "classes-loc": ("B", "classes-loc"),
               "map": ("B", "map"), "cross": ("B", "cross"),
               "linearisations": ("B", "linearisations")}
        self.violations: list[str] = []
        self.flags: set[str] = set()
        env = self.instrs(parse_cat(PRELUDE).instrs, env, None)
        self.instrs(self.model.instrs, env, None)
        return self.violations, self.flags

    def base(self, name: str):
        ex = self.ex
        if name in ex.sets:
            return ("S", frozenset(i for i in range(ex.n) if (ex.sets[name] >> i) & 1))
        if name in ex.rels:
            return ("R", frozenset(R.pairs(ex.rels[name])))
        if name in self.tags:
            return ("S", frozenset())
        raise Unbound(name)

    def instrs(self, instrs, env: dict, label: Optional[str]) -> dict:
        for ins in instrs:
            if isinstance(ins, A.Let):
                env = self.let(ins.rec, ins.bindings, env)
            elif isinstance(ins, A.Check):
                v = self.expr(ins.expr, env)
                ok = self.test(ins.kind, v) != ins.negated
                name = ins.name or label or A.expr_text(ins.expr)
                if ins.flag:
                    if ok:
                        self.flags.add(name)
                elif not ok:
                    self.violations.append(name)
            elif isinstance(ins, A.Enum):
                env = {**env, ins.name: ("T", frozenset(ins.tags))}
            elif isinstance(ins, A.Include):
                if ins.model is not None:
                    env = self.instrs(ins.model.instrs, env, label)
            elif isinstance(ins, A.Procedure):
                env = {**env, ins.name: ("P", ins, env)}
            elif isinstance(ins, A.Call):
                _, proc, penv = env[ins.name]
                self.instrs(proc.body, {**penv, **self.bind(proc.pat, self.expr(ins.arg, env))},
                            ins.label or label)
            elif isinstance(ins, A.IfVariantInstr):
                branch = ins.then if self.cond(ins.cond) else ins.other
                env = self.instrs(branch, env, label)
        return env

    def cond(self, c) -> bool:
        if isinstance(c, A.VName):
            return c.name in self.variants
        if isinstance(c, A.VNot):
            return not self.cond(c.cond)
        if isinstance(c, A.VAnd):
            return self.cond(c.left) and self.cond(c.right)
        return self.cond(c.left) or self.cond(c.right)

    def test(self, kind: str, v) -> bool:
        pairs = v[1] if v[0] in "RS" else frozenset()
        if kind == "empty":
            return not pairs
        if kind == "irreflexive":
            return all(a != b for a, b in pairs)
        return all(a != b for a, b in naive_plus(pairs))

    def bind(self, pat, v) -> dict:
        if isinstance(pat, A.PVar):
            return {} if pat.name is None else {pat.name: v}
        items = v[1] if v[0] == "U" else ()
        assert len(items) == len(pat.names)
        return {n: x for n, x in zip(pat.names, items) if n is not None}

    def let(self, rec: bool, bindings, env: dict) -> dict:
        if not rec:
            new = dict(env)
            for b in bindings:
                new.update(self.bind(b.pat, self.expr(b.expr, env)))
            return new
        if all(isinstance(b.expr, A.Fun) for b in bindings):
            new = dict(env)
            for b in bindings:
                new[b.pat.name] = ("F", b.expr.pat, b.expr.body, new)
            return new
        cur = {b.pat.name: self.EMPTY for b in bindings}
        while True:
            new = dict(env)
            new.update(cur)
            vals = {}
            for b in bindings:
                vals[b.pat.name] = new[b.pat.name] = self.expr(b.expr, new)
            if all(self.same(vals[k], cur[k]) for k in cur):
                return new
            cur = vals

    @staticmethod
    def same(a, b) -> bool:
        ea = a == RefEval.EMPTY or (a[0] in "RS" and not a[1])
        eb = b == RefEval.EMPTY or (b[0] in "RS" and not b[1])
        return (ea and eb) or a == b

    def expr(self, e, env: dict):
        if isinstance(e, A.Var):
            if e.name in env:
                return env[e.name]
            return self.base(e.name)
        if isinstance(e, A.Tag):
            return ("G", e.name)
        if isinstance(e, A.Empty):
            return self.EMPTY
        if isinstance(e, A.Universe):
            return ("S", self.all)
        if isinstance(e, A.ExplicitSet):
            return self.EMPTY if not e.elems else ("T", frozenset(x.name for x in e.elems))
        if isinstance(e, A.Tuple):
            return ("U", tuple(self.expr(x, env) for x in e.elems))
        if isinstance(e, A.Fun):
            return ("F", e.pat, e.body, env)
        if isinstance(e, A.LetIn):
            return self.expr(e.body, self.let(e.rec, e.bindings, env))
        if isinstance(e, A.Try):
            try:
                return self.expr(e.expr, env)
            except Unbound:
                return self.expr(e.default, env)
        if isinstance(e, A.IfVariant):
            return self.expr(e.then if self.cond(e.cond) else e.other, env)
        if isinstance(e, A.App):
            f = self.expr(e.func, env)
            arg = self.expr(e.arg, env)
            if f[0] == "B":
                return self.builtin(f[1], arg)
            if f[0] != "F":
                raise Unbound("not a function")
            return self.expr(f[2], {**f[3], **self.bind(f[1], arg)})
        if isinstance(e, A.Unop):
            return self.unop(e.op, self.expr(e.expr, env))
        return self.binop(e.op, self.expr(e.left, env), self.expr(e.right, env))

    def ident(self, s):
        return ("R", frozenset((i, i) for i in s))

    def builtin(self, name: str, v):
        if v == self.EMPTY:
            return self.EMPTY
        if name == "domain":
            return ("S", frozenset(a for a, _ in v[1]))
        if name == "range":
            return ("S", frozenset(b for _, b in v[1]))
        vals = self.ex.values
        return ("R", frozenset((a, b) for a, b in v[1] if vals[a] != vals[b]))

    def unop(self, op: str, v):
        if v == self.EMPTY:
            if op in ("star", "opt"):
                return self.ident(self.all)
            if op == "comp":
                return ("S", self.all)
            return self.EMPTY
        if op == "toid":
            return self.ident(v[1])
        if op == "comp":
            if v[0] == "S":
                return ("S", self.all - v[1])
            return ("R", frozenset(itertools.product(self.all, self.all)) - v[1])
        if op == "inv":
            return ("R", frozenset((b, a) for a, b in v[1]))
        plus = naive_plus(v[1])
        if op == "plus":
            return ("R", plus)
        if op == "star":
            return ("R", plus | self.ident(self.all)[1])
        return ("R", v[1] | self.ident(self.all)[1])

    def binop(self, op: str, a, b):
        E = self.EMPTY
        if op == "prod":
            if a == E or b == E:
                return E
            return ("R", frozenset(itertools.product(a[1], b[1])))
        if op == "seq":
            if a == E or b == E:
                return E
            return ("R", naive_seq(a[1], b[1]))
        if op == "union":
            if a == E:
                return b
            if b == E:
                return a
            return (a[0], a[1] | b[1])
        if op == "inter":
            if a == E or b == E:
                return E
            return (a[0], a[1] & b[1])
        if op == "diff":
            if a == E:
                return E
            if b == E:
                return a
            return (a[0], a[1] - b[1])
        raise AssertionError(op)


# ================================================================ random executions

TEST_MODEL = r'''"memcheck test model"
enum Accesses = 'once || 'acquire || 'release
enum Fences = 'mb || 'wmb || 'rmb || 'sync || 'rcu-lock || 'rcu-unlock
enum Locks = 'lk || 'ul
instructions F[Fences]

let Marked = Once | Acquire | Release | IW | domain(rmw) | range(rmw)
let Plain = M \ Marked

(* lock/unlock matching: static, non-monotone, herd-style iteration *)
let crit = let rec
        open = Lk \ domain(matched)
    and close = Ul \ range(matched)
    and pending = open | close
    and pending-po = [pending] ; po ; [pending]
    and matched = matched | (([open] ; po ; [close]) \ (pending-po ; pending-po))
    in matched
flag ~empty Lk \ domain(crit) as unbalanced

let com = rf | co | fr
acyclic po-loc | com as coherence
empty rmw & (fre ; coe) as atomic

let mb = [M] ; fencerel(Mb) ; [M]
let wmb = [W] ; fencerel(Wmb) ; [W]
let rmb = [R] ; fencerel(Rmb) ; [R]
let acq-po = [Acquire] ; po ; [M]
let po-rel = [M] ; po ; [Release]
let strong = mb | (po ; [Sync] ; po?)
let fence = strong | wmb | rmb | acq-po | po-rel
let dep = addr | data
let to-w = ((dep | ctrl) ; [W]) | ((co | fr) & int)
let to-r = addr | (dep ; [Marked] ; rfi)
let ppo = to-r | to-w | fence
let A-cumul(r) = (rfe ; [Marked])? ; r
let cumul = [Marked] ; (A-cumul(strong | po-rel) | wmb) ; [Marked]
let prop = [Marked] ; ((co | fr) & ext)? ; cumul* ; [Marked] ; rfe? ; [Marked]
let hb = [Marked] ; (ppo | rfe | ((prop \ id) & int)) ; [Marked]
acyclic hb as happens-before
let pb = prop ; strong ; hb* ; [Marked]
acyclic pb as propagation

(* a dynamic recursive group, Gauss-Seidel order matters for nothing here *)
let rec gp-order = [Sync] | (gp-order ; link ; gp-order)
    and link = po? ; hb* ; prop ; po
let gp-fence = po ; gp-order ; po?
irreflexive prop ; gp-fence ; hb* as gp

let sym(a, b) = (a \ b) | (b \ a)
let meet a = fun b -> a & b
let RL = try RL with emptyset
let Seen = try Seen with R | RL
empty meet (rf & ext) (sym(po, po^-1)) as no-meet
irreflexive (fr ; rf) | (co ; co) as fr-rf
empty [Plain] ; (rf & ext) ; [Plain] \ hb+ as plain-rf
if "strict"
  acyclic po | com as sc
end
let xb = (hb | pb)*
let race = ext & loc & ((Plain * M) | (M * Plain)) & ((W * M) | (M * W)) \ (xb | xb^-1)
flag ~empty race as data-race
flag ~empty different-values(rf) as inconsistent-values
flag ~empty [Seen] ; rf^-1 ; [IW] as reads-init
empty pre & rf & (po | hb)^-1 as strange
'''


def random_execution(rng: random.Random, key=None) -> Execution:
    """A random well-formed candidate execution of a small litmus-like test."""
    threads = rng.randint(1, 3)
    locs = rng.randint(1, 2)
    evs: list[tuple] = [(-1, "W", l, {"IW"}) for l in range(locs)]
    for t in range(threads):
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice("RRWWFF")
            if kind == "F":
                evs.append((t, "F", None, {rng.choice(["Mb", "Wmb", "Rmb", "Sync", "Lk", "Ul"])}))
            else:
                tag = rng.choice(["Once", "Plain", "Acquire" if kind == "R" else "Release"])
                evs.append((t, kind, rng.randrange(locs), {tag}))
    n = len(evs)
    sets: dict[str, int] = {"R": 0, "W": 0, "F": 0, "RMW": 0, "IW": 0}
    for i, (t, kind, loc, tags) in enumerate(evs):
        for name in {kind} | tags:
            if name != "Plain":
                sets[name] = sets.get(name, 0) | (1 << i)
    same_thread = lambda i, j: evs[i][0] == evs[j][0]
    po = [(i, j) for i in range(n) for j in range(n) if i < j and same_thread(i, j)
          and evs[i][0] >= 0]
    loc = [(i, j) for i in range(n) for j in range(n)
           if evs[i][2] is not None and evs[i][2] == evs[j][2]]
    reads_before = [(i, j) for i, j in po if evs[i][1] == "R" and evs[j][1] in "RW"]
    addr = [p for p in reads_before if rng.random() < 0.2]
    data = [p for p in reads_before if evs[p[1]][1] == "W" and rng.random() < 0.2]
    ctrl = [p for p in reads_before if rng.random() < 0.1]
    rmw = [(i, j) for i, j in po if j == i + 1 and evs[i][1] == "R" and evs[j][1] == "W"
           and evs[i][2] == evs[j][2] and rng.random() < 0.5]
    writes: dict[int, list[int]] = {}
    for i, e in enumerate(evs):
        if e[1] == "W":
            writes.setdefault(e[2], []).append(i)
    co, rf = [], []
    values: list[Optional[int]] = [None] * n
    for l, ws in writes.items():
        order = [ws[0]] + rng.sample(ws[1:], len(ws) - 1)
        co += [(order[i], order[j]) for i in range(len(order)) for j in range(i + 1, len(order))]
        for w in ws:
            values[w] = 0 if evs[w][0] < 0 else rng.randint(0, 2)
    for i, e in enumerate(evs):
        if e[1] == "R":
            w = rng.choice(writes[e[2]])
            rf.append((w, i))
            values[i] = values[w]
    rels = {"po": po, "loc": loc, "addr": addr, "data": data, "ctrl": ctrl, "rmw": rmw,
            "rf": rf, "co": co,
            "int": [(i, j) for i in range(n) for j in range(n) if same_thread(i, j)],
            "ext": [(i, j) for i in range(n) for j in range(n) if not same_thread(i, j)],
            "pre": [(i, j) for i in range(n) for j in range(n) if rng.random() < 0.3]}
    rels = {k: R.from_pairs(n, v) for k, v in rels.items()}
    rels["id"] = R.identity(n)
    if rng.random() < 0.3:
        sets["Seen"] = rng.randrange(1 << n)
    return Execution(n, sets, rels, values, static_key=key)


def with_dynamic(ex: Execution, rf: set, co: set) -> Execution:
    n = ex.n
    return replace(ex, rels={**ex.rels, "rf": R.from_pairs(n, rf), "co": R.from_pairs(n, co)})


@pytest.fixture(scope="module")
def test_model() -> A.Model:
    return parse_cat(TEST_MODEL, "test-model.cat")


@pytest.fixture(scope="module")
def test_evaluator(test_model) -> Evaluator:
    return Evaluator(test_model, frozenset({"strict"}))


def test_test_model_monotonicity(test_evaluator) -> None:
    mono = {c.name: c.monotone for c in test_evaluator.checks if not c.flag}
    assert mono == {"coherence": True, "atomic": True, "happens-before": True,
                    "propagation": True, "gp": True, "no-meet": True, "fr-rf": True,
                    "plain-rf": False, "sc": True, "strange": True}


@SETTINGS
@given(st.integers(0, 2 ** 32 - 1))
def test_matches_reference_interpreter(test_model, test_evaluator, seed: int) -> None:
    rng = random.Random(seed)
    ref = RefEval(test_model, frozenset({"strict"}))
    key = ("static", seed)
    ex = random_execution(rng, key)
    for _ in range(3):   # same static part, other rf/co (exercises the cache)
        res = test_evaluator.check(ex, stop_at_first=False)
        violations, flags = ref.run(ex)
        assert names(res) == violations
        assert res.flags == flags
        first = test_evaluator.check(ex)
        assert names(first) == violations[:1]
        other = random_execution(random.Random(seed), key)
        ex = with_dynamic(ex, set(R.pairs(other.rels["rf"])) if rng.random() < 0.5 else
                          set(R.pairs(ex.rels["rf"])),
                          set(R.pairs(ex.rels["co"])))


def restricted(ex: Execution, facts) -> Execution:
    return with_dynamic(ex, {(a, b) for r, a, b in facts if r == "rf"},
                        {(a, b) for r, a, b in facts if r == "co"})


@SETTINGS
@given(st.integers(0, 2 ** 32 - 1))
def test_explain_facts_are_sound(test_evaluator, seed: int) -> None:
    rng = random.Random(seed)
    ex = random_execution(rng, ("explain", seed))
    res = test_evaluator.check(ex, stop_at_first=False)
    for v in res.violations:
        expl = test_evaluator.explain(ex, v)
        assert expl.edges and all(isinstance(l, str) and l for _, _, l in expl.edges)
        assert all(r in DYNAMIC for r, _, _ in expl.facts)
        for r, a, b in expl.facts:
            assert (ex.rels[r][a] >> b) & 1, "a fact must be an edge of the execution"
        if v.kind == "acyclic":
            es = expl.edges
            assert all(es[i][1] == es[(i + 1) % len(es)][0] for i in range(len(es)))
        if v.kind == "irreflexive":
            es = expl.edges
            assert es[0][0] == es[-1][1]
            assert all(es[i][1] == es[i + 1][0] for i in range(len(es) - 1))
        if not v.monotone:
            continue
        for key in (ex.static_key, None):
            small = replace(restricted(ex, expl.facts), static_key=key)
            assert v in test_evaluator.check(small, stop_at_first=False).violations


@SETTINGS
@given(st.integers(0, 2 ** 32 - 1))
def test_explanation_from_the_checks_values_is_the_same(test_model, seed: int) -> None:
    """An explanation started from the values of the check that found the
    violation (only let-rec groups run again) equals one worked out afresh."""
    ex = random_execution(random.Random(seed), ("values", seed))
    fresh = Evaluator(test_model, frozenset({"strict"}))   # its own caches: no key shared
    res = fresh.check(ex)
    for v in res.violations:
        assert res.values is not None
        for closures in (False, True):
            assert fresh.explain(ex, v, closures, values=res.values) == fresh.explain(ex, v, closures)


@SETTINGS
@given(st.integers(0, 2 ** 32 - 1))
def test_monotone_violations_survive_more_edges(test_evaluator, seed: int) -> None:
    rng = random.Random(seed)
    ex = random_execution(rng, ("mono", seed))
    res = test_evaluator.check(ex, stop_at_first=False)
    n = ex.n
    rf = set(R.pairs(ex.rels["rf"])) | {(rng.randrange(n), rng.randrange(n)) for _ in range(3)}
    co = set(R.pairs(ex.rels["co"])) | {(rng.randrange(n), rng.randrange(n)) for _ in range(3)}
    bigger = test_evaluator.check(with_dynamic(ex, rf, co), stop_at_first=False)
    for v in res.violations:
        if v.monotone:
            assert v in bigger.violations


def test_explain_labels_name_sub_relations(test_evaluator) -> None:
    labels = set()
    for seed in range(300):
        ex = random_execution(random.Random(seed), ("labels", seed))
        for v in test_evaluator.check(ex, stop_at_first=False).violations:
            labels |= {l for _, _, l in test_evaluator.explain(ex, v).edges}
    assert {"po-loc", "rf", "co", "fr"} <= labels
    assert labels & {"rfe", "prop", "mb", "strong", "po-rel", "acq-po", "addr", "to-w", "to-r"}


# ================================================================ explanations (hand-built)

def mp(acquire: bool = True) -> Execution:
    """Message passing: T0: x=1; y=1 (release)   T1: r0=y (acquire) = 1; r1=x = 0."""
    b = Builder()
    ix, iy = b.ev(-1, "W", "x", 0), b.ev(-1, "W", "y", 0)
    wx = b.ev(0, "W", "x", 1)
    wy = b.ev(0, "W", "y", 1, "Release")
    ry = b.ev(1, "R", "y", 1, *(("Acquire",) if acquire else ()))
    rx = b.ev(1, "R", "x", 0)
    return b.build([(wy, ry), (ix, rx)], [(ix, wx), (iy, wy)],
                   **({} if acquire else {"Acquire": []}))


def test_explain_labels_mp() -> None:
    ev = evaluator("let ppo = ([Acquire] ; po) | (po ; [Release])\n"
                   "let hb = ppo | rfe | fre\nacyclic hb as hb\n")
    ex = mp()
    v = ev.check(ex).violations[0]
    expl = ev.explain(ex, v)
    assert sorted(expl.edges) == [(2, 3, "ppo"), (3, 4, "rfe"), (4, 5, "ppo"), (5, 2, "fre")]
    assert expl.facts == {("rf", 3, 4), ("rf", 0, 5), ("co", 0, 2)}
    assert ev.check(mp(acquire=False)).allowed


def test_explain_irreflexive_and_empty() -> None:
    ev = evaluator("irreflexive fr ; po ; fr ; po as loop\nempty rfe as no-rfe\n")
    ex = sb(False)
    loop, no_rfe = ev.check(ex, stop_at_first=False).violations
    expl = ev.explain(ex, loop)
    es = expl.edges
    assert len(es) == 4 and es[0][0] == es[-1][1]
    assert all(es[i][1] == es[i + 1][0] for i in range(3))
    assert sorted(l for _, _, l in es) == ["fr", "fr", "po", "po"]
    assert len(expl.facts) == 4
    expl = ev.explain(ex, no_rfe)
    (a, b, label), = expl.edges
    assert label == "no-rfe" and expl.facts == {("rf", a, b)}


def test_function_parameters_do_not_name_edges() -> None:
    ev = evaluator("let wrap(r) = r\nacyclic wrap(po | rf | co | fr) as sc\n")
    ex = sb(False)
    labels = {l for _, _, l in ev.explain(ex, ev.check(ex).violations[0]).edges}
    assert labels == {"po", "fr"}


def test_explain_rejects_unknown_violation() -> None:
    from memcheck.cat import Violation
    ev = evaluator(SC)
    with pytest.raises(ValueError):
        ev.explain(sb(False), Violation("nope", "acyclic", True))


DYNAMIC_REC = '''
let rec a = rf | (b ; co) | (a ; a)
    and b = co | (a ; rf) | fr
irreflexive a | b as rec-loop
acyclic po | a as rec-po
let reach = let rec t = (rf | co | fr) | (t ; t) in t
acyclic po-loc | reach as rec-local
'''


@SETTINGS
@given(st.integers(0, 2 ** 32 - 1))
def test_explain_sound_through_dynamic_let_rec(seed: int) -> None:
    ev = _dynamic_rec_evaluator()
    ex = random_execution(random.Random(seed), ("rec", seed))
    for v in ev.check(ex, stop_at_first=False).violations:
        assert v.monotone
        facts = ev.explain(ex, v).facts
        assert v in ev.check(restricted(ex, facts), stop_at_first=False).violations


_DYN_CACHE: dict = {}


def _dynamic_rec_evaluator() -> Evaluator:
    if "ev" not in _DYN_CACHE:
        _DYN_CACHE["ev"] = evaluator(DYNAMIC_REC)
    return _DYN_CACHE["ev"]


def test_explain_sound_on_many_seeds(test_evaluator) -> None:
    """A deterministic sweep complementing the hypothesis tests."""
    checked = 0
    for seed in range(400):
        ex = random_execution(random.Random(seed), ("sweep", seed))
        for v in test_evaluator.check(ex, stop_at_first=False).violations:
            if v.monotone:
                facts = test_evaluator.explain(ex, v).facts
                assert v in test_evaluator.check(restricted(ex, facts),
                                                 stop_at_first=False).violations
                checked += 1
    assert checked > 100


def test_static_state_is_computed_once_per_key(test_evaluator) -> None:
    ex = random_execution(random.Random(5), key="once")
    other = with_dynamic(ex, set(), set())
    assert test_evaluator._state(ex) is test_evaluator._state(other)
    fresh = replace(ex, static_key=None)
    assert test_evaluator._state(fresh) is not test_evaluator._state(replace(fresh))
