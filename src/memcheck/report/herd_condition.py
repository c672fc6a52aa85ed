"""A test's condition as herd7 prints it on its `Condition` line.

herd7 (7.57 and 7.58) brackets shared locations (`[x]=1`), writes a
negation or `!=` as `not (...)`, and parenthesizes a sub-proposition only
where its context needs it: `\\/` inside `/\\` or `=>`, `/\\` inside `=>`,
`=>` inside either.  (The source's own spelling is print_c's business.)
"""
from __future__ import annotations

from ..litmus import ast as A

# the context a proposition is printed in, as herd7's printer names them
TOP, AND, OR, IMPLIES = "top", "and", "or", "implies"
# (context, kind of proposition) pairs that need parentheses
PARENTHESIZED = {(IMPLIES, AND), (IMPLIES, OR), (AND, OR), (AND, IMPLIES), (OR, IMPLIES)}


def _location(loc: A.Loc) -> str:
    return f"{loc.thread}:{loc.reg}" if isinstance(loc, A.RegLoc) else f"[{loc.name}]"


def _value(v) -> str:
    if isinstance(v, A.IntLit):
        return str(v.value)
    if isinstance(v, A.AddrValue):
        return v.name
    return _location(v)  # another location: herd7's location-to-location atom


def _paren(above: str, here: str, text: str) -> str:
    return f"({text})" if (above, here) in PARENTHESIZED else text


def _prop(p, above: str) -> str:
    if isinstance(p, (A.PAnd, A.POr)) and len(p.items) == 1:
        return _prop(p.items[0], above)
    if isinstance(p, A.PAtom):
        atom = f"{_location(p.loc)}={_value(p.value)}"
        return atom if p.op == "=" else f"not ({atom})"
    if isinstance(p, A.PConst):
        return "true" if p.value else "false"
    if isinstance(p, A.PNot):
        return f"not ({_prop(p.item, TOP)})"
    if isinstance(p, A.PAnd):
        return _paren(above, AND, " /\\ ".join(_prop(q, AND) for q in p.items)) if p.items else "true"
    if isinstance(p, A.POr):
        return _paren(above, OR, " \\/ ".join(_prop(q, OR) for q in p.items)) if p.items else "false"
    if isinstance(p, A.PImplies):
        return _paren(above, IMPLIES, f"{_prop(p.left, IMPLIES)} => {_prop(p.right, IMPLIES)}")
    raise TypeError(f"not a proposition: {p!r}")


def herd_condition(c: A.Condition) -> str:
    """`exists ([x]=1 /\\ 0:r0=0)`, as herd7 prints the condition."""
    return f"{c.quantifier} ({_prop(c.prop, TOP)})"
