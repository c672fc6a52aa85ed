"""Printer of a C litmus Test back to herd7's kernel C dialect.

The output is canonical (one layout whatever the input looked like) and
parses back to the same Test: parse(format(t)) equals t except for
positions, the comment text, `source` and `text` (see `comparable`).
Parentheses appear only where precedence (or tokenization, as in `-(1)`)
requires them.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Optional

from memcheck.litmus import ast as _A
from memcheck.litmus.ast import (
    BINARY_PRECEDENCE,
    NOPOS,
    AddrOf,
    AddrValue,
    Assign,
    BinOp,
    Block,
    Break,
    Call,
    Cast,
    Cond,
    Condition,
    Continue,
    Decl,
    Deref,
    DoWhile,
    ExprStmt,
    For,
    If,
    Init,
    IntLit,
    MemLoc,
    Name,
    PAnd,
    PAtom,
    PConst,
    PImplies,
    PNot,
    POr,
    Pos,
    RegLoc,
    StmtExpr,
    Test,
    Thread,
    UnOp,
    While,
)

__all__ = ["format_c_litmus", "format_expr", "format_prop", "without_positions", "comparable"]

INDENT = "\t"


# ------------------------------------------------------------ expressions

# C binding strength, higher binds tighter (binary operators: BINARY_PRECEDENCE;
# unary and casts are 12).
_COND_PREC = 1
_UNARY_PREC = 12
_ATOM_PREC = 13


def _prec(e) -> int:
    if isinstance(e, BinOp):
        return BINARY_PRECEDENCE[e.op]
    if isinstance(e, Cond):
        return _COND_PREC
    if isinstance(e, (Deref, AddrOf, UnOp, Cast)):
        return _UNARY_PREC
    return _ATOM_PREC


def format_expr(e, min_prec: int = 0) -> str:
    """C text of an expression, parenthesized if it binds looser than
    `min_prec` requires."""
    text = _expr_text(e)
    return f"({text})" if _prec(e) < min_prec else text


def _operand(e) -> str:
    """Operand of a prefix operator: parenthesized unless it is atomic or
    itself a prefix form that cannot merge with the operator."""
    text = format_expr(e, _UNARY_PREC)
    # avoid `--x`, `&&x`, `- -1` turning into other tokens or a literal
    if text[:1] in ("-", "&", "!", "~", "*") and not isinstance(e, (Deref, Cast)):
        return f"({text})"
    return text


def _expr_text(e) -> str:
    if isinstance(e, IntLit):
        return str(e.value)
    if isinstance(e, Name):
        return e.name
    if isinstance(e, Call):
        return f"{e.name}({', '.join(format_expr(a) for a in e.args)})"
    if isinstance(e, Deref):
        return "*" + _operand(e.expr)
    if isinstance(e, AddrOf):
        return "&" + _operand(e.expr)
    if isinstance(e, UnOp):
        if e.op == "-" and isinstance(e.expr, IntLit):
            return f"-({e.expr.value})"  # `-1` would read back as a literal
        return e.op + _operand(e.expr)
    if isinstance(e, Cast):
        return f"({e.type}){_operand(e.expr)}"
    if isinstance(e, BinOp):
        p = BINARY_PRECEDENCE[e.op]
        return f"{format_expr(e.left, p)} {e.op} {format_expr(e.right, p + 1)}"
    if isinstance(e, Cond):
        return (f"{format_expr(e.cond, _COND_PREC + 1)} ? {format_expr(e.then)}"
                f" : {format_expr(e.other, _COND_PREC)}")
    if isinstance(e, StmtExpr):
        inner = " ".join(line.strip() for s in e.body for line in _stmt_lines(s, 0))
        return f"({{ {inner} {format_expr(e.value)}; }})".replace("  ", " ")
    builtin = _builtin_text(e)
    if builtin is not None:
        return builtin
    raise TypeError(f"not an expression: {e!r}")


def _tags(tags: tuple[str, ...]) -> str:
    return "{" + ",".join(tags) + "}" if tags else ""


def _args(*args) -> str:
    return "(" + ", ".join(a if isinstance(a, str) else format_expr(a) for a in args) + ")"


def _builtin_text(e) -> Optional[str]:
    """herd's builtins, as written: `__load{once}(*x)`, `__fence{mb}` (no `;`)."""
    if isinstance(e, _A.Load):
        return f"__load{_tags(e.tags)}{_args(e.loc)}"
    if isinstance(e, _A.Xchg):
        return f"__xchg{_tags(e.tags)}{_args(e.loc, e.value)}"
    if isinstance(e, _A.CmpXchg):
        return f"__cmpxchg{_tags(e.tags)}{_args(e.loc, e.old, e.new)}"
    if isinstance(e, _A.AtomicReturn):
        word = "__atomic_fetch_op" if e.fetch else "__atomic_op_return"
        return f"{word}{_tags(e.tags)}{_args(e.loc, e.op, e.value)}"
    if isinstance(e, _A.AddUnless):
        return f"__atomic_add_unless{_tags(e.tags)}{_args(e.loc, e.value, e.limit)}"
    if isinstance(e, _A.TryLock):
        return f"__trylock{_args(e.loc)}"
    if isinstance(e, _A.IsLocked):
        return f"__islocked{_args(e.loc)}"
    if isinstance(e, _A.SrcuValue):
        return f"__srcu{_tags(e.tags)}{_args(e.loc)}"
    if isinstance(e, _A.Store):
        return f"__store{_tags(e.tags)}{_args(e.loc, e.value)}"
    if isinstance(e, _A.Fence):
        return f"__fence{_tags(e.tags)}"
    if isinstance(e, _A.AtomicOp):
        return f"__atomic_op{_tags(e.tags)}{_args(e.loc, e.op, e.value)}"
    if isinstance(e, (_A.Lock, _A.Unlock)):
        return f"__{type(e).__name__.lower()}{_args(e.loc)}"
    if isinstance(e, _A.Srcu):
        return f"__srcu{_tags(e.tags)}{_args(e.loc, *(() if e.value is None else (e.value,)))}"
    return None


