"""Tests of the cat parser: precedence (pinned to herd's parser), every
construct, error positions, and include resolution."""
from __future__ import annotations

import pytest

from memcheck.cat import ast as A
from memcheck.cat.parse import load_model, parse_cat, strip_comments
from memcheck.cat.evaluate import Evaluator
from memcheck.errors import MemcheckError


def expr_of(src: str) -> A.Expr:
    """The expression bound by `let x = <src>`."""
    model = parse_cat(f"let x = {src}", "t.cat")
    return model.instrs[0].bindings[0].expr


def show(e: A.Expr) -> str:
    """A fully parenthesised rendering of an expression tree."""
    if isinstance(e, A.Var):
        return e.name
    if isinstance(e, A.Empty):
        return "0"
    if isinstance(e, A.Universe):
        return "_"
    if isinstance(e, A.Tag):
        return "'" + e.name
    if isinstance(e, A.Unop):
        return {"star": "({}*)", "plus": "({}+)", "opt": "({}?)", "inv": "({}^-1)",
                "comp": "(~{})", "toid": "[{}]"}[e.op].format(show(e.expr))
    if isinstance(e, A.Binop):
        op = {"union": "|", "inter": "&", "diff": "\\", "seq": ";", "prod": "*",
              "add": "++"}[e.op]
        return f"({show(e.left)} {op} {show(e.right)})"
    if isinstance(e, A.App):
        return f"{show(e.func)}<{show(e.arg)}>"
    if isinstance(e, A.Tuple):
        return "(" + ", ".join(show(x) for x in e.elems) + ",)"
    if isinstance(e, A.ExplicitSet):
        return "{" + ", ".join(show(x) for x in e.elems) + "}"
    if isinstance(e, A.Try):
        return f"try {show(e.expr)} with {show(e.default)}"
    if isinstance(e, A.Fun):
        return f"fun {e.pat} -> {show(e.body)}"
    if isinstance(e, A.LetIn):
        return f"let{' rec' if e.rec else ''} ... in {show(e.body)}"
    raise AssertionError(type(e))


# ---------------------------------------------------------------- precedence

@pytest.mark.parametrize("src, tree", [
    # herd's parser (lib/modelParser.mly), loosest first: | ++ ; \ & * then unary/postfix
    ("a | b ; c", "(a | (b ; c))"),
    ("a ; b | c", "((a ; b) | c)"),
    ("a ; b \\ c", "(a ; (b \\ c))"),
    ("a \\ b ; c", "((a \\ b) ; c)"),
    # & binds tighter than \ (herd's implementation; its manual lists them the other way)
    ("a \\ b & c", "(a \\ (b & c))"),
    ("a & b \\ c", "((a & b) \\ c)"),
    ("a \\ b \\ c", "((a \\ b) \\ c)"),
    ("a & b * c", "(a & (b * c))"),
    ("a * b & c", "((a * b) & c)"),
    ("a * b \\ c", "((a * b) \\ c)"),
    ("a | b & c ; d", "(a | ((b & c) ; d))"),
    ("~a ; b", "((~a) ; b)"),
    ("~a | b", "((~a) | b)"),
    ("~a & b", "((~a) & b)"),
    ("~a^-1", "(~(a^-1))"),
    ("a ; b*", "(a ; (b*))"),
    ("a* ; b", "((a*) ; b)"),
    ("a+ | b?", "((a+) | (b?))"),
    ("a^-1 ; b", "((a^-1) ; b)"),
    ("a ^ -1", "(a^-1)"),
    ("a*+", "((a*)+)"),
    ("_ * B", "(_ * B)"),
    ("(po & (_ * B)) ; po", "((po & (_ * B)) ; po)"),
    ("a * [b]", "(a * [b])"),
    ("[a | b] ; c", "([(a | b)] ; c)"),
    ("f x y", "f<x><y>"),
    ("f(x)*", "(f<x>*)"),
    ("domain(r) | range r", "(domain<r> | range<r>)"),
    ("f(a, b) ; c", "(f<(a, b,)> ; c)"),
    ("a ++ b | c", "((a ++ b) | c)"),
    ("a ; b ++ c", "((a ; b) ++ c)"),
    ("begin a | b end ; c", "((a | b) ; c)"),
    ("0 | _", "(0 | _)"),
    ("{} | {'a, 'b}", "({} | {'a, 'b})"),
    ("po-loc | rcu-lock", "(po-loc | rcu-lock)"),
    ("try a with b | c", "try a with (b | c)"),
])
def test_precedence(src: str, tree: str) -> None:
    assert show(expr_of(src)) == tree


def test_union_and_seq_are_right_nested_but_associative() -> None:
    assert show(expr_of("a | b | c")) == "(a | (b | c))"
    assert show(expr_of("a ; b ; c")) == "(a ; (b ; c))"


# ---------------------------------------------------------------- constructs

