"""Apply changes to a test's syntax tree: real primitives for a fixed test, or switch markers for the search."""
from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

from ..litmus import ast as A
from .changes import Change, Path

MARKER = "__memcheck_switch_{}__"


def marker_name(k: int) -> str:
    """The pseudo-primitive standing for switch k in a switched test."""
    return MARKER.format(k)


# How one indexed change becomes syntax: a statement to insert, or a call replacing the original
InsertFn = Callable[[int, Change, A.Pos], A.Stmt]
UpgradeFn = Callable[[int, Change, A.Call], A.Call]


def _real_insert(k: int, c: Change, pos: A.Pos) -> A.Stmt:
    return A.ExprStmt(A.Call(c.barrier, (), pos), pos)


def _real_upgrade(k: int, c: Change, call: A.Call) -> A.Call:
    assert c.replacement is not None
    return c.replacement


def _marker_insert(k: int, c: Change, pos: A.Pos) -> A.Stmt:
    return A.ExprStmt(A.Call(marker_name(k), (), pos), pos)


def _marker_upgrade(k: int, c: Change, call: A.Call) -> A.Call:
    return A.Call(marker_name(k), (call,), call.pos)


def _map_calls(x, f: Callable[[A.Call], A.Call]):
    """x with f applied to every call inside it (bottom-up)."""
    if isinstance(x, tuple):
        return tuple(_map_calls(y, f) for y in x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type) and not isinstance(x, A.Pos):
        changed = {fl.name: _map_calls(getattr(x, fl.name), f) for fl in dataclasses.fields(x) if fl.name != "pos"}
        y = dataclasses.replace(x, **changed)
        return f(y) if isinstance(y, A.Call) else y
    return x


def _body(stmts: tuple[A.Stmt, ...], prefix: Path, inserts: dict[Path, list[tuple[int, Change]]],
          insert: InsertFn) -> tuple[A.Stmt, ...]:
    out: list[A.Stmt] = []
    for i, s in enumerate(stmts):
        path = prefix + (i,)
        for k, c in inserts.get(path, []):
            out.append(insert(k, c, s.pos))
        if isinstance(s, A.If):
            s = dataclasses.replace(s, then=_body(s.then, path + ("then",), inserts, insert),
                                    other=_body(s.other, path + ("other",), inserts, insert))
        elif isinstance(s, (A.Block, A.While, A.DoWhile, A.For)):
            s = dataclasses.replace(s, body=_body(s.body, path + ("body",), inserts, insert))
        out.append(s)
    return tuple(out)


def _apply(test: A.Test, indexed: Sequence[tuple[int, Change]], insert: InsertFn, upgrade: UpgradeFn) -> A.Test:
    threads = []
    for t in test.threads:
        mine = [(k, c) for k, c in indexed if c.thread == t.index]
        inserts: dict[Path, list[tuple[int, Change]]] = {}
        for k, c in mine:
            if c.action == "insert":
                inserts.setdefault(c.path, []).append((k, c))
        ups = {c.at: (k, c) for k, c in mine if c.action == "upgrade"}

        def swap(call: A.Call) -> A.Call:
            hit = ups.get((call.pos.line, call.pos.col))
            if hit is None or call.name != hit[1].original:
                return call
            return upgrade(hit[0], hit[1], call)

        body = _map_calls(t.body, swap) if ups else t.body
        threads.append(dataclasses.replace(t, body=_body(body, (), inserts, insert)))
    return dataclasses.replace(test, threads=tuple(threads))


def apply_changes(test: A.Test, changes: Sequence[Change]) -> A.Test:
    """The test with the changes made (the primitives themselves, in order)."""
    return _apply(test, list(enumerate(changes)), _real_insert, _real_upgrade)


def switched_test(test: A.Test, changes: Sequence[Change]) -> A.Test:
    """The test with every change present as marker k, for the switched lowering."""
    return _apply(test, list(enumerate(changes)), _marker_insert, _marker_upgrade)