# ------------------------------------------------------------- statements


def _typed(type_: str, name: str) -> str:
    """`int x`, `int *p`: a declaration of `name` with the written type."""
    return f"{type_}{name}" if type_.endswith("*") else f"{type_} {name}"


def _stmt_lines(s, depth: int) -> list[str]:
    pad = INDENT * depth
    if isinstance(s, Decl):
        init = "" if s.init is None else f" = {format_expr(s.init)}"
        return [f"{pad}{_typed(s.type, s.name)}{init};"]
    if isinstance(s, Assign):
        return [f"{pad}{format_expr(s.target, _UNARY_PREC)} = {format_expr(s.value)};"]
    if isinstance(s, ExprStmt):
        return [f"{pad}{format_expr(s.expr)};"]
    if isinstance(s, If):
        lines = [f"{pad}if ({format_expr(s.cond)}) {{"]
        lines += _body_lines(s.then, depth + 1)
        if s.other:
            lines.append(f"{pad}}} else {{")
            lines += _body_lines(s.other, depth + 1)
        lines.append(f"{pad}}}")
        return lines
    if isinstance(s, While):
        return ([f"{pad}while ({format_expr(s.cond)}) {{"]
                + _body_lines(s.body, depth + 1) + [f"{pad}}}"])
    if isinstance(s, DoWhile):
        return ([f"{pad}do {{"] + _body_lines(s.body, depth + 1)
                + [f"{pad}}} while ({format_expr(s.cond)});"])
    if isinstance(s, For):
        hoisted, init = _for_init(s.init)
        step = _simple_text(s.step[0]) if s.step else ""
        cond = format_expr(s.cond) if s.cond is not None else ""
        return (_body_lines(hoisted, depth) + [f"{pad}for ({init}; {cond}; {step}) {{"]
                + _body_lines(s.body, depth + 1) + [f"{pad}}}"])
    if isinstance(s, Break):
        return [f"{pad}break;"]
    if isinstance(s, Continue):
        return [f"{pad}continue;"]
    if isinstance(s, Block):
        return [f"{pad}{{"] + _body_lines(s.body, depth + 1) + [f"{pad}}}"]
    if isinstance(s, _A.BuiltinStmt.__args__):
        return [f"{pad}{_builtin_text(s)};"]
    raise TypeError(f"not a statement: {s!r}")


def _simple_text(s) -> str:
    """A statement without its `;` (a part of a `for`)."""
    text = _stmt_lines(s, 0)
    assert len(text) == 1 and text[0].endswith(";"), s
    return text[0][:-1]


def _for_init(init: tuple) -> tuple[tuple, str]:
    """The statements printed before a `for` and its first part: one
    statement, or declarations of one type (`int i = 0, j = 1`)."""
    if not init:
        return (), ""
    if len(init) == 1:
        return (), _simple_text(init[0])
    if all(isinstance(d, Decl) and d.type == init[0].type and not d.type.endswith("*") for d in init):
        parts = [d.name if d.init is None else f"{d.name} = {format_expr(d.init)}" for d in init]
        return (), f"{init[0].type} {', '.join(parts)}"
    return init, ""


def _body_lines(stmts, depth: int) -> list[str]:
    return [line for s in stmts for line in _stmt_lines(s, depth)]


def _thread_text(t: Thread) -> str:
    params = ", ".join(_typed(p.type, p.name) for p in t.params)
    lines = [f"P{t.index}({params})", "{"] + _body_lines(t.body, 1) + ["}"]
    return "\n".join(lines)


# ---------------------------------------------------------- initial state


def _init_value(v, type_: Optional[str]) -> str:
    if isinstance(v, IntLit):
        return str(v.value)
    if isinstance(v, AddrValue):
        # herd7 takes `&x` only after a pointer type; a bare name always
        return f"&{v.name}" if type_ and type_.endswith("*") else v.name
    raise TypeError(f"not an initial value: {v!r}")


