"""The kernel's `.def` macro files: parsing, herd7's macro expansion, and the
LKMM events of herd's builtins under the default reading (lkmmv1) and the
`lkmmv2` variant.  Expected events were checked against herd7 on the same
small tests (herd7 -conf linux-kernel.cfg -show all -o DIR)."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memcheck.checker import parse_test_text
from memcheck.errors import MemcheckError
from memcheck.fences.changes import Placements
from memcheck.litmus import ast as A
from memcheck.litmus.def_ast import ExprMacro, Macros, StmtMacro
from memcheck.litmus.parse_c import parse_c_litmus
from memcheck.litmus.parse_def import load_def, parse_def
from memcheck.lower.c_walk import lower_c
from memcheck.lower.expand import default_macros, expand_call, param_roles
from memcheck.lower.lkmm import LkmmTarget

ROOT = Path(__file__).resolve().parents[1]
KERNEL = ROOT.parent / "shared" / "kernel-lkmm"
DEF_757 = KERNEL / "herd7-7.57" / "linux-kernel.def"
DEF_CURRENT = KERNEL / "current" / "linux-kernel.def"
OURS = ROOT / "models" / "lkmm.def"
OURS_V6 = ROOT / "models" / "lkmm-v6.def"

needs_kernel = pytest.mark.skipif(not DEF_CURRENT.exists(), reason="kernel .def files absent")


def lower(body: str, target: LkmmTarget, params: str = "int *x, int *y, spinlock_t *s",
          init: str = "x=0; y=0;"):
    """The events of thread P0 (kind and cat sets) for a C body."""
    text = f"C t\n{{ {init} }}\nP0({params}) {{\n{body}\n}}\nexists (x=0)\n"
    program = lower_c(parse_c_litmus(text, "t.litmus"), target)
    return [(e.kind, frozenset(e.tags)) for e in program.events if e.thread == 0]


def ev(kind: str, *tags: str):
    return (kind, frozenset(tags))


# ------------------------------------------------------------------ parsing


@needs_kernel
@pytest.mark.parametrize("path", [DEF_757, DEF_CURRENT], ids=["herd7-7.57", "current"])
def test_kernel_def_files_parse_and_every_macro_expands(path):
    macros = load_def(path)
    assert macros.source == str(path) and len(macros.names()) > 80
    for m in macros.macros:
        call = A.Call(m.name, tuple(A.Name(f"a{i}") for i in range(len(m.params))))
        expand_call(macros, call, isinstance(m, StmtMacro))  # no unknown macro, no mismatch


@needs_kernel
def test_kernel_def_shapes():
    old, new = load_def(DEF_757), load_def(DEF_CURRENT)
    read_once = old.expression("READ_ONCE")
    assert read_once.params == ("X",) and read_once.body == A.Load(("once",), A.Name("X", read_once.body.loc.pos),
                                                                  read_once.body.pos)
    assert [type(s) for s in old.statement("smp_store_mb").body] == [A.Store, A.Fence]
    assert isinstance(old.expression("atomic_read").body, A.Call)  # a macro calling a macro
    andnot = new.statement("atomic_andnot").body[0]
    assert isinstance(andnot, A.AtomicOp) and andnot.op == "&~" and andnot.tags == ("NORETURN",)
    lock = new.expression("srcu_read_lock").body
    assert isinstance(lock, A.Load) and lock.tags == ("srcu-lock",) and isinstance(lock.loc, A.Deref)
    fence = new.statement("smp_mb__after_srcu_read_unlock").body[0]
    assert fence == A.Fence(("after-srcu-read-unlock",), fence.pos)
    negative = old.expression("atomic_add_negative").body
    assert isinstance(negative, A.BinOp) and negative.op == "<" and isinstance(negative.left, A.AtomicReturn)
    assert old.expression("atomic_add_unless") is None and new.expression("atomic_add_unless") is not None


def test_our_def_files_parse():
    ours, v6 = load_def(OURS), load_def(OURS_V6)
    assert {"READ_ONCE", "smp_wmb__before_spin_lock", "atomic_add_unless", "spin_is_locked"} <= set(ours.names())
    assert {"srcu_down_read", "srcu_up_read", "smp_mb__after_srcu_read_unlock", "atomic_fetch_andnot"} \
        <= set(v6.names())
    assert set(ours.names()) <= set(v6.names())


def test_index_names_each_lkmm_def():
    import tomllib
    data = tomllib.loads((ROOT / "models" / "index.toml").read_text())
    assert data["lkmm"]["def"] == "lkmm.def" and data["lkmm-v6"]["def"] == "lkmm-v6.def"


def test_expression_macro_ends_where_the_next_name_starts():
    m = parse_def("f(X) X\ng(X,Y) X + Y < 0 h() { __fence{mb}; } k() 1")
    assert [type(x) for x in m.macros] == [ExprMacro, ExprMacro, StmtMacro, ExprMacro]
    assert m.expression("g").params == ("X", "Y") and m.statement("h").params == ()


@pytest.mark.parametrize("text, line, col, words", [
    ("f(X) {", 1, 7, "found end of file"),
    ("f(X) __load{}(X)", 1, 13, "expected identifier"),
    ("f(X) X\n g", 2, 3, "expected '('"),
    ("f(X,X) X", 1, 5, "parameter X of macro f named twice"),
    ("f(X) { __fence{mb} }", 1, 20, "expected ';'"),
    ("f(X) __atomic_op_return{mb}(X,*,1)", 1, 31, "found '*'"),
    ("f(X) # X", 1, 6, "unexpected character"),
])
def test_def_syntax_errors_are_located(text, line, col, words):
    with pytest.raises(MemcheckError) as err:
        parse_def(text, "bad.def")
    e = err.value
    assert (e.file, e.line, e.col) == ("bad.def", line, col) and words in e.message, str(e)


def test_load_def_errors(tmp_path):
    with pytest.raises(MemcheckError, match="cannot read"):
        load_def(tmp_path / "missing.def")
    (tmp_path / "bin.def").write_bytes(b"f(X) X\n\x00")
    with pytest.raises(MemcheckError, match="NUL") as err:
        load_def(tmp_path / "bin.def")
    assert err.value.line == 2
    (tmp_path / "latin.def").write_bytes(b"// caf\xe9\n")
    with pytest.raises(MemcheckError, match="not UTF-8"):
        load_def(tmp_path / "latin.def")


GOOD_DEF = DEF_CURRENT.read_text() if DEF_CURRENT.exists() else OURS.read_text()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_def_only_raises_memcheck_errors(data):
    text = GOOD_DEF
    for _ in range(data.draw(st.integers(1, 4))):
        k = data.draw(st.integers(0, len(text)))
        piece = data.draw(st.sampled_from(
            ["", "{", "}", ";", "(", ")", ",", "__load", "__fence{mb}", "-", "&~", "/*", "//", "\x00",
             "é", "\n", "X", "__atomic_op(", "{once}"]))
        cut = data.draw(st.integers(0, 6))
        text = text[:k] + piece + text[k + cut:]
    try:
        parse_def(text, "m.def")
    except MemcheckError as err:
        assert err.file == "m.def" and err.line >= 1 and err.col >= 1
        assert "internal" not in err.message


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("XYf(){},;*&~+-=<0 \n") + ["__load{a}", "__store{b}", "__fence"]),
                max_size=40).map("".join))
def test_random_def_text_never_tracebacks(text):
    try:
        parse_def(text, "r.def")
    except MemcheckError as err:
        assert err.line >= 1 and "internal" not in err.message


# ---------------------------------------------------------------- expansion


def test_parameters_are_replaced_by_the_argument_as_written():
    macros = default_macros()
    acquire = expand_call(macros, A.Call("smp_load_acquire", (A.Name("x"),)), False)
    once = expand_call(macros, A.Call("READ_ONCE", (A.Deref(A.Name("x")),)), False)
    assert acquire.loc == once.loc == A.Deref(A.Name("x"))
    block = expand_call(macros, A.Call("atomic_set", (A.Name("x"), A.IntLit(1))), True)
    # atomic_set's body calls WRITE_ONCE(*X,V): a block inside the block, as herd7 substitutes
    assert block == (A.Block((A.Store(("once",), A.Deref(A.Name("x")), A.IntLit(1)),), A.NOPOS),)


def test_an_assignment_to_a_parameter_writes_where_the_argument_says():
    macros = parse_def("set(X,V) { X = V; }")
    target = LkmmTarget(macros)
    assert lower("set(*x, 1);", target) == [ev("W")]  # a plain write to x
    assert lower("int r0; set(r0, 1);", target) == []  # a register


def test_body_nodes_take_the_call_position():
    call = A.Call("smp_store_mb", (A.Deref(A.Name("x", A.Pos(3, 15))), A.IntLit(1, A.Pos(3, 18))), A.Pos(3, 2))
    store, fence = expand_call(default_macros(), call, True)
    assert store.pos == fence.pos == A.Pos(3, 2) and store.loc.expr.pos == A.Pos(3, 15)


def test_unknown_macro_is_herd7s_error_at_the_call():
    text = "C u\n{}\nP0(int *x)\n{\n\tint r0 = READ_ONCE(*x);\n\tfrobnicate(x);\n}\nexists (x=1)\n"
    with pytest.raises(MemcheckError) as err:
        lower_c(parse_test_text(text.encode(), "u.litmus"), LkmmTarget.default())
    assert str(err.value) == "u.litmus:6:2: Unknown macro frobnicate"


def test_unknown_macro_inside_a_body_is_reported_at_the_call():
    macros = parse_def("f(X) { g(X); }")
    text = "C u\n{}\nP0(int *x)\n{\n  f(x);\n}\nexists (x=1)\n"
    with pytest.raises(MemcheckError) as err:
        lower_c(parse_test_text(text.encode(), "u.litmus"), LkmmTarget(macros))
    assert str(err.value) == "u.litmus:5:3: Unknown macro g"


@pytest.mark.parametrize("body", ["WRITE_ONCE(*x);", "int r0 = READ_ONCE(*x, 1);", "smp_mb(1);"])
def test_argument_mismatch(body):
    text = f"C u\n{{}}\nP0(int *x)\n{{\n{body}\n}}\nexists (x=1)\n"
    with pytest.raises(MemcheckError) as err:
        lower_c(parse_test_text(text.encode(), "u.litmus"), LkmmTarget.default())
    name = body.split("(")[0].split()[-1]
    assert str(err.value).startswith("u.litmus:5:") and err.value.message == f"Argument mismatch for macro {name}"


def test_a_macro_calling_itself_is_an_error_not_a_hang():
    with pytest.raises(MemcheckError, match="expands without end"):
        lower("f(x);", LkmmTarget(parse_def("f(X) { f(X); }")))


def test_a_statement_macro_has_no_value():
    with pytest.raises(MemcheckError, match="'smp_mb' has no value"):
        lower("int r0 = smp_mb();", LkmmTarget.default())


def test_herd7s_legacy_atomic_add_unless_needs_no_macro():
    target = LkmmTarget(parse_def(""))
    assert lower("int r0 = atomic_add_unless(x, 1, 5);", target) == [
        ev("F", "Mb"), ev("R", "Once", "RMW"), ev("W", "Once", "RMW"), ev("F", "Mb"), ev("R", "Once", "RMW")]


def test_param_roles():
    macros = default_macros()
    assert param_roles(macros, "READ_ONCE") == ("lvalue",)
    assert param_roles(macros, "smp_load_acquire") == ("ptr",)
    assert param_roles(macros, "WRITE_ONCE") == ("lvalue", "value")
    assert param_roles(macros, "atomic_set") == ("ptr", "value")
    assert param_roles(macros, "atomic_read_acquire") == ("ptr",)
    assert param_roles(macros, "cmpxchg") == ("ptr", "value", "value")
    assert param_roles(macros, "nope") is None


def test_advisor_classes_come_from_the_expansion():
    p = Placements.default()
    for rmw in ("xchg", "cmpxchg_acquire", "atomic_inc", "atomic_fetch_add", "atomic_add_unless",
                "atomic_dec_and_test"):
        assert p.in_class(rmw, "rmw"), rmw
    for not_rmw in ("READ_ONCE", "spin_lock", "spin_trylock", "smp_mb", "unknown_thing"):
        assert not p.in_class(not_rmw, "rmw"), not_rmw
    assert p.in_class("smp_mb", "fence") and p.in_class("rcu_read_lock", "fence")
    assert not p.in_class("smp_store_mb", "fence")


# ------------------------------------------------------- events (lkmmv1 / v2)

V1 = LkmmTarget.default()

# (body, events under memcheck's lkmm.def) -- the events memcheck's previous
# lowering table gave each primitive, pinned
PINNED = [
    ("int r0 = READ_ONCE(*x);", [ev("R", "Once")]),
    ("smp_store_release(x, 1);", [ev("W", "Release")]),
    ("int r0 = atomic_read_acquire(x);", [ev("R", "Acquire")]),
    ("smp_store_mb(*x, 1);", [ev("W", "Once"), ev("F", "Mb")]),
    ("smp_wmb__before_spin_lock();", [ev("F", "Wmb")]),
    ("smp_mb__after_unlock_lock();", [ev("F", "After-unlock-lock")]),
    ("int r0 = xchg_acquire(x, 1);", [ev("R", "Acquire", "RMW"), ev("W", "Once", "RMW")]),
    ("int r0 = atomic_xchg(x, 1);",
     [ev("F", "Mb"), ev("R", "Once", "RMW"), ev("W", "Once", "RMW"), ev("F", "Mb")]),
    ("int r0 = cmpxchg_release(x, 0, 1);",
     [ev("R", "Once", "RMW"), ev("W", "Release", "RMW"), ev("R", "Once", "RMW")]),
    ("atomic_inc(x);", [ev("R", "Noreturn", "RMW"), ev("W", "Once", "RMW")]),
    ("int r0 = atomic_fetch_sub_acquire(1, x);", [ev("R", "Acquire", "RMW"), ev("W", "Once", "RMW")]),
    ("int r0 = atomic_dec_and_test(x);",
     [ev("F", "Mb"), ev("R", "Once", "RMW"), ev("W", "Once", "RMW"), ev("F", "Mb")]),
    ("spin_lock(s); spin_unlock(s);", [ev("R", "LKR"), ev("W", "LKW"), ev("W", "UL")]),
    ("int r0 = spin_trylock(s);", [ev("R", "LKR"), ev("W", "LKW"), ev("R", "LF")]),
    ("int r0 = spin_is_locked(s);", [ev("R", "RL"), ev("R", "RU")]),
    ("rcu_read_lock(); synchronize_rcu(); rcu_read_unlock();",
     [ev("F", "Rcu-lock"), ev("F", "Sync-rcu"), ev("F", "Rcu-unlock")]),
    ("int r0 = srcu_read_lock(s); srcu_read_unlock(s, r0); synchronize_srcu(s);",
     [ev("X", "Srcu-lock"), ev("X", "Srcu-unlock"), ev("X", "Sync-srcu")]),
]


@pytest.mark.parametrize("body, events", PINNED, ids=[b.split("(")[0].split()[-1] for b, _ in PINNED])
def test_our_def_pins_the_events_of_each_primitive(body, events):
    assert lower(body, V1) == events


def test_builtins_written_in_a_test_are_the_macros_events():
    via_macros = lower("int r0 = xchg(x, 1); atomic_add(2, y); smp_store_release(y, r0);", V1)
    direct = lower("int r0 = __xchg{mb}(x, 1); __atomic_op(y, +, 2); __store{release}(*y, r0);", V1)
    assert via_macros == direct


def test_rmw_halves_are_linked_by_rmw_and_values_follow_the_operator():
    text = "C t\n{ x=6; }\nP0(int *x) {\nint r0 = atomic_fetch_andnot(3, x);\n}\nexists (x=4)\n"
    target = LkmmTarget(load_def(OURS_V6))
    program = lower_c(parse_c_litmus(text), target)
    r, w = [e for e in program.events if e.thread == 0 and e.kind in "RW"]
    assert (r.eid, w.eid) in program.rmw
    assert repr(w.value) == f"VOp(op='&', args=(VRead(eid={r.eid}), VOp(op='~', args=(VConst(value=3),))))"


@needs_kernel
@pytest.mark.parametrize("body, v1, v2", [
    ("int r0 = xchg(x, 1);",
     [ev("F", "Mb"), ev("R", "Once", "RMW"), ev("W", "Once", "RMW"), ev("F", "Mb")],
     [ev("R", "MB", "RMW"), ev("W", "MB", "RMW")]),
    ("int r0 = cmpxchg_acquire(y, 0, 2);",
     [ev("R", "Acquire", "RMW"), ev("W", "Once", "RMW"), ev("R", "Once", "RMW")],
     [ev("R", "ACQUIRE", "RMW"), ev("W", "ACQUIRE", "RMW"), ev("R", "ACQUIRE", "RMW")]),
    ("atomic_inc(x);",
     [ev("R", "Noreturn", "RMW"), ev("W", "Once", "RMW")],
     [ev("R", "NORETURN", "RMW"), ev("W", "NORETURN", "RMW")]),
    ("int r0 = atomic_fetch_add_release(3, y);",
     [ev("R", "Once", "RMW"), ev("W", "Release", "RMW")],
     [ev("R", "RELEASE", "RMW"), ev("W", "RELEASE", "RMW")]),
    ("int r0 = atomic_add_unless(x, 1, 5);",  # 7.57: herd7's legacy builtin
     [ev("F", "Mb"), ev("R", "Once", "RMW"), ev("W", "Once", "RMW"), ev("F", "Mb"), ev("R", "Once", "RMW")],
     [ev("R", "MB", "RMW"), ev("W", "MB", "RMW"), ev("R", "MB", "RMW")]),
    ("smp_store_mb(*x, 1);", [ev("W", "Once"), ev("F", "Mb")], [ev("W", "ONCE"), ev("F", "MB")]),
    ("int r0 = srcu_read_lock(s); srcu_read_unlock(s, r0); synchronize_srcu(s);",
     [ev("X", "Srcu-lock"), ev("X", "Srcu-unlock"), ev("X", "Sync-srcu")],
     [ev("R", "Srcu-lock"), ev("W", "Srcu-unlock"), ev("X", "Sync-srcu")]),
])
def test_kernel_defs_under_lkmmv1_and_lkmmv2(body, v1, v2):
    old = LkmmTarget(load_def(DEF_757))
    new = LkmmTarget(load_def(DEF_CURRENT), frozenset({"lkmmv2"}))
    assert lower(body, old) == v1
    assert lower(body, new) == v2


@needs_kernel
def test_the_variant_not_the_file_decides_the_reading():
    # the current file read the default way: tags are only kept where they
    # are lowercase acquire/release, as herd7 does without lkmmv2
    v1_reading = LkmmTarget(load_def(DEF_CURRENT))
    assert lower("int r0 = xchg_acquire(x, 1);", v1_reading) == [ev("R", "Once", "RMW"), ev("W", "Once", "RMW")]
    assert lower("int r0 = xchg(x, 1);", v1_reading) == [ev("R", "Once", "RMW"), ev("W", "Once", "RMW")]


# ------------------------------------------------------------ srcu cookies

COOKIES = """C cookies
{ x=0; }
P0(int *x, struct srcu_struct *s) {
atomic_set(x, 1);
int r5 = srcu_read_lock(s);
srcu_read_unlock(s, r5);
smp_store_mb(*x, 2);
int r6 = srcu_read_lock(s);
srcu_read_unlock(s, r6);
if (r5) { int r8; r8 = 1; } else r8 = 2;
int r7 = srcu_read_lock(s);
srcu_read_unlock(s, r7);
}
exists (0:r5=0)
"""


def test_srcu_cookies_count_instructions_as_herd7():
    """herd7 7.57 prints 0:r5=2703; 0:r6=6297; 0:r7=11089; for this test:
    (1 + 1) * 307 + index * 599, the index counting each block of an
    expansion and each braced leg."""
    program = lower_c(parse_c_litmus(COOKIES), V1)
    locks = [e.value for e in program.events if "Srcu-lock" in e.tags]
    assert repr(locks[:2]) == "[VConst(value=2703), VConst(value=6297)]"
    # after an if, one count per leg: 11089 when r5 is non-zero, as here
    assert "VConst(value=11089)" in repr(locks[2]) and "VConst(value=9891)" in repr(locks[2])


@needs_kernel
def test_srcu_cookies_with_the_kernels_own_def():
    program = lower_c(parse_c_litmus(COOKIES), LkmmTarget(load_def(DEF_757)))
    locks = [e.value for e in program.events if "Srcu-lock" in e.tags]
    assert repr(locks[:2]) == "[VConst(value=2703), VConst(value=6297)]"


def test_macros_lookup_keeps_two_name_spaces():
    m = parse_def("f(X) X\nf(X) { __fence{mb}; }\nf(X) X + 1")
    assert isinstance(m, Macros) and m.statement("f") is not None
    assert isinstance(m.expression("f").body, A.BinOp)  # the later definition wins


def test_a_test_written_with_builtins_is_judged_and_prints_back(checker):
    from memcheck.litmus.print_c import comparable, format_c_litmus
    text = ("C MP+builtins\n{ x=0; y=0; }\n"
            "P0(int *x, int *y) { __store{once}(*x, 1); __store{release}(*y, 1); }\n"
            "P1(int *x, int *y) { int r0 = __load{acquire}(*y); int r1 = __load{once}(*x); }\n"
            "exists (1:r0=1 /\\ 1:r1=0)\n")
    test = parse_c_litmus(text)
    assert comparable(parse_c_litmus(format_c_litmus(test))) == comparable(test)
    assert checker.judge(test, "lkmm").verdict.observation == "Never"
    macros = text.replace("__store{once}(*x, 1)", "WRITE_ONCE(*x, 1)").replace(
        "__store{release}(*y, 1)", "smp_store_release(y, 1)").replace(
        "__load{acquire}(*y)", "smp_load_acquire(y)").replace("__load{once}(*x)", "READ_ONCE(*x)")
    events = [(e.kind, e.tags, e.addr, e.value) for e in lower_c(test, V1).events]
    assert [(e.kind, e.tags, e.addr, e.value) for e in lower_c(parse_c_litmus(macros), V1).events] == events