FULL = r'''AArch64 "A model (* not a comment *)"
(* comment (* nested *) still comment *)
// line comment
# hash comment
enum Fences = 'mb || 'wmb
enum Other = || 'x || 'y
instructions F[Fences]
instructions R[{'x,'y}]
default W[]
include "stdlib.cat"
let a = po and b = rf
let rec c = c | a and d = c ; b
let f (x) = x ; x
let g (x, y) = x | y
let h x = fun y -> x & y
let (p, q) = (po, rf)
let k = let z = a in z | b
let m = let rec t = a | (t ; t) in t
let n = try Undefined with emptyset
let o = if "v1" && not "v2" || ("v3") then a else b
let fn = fun (u, v) -> u \ v
let pr = begin a | b end
let unit = ()
let tags = {'mb, 'wmb}
acyclic a as ax1
irreflexive b
empty 0 as ax3
~empty a as ax4
flag ~acyclic a as fl1
flag irreflexive b as fl2
show a, b
show a | b as ab
unshow a
procedure proc(x) =
  acyclic x as inproc
end
procedure proc2 x = empty x end
call proc(po) as called
if "var" empty a as then-branch else empty b as else-branch end
if variant "var" empty a end
let in-opt = a in
'''


def test_every_construct_parses() -> None:
    m = parse_cat(FULL, "full.cat")
    assert m.arch == "AArch64"
    assert m.title == "A model (* not a comment *)"
    kinds = [type(i).__name__ for i in m.instrs]
    assert kinds.count("Check") == 6
    assert "Procedure" in kinds and "Call" in kinds and "IfVariantInstr" in kinds
    assert kinds.count("Enum") == 2
    enums = [i for i in m.instrs if isinstance(i, A.Enum)]
    assert enums[0].tags == ("mb", "wmb") and enums[1].tags == ("x", "y")
    checks = [i for i in m.instrs if isinstance(i, A.Check)]
    assert [(c.kind, c.negated, c.flag, c.name) for c in checks] == [
        ("acyclic", False, False, "ax1"), ("irreflexive", False, False, None),
        ("empty", False, False, "ax3"), ("empty", True, False, "ax4"),
        ("acyclic", True, True, "fl1"), ("irreflexive", False, True, "fl2")]
    lets = {b.pat.name if isinstance(b.pat, A.PVar) else b.pat.names: b.expr
            for i in m.instrs if isinstance(i, A.Let) for b in i.bindings}
    assert isinstance(lets["f"], A.Fun) and lets["f"].pat == A.PVar("x")
    assert lets["g"].pat == A.PTuple(("x", "y"))
    assert isinstance(lets["h"].body, A.Fun)
    assert ("p", "q") in lets
    assert isinstance(lets["k"], A.LetIn) and not lets["k"].rec
    assert isinstance(lets["m"], A.LetIn) and lets["m"].rec
    assert isinstance(lets["n"], A.Try)
    assert isinstance(lets["o"], A.IfVariant)
    assert lets["o"].cond == A.VOr(A.VAnd(A.VName("v1"), A.VNot(A.VName("v2"))), A.VName("v3"))
    assert lets["unit"] == A.Tuple((), lets["unit"].pos)
    rec = [i for i in m.instrs if isinstance(i, A.Let) and i.rec][0]
    assert [b.pat.name for b in rec.bindings] == ["c", "d"]


def test_every_construct_compiles() -> None:
    m = parse_cat(FULL, "full.cat")
    ev = Evaluator(m, frozenset({"var", "v1"}))
    names = [c.name for c in ev.checks]
    assert names == ["ax1", "b", "ax3", "ax4", "fl1", "fl2", "inproc", "then-branch", "a"]


def test_headers() -> None:
    assert parse_cat('"Title" let a = po').title == "Title"
    m = parse_cat("X86 TSO\nlet a = po")
    assert (m.arch, m.title) == ("X86", "TSO")
    assert parse_cat("PPC\nlet a = po").arch == "PPC"
    assert parse_cat("let a = po").title is None
    assert parse_cat('"t" catdep let a = po').instrs


def test_comments_keep_positions() -> None:
    text = "(* a\n (* b *) c *) let x = y\n// z\nlet w = q # r\n"
    clean = strip_comments(text)
    assert len(clean) == len(text) and clean.count("\n") == text.count("\n")
    m = parse_cat(text, "c.cat")
    assert m.instrs[0].pos == A.Pos(2, 15, "c.cat")
    assert m.instrs[1].pos.line == 4


def test_strings_hide_comment_markers() -> None:
    m = parse_cat('"(* not a comment" let a = po')
    assert m.title == "(* not a comment"