def _init_text(i: Init) -> str:
    loc = i.name if i.thread is None else f"{i.thread}:{i.name}"
    text = loc if i.type is None else _typed(i.type, loc)
    if i.value is not None:
        text += f" = {_init_value(i.value, i.type)}"
    return text + ";"


# -------------------------------------------------------------- conditions


def _loc_text(loc) -> str:
    if isinstance(loc, RegLoc):
        return f"{loc.thread}:{loc.reg}"
    if isinstance(loc, MemLoc):
        return loc.name
    raise TypeError(f"not a location: {loc!r}")


def _atom_value(v) -> str:
    if isinstance(v, IntLit):
        return str(v.value)
    if isinstance(v, AddrValue):
        return v.name
    if isinstance(v, RegLoc):
        return _loc_text(v)
    if isinstance(v, MemLoc):
        return f"*{v.name}"  # a bare name would be a pointer value
    raise TypeError(f"not a condition value: {v!r}")


# Prop binding strength, as herd7: \/ 1, /\ 2, => 3, ~ 4, atoms 5.
def _pprec(p) -> int:
    if isinstance(p, POr) and len(p.items) > 1:
        return 1
    if isinstance(p, PAnd) and len(p.items) > 1:
        return 2
    if isinstance(p, PImplies):
        return 3
    if isinstance(p, PNot):
        return 4
    return 5


def format_prop(p, min_prec: int = 0) -> str:
    """Text of a condition proposition, parenthesized as needed."""
    if isinstance(p, (PAnd, POr)) and len(p.items) == 1:
        return format_prop(p.items[0], min_prec)
    text = _prop_text(p)
    return f"({text})" if _pprec(p) < min_prec else text


def _prop_text(p) -> str:
    if isinstance(p, PAtom):
        return f"{_loc_text(p.loc)}{p.op}{_atom_value(p.value)}"
    if isinstance(p, PConst):
        return "true" if p.value else "false"
    if isinstance(p, PNot):
        return "~" + format_prop(p.item, 4)
    if isinstance(p, (PAnd, POr)):
        if not p.items:
            return "true" if isinstance(p, PAnd) else "false"
        # a nested conjunction (disjunction) keeps its own parentheses
        sep, inner = (" /\\ ", 3) if isinstance(p, PAnd) else (" \\/ ", 2)
        return sep.join(format_prop(q, inner) for q in p.items)
    if isinstance(p, PImplies):
        return f"{format_prop(p.left, 4)} => {format_prop(p.right, 3)}"
    raise TypeError(f"not a proposition: {p!r}")


def _condition_text(c: Condition) -> str:
    return f"{c.quantifier} ({format_prop(c.prop)})"


# -------------------------------------------------------------------- test


def _comment_text(comment: str) -> str:
    """The comment as a `(* ... *)` block that reads back as one comment."""
    body = comment.replace("\x00", " ").strip()
    depth = 0
    for m in re.finditer(r"\(\*|\*\)", body):
        depth += 1 if m.group() == "(*" else -1
        if depth < 0:
            break
    if depth != 0:
        body = body.replace("(*", "( *").replace("*)", "* )")
    if "\n" in body:  # the kernel's boxed layout; the parser strips the gutter
        lines = [f" * {line}".rstrip() for line in body.splitlines()]
        return "(*\n" + "\n".join(lines) + "\n *)"
    return f"(* {body} *)"


def format_c_litmus(test: Test) -> str:
    """The test as litmus text in canonical layout."""
    out = [f"{test.arch} {test.name}"]
    out += [f"{k}={v}" for k, v in test.info]
    if test.comment.strip():
        out.append(_comment_text(test.comment))
    out.append("")
    out.append("{")
    out += [f"{INDENT}{_init_text(i)}" for i in test.init]
    out.append("}")
    for t in test.threads:
        out.append("")
        out.append(_thread_text(t))
    out.append("")
    if test.locations:
        out.append("locations [" + " ".join(f"{_loc_text(l)};" for l in test.locations) + "]")
    if test.filter is not None:
        out.append(f"filter ({format_prop(test.filter)})")
    out.append(_condition_text(test.condition))
    return "\n".join(out) + "\n"


# ------------------------------------------------------------- comparison


def without_positions(node):
    """A copy of any AST node (or Test) with every Pos set to NOPOS."""
    if isinstance(node, Pos):
        return NOPOS
    if isinstance(node, tuple):
        return tuple(without_positions(x) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {}
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            new = without_positions(value)
            if new is not value:
                changes[f.name] = new
        return dataclasses.replace(node, **changes) if changes else node
    return node


def comparable(test: Test) -> Test:
    """The test without positions, comment, source and text: what
    parse(format(t)) is guaranteed to preserve."""
    return dataclasses.replace(
        without_positions(test), comment="", source="", text="")
