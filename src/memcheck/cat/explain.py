"""Explain a failed check: a labelled witness (cycle, loop path or pair) and
a set of rf/co edges that, with the static part, suffice for the failure.

Facts come from a derivation of each witness edge through the compiled DAG:
union keeps one operand holding the edge, intersection all, difference and
filters the left side, sequences a middle event, closures a path, and a
`let rec` the first iteration where the edge appeared (well-founded).
Asked to, a closure's edge becomes a fact of its own, ('path', node, a, b),
with a derivation of each step of the path (`Step`): the engine turns those
into reachability literals, so one refutation covers every path.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from . import ops as O
from . import relation as R
from . import values as VAL
from .compile import absence_kind
from .execution import Execution, Explanation, PathFact, Step
from .program import DYNAMIC, CheckSpec, Program, Violation, engine_relation

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator

Item = tuple  # (a,) for set membership, (a, b) for a relation edge
Ctx = tuple   # ((group id, iteration), ...) sorted


class Deriver:
    """Derivations over the values of one evaluated execution."""

    def __init__(self, prog: Program, choice: dict[int, int], vals: list,
                 traces: dict[int, list[dict]], closures: bool = False):
        self.prog = prog
        self.closures = closures  # closure edges as ('path', node, a, b) facts
        self.steps: dict[tuple[int, int, int], frozenset] = {}
        self.paths: dict[tuple[int, int, int], tuple[int, tuple[tuple[int, int], ...]]] = {}
        self.nodes = prog.nodes
        self.choice = choice
        self.vals = vals
        self.traces = traces
        self.facts: set[tuple[str, int, int]] = set()
        self.done: set[tuple] = set()
        self.opaque = False   # a derivation went through something opaque

    # ------------------------------------------------------------ values in a context
    def _group(self, k: int) -> Optional[int]:
        nd = self.nodes[k]
        return nd.data[0] if nd.kind == "ph" else nd.owner

    def val(self, k: int, ctx: Ctx):
        """Value of slot k in iteration context ctx."""
        g = self._group(k)
        if g is not None:
            for gid, step in ctx:
                if gid == g:
                    return self.traces[g][step].get(k, self.vals[k])
        return self.vals[k]

    def enter(self, k: int, item: Item, ctx: Ctx) -> Ctx:
        """ctx extended, when k belongs to a traced group not yet in ctx, with
        the first iteration whose value of k holds item."""
        g = self._group(k)
        if g is None or g not in self.traces or any(gid == g for gid, _ in ctx):
            return ctx
        for step, snap in enumerate(self.traces[g]):
            if O.contains(snap.get(k, self.vals[k]), item):
                return tuple(sorted(ctx + ((g, step),)))
        return ctx

    def holder(self, args, item: Item, ctx: Ctx) -> Optional[int]:
        """An operand whose value holds item, preferring static ones."""
        found = None
        for a in args:
            if O.contains(self.val(a, ctx), item):
                if not self.nodes[a].dyn:
                    return a
                if found is None:
                    found = a
        return found

    def chain(self, k: int, a: int, b: int, ctx: Ctx) -> list[tuple]:
        """Pieces of a derivation of (a, b) through sequence node k, as
        (mode, slot, x, y): an edge x -> y of the operand (x == y for a filter
        or the identity part of `X?`/`X*`)."""
        nd = self.nodes[k]
        ops = list(zip(nd.data, nd.args))
        front = [1 << a]
        for mode, slot in ops:
            cur = front[-1]
            x = self.val(slot, ctx)
            if mode == "f":
                nxt = cur & x if type(x) is int else 0
            else:
                nxt = 0
                if type(x) is not int:
                    for i in R.bits(cur):
                        nxt |= x[i]
                if mode in "os":
                    nxt |= cur
            front.append(nxt)
        if not (front[-1] >> b) & 1:
            return []
        pieces = []
        cur = b
        for i in range(len(ops) - 1, -1, -1):
            mode, slot = ops[i]
            prev = front[i]
            if mode == "f" or (mode in "os" and (prev >> cur) & 1):
                pieces.append((mode, slot, cur, cur))
                continue
            x = self.val(slot, ctx)
            p = next(p for p in R.bits(prev) if (x[p] >> cur) & 1)
            pieces.append((mode, slot, p, cur))
            cur = p
        pieces.reverse()
        return pieces

    # ------------------------------------------------------------ facts
    def derive(self, k: int, item: Item, ctx: Ctx = ()) -> None:
        """Add to self.facts rf/co edges from which node k's value holds item."""
        nd = self.nodes[k]
        if not nd.dyn:
            return
        ctx = self.enter(k, item, ctx)
        key = (k, item, ctx)
        if key in self.done:
            return
        self.done.add(key)
        kind, args = nd.kind, nd.args
        if kind == "base":
            if nd.data in DYNAMIC and len(item) == 2:
                self.facts.add((engine_relation(nd.data), item[0], item[1]))
        elif kind == "try":
            self.derive(self.choice[k], item, ctx)
        elif kind == "union":
            a = self.holder(args, item, ctx)
            if a is not None:
                self.derive(a, item, ctx)
        elif kind == "inter":
            for m, a in zip(nd.data or "r" * len(args), args):
                self.derive(a, item if m == "r" else (item[1], item[0]), ctx)
        elif kind in ("diff", "different-values"):
            self.derive(args[0], item, ctx)
            which = absence_kind(self.nodes, self.prog.complete, args[1]) if kind == "diff" else None
            if which is not None:
                self._absent(which, args[1], item, ctx)
        elif kind == "seq":
            for mode, slot, x, y in self.chain(k, item[0], item[1], ctx):
                if mode == "f":
                    self.derive(slot, (x,), ctx)
                elif mode == "r" or x != y:
                    self.derive(slot, (x, y), ctx)
        elif kind == "prod":
            self.derive(args[0], (item[0],), ctx)
            self.derive(args[1], (item[1],), ctx)
        elif kind in ("plus", "star", "opt"):
            a, b = item
            if kind != "plus" and a == b:
                return
            if kind == "opt":
                self.derive(args[0], item, ctx)
                return
            if self.closures and not ctx and self._abstract(k, a, b):
                return
            for x, y in self._path(args[0], a, b, ctx):
                self.derive(args[0], (x, y), ctx)
        elif kind == "inv":
            self.derive(args[0], (item[1], item[0]), ctx)
        elif kind == "toid":
            self.derive(args[0], (item[0],), ctx)
        elif kind in ("domain", "range"):
            r = self.val(args[0], ctx)
            if type(r) is int:
                return
            a = item[0]
            if kind == "domain":
                other = next(R.bits(r[a]), None)
                if other is not None:
                    self.derive(args[0], (a, other), ctx)
            else:
                other = next((i for i, row in enumerate(r) if (row >> a) & 1), None)
                if other is not None:
                    self.derive(args[0], (other, a), ctx)
        elif kind == "with":   # the engine relation holding the edge
            a = self.holder(args[1:], item, ctx)
            if a is not None:
                self.derive(a, item, ctx)
        elif kind == "with-miss":
            self._derive_miss(args[0], args[1], ctx)
        elif kind == "interp":
            self.opaque = True
        elif kind == "ph":
            self._derive_ph(k, item, ctx)

    def _abstract(self, k: int, a: int, b: int) -> bool:
        """(a, b) of closure node k as one fact, each step of its path derived
        apart (`self.steps`); False when k is recomputed by a `let rec` or a
        step's derivation is opaque (then the path is derived inline)."""
        nd = self.nodes[k]
        arg = nd.args[0]
        if nd.owner is not None or nd.ph or self._group(arg) is not None:
            return False
        path = self._path(arg, a, b, ())
        if not path or not self.apart(k, arg, path):
            return False
        self.paths[(k, a, b)] = (arg, tuple(path))
        self.facts.add(("path", k, a, b))
        return True

    def apart(self, k: int, rel: int, edges: list[tuple[int, int]]) -> bool:
        """Derive each edge of node `rel` on its own, into self.steps under
        key (k, x, y); False (nothing kept) when one is opaque."""
        saved = self.facts, self.done, self.opaque
        found: dict[tuple[int, int, int], frozenset] = {}
        ok = True
        for x, y in edges:
            key = (k, x, y)
            if key in self.steps or key in found:
                continue
            self.facts, self.done, self.opaque = set(), set(), False
            self.derive(rel, (x, y))
            if self.opaque:
                ok = False
                break
            found[key] = frozenset(self.facts)
        self.facts, self.done, self.opaque = saved
        if ok:
            self.steps.update(found)
        return ok

    def _derive_miss(self, src: int, chosen: int, ctx: Ctx) -> None:
        """Why the engine's choice is none of the alternatives of a `with`:
        an edge some order must extend and the choice reverses, or every
        engine edge deciding a part of static alternatives."""
        S, x = self.val(src, ctx), self.val(chosen, ctx)
        n = len(x) if type(x) is tuple else 0
        parts = S.parts if isinstance(S, VAL.Cross) else (S,)
        for part in parts:
            if isinstance(part, VAL.LinSet):
                mine = R.inter(x, part.frame(n))
                if part.contains(mine, n):
                    continue
                missing = part.missing(mine, n)
                if missing and part.pco_node >= 0:
                    a, b = missing[0]
                    self.derive(part.pco_node, (a, b), ctx)
                    if a != b:
                        self.derive(chosen, (b, a), ctx)
                    return
                break
            if isinstance(part, VAL.ValSet) and not self.nodes[src].dyn:
                frame = VAL.frame_of(part, n)
                if VAL.member(part, R.inter(x, frame), n):
                    continue
                for a, b in R.pairs(frame):
                    if (x[a] >> b) & 1:
                        self.derive(chosen, (a, b), ctx)
                    else:
                        for e in self.nodes[chosen].args[1:]:
                            self._absent(self.prog.complete.get(e, "co"), e, (a, b), ctx)
                return
            break
        self.opaque = True

    def _absent(self, which: str, k: int, item: Item, ctx: Ctx) -> None:
        """The engine edge excluding edge `item` from node k, which holds all
        of the engine's rf (or co) edges: the read's actual source, or the
        opposite co edge."""
        if which in ("domain", "range"):   # of a complete relation: no edge at all
            a = item[0]
            rel = self.nodes[k].args[0]
            r = self.val(rel, ctx)
            if type(r) is int:
                return
            kind = self.prog.complete[rel]
            for c in range(len(r)):
                self._absent(kind, rel, (a, c) if which == "domain" else (c, a), ctx)
            return
        a, b = item
        if which == "co;co":   # no c with a -co-> c -co-> b: for each c, one edge is absent
            first, second = self.nodes[k].args
            co1, co2 = self.val(first, ctx), self.val(second, ctx)
            if type(co1) is int or type(co2) is int:
                return
            for c in range(len(co1)):
                if c in (a, b):
                    continue
                if not (co1[a] >> c) & 1:
                    self._absent("co", first, (a, c), ctx)
                else:
                    self._absent("co", second, (c, b), ctx)
            return
        full = self.val(k, ctx)
        if type(full) is int:
            return
        if which == "rf":
            src = next((w for w, row in enumerate(full) if (row >> b) & 1), None)
            if src is not None and src != a:
                self.facts.add(("rf", src, b))
        elif a != b and (full[b] >> a) & 1:
            self.facts.add(("co", b, a))

    def _derive_ph(self, k: int, item: Item, ctx: Ctx) -> None:
        """A placeholder holds the previous iteration's result: derive item from
        the first earlier iteration whose result holds it."""
        gid, i = self.nodes[k].data
        res = self.prog.groups[gid].results[i]
        if self._group(res) != gid:
            self.derive(res, item, ctx)
            return
        step = next((s for g, s in ctx if g == gid), None)
        if step is None:
            return
        trace = self.traces[gid]
        for s in range(step):
            if O.contains(trace[s].get(res, self.vals[res]), item):
                inner = tuple(sorted((g, x) for g, x in ctx if g != gid)) + ((gid, s),)
                self.derive(res, item, tuple(sorted(inner)))
                return

    def _path(self, k: int, a: int, b: int, ctx: Ctx) -> list[tuple[int, int]]:
        """Edges of a shortest path a -> b in node k's relation."""
        r = self.val(k, ctx)
        if type(r) is int:
            return []
        path = R.find_path(r, a, b)
        return list(zip(path, path[1:])) if path else []

    # ------------------------------------------------------------ labels
    def name(self, k: int) -> str:
        """The let-name of node k, or its expression text."""
        nd = self.nodes[k]
        return nd.label or nd.text

    def refine(self, k: int, item: Item, ctx: Ctx) -> str:
        """The most specific name of a union chain under k that holds item."""
        while True:
            nd = self.nodes[k]
            if nd.kind == "try":
                k = self.choice[k]
                continue
            if nd.kind != "union":
                break
            ctx = self.enter(k, item, ctx)
            sub = self.holder(nd.args, item, ctx)
            if sub is None:
                break
            sn = self.nodes[sub]
            if not sn.label and sn.kind not in ("union", "try"):
                break
            k = sub
        return self.name(k)

    def whole(self, k: int) -> str:
        """Label for an edge of an intersection/difference: its left operand's name."""
        while not self.nodes[k].label and self.nodes[k].kind in ("inter", "diff"):
            nd = self.nodes[k]
            if nd.kind == "inter" and nd.data[0] == "i":
                return self.name(nd.args[0]) + "^-1"
            k = nd.args[0]
        return self.name(k)

    def segments(self, k: int, a: int, b: int, ctx: Ctx = (), top: bool = False
                 ) -> list[tuple[int, int, str]]:
        """Labelled edges along a derivation of (a, b) in node k, split at the
        first named sub-relations (top: split k itself even when named)."""
        nd = self.nodes[k]
        ctx = self.enter(k, (a, b), ctx)
        if nd.label and not top:
            return [(a, b, self.refine(k, (a, b), ctx))]
        kind, args = nd.kind, nd.args
        if kind in ("union", "try"):
            sub = self.choice[k] if kind == "try" else self.holder(args, (a, b), ctx)
            if sub is not None:
                return self.segments(sub, a, b, ctx)
        elif kind == "seq":
            out = []
            for mode, slot, x, y in self.chain(k, a, b, ctx):
                if mode == "f" or (mode != "r" and x == y):
                    continue
                if mode == "s":
                    slot = self.nodes[slot].args[0]
                    for u, w in self._path(slot, x, y, ctx):
                        out.extend(self.segments(slot, u, w, ctx))
                else:
                    out.extend(self.segments(slot, x, y, ctx))
            return out
        elif kind in ("plus", "star"):
            if kind == "star" and a == b:
                return []
            out = []
            for x, y in self._path(args[0], a, b, ctx):
                out.extend(self.segments(args[0], x, y, ctx))
            return out
        elif kind == "opt":
            return [] if a == b else self.segments(args[0], a, b, ctx)
        elif kind in ("inter", "diff"):
            return [(a, b, self.whole(k))]
        elif kind == "inv":
            return [(a, b, self.name(args[0]) + "^-1")]
        return [(a, b, self.name(k))]


