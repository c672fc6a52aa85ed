"""Specialise a compiled Program to the static part of an execution.

For one static key (same events, sets and non-rf/co relations) this resolves
`try` choices, evaluates every node that does not depend on rf/co, finds the
dynamic nodes that are empty whatever rf/co are, and lays out, per check, the
list of (slot, function) steps left to run for each candidate execution.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from ..errors import MemcheckError
from . import ops as O
from . import relation as R
from . import values as VAL
from .interp import Interpreter, Scope, frame_guard
from .program import DYNAMIC, CheckSpec, Group, Node, Program

NodeFn = Callable[[list, object], object]
MEMO_SIZE = 256  # results an `interp` node keeps per static key
Step = tuple[int, NodeFn]
# node kinds whose function depends on the static key (the `try` branch, the
# let-rec group's steps, memos, frames): the others', for a node evaluated
# statically, is the same for every key and kept with the program
KEYED = frozenset({"try", "fix", "interp", "with"})
# one-operand node kinds: the operation, and whether it takes the event count first
UNARY: dict[str, tuple[Callable, bool]] = {
    "plus": (O.plus, False), "inv": (O.inverse, False), "domain": (O.domain, False),
    "range": (O.range_, False), "star": (O.star, True), "opt": (O.opt, True),
    "comp": (O.complement, True), "toid": (O.toid, True),
    "different-values": (O.different_values, False)}


@dataclass
class PlanEntry:
    """The steps that must run before `spec` can be tested, and its result
    when it does not depend on rf/co (`fixed`, already negation-adjusted)."""

    steps: tuple[Step, ...]
    spec: CheckSpec
    test: Callable[[object], bool]
    fixed: Optional[bool]


@dataclass
class State:
    """Everything computed once per static key."""

    vals: list
    plan: list[PlanEntry]
    choice: dict[int, int]
    empty: bytearray                       # 1: node known empty for every rf/co
    planner: "Planner"


def _err(msg: str, nd: Node) -> MemcheckError:
    return MemcheckError(msg, nd.pos.file, nd.pos.line, nd.pos.col)


class Planner:
    """Builds the `State` of one static key (see module doc)."""

    def __init__(self, prog: Program, ex) -> None:
        self.prog = prog
        self.nodes = prog.nodes
        self.ex = ex
        self.choice: dict[int, int] = {}
        self.fns: dict[int, NodeFn] = {}
        self.group_steps: dict[int, list[Step]] = {}
        self.with_frames: dict = {}   # the pairs each `with` ranges over, per static key

    # ------------------------------------------------------------ analysis
    def _fails(self) -> None:
        """Which nodes read a base name this execution lacks; choose `try`
        branches; the nodes the checks need, and the static ones among them
        (the same for every execution naming the same sets and relations:
        kept with the program)."""
        ex = self.ex
        names = self.names = (frozenset(ex.sets), frozenset(ex.rels))
        cache = self.prog.fails_cache
        hit = cache.get(names)
        if hit is not None:
            self.fails, choice, self.need_any, self.static_needed, self.static_order = hit
            self.choice = dict(choice)
            return
        self._compute_fails()
        self.need_any = self._need([spec.node for spec in self.prog.checks])
        self.static_needed = tuple(k for k, nd in enumerate(self.nodes)
                                   if self.need_any[k] and not nd.dyn and nd.kind != "fix")
        # evaluated in this order (a let-rec group's body by its fix node)
        self.static_order = tuple(k for k, nd in enumerate(self.nodes)
                                  if self.need_any[k] and not nd.dyn and nd.owner is None)
        if len(cache) < 256:
            cache[names] = (self.fails, dict(self.choice), self.need_any, self.static_needed,
                            self.static_order)

    def _compute_fails(self) -> None:
        nodes, ex = self.nodes, self.ex
        fails = [False] * len(nodes)
        known = self.prog.empty_default
        for k, nd in enumerate(nodes):
            kind = nd.kind
            if kind == "base":
                name = nd.data
                fails[k] = not (name in ex.sets or name in ex.rels or
                                (name in known and name not in DYNAMIC))
            elif kind == "try":
                a, b = nd.args
                fails[k] = fails[a] and fails[b]
                self.choice[k] = b if fails[a] else a
            elif kind == "fix":
                fails[k] = any(fails[d] for d in nd.deps)
            else:
                fails[k] = any(fails[a] for a in nd.args)
        self.fails = fails

    def _chain(self, k: int) -> list[int]:
        """k and the fix nodes that compute it, outwards."""
        out = [k]
        owner = self.nodes[k].owner
        while owner is not None:
            fix = self.prog.groups[owner].fix
            out.append(fix)
            owner = self.nodes[fix].owner
        return out

    def _need(self, roots) -> bytearray:
        """Nodes the checks at `roots` read (an error if one of them is undefined)."""
        nodes, groups = self.nodes, self.prog.groups
        need = bytearray(len(nodes))
        stack = [x for root in roots for x in self._chain(root)]
        while stack:
            k = stack.pop()
            if need[k]:
                continue
            need[k] = 1
            nd = nodes[k]
            if nd.kind == "try":
                stack.extend(self._chain(self.choice[k]))
                continue
            if nd.kind == "base" and self.fails[k]:
                raise _err(f"unknown set or relation '{nd.data}'", nd)
            if nd.kind == "fix":   # what the results need, not every body node
                for r in groups[nd.data].results:
                    stack.extend(self._chain(r))
                continue
            stack.extend(nd.args)
            stack.extend(nd.deps)
        return need

    def _live_need(self, root: int) -> list[int]:
        """Dynamic, not known-empty nodes that check `root` needs evaluated
        (with the static ones they read), in evaluation order."""
        nodes, groups, empty = self.nodes, self.prog.groups, self.empty
        seen: set[int] = set()
        stack = list(self._chain(root))
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            seen.add(k)
            nd = nodes[k]
            if not nd.dyn or empty[k]:
                continue
            if nd.kind == "try":
                stack.extend(self._chain(self.choice[k]))
                continue
            if nd.kind == "fix":
                for r in groups[nd.data].results:
                    stack.extend(self._chain(r))
                continue
            stack.extend(nd.args)
            stack.extend(nd.deps)
        return sorted(seen)

    # ------------------------------------------------------------ node functions
    def fn(self, k: int) -> NodeFn:
        """The function computing slot k from the values list and execution."""
        f = self.fns.get(k)
        if f is None:
            f = self.fns[k] = self._make(k)
        return f

    def _make(self, k: int) -> NodeFn:
        """Build the function of node k (known-empty operands of unions skipped)."""
        nd = self.nodes[k]
        kind, args = nd.kind, nd.args
        if kind == "base":
            name = nd.data
            if name in DYNAMIC:
                return lambda v, ex: ex.rels[name]

            def base(v, ex):
                x = ex.sets.get(name)
                if x is not None:
                    return x
                x = ex.rels.get(name)
                return tuple(x) if x is not None else 0
            return base
        if kind == "const0":
            return lambda v, ex: 0
        if kind == "univ":
            return lambda v, ex: (1 << ex.n) - 1
        if kind == "try":
            c = self.choice[k]
            return lambda v, ex: v[c]
        if kind == "union":
            live = [a for a in args if not self.empty[a]]
            if len(live) == 1:
                a0 = live[0]
                return lambda v, ex: v[a0]
            union = O.union
            if len(live) == 2:
                a0, a1 = live
                return lambda v, ex: union(v[a0], v[a1])
            first, rest = live[0], live[1:]

            def nary(v, ex):
                acc = v[first]
                for a in rest:
                    acc = union(acc, v[a])
                return acc
            return nary
        if kind == "inter":
            rels = tuple(a for m, a in zip(nd.data, args) if m == "r")
            invs = tuple(a for m, a in zip(nd.data, args) if m == "i")
            if not invs and len(rels) == 2:
                a0, a1 = rels
                return lambda v, ex: O.inter(v[a0], v[a1])
            return lambda v, ex: O.inter_modes(v, rels, invs)
        if kind == "seq":
            if nd.data == "rr":
                a0, a1 = args
                return lambda v, ex: O.seq(v[a0], v[a1])
            # a dynamic chain runs for every candidate: its static filters' row masks once
            vals, n, dyn = self.vals, self.ex.n, nd.dyn
            chain = tuple((m, a, R.row_mask(n, vals[a]) if dyn and m == "f" and not self.nodes[a].dyn
                           and type(vals[a]) is int else None)
                          for m, a in zip(nd.data, args))
            return lambda v, ex: O.seq_chain(ex.n, v, chain)
        if kind == "diff":
            a0, a1 = args
            return lambda v, ex: O.diff(v[a0], v[a1])
        if kind == "prod":
            a0, a1 = args
            return lambda v, ex: O.product(ex.n, v[a0], v[a1])
        unary = UNARY.get(kind)
        if unary is not None:
            a0, (op, sized) = args[0], unary
            if kind == "different-values":
                return lambda v, ex: op(ex.values, v[a0])
            if sized:
                return lambda v, ex: op(ex.n, v[a0])
            return lambda v, ex: op(v[a0])
        if kind == "fix":
            return self.fix_fn(nd.data)
        if kind == "interp":
            expr, env, bases, variants, convert = nd.data

            deps = nd.args
            memo: dict = {}   # per static key: the result for the slot values it read

            def interp(v, ex):
                # herd's library functions (cross.cat's recursive `cross`)
                # enumerate; the same inputs recur across candidates
                try:
                    key = tuple(v[a] for a in deps)
                    hit = memo.get(key)
                except TypeError:   # an unhashable value: evaluate every time
                    key, hit = None, None
                if hit is not None:
                    return hit
                it = Interpreter(v, ex, variants, bases, convert, deps)
                out = it.eval(expr, Scope({}, None, env))
                if key is not None and not it.used_values and len(memo) < MEMO_SIZE:
                    memo[key] = out
                return out
            return interp
        if kind == "with":
            src, engine = args[0], args[1:]
            frames = self.with_frames

            def choose(v, ex):
                # the pairs the alternatives order, either way: fixed by the
                # static part even when which way an alternative may order
                # them is not (herd's co0 puts the final writes, which the
                # engine's co decides, last)
                frame = VAL.frame_of(v[src], ex.n)
                frame = R.union(frame, R.inverse(frame))
                frame_guard(frames, k, frame)
                acc = frame
                chosen = R.empty(ex.n)
                for a in engine:
                    x = v[a]
                    if type(x) is not int:
                        chosen = R.union(chosen, x)
                return R.inter(chosen, acc)
            return choose
        if kind == "with-miss":
            src, x = args
            return lambda v, ex: 0 if VAL.member(v[src], v[x], ex.n) else (1 << ex.n) - 1
        raise _err(f"internal: cannot evaluate node kind {kind}", nd)  # pragma: no cover

    def body_steps(self, gid: int) -> list[Step]:
        """The steps of one iteration of group gid (known-empty nodes skipped)."""
        steps = self.group_steps.get(gid)
        if steps is None:
            g = self.prog.groups[gid]
            steps = [(k, self.fn(k)) for k in g.body if self.need_any[k] and not self.empty[k]]
            self.group_steps[gid] = steps
        return steps

    def fix_fn(self, gid: int, trace: Optional[list] = None) -> NodeFn:
        """The function iterating group gid to its fixpoint (Gauss-Seidel, as herd);
        with `trace`, appends each iteration's values of the group's nodes."""
        g: Group = self.prog.groups[gid]
        steps = self.body_steps(gid)
        phs = tuple(g.placeholders)
        pairs = tuple(zip(g.placeholders, g.results))
        watched = tuple(g.placeholders) + tuple(k for k, _ in steps)
        same = O.same

        def fix(v, ex):
            for p in phs:
                v[p] = 0
            limit = len(pairs) * ex.n * ex.n + 3
            for _ in range(limit):
                for k, f in steps:
                    v[k] = f(v, ex)
                if trace is not None:
                    trace.append({k: v[k] for k in watched})
                stable = True
                for p, r in pairs:
                    if not same(v[p], v[r]):
                        stable = False
                        break
                if stable:
                    return None
                for p, r in pairs:
                    v[p] = v[r]
            raise O.CatTypeError("'let rec' did not reach a fixpoint")
        return fix

    # ------------------------------------------------------------ empties
    def _static_empties(self, vals: list) -> bytes:
        """The needed static nodes whose value is empty."""
        is_empty = O.is_emptyval
        out = bytearray(len(self.nodes))
        for k in self.static_needed:
            x = vals[k]
            if x is not None and is_empty(x):
                out[k] = 1
        return bytes(out)

    def _empties(self, static: bytes) -> bytearray:
        """Nodes empty whatever rf/co are, given the static ones that are
        (`static`; let-rec groups assumed empty until their results are
        shown non-empty)."""
        nodes, groups = self.nodes, self.prog.groups
        need = self.need_any
        empty = bytearray(static)
        nonempty: set[int] = set()
        while True:
            for k, nd in enumerate(nodes):
                if not need[k] or not nd.dyn:
                    continue
                kind, args = nd.kind, nd.args
                if kind in ("union", "fix"):
                    src = groups[nd.data].results if kind == "fix" else args
                    e = all(empty[a] for a in src)
                elif kind in ("inter", "prod"):
                    e = any(empty[a] for a in args)
                elif kind == "seq":
                    e = any(empty[a] for m, a in zip(nd.data, args) if m in "rf")
                elif kind in ("diff", "plus", "inv", "domain", "range", "toid",
                              "different-values"):
                    e = bool(empty[args[0]])
                elif kind == "try":
                    e = bool(empty[self.choice[k]])
                elif kind == "ph":
                    e = nd.data[0] not in nonempty
                elif kind == "const0":
                    e = True
                else:
                    e = False
                empty[k] = e
            grew = False
            for g in groups:
                if g.fix >= 0 and need[g.fix] and nodes[g.fix].dyn and g.gid not in nonempty \
                        and not all(empty[r] for r in g.results):
                    nonempty.add(g.gid)
                    grew = True
            if not grew:
                return empty

    def _layout(self, vals: list) -> tuple[bytearray, tuple[int, ...], tuple[tuple[int, ...], ...]]:
        """The nodes empty whatever rf/co are, the dynamic ones among them
        (their value is 0), and per check the dynamic nodes left to
        evaluate: the same for every key naming the same sets and relations
        with the same static nodes empty (kept with the program)."""
        static = self._static_empties(vals)
        cache = self.prog.layout_cache
        hit = cache.get((self.names, static))
        if hit is not None:
            return hit
        nodes = self.nodes
        self.empty = empty = self._empties(static)
        zeroed = tuple(k for k, nd in enumerate(nodes)
                       if self.need_any[k] and nd.dyn and empty[k] and nd.kind != "fix")
        done = bytearray(len(nodes))
        per_check = []
        for spec in self.prog.checks:
            live = []
            for k in self._live_need(spec.node):
                nd = nodes[k]
                if nd.dyn and nd.owner is None and not empty[k] and not done[k] and nd.kind != "ph":
                    done[k] = 1
                    live.append(k)
            per_check.append(tuple(live))
        out = (empty, zeroed, tuple(per_check))
        if len(cache) < 1024:
            cache[(self.names, static)] = out
        return out

    # ------------------------------------------------------------ state
    def build(self) -> State:
        """Compute the State of this static key."""
        nodes, prog, ex = self.nodes, self.prog, self.ex
        self._fails()
        self.empty = bytearray(len(nodes))  # nothing known empty while computing statics
        vals: list = [None] * len(nodes)
        self.vals = vals
        k = -1
        shared = prog.static_fns
        try:
            for k in self.static_order:
                f = shared.get(k)
                if f is None:
                    f = self.fn(k)
                    if nodes[k].kind not in KEYED:
                        shared[k] = f
                vals[k] = f(vals, ex)
        except O.CatTypeError as e:
            raise _err(str(e), nodes[k]) from None
        self.empty, zeroed, per_check = self._layout(vals)
        self.fns.clear()
        self.group_steps.clear()
        for k in zeroed:
            vals[k] = 0
        plan: list[PlanEntry] = []
        for spec, live in zip(prog.checks, per_check):
            steps = [(k, self.fn(k)) for k in live]
            test = O.TESTS[spec.kind]
            fixed = None
            if not nodes[spec.node].dyn or self.empty[spec.node]:
                try:
                    fixed = test(vals[spec.node]) != spec.negated
                except O.CatTypeError as e:
                    raise _err(str(e), nodes[spec.node]) from None
            plan.append(PlanEntry(tuple(steps), spec, test, fixed))
        return State(vals, plan, self.choice, self.empty, self)
