"""Tests of the cat language as herd's library uses it: sets of values,
elements, `++`, `{e}`, `match`, recursive functions, `map`, `cross`,
`linearisations`, `classes-loc`, and `with x from S` taking the element
the engine's execution realises."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memcheck.cat import relation as R
from memcheck.cat import values as V
from memcheck.cat.compile import Env, to_runtime
from memcheck.cat.evaluate import Evaluator
from memcheck.cat.execution import Execution
from memcheck.cat.interp import Interpreter, RBuiltin, RUNTIME_PRIMITIVES, Scope
from memcheck.cat.parse import parse_cat
from memcheck.checker import Checker, ModelSpec
from memcheck.errors import MemcheckError

from helpers import judge_text

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- the interpreter

def run_expr(text: str, n: int = 4, loc=None, bindings: dict | None = None):
    """The value of a cat expression on an execution of n events (all at one
    location unless `loc` says otherwise)."""
    model = parse_cat(f"let it = {text}\n", "expr.cat")
    expr = model.instrs[0].bindings[0].expr
    loc = loc or tuple((1 << n) - 1 for _ in range(n))
    ex = Execution(n=n, sets={}, rels={"loc": loc}, values=[None] * n)
    it = Interpreter([], ex, frozenset(), {}, to_runtime)
    prims = {name: RBuiltin(name, fn) for name, fn in RUNTIME_PRIMITIVES.items()}
    return it.eval(expr, Scope(dict(prims, **(bindings or {})), None, Env({})))


# herd's cross, written with match and recursion (our library uses the primitive)
CROSS_BY_RECURSION = """
  let rec do_cross (acc, ys, oss) = match oss with
    || {} -> ys ++ acc
    || os ++ rest ->
         let rec each (acc, os) = match os with
           || {} -> acc
           || o ++ more -> each (do_cross (acc, o | ys, rest), more)
         end in each (acc, os)
  end in do_cross ({}, 0, S)
