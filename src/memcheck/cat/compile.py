"""Compile a cat model into a `Program`: a flat DAG of set/relation operations.

Functions, lets, tuples, tags, variants, procedures and includes are all
resolved at compile time (function calls are inlined), so what remains for
each execution is a list of bitmask operations plus `fix` nodes for `let rec`.
Identical operations are shared (hash-consing).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Union

from ..errors import MemcheckError
from .ops import CatTypeError as O_CatTypeError
from . import ast as A
from .parse import VIRTUAL_INCLUDES, parse_cat
from .idioms import native_primitive
from .interp import VALUE_PRIMITIVES
from .values import TagV, TupleV   # tags and tuples are the same at compile and run time
from .prelude import NO_PTE_PRIMITIVES, PRELUDE, PRELUDE_SOURCE, PRIMITIVES
from .program import DYNAMIC, ENGINE_RELATIONS, CheckSpec, Group, Node, Program

MAX_INLINE_DEPTH = 200


# ---------------------------------------------------------------- compile-time values


@dataclass(frozen=True)
class TagSetV:
    """A set of tags (an enum type, or an explicit set of tags)."""

    names: frozenset[str]


@dataclass(frozen=True)
class Closure:
    """A function value: inlined at each application."""

    pat: A.Pattern
    body: A.Expr
    env: "Env"
    name: str


@dataclass(frozen=True)
class Builtin:
    """A primitive function implemented by the compiler."""

    name: str


@dataclass(frozen=True)
class ProcV:
    """A procedure: its instructions run at each `call`."""

    pat: A.Pattern
    body: tuple
    env: "Env"
    name: str


CVal = Union[int, TagV, TagSetV, TupleV, Closure, Builtin, ProcV]


class Env:
    """A chain of scopes mapping names to compile-time values."""

    __slots__ = ("vars", "parent")

    def __init__(self, vars: dict, parent: Optional["Env"] = None):
        self.vars = vars
        self.parent = parent

    def lookup(self, name: str) -> Optional[CVal]:
        """The value bound to name, or None."""
        env: Optional[Env] = self
        while env is not None:
            v = env.vars.get(name)
            if v is not None:
                return v
            env = env.parent
        return None

    def child(self, vars: dict) -> "Env":
        """A new scope on top of this one."""
        return Env(vars, self)


class NeedsRuntime(Exception):
    """An expression needs an execution's values to evaluate (see interp.py)."""


def _err(msg: str, pos: A.Pos) -> MemcheckError:
    return MemcheckError(msg, pos.file, pos.line, pos.col)


def capitalise(tag: str) -> str:
    """The event-set name of a tag, as herd builds it ('rcu-lock -> Rcu-lock)."""
    return tag[:1].upper() + tag[1:]


def enum_set_names(model: A.Model) -> frozenset[str]:
    """Event-set names of all tags declared by `enum` anywhere in the model."""
    out: set[str] = set()

    def walk(instrs) -> None:
        for ins in instrs:
            if isinstance(ins, A.Enum):
                out.update(capitalise(t) for t in ins.tags)
            elif isinstance(ins, A.Include) and ins.model is not None:
                walk(ins.model.instrs)
            elif isinstance(ins, A.Procedure):
                walk(ins.body)
            elif isinstance(ins, A.IfVariantInstr):
                walk(ins.then)
                walk(ins.other)

    walk(model.instrs)
    return frozenset(out)


_OPTEXT = {"union": " | ", "inter": " & ", "diff": " \\ ", "seq": " ; ", "prod": " * "}
_POSTTEXT = {"star": "*", "plus": "+", "opt": "?", "inv": "^-1"}