def _witness(spec: CheckSpec, value) -> list[Item]:
    """The items (edges or events) showing that check `spec` fails on value."""
    if type(value) is int:
        return [(i,) for i in R.bits(value)][:1]
    if spec.kind == "acyclic":
        cyc = R.find_cycle(value) or []
        return [(x, cyc[(i + 1) % len(cyc)]) for i, x in enumerate(cyc)]
    if spec.kind == "irreflexive":
        return [(i, i) for i, row in enumerate(value) if (row >> i) & 1][:1]
    return R.pairs(value)[:1]


def explain_check(ev: "Evaluator", ex: "Execution", violation: Violation,
                  closures: bool = False, known: Optional[list] = None) -> "Explanation":
    """Explanation of `violation` on ex (empty for negated checks, which fail
    for lack of edges); with `closures`, closure edges as path facts;
    `known`: the values of the check that found `violation`."""
    specs = [s for s in ev.program.checks if not s.flag and s.violation == violation]
    if not specs:
        raise ValueError(f"no check of the model is named {violation.name!r}")
    for spec in specs:
        traces: dict[int, list[dict]] = {}
        st, vals = ev.values_for(ex, spec, traces, known)
        value = vals[spec.node]
        if spec.negated or O.TESTS[spec.kind](value):
            continue
        d = Deriver(ev.program, st.choice, vals, traces, closures)
        items = _witness(spec, value)
        for item in items:
            d.derive(spec.node, item)
        if spec.kind == "empty":
            a, b = (items[0][0], items[0][0]) if len(items[0]) == 1 else items[0]
            edges = [(a, b, spec.name)]
        else:
            edges = []
            for a, b in items:
                segs = d.segments(spec.node, a, b, top=True)
                edges.extend(segs or [(a, b, d.name(spec.node))])
        steps = tuple(Step(k, a, b, f) for (k, a, b), f in d.steps.items())
        paths = tuple(PathFact(k, a, b, p, rel) for (k, a, b), (rel, p) in d.paths.items())
        return Explanation(edges, frozenset(d.facts), d.opaque, steps, paths)
    return Explanation([], frozenset())


def evaluated(ev: "Evaluator", ex: "Execution", violation: Violation) -> tuple:
    """ex's values up to `violation`'s check, with its let-rec traces (what
    step_facts derives from)."""
    spec = [s for s in ev.program.checks if not s.flag and s.violation == violation][-1]
    traces: dict[int, list[dict]] = {}
    st, vals = ev.values_for(ex, spec, traces)
    return st, vals, traces


def step_facts(ev: "Evaluator", values: tuple, arg: int,
               pairs: list[tuple[int, int]]) -> list[Optional[frozenset]]:
    """For each (x, y), the facts deriving it as an edge of node `arg`'s
    relation, on an execution's `values` (`evaluated`); None when that
    relation lacks the edge or its derivation is opaque."""
    st, vals, traces = values
    rel = vals[arg]
    out: list[Optional[frozenset]] = []
    for x, y in pairs:
        if type(rel) is int or not (rel[x] >> y) & 1:
            out.append(None)
            continue
        d = Deriver(ev.program, st.choice, vals, traces)
        d.derive(arg, (x, y))
        out.append(None if d.opaque else frozenset(d.facts))
    return out