"""


def rel(n: int, *pairs) -> tuple:
    return R.from_pairs(n, pairs)


@SETTINGS
@given(st.lists(st.lists(st.frozensets(st.tuples(st.integers(0, 3), st.integers(0, 3)),
                                       max_size=3), max_size=3), max_size=3))
def test_cross_primitive_equals_herds_recursive_cross(parts) -> None:
    n = 4
    sets = V.ValSet(frozenset(V.ValSet(frozenset(rel(n, *p) for p in part)) for part in parts))
    by_recursion = run_expr(CROSS_BY_RECURSION, n, bindings={"S": sets})
    native = frozenset(V.Cross(tuple(V.elements_of(sets, n))).elements(n))
    listed = frozenset() if by_recursion == 0 else by_recursion.items
    assert {x if type(x) is tuple else R.empty(n) for x in listed} == native


@SETTINGS
@given(st.integers(0, 63), st.frozensets(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=6))
def test_linearisations_membership_agrees_with_listing(ws: int, pco_pairs) -> None:
    n = 6
    lin = V.LinSet(ws, rel(n, *pco_pairs))
    listed = set(lin.elements(n))
    for order in itertools.permutations(R.bits(ws)):
        rows = [0] * n
        for i, a in enumerate(order):
            for b in order[i + 1:]:
                rows[a] |= 1 << b
        r = tuple(rows)
        assert lin.contains(r, n) == (r in listed)
    assert all(lin.contains(r, n) for r in listed)
    for r in listed:
        assert R.inter(r, lin.frame(n)) == r


def test_map_elements_add_and_explicit_sets() -> None:
    n = 3
    pairs = run_expr("map (fun p -> p ++ 0) (_ * _)", n)
    assert isinstance(pairs, V.ValSet) and len(pairs.items) == n * n
    assert all(sum(bin(row).count("1") for row in r) == 1 for r in pairs.items)
    assert run_expr("map (fun e -> {e}) _", n) == V.ValSet(frozenset({1, 2, 4}))
    assert run_expr("{e} ++ 0", n, bindings={"e": V.EventV(2)}) == V.ValSet(frozenset({4}))
    assert run_expr("e ++ 0", n, bindings={"e": V.EventV(2)}) == 4


def test_match_on_sets_and_tags() -> None:
    count = "let rec size s = match s with || {} -> 0 || e ++ rest -> size rest end in size (_ * _)"
    assert run_expr(count, 3) == 0       # folds to the empty value at the end
    first = "match _ with || {} -> 0 || e ++ rest -> rest end"
    assert run_expr(first, 3) == 0b110
    assert run_expr("match 'b with || 'a -> 0 || 'b -> _ end", 2) == 0b11
    with pytest.raises(Exception, match="no case"):
        run_expr("match 'c with || 'a -> 0 end", 2)


def test_classes_loc_groups_by_location() -> None:
    loc = (0b0011, 0b0011, 0b1100, 0b1100)
    assert run_expr("classes-loc(_)", 4, loc) == V.ValSet(frozenset({0b0011, 0b1100}))
    assert run_expr("partition", 4, loc, {"partition": RBuiltin("c", RUNTIME_PRIMITIVES["classes-loc"])}) \
        is not None


# ---------------------------------------------------------------- with, end to end

HERD_SC = '''"SC, coherence orders generated as herd's library does"
include "cos.cat"
acyclic po | rf | co | fr as sc
empty rmw & (fre ; coe) as atomic
'''

OUR_SC = '''"SC on the engine's co"
acyclic po | rf | co | fr as sc
empty rmw & (fre ; coe) as atomic
'''


@pytest.fixture(scope="module")
def sc_checker(tmp_path_factory) -> Checker:
    d = tmp_path_factory.mktemp("models")
    (d / "herd-sc.cat").write_text(HERD_SC)
    (d / "our-sc.cat").write_text(OUR_SC)
    ck = Checker()
    for name in ("herd-sc", "our-sc"):
        ck.add_file_model(ModelSpec(name, str(d / f"{name}.cat"), "lkmm", name,
                                    dirs=(str(d), str(ck.directory / "lib"))))
    return ck


LOCK_FREE = [p for p in sorted((ROOT / "litmus").rglob("*.litmus"))
             if "spin_" not in p.read_text() and "srcu" not in p.read_text()
             and "synchronize_rcu" not in p.read_text()]


@pytest.mark.parametrize("path", LOCK_FREE[:24], ids=lambda p: p.name)
def test_generated_co_equals_engine_co(sc_checker: Checker, path: Path) -> None:
    text = path.read_text()
    herd = judge_text(sc_checker, text, "herd-sc")
    ours = judge_text(sc_checker, text, "our-sc")
    assert (herd.observation, herd.positive, herd.negative, herd.states) == \
        (ours.observation, ours.positive, ours.negative, ours.states)


def test_cos_opt_variant_rejects_what_observations_contradict(sc_checker: Checker, tmp_path) -> None:
    (tmp_path / "m.cat").write_text('"no coherence axiom"\ninclude "cos.cat"\n')
    for variants in ((), ("cos-opt",)):
        name = f"bare{len(variants)}"
        sc_checker.add_file_model(ModelSpec(name, str(tmp_path / "m.cat"), "lkmm", name, variants=variants,
                                            dirs=(str(tmp_path), str(sc_checker.directory / "lib"))))
    corr = (ROOT / "litmus" / "CoRR.litmus").read_text()
    plain = judge_text(sc_checker, corr, "bare0")
    opt = judge_text(sc_checker, corr, "bare1")
    # without observations in cobase every co is an order; with them, the
    # read-read coherence violation has no coherence order at all
    assert plain.observation == "Sometimes" and opt.observation == "Never"


def test_with_over_alternatives_that_depend_on_rf_is_refused(sc_checker: Checker, tmp_path) -> None:
    (tmp_path / "bad.cat").write_text('"bad"\nwith x from {rf}\nacyclic x as a\n')
    sc_checker.add_file_model(ModelSpec("bad", str(tmp_path / "bad.cat"), "lkmm", "bad",
                                        dirs=(str(tmp_path),)))
    text = (ROOT / "litmus" / "CoRR.litmus").read_text()
    with pytest.raises(MemcheckError, match="depend on rf and co") as info:
        judge_text(sc_checker, text, "bad")
    assert info.value.line == 2


def test_runaway_recursion_is_an_error_with_its_position(sc_checker: Checker, tmp_path) -> None:
    (tmp_path / "loop.cat").write_text('"loop"\nlet rec f x = f (x | po)\nlet a = f(rf)\nacyclic a as a\n')
    sc_checker.add_file_model(ModelSpec("loop", str(tmp_path / "loop.cat"), "lkmm", "loop",
                                        dirs=(str(tmp_path),)))
    with pytest.raises(MemcheckError, match="recursion") as info:
        judge_text(sc_checker, (ROOT / "litmus" / "CoRR.litmus").read_text(), "loop")
    assert (info.value.line, info.value.col) == (2, 15)   # the recursive call


def test_unknown_primitive_is_refused_by_name(tmp_path) -> None:
    with pytest.raises(MemcheckError, match="unknown function 'bisimulation'") as info:
        Evaluator(parse_cat('"m"\nlet a = bisimulation(po, rf)\nacyclic a as x\n', "m.cat"))
    assert (info.value.file, info.value.line) == ("m.cat", 2)