class Compiler:
    """Turns a Model into a Program (one use per model)."""

    def __init__(self, model: A.Model, variants: frozenset[str]):
        self.model = model
        self.variants = frozenset(v.lower() for v in variants)  # herd compares them ignoring case
        self.nodes: list[Node] = []
        self.cons: dict[tuple, int] = {}
        self.groups: list[Group] = []
        self.open: list[int] = []
        self.checks: list[tuple] = []
        self.depth = 0
        self.inlining: list[int] = []
        self.has_with = False
        self.structural: list[tuple[int, str, A.Pos]] = []
        self.complete: dict[int, str] = {}
        self.empty_default = enum_set_names(model)

    # ------------------------------------------------------------ nodes
    def name_of(self, k: int) -> str:
        """A short text for node k: its let-name or its expression."""
        nd = self.nodes[k]
        return nd.label or nd.text

    def _text(self, kind: str, args: tuple[int, ...], data: Any) -> str:
        """Source-like text of a new node (labels of unnamed edges, names of checks)."""
        names = [self.name_of(a) for a in args]
        names = [f"({t})" if (" " in t and not self.nodes[a].label) else t
                 for t, a in zip(names, args)]
        if kind in ("seq", "inter") and data:
            deco = {"r": "{}", "f": "[{}]", "o": "{}?", "s": "{}*", "i": "{}^-1"}
            parts = []
            for m, a, t in zip(data, args, names):
                if m == "s":
                    t = self.name_of(self.nodes[a].args[0])
                    t = f"({t})" if " " in t and not self.nodes[self.nodes[a].args[0]].label else t
                if m == "f":
                    t = self.name_of(a)
                parts.append(deco[m].format(t))
            t = _OPTEXT[kind].join(parts)
        elif kind in _OPTEXT:
            t = _OPTEXT[kind].join(names)
        elif kind in _POSTTEXT:
            t = names[0] + _POSTTEXT[kind]
        elif kind == "comp":
            t = "~" + names[0]
        elif kind == "toid":
            t = f"[{self.name_of(args[0])}]"
        elif kind in ("domain", "range", "different-values"):
            t = f"{kind}({self.name_of(args[0])})"
        elif kind == "base":
            t = data
        elif kind == "const0":
            t = "0"
        elif kind == "univ":
            t = "_"
        elif kind == "try":
            t = f"try {names[0]} with {names[1]}"
        else:
            t = kind
        return t if len(t) <= 60 else t[:57] + "..."

    def top_of(self, k: int) -> int:
        """The node to depend on for reading slot k at the current level
        (the fix node of a finished group for the group's own nodes)."""
        while True:
            owner = self.nodes[k].owner
            if owner is None or not self.groups[owner].closed:
                return k
            k = self.groups[owner].fix

    def _add(self, node: Node, key: Optional[tuple]) -> int:
        """Append node, computing its dependencies and owning let-rec group."""
        deps = tuple(dict.fromkeys(self.top_of(a) for a in node.args + node.deps))
        node.deps = deps
        ph = set(node.ph)
        for d in deps:
            ph |= self.nodes[d].ph
        ph &= set(self.open)
        node.ph = frozenset(ph)
        node.owner = max(ph) if ph else None
        k = len(self.nodes)
        self.nodes.append(node)
        if key is not None:
            self.cons[key] = k
        return k

    def mk(self, kind: str, args: tuple[int, ...], pos: A.Pos, data: Any = None) -> int:
        """A node for `kind(args)`, simplified and shared when possible."""
        nodes = self.nodes
        if kind == "union":
            flat: list[int] = []
            for a in args:
                nd = nodes[a]
                if nd.kind == "union" and nd.label is None:
                    flat.extend(nd.args)
                elif nd.kind != "const0":
                    flat.append(a)
            args = tuple(dict.fromkeys(flat))
            if not args:
                return self.const0(pos)
            if len(args) == 1:
                return args[0]
        elif kind in ("inter", "seq"):
            ops: list[tuple[str, int]] = []
            for a in args:
                ops.extend(self._operands(kind, a, pos))
            if kind == "inter":
                ops = list(dict.fromkeys(ops))
            if any(m in "rf" and nodes[x].kind == "const0" for m, x in ops):
                return self.const0(pos)
            if len(ops) == 1:
                m, x = ops[0]
                if m == "r":
                    return x
                if m == "s":
                    return self.mk("star", nodes[x].args, pos)
                return self.mk({"f": "toid", "o": "opt", "i": "inv"}[m], (x,), pos)
            if kind == "seq" and all(m == "f" for m, _ in ops):
                inner = self.mk("inter", tuple(x for _, x in ops), pos)
                return self.mk("toid", (inner,), pos)
            data = "".join(m for m, _ in ops)
            args = tuple(x for _, x in ops)
        elif kind in ("diff", "prod"):
            a, b = args
            if nodes[a].kind == "const0" or (kind == "prod" and nodes[b].kind == "const0"):
                return self.const0(pos)
            if kind == "diff" and nodes[b].kind == "const0":
                return a
        elif kind in ("plus", "inv", "domain", "range", "toid", "different-values"):
            if nodes[args[0]].kind == "const0":
                return self.const0(pos)
        elif kind in ("star", "opt"):
            if nodes[args[0]].kind == "const0":
                return self.mk("toid", (self.mk("univ", (), pos),), pos)
        key = (kind, args, data)
        hit = self.cons.get(key)
        if hit is not None:
            return hit
        node = Node(kind, args, pos, data)
        node.text = self._text(kind, args, data)
        if kind == "base":
            node.label = data
        return self._add(node, key)

    def _operands(self, kind: str, a: int, pos: A.Pos) -> list[tuple[str, int]]:
        """Operand a of a sequence or intersection as (mode, slot) pairs.

        Sequence modes: r relation, f filter `[S]` (slot: S), o `X?` (slot: X),
        s `X*` (slot: X+).  Intersection modes: r relation, i `X^-1` (slot: X).
        Unnamed nested sequences/intersections are flattened."""
        nd = self.nodes[a]
        if nd.kind == kind and nd.label is None:
            return list(zip(nd.data, nd.args))
        if kind == "seq":
            if nd.kind == "toid":
                return [("f", nd.args[0])]
            if nd.label is None and nd.kind == "opt":
                return [("o", nd.args[0])]
            if nd.label is None and nd.kind == "star":
                return [("s", self.mk("plus", nd.args, pos))]
        elif nd.label is None and nd.kind == "inv":
            return [("i", nd.args[0])]
        return [("r", a)]

    def const0(self, pos: A.Pos) -> int:
        """The polymorphic empty value (herd's `0`)."""
        return self.mk("const0", (), pos)

    # ------------------------------------------------------------ values
    def as_node(self, v: CVal, pos: A.Pos) -> int:
        """v as a set/relation node, or an error."""
        if isinstance(v, int):
            return v
        what = {TagV: "a tag", TagSetV: "a set of tags", TupleV: "a tuple", Closure: "a function",
                Builtin: "a function", ProcV: "a procedure"}.get(type(v), "a value")
        raise _err(f"expected an event set or a relation, got {what}", pos)

    def label(self, name: str, v: CVal) -> None:
        """Remember `name` as the let-name of node v (first name wins)."""
        if isinstance(v, int):
            nd = self.nodes[v]
            if nd.label is None and nd.kind not in ("const0", "univ"):
                nd.label = name

    def bind_pat(self, pat: A.Pattern, v: CVal, out: dict, pos: A.Pos,
                 is_let: bool = True) -> None:
        """Bind pattern `pat` to v into `out` (let-bindings also name nodes;
        function parameters do not)."""
        if isinstance(pat, A.PVar):
            if pat.name is not None:
                out[pat.name] = v
                if is_let:
                    self.label(pat.name, v)
            return
        if not isinstance(v, TupleV) or len(v.items) != len(pat.names):
            raise _err(f"expected a tuple of {len(pat.names)} values", pos)
        for name, item in zip(pat.names, v.items):
            if name is not None:
                out[name] = item
                if is_let:
                    self.label(name, item)

    # ------------------------------------------------------------ expressions
    def expr(self, e: A.Expr, env: Env) -> CVal:
        """Compile expression e in env (as one `interp` node when it needs an
        execution's values, see interp.py)."""
        m = getattr(self, "e_" + type(e).__name__)
        if not isinstance(e, _RUNTIME_CAPABLE):
            return m(e, env)
        mark = (len(self.open), self.depth, len(self.inlining))
        try:
            return m(e, env)
        except NeedsRuntime:
            del self.open[mark[0]:]
            self.depth = mark[1]
            del self.inlining[mark[2]:]
            return self.interp_node(e, env)

    def interp_node(self, e: A.Expr, env: Env) -> int:
        """A node evaluating e at run time, reading the nodes its free names denote."""
        deps: dict[int, None] = {}
        bases: dict[str, int] = {}
        self._free(e, env, frozenset(), deps, bases, set())
        node = Node("interp", tuple(deps), e.pos, (e, env, bases, self.variants, to_runtime),
                    text=A.expr_text(e))
        return self._add(node, None)

    def _free(self, e, env: Env, bound: frozenset, deps: dict, bases: dict, seen: set) -> None:
        """Collect the nodes read by e's free names (through closures too)."""
        if isinstance(e, A.Var):
            if e.name in bound:
                return
            v = env.lookup(e.name)
            if v is None:
                k = self.mk("base", (), e.pos, e.name)
                bases[e.name] = k
                deps[self.top_of(k)] = None
                return
            self._free_value(v, deps, bases, seen)
            return
        if isinstance(e, A.Fun):
            self._free(e.body, env, bound | _pat_names(e.pat), deps, bases, seen)
            return
        if isinstance(e, A.LetIn):
            names = frozenset().union(*(_pat_names(b.pat) for b in e.bindings))
            inner = bound | names if e.rec else bound
            for b in e.bindings:
                self._free(b.expr, env, inner, deps, bases, seen)
            self._free(e.body, env, bound | names, deps, bases, seen)
            return
        if isinstance(e, A.Match):
            self._free(e.expr, env, bound, deps, bases, seen)
            for c in e.clauses:
                extra = frozenset(c.data) if c.kind == "cons" else frozenset()
                self._free(c.body, env, bound | extra, deps, bases, seen)
            return
        if isinstance(e, A.IfVariant):
            self._free(e.then if self.cond(e.cond) else e.other, env, bound, deps, bases, seen)
            return
        for child in _children(e):
            self._free(child, env, bound, deps, bases, seen)

    def _free_value(self, v: CVal, deps: dict, bases: dict, seen: set) -> None:
        if isinstance(v, int):
            deps[self.top_of(v)] = None
        elif isinstance(v, TupleV):
            for x in v.items:
                self._free_value(x, deps, bases, seen)
        elif isinstance(v, Closure) and id(v) not in seen:
            seen.add(id(v))
            self._free(v.body, v.env, _pat_names(v.pat), deps, bases, seen)

    def e_Var(self, e: A.Var, env: Env) -> CVal:
        v = env.lookup(e.name)
        if v is not None:
            return v
        return self.mk("base", (), e.pos, e.name)

    def e_Tag(self, e: A.Tag, env: Env) -> CVal:
        return TagV(e.name)

    def e_Empty(self, e: A.Empty, env: Env) -> CVal:
        return self.const0(e.pos)

    def e_Universe(self, e: A.Universe, env: Env) -> CVal:
        return self.mk("univ", (), e.pos)

    def e_ExplicitSet(self, e: A.ExplicitSet, env: Env) -> CVal:
        vals = [self.expr(x, env) for x in e.elems]
        if not vals:
            return self.const0(e.pos)
        if all(isinstance(v, TagV) for v in vals):
            return TagSetV(frozenset(v.name for v in vals))
        raise NeedsRuntime()

    def e_Tuple(self, e: A.Tuple, env: Env) -> CVal:
        return TupleV(tuple(self.expr(x, env) for x in e.elems))

    def e_Unop(self, e: A.Unop, env: Env) -> CVal:
        a = self.as_node(self.expr(e.expr, env), e.pos)
        return self.mk(e.op, (a,), e.pos)

    def e_Binop(self, e: A.Binop, env: Env) -> CVal:
        if e.op == "add":
            raise NeedsRuntime()
        a = self.as_node(self.expr(e.left, env), e.left.pos)
        b = self.as_node(self.expr(e.right, env), e.right.pos)
        return self.mk(e.op, (a, b), e.pos)

    def e_App(self, e: A.App, env: Env) -> CVal:
        f = self.expr(e.func, env)
        if isinstance(f, int) and self.nodes[f].kind == "interp":
            raise NeedsRuntime()   # a function computed at run time
        return self.apply(f, self.expr(e.arg, env), e)

    def apply(self, f: CVal, arg: CVal, e: A.App) -> CVal:
        """Inline the application of f to arg."""
        if isinstance(f, Builtin):
            kind = f.name
            if kind in NO_PTE_PRIMITIVES:
                return self.const0(e.pos)
            if kind in VALUE_PRIMITIVES:
                raise NeedsRuntime()
            return self.mk(kind, (self.as_node(arg, e.arg.pos),), e.pos)
        if isinstance(f, Closure):
            # a function calling itself recurses over values only an
            # execution has: it runs at run time
            if id(f) in self.inlining or self.depth >= MAX_INLINE_DEPTH:
                raise NeedsRuntime()
            scope: dict = {}
            self.bind_pat(f.pat, arg, scope, e.pos, is_let=False)
            self.depth += 1
            self.inlining.append(id(f))
            try:
                return self.expr(f.body, f.env.child(scope))
            finally:
                self.depth -= 1
                self.inlining.pop()
        if isinstance(f, int) and self.nodes[f].kind == "base":
            raise _err(f"unknown function '{self.nodes[f].data}'", e.pos)
        raise _err("this expression is not a function", e.pos)

    def e_Fun(self, e: A.Fun, env: Env) -> CVal:
        return Closure(e.pat, e.body, env, e.name)

    def e_LetIn(self, e: A.LetIn, env: Env) -> CVal:
        return self.expr(e.body, self.let(e.rec, e.bindings, env, e.pos))

    def e_Try(self, e: A.Try, env: Env) -> CVal:
        mark = (len(self.open), self.depth)
        try:
            v = self.expr(e.expr, env)
        except MemcheckError:
            del self.open[mark[0]:]
            self.depth = mark[1]
            return self.expr(e.default, env)
        if not isinstance(v, int) or not self._reaches_base(v):
            return v
        d = self.expr(e.default, env)
        if not isinstance(d, int):
            return v
        return self.mk("try", (v, d), e.pos)

    def _reaches_base(self, k: int) -> bool:
        """Node k reads some base set/relation (so it may be undefined at run time)."""
        seen: set[int] = set()
        stack = [k]
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            nd = self.nodes[x]
            if nd.kind == "base" and nd.data not in DYNAMIC:
                return True
            stack.extend(nd.args)
            stack.extend(nd.deps)
            if nd.kind == "fix":
                stack.extend(self.groups[nd.data].results)
        return False

    def e_IfVariant(self, e: A.IfVariant, env: Env) -> CVal:
        return self.expr(e.then if self.cond(e.cond) else e.other, env)

    def e_Match(self, e: A.Match, env: Env) -> CVal:
        x = self.expr(e.expr, env)
        if not isinstance(x, TagV):
            raise NeedsRuntime()
        for c in e.clauses:
            if c.kind == "any" or (c.kind == "tag" and c.data[0] == x.name):
                return self.expr(c.body, env)
        raise _err(f"no case of 'match' applies to tag '{x.name}", e.pos)

    def cond(self, c: A.VCond) -> bool:
        """Value of a variant condition (unknown variants are unset)."""
        if isinstance(c, A.VName):
            return c.name.lower() in self.variants
        if isinstance(c, A.VNot):
            return not self.cond(c.cond)
        if isinstance(c, A.VAnd):
            return self.cond(c.left) and self.cond(c.right)
        return self.cond(c.left) or self.cond(c.right)

    # ------------------------------------------------------------ bindings
    def let(self, rec: bool, bindings: tuple[A.Binding, ...], env: Env, pos: A.Pos) -> Env:
        """The scope after `let [rec] bindings`."""
        if not rec:
            out: dict = {}
            for b in bindings:
                prim = native_primitive(b.pat.name, b.expr) if isinstance(b.pat, A.PVar) else None
                value = Builtin(prim) if prim else self.expr(b.expr, env)
                self.bind_pat(b.pat, value, out, b.pos)
            return env.child(out)
        if all(isinstance(b.expr, A.Fun) for b in bindings):
            scope: dict = {}
            new = env.child(scope)
            for b in bindings:
                self.bind_pat(b.pat, Closure(b.expr.pat, b.expr.body, new, b.expr.name), scope,
                              b.pos)
            return new
        for b in bindings:
            if not isinstance(b.pat, A.PVar) or b.pat.name is None:
                raise _err("'let rec' of tuples is not supported", b.pos)
            if isinstance(b.expr, A.Fun):
                raise _err("'let rec' mixing functions and values is not supported", b.pos)
        return self.letrec(bindings, env, pos)

    def letrec(self, bindings: tuple[A.Binding, ...], env: Env, pos: A.Pos) -> Env:
        """Compile a recursive group of set/relation bindings into a fix node."""
        gid = len(self.groups)
        names = [b.pat.name for b in bindings]
        group = Group(gid, names, [], nested=bool(self.open))
        self.groups.append(group)
        self.open.append(gid)
        start = len(self.nodes)
        for i, (name, b) in enumerate(zip(names, bindings)):
            ph = Node("ph", (), b.pos, (gid, i), label=name, text=name, ph=frozenset({gid}))
            group.placeholders.append(self._add(ph, None))
        scope = dict(zip(names, group.placeholders))
        inner = env.child(scope)
        for name, b in zip(names, bindings):
            r = self.as_node(self.expr(b.expr, inner), b.pos)
            group.results.append(r)
            scope[name] = r
            self.label(name, r)
        self.open.pop()
        phs = set(group.placeholders)
        group.body = [k for k in range(start, len(self.nodes))
                      if self.nodes[k].owner == gid and k not in phs]
        if not group.body:   # no binding depends on the group: plain values
            group.closed = True
            group.results = [self.const0(pos) if r in phs else r for r in group.results]
            return env.child({n: r for n, r in zip(names, group.results)})
        out = env.child({n: r for n, r in zip(names, group.results)})
        ext: dict[int, None] = {}
        for k in group.body:
            for d in self.nodes[k].deps:
                if self.nodes[d].owner != gid:
                    ext[d] = None
        for r in group.results:
            if self.nodes[r].owner != gid:
                ext[self.top_of(r)] = None
        fix = Node("fix", (), pos, gid, deps=tuple(ext), text=f"let rec {', '.join(names)}")
        group.fix = self._add(fix, None)
        group.closed = True
        return out

    # ------------------------------------------------------------ instructions
    def run(self, instrs: tuple, env: Env, call_label: Optional[str] = None) -> Env:
        """Compile a sequence of instructions; returns the scope after them."""
        for ins in instrs:
            if isinstance(ins, A.Let):
                env = self.let(ins.rec, ins.bindings, env, ins.pos)
            elif isinstance(ins, A.Check):
                self.check(ins, env, call_label)
            elif isinstance(ins, A.Enum):
                env = env.child({ins.name: TagSetV(frozenset(ins.tags))})
            elif isinstance(ins, A.Include):
                if ins.model is None:
                    if ins.path in VIRTUAL_INCLUDES:
                        continue
                    raise _err(f"include \"{ins.path}\" was not loaded (use load_model)", ins.pos)
                env = self.run(ins.model.instrs, env, call_label)
            elif isinstance(ins, A.Procedure):
                env = env.child({ins.name: ProcV(ins.pat, ins.body, env, ins.name)})
            elif isinstance(ins, A.Call):
                self.call(ins, env, call_label)
            elif isinstance(ins, A.IfVariantInstr):
                env = self.run(ins.then if self.cond(ins.cond) else ins.other, env, call_label)
            elif isinstance(ins, A.With):
                env = self.with_choice(ins, env)
            elif isinstance(ins, A.Unsupported):
                raise _err(f"'{ins.what}' is not supported", ins.pos)
        return env

    def with_choice(self, ins: A.With, env: Env) -> Env:
        """`with x from S`: herd tries every element of S; memcheck's engine has
        already chosen rf and co, so x is the element the execution realises
        (its rf/co edges within the pairs S ranges over), and an execution
        realising none of them is no execution of the model."""
        self.has_with = True
        src = self.as_node(self.expr(ins.expr, env), ins.pos)
        engine = tuple(self.mk("base", (), ins.pos, name) for name in ENGINE_RELATIONS)
        text = f"with {ins.name} from {A.expr_text(ins.expr)}"
        x = self._add(Node("with", (src,) + engine, ins.pos, ins.name, label=ins.name,
                           text=text), None)
        miss = self._add(Node("with-miss", (src, x), ins.pos, None, text=text), None)
        self.structural.append((miss, text, ins.pos))
        return env.child({ins.name: x})

    def call(self, ins: A.Call, env: Env, outer_label: Optional[str]) -> None:
        """Inline a procedure call (its bindings are dropped afterwards)."""
        proc = env.lookup(ins.name)
        if not isinstance(proc, ProcV):
            raise _err(f"unknown procedure '{ins.name}'", ins.pos)
        if self.depth >= MAX_INLINE_DEPTH:
            raise _err(f"recursion too deep in procedure '{ins.name}'", ins.pos)
        scope: dict = {}
        self.bind_pat(proc.pat, self.expr(ins.arg, env), scope, ins.pos, is_let=False)
        self.depth += 1
        try:
            self.run(proc.body, proc.env.child(scope), ins.label or outer_label)
        finally:
            self.depth -= 1

    def check(self, ins: A.Check, env: Env, call_label: Optional[str]) -> None:
        """Record a check; unnamed ones are named by the procedure call or their text."""
        k = self.as_node(self.expr(ins.expr, env), ins.pos)
        name = ins.name or call_label or A.expr_text(ins.expr)
        self.checks.append((ins, k, name))

    # ------------------------------------------------------------ analysis
    def consistency(self, env: Env, pos: A.Pos) -> None:
        """When the model builds rf or co itself (with `with`), they must be the
        engine's: otherwise the engine's execution is not one of the model's."""
        if not self.has_with:
            return
        for name, parts in (("co", ("co", "lock-co")), ("rf", ("rf", "lock-rf"))):
            mine = env.lookup(name)
            mine = mine if isinstance(mine, int) else self.mk("base", (), pos, name)
            full = self.mk("union", tuple(self.mk("base", (), pos, p) for p in parts), pos)
            if mine == full:
                continue
            # once checked equal to the engine's (first, as no-execution checks
            # are), the model's relation explains absences as the engine's does
            self.complete[mine] = name
            # edges of the model's not chosen by the engine (explained by the
            # engine edge excluding them), then edges chosen but not built
            for extra in (self.mk("diff", (mine, full), pos), self.mk("diff", (full, mine), pos)):
                self.structural.append((extra, f"{name} as the model builds it", pos))

    def finish(self) -> Program:
        """Compute dynamic/monotone flags and build the Program (the checks
        that an execution is one of the model's first)."""
        nodes, groups = self.nodes, self.groups
        complete = complete_relations(nodes, self.complete)
        self._flags(nodes, groups, complete)
        checks = [CheckSpec("empty", False, k, name, False, pos, nodes[k].mono, structural=True)
                  for k, name, pos in self.structural]
        for ins, k, name in self.checks:
            nd = nodes[k]
            mono = (not nd.dyn) or (nd.mono and not ins.negated)
            checks.append(CheckSpec(ins.kind, ins.negated, k, name, ins.flag or ins.asserted, ins.pos,
                                    mono, asserted=ins.asserted))
        return Program(nodes, groups, checks, self.empty_default, self.model.title, complete)

    @staticmethod
    def _flags(nodes: list[Node], groups: list[Group], complete: dict[int, str]) -> None:
        """Set Node.dyn (depends on rf/co/values) and Node.mono (monotone in rf/co),
        iterating because let-rec placeholders take their group's flags."""
        gdyn = [False] * len(groups)
        gmono = [True] * len(groups)
        changed = True
        while changed:
            changed = False
            for nd in nodes:
                if nd.kind == "base":
                    dyn, mono = nd.data in DYNAMIC, True
                elif nd.kind == "ph":
                    gid = nd.data[0]
                    dyn, mono = gdyn[gid], gmono[gid]
                elif nd.kind == "different-values":
                    dyn, mono = True, False
                elif nd.kind in ("with", "with-miss"):
                    dyn, mono = True, True   # explained by explain.py (or refuted whole)
                else:
                    dyn = any(nodes[a].dyn for a in nd.args + nd.deps)
                    if nd.kind == "fix":
                        g = groups[nd.data]
                        dyn = dyn or any(nodes[k].dyn for k in g.body)
                        mono = all(nodes[k].mono for k in g.body + g.results) and not (
                            dyn and g.nested)
                    elif nd.kind == "diff":
                        mono = nodes[nd.args[0]].mono and (not nodes[nd.args[1]].dyn
                                                           or absence_kind(nodes, complete,
                                                                           nd.args[1]) is not None)
                    elif nd.kind == "comp":
                        mono = not nodes[nd.args[0]].dyn
                    elif nd.kind == "interp":
                        mono = not dyn
                    else:
                        mono = all(nodes[a].mono for a in nd.args)
                if nd.kind == "fix":
                    gid = nd.data
                    if gdyn[gid] != dyn or gmono[gid] != mono:
                        gdyn[gid], gmono[gid] = dyn, mono
                        changed = True
                if nd.dyn != dyn or nd.mono != mono:
                    nd.dyn, nd.mono = dyn, mono
                    changed = True