def test_positions_on_nodes() -> None:
    m = parse_cat("let a =\n  po | rf\nacyclic a as x", "p.cat")
    e = m.instrs[0].bindings[0].expr
    assert e.left.pos == A.Pos(2, 3, "p.cat")
    assert e.right.pos == A.Pos(2, 8, "p.cat")
    assert m.instrs[1].pos == A.Pos(3, 1, "p.cat")


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("src, line, col, fragment", [
    ("let a = po |\nacyclic a", 2, 1, "unexpected 'acyclic'"),
    ("let a = (po | rf\nlet b = a", 2, 1, "unexpected 'let'"),
    ("let a = po $ rf", 1, 12, "unexpected character '$'"),
    ("let a = po\n(* unterminated", 2, 1, "unterminated comment"),
    ("let a = po\nacyclic", 2, 8, "unexpected end of file"),
    ("flag ~empty po", 1, 1, "must be named"),
    ('"unterminated', 1, 1, "unterminated string"),
    ("let a = 12", 1, 9, "unexpected character"),
])
def test_syntax_errors_have_positions(src: str, line: int, col: int, fragment: str) -> None:
    with pytest.raises(MemcheckError) as info:
        parse_cat(src, "bad.cat")
    err = info.value
    assert (err.file, err.line, err.col) == ("bad.cat", line, col), str(err)
    assert fragment in err.message
    assert str(err).startswith(f"bad.cat:{line}:{col}: ")


@pytest.mark.parametrize("src, line, col, fragment", [
    ("let a = po\nforall x in W do empty x end", 2, 1, "'forall' is not supported"),
    ("let a = undefined-fun(po)", 1, 9, "unknown function 'undefined-fun'"),
    ("let f(x) = x\nacyclic f", 2, 1, "got a function"),
    ("let f(x, y) = x\nlet a = f(po)", 2, 9, "tuple of 2"),
    ("include \"nowhere.cat\"", 1, 1, "not loaded"),
    ("undefined_unless empty po", 1, 1, "'undefined_unless' is not supported"),
])
def test_compile_errors_have_positions(src: str, line: int, col: int, fragment: str) -> None:
    with pytest.raises(MemcheckError) as info:
        Evaluator(parse_cat(src, "bad.cat"))
    err = info.value
    assert (err.file, err.line, err.col) == ("bad.cat", line, col), str(err)
    assert fragment in err.message


# ---------------------------------------------------------------- loading

def test_load_model_resolves_includes(tmp_path) -> None:
    lib = tmp_path / "lib"
    sub = tmp_path / "models" / "sub"
    lib.mkdir()
    sub.mkdir(parents=True)
    (tmp_path / "models" / "main.cat").write_text(
        '"main"\ninclude "sub/part.cat"\ninclude "common.cat"\ninclude "common.cat"\n'
        'include "stdlib.cat"\nacyclic x | y as main-ax\n')
    (sub / "part.cat").write_text('include "sibling.cat"\nlet x = po\n')
    (sub / "sibling.cat").write_text("let sib = rf\n")
    (lib / "common.cat").write_text("let y = sib\n")
    m = load_model(tmp_path / "models" / "main.cat", [lib])
    assert m.title == "main"
    inc = [i for i in m.instrs if isinstance(i, A.Include)]
    assert inc[0].model.instrs[0].model.source.endswith("sibling.cat")
    assert inc[1].model.source.endswith("common.cat")
    assert inc[2].model.instrs == inc[1].model.instrs   # herd reads a file again each time
    ev = Evaluator(m)
    assert [c.name for c in ev.checks] == ["main-ax"]


def test_load_model_by_name_in_search_dirs(tmp_path) -> None:
    (tmp_path / "tiny.cat").write_text("empty po & rf as e\n")
    assert load_model("tiny", [tmp_path]).instrs[0].name == "e"
    assert load_model("tiny.cat", [tmp_path]).instrs[0].name == "e"


def test_load_model_with_bell(tmp_path) -> None:
    (tmp_path / "m.bell").write_text("enum Fences = 'mb\nlet fb = fencerel(Mb)\n")
    (tmp_path / "m.cat").write_text('"cat part"\nacyclic fb | rf as ax\n')
    m = load_model("m.cat", [tmp_path], bell=tmp_path / "m.bell")
    assert m.title == "cat part"
    assert isinstance(m.instrs[0], A.Enum)
    assert [c.name for c in Evaluator(m).checks] == ["ax"]


def test_load_model_errors(tmp_path) -> None:
    with pytest.raises(MemcheckError, match="model file not found"):
        load_model("missing-model", [tmp_path])
    (tmp_path / "a.cat").write_text('let a = po\ninclude "nope.cat"\n')
    with pytest.raises(MemcheckError) as info:
        load_model(tmp_path / "a.cat")
    assert (info.value.line, info.value.col) == (2, 1)
    assert info.value.file.endswith("a.cat")
    (tmp_path / "b.cat").write_text('include "c.cat"\n')
    (tmp_path / "c.cat").write_text('let a = (po\n')
    with pytest.raises(MemcheckError) as info:
        load_model(tmp_path / "b.cat")
    assert info.value.file.endswith("c.cat") and info.value.line == 2


def test_include_cycle_is_an_error(tmp_path) -> None:
    (tmp_path / "a.cat").write_text('include "b.cat"\nlet a = po\n')
    (tmp_path / "b.cat").write_text('include "a.cat"\nlet b = rf\n')
    with pytest.raises(MemcheckError, match="includes itself") as info:
        load_model(tmp_path / "a.cat")
    assert (info.value.line, info.value.col) == (1, 1)
    assert info.value.file.endswith("b.cat")
