"""Library functions memcheck evaluates natively when a model defines them
exactly as herd's library does.

herd's cross.cat defines `cross` (one element of each set of a set of
sets, unioned) by recursion over the sets' elements: interpreted, it lists
every coherence order of every location for each candidate execution
(thousands per candidate for a lock's writes: minutes where herd7 takes
seconds).  memcheck has the same function as a primitive that knows the
result by a membership test (values.Cross).  A `let` binding whose
definition is, node for node, herd's (compared by a digest of its syntax
tree, positions aside) is bound to that primitive; any other definition, a
researcher's variant included, is interpreted as written.  That the two
agree is tested on random sets of sets of relations, with herd's own text
interpreted (tests/test_herd_models.py, tests/test_cat_values.py).
"""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, Optional

from . import ast as A

# (name, digest of the definition's syntax tree) -> the primitive it equals
NATIVE = {
    ("cross", "8a317309f92937dc7cd19e5e46bbc646cecc30f509f2336fb2487a84a5df168b"): "cross",
}


def shape(x: Any) -> Any:
    """A syntax tree as nested tuples, without source positions."""
    if dataclasses.is_dataclass(x):
        return (type(x).__name__,) + tuple(shape(getattr(x, f.name)) for f in dataclasses.fields(x)
                                           if f.name != "pos")
    if isinstance(x, (tuple, list)):
        return tuple(shape(y) for y in x)
    return x


def digest(e: A.Expr) -> str:
    """The SHA-256 of an expression's syntax tree."""
    return hashlib.sha256(repr(shape(e)).encode()).hexdigest()


def native_primitive(name: str, e: A.Expr) -> Optional[str]:
    """The primitive a binding `let name = e` defines, if it is one memcheck has."""
    if not any(n == name for n, _ in NATIVE):
        return None
    return NATIVE.get((name, digest(e)))