def _prelude_model() -> A.Model:
    """The parsed prelude (see prelude.py)."""
    return parse_cat(PRELUDE, PRELUDE_SOURCE)


def compile_model(model: A.Model, variants: frozenset[str] = frozenset()) -> Program:
    """Compile `model` (includes already loaded) under the given variants."""
    comp = Compiler(model, frozenset(variants))
    root = Env({name: Builtin(name) for name in PRIMITIVES})
    env = comp.run(_prelude_model().instrs, root)
    env = comp.run(model.instrs, env)
    comp.consistency(env, A.Pos(0, 0, model.source))
    return comp.finish()


_RUNTIME_CAPABLE = (A.App, A.Binop, A.ExplicitSet, A.Match)


def absence_kind(nodes: list[Node], complete: dict[int, str], k: int):
    """How an edge's absence from node k is explained by engine edges: "rf"
    or "co" (k is complete), "co;co" (k is `co ; co` of a complete co, as in
    herd's singlestep), or None (it cannot be)."""
    if k in complete:
        return complete[k]
    nd = nodes[k]
    if nd.kind == "seq" and nd.data == "rr" and all(complete.get(a) == "co" for a in nd.args):
        return "co;co"
    if nd.kind in ("domain", "range") and nd.args[0] in complete:
        return nd.kind
    return None


def complete_relations(nodes: list[Node], known: dict[int, str]) -> dict[int, str]:
    """Nodes holding every rf (resp. co) edge the engine chose: what is not in
    them is excluded by an edge that is (a read's one source; the opposite
    co edge), so `r \\ rf` or `r \\ co` can be explained by edges alone."""
    out: dict[int, str] = dict(known)
    for k, nd in enumerate(nodes):
        if nd.kind == "base" and nd.data in ENGINE_RELATIONS:
            out[k] = "rf" if nd.data in ("rf", "lock-rf") else "co"
            continue
        if nd.kind != "union" or len(nd.args) != 2:
            continue
        names = {nodes[a].data for a in nd.args if nodes[a].kind == "base"}
        for which, parts in (("rf", {"rf", "lock-rf"}), ("co", {"co", "lock-co"})):
            if names == parts:
                out[k] = which
    return out


def to_runtime(v: CVal, it):
    """A compile-time value as the interpreter sees it (a node's value is
    read from the interpreter's slots)."""
    from . import interp as I
    from . import values as VAL
    if isinstance(v, int):
        return it.v[v]
    if isinstance(v, TagV):
        return v
    if isinstance(v, TagSetV):
        return VAL.ValSet(frozenset(VAL.TagV(t) for t in v.names))
    if isinstance(v, TupleV):
        return VAL.TupleV(tuple(to_runtime(x, it) for x in v.items))
    if isinstance(v, Closure):
        return I.RClosure(v.pat, v.body, I.Scope({}, None, v.env), v.name)
    if isinstance(v, Builtin):
        return I.RBuiltin(v.name, I.RUNTIME_PRIMITIVES[v.name])
    raise O_CatTypeError(f"a procedure is not a value")


def _pat_names(p: A.Pattern) -> frozenset:
    if isinstance(p, A.PVar):
        return frozenset({p.name}) if p.name else frozenset()
    return frozenset(n for n in p.names if n)


def _children(e) -> list:
    """Sub-expressions of e (for free-name analysis)."""
    if isinstance(e, (A.Unop,)):
        return [e.expr]
    if isinstance(e, A.Binop):
        return [e.left, e.right]
    if isinstance(e, A.App):
        return [e.func, e.arg]
    if isinstance(e, (A.ExplicitSet, A.Tuple)):
        return list(e.elems)
    if isinstance(e, A.Try):
        return [e.expr, e.default]
    return []
