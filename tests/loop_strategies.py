"""Hypothesis strategies: small kernel C tests with one loop, and the same
test written other ways (the loop unrolled into nested ifs by hand, a
do-loop as its body followed by a while).

The loop waits in one thread for a shared variable: `w = INIT; while (w OP
K) { w = LOAD; ... }`, or `while (LOAD OP K) { ... }` with the read in the
test; its body may read another variable, fence, or (a loop that is no
await) write.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from strategies import FENCES, LOADS, VARS, Op, ops


@dataclass(frozen=True)
class Loop:
    """One loop: its test is on register `w` (read in the body) or, with
    `test_reads`, on a read of `var` in the test itself."""
    test_reads: bool
    load: str  # a LOADS template
    var: str
    op: str  # '==' or '!='
    k: int
    init: int
    extra: tuple[str, ...]  # more body statements

    def cond(self) -> str:
        subject = self.load.format(v=self.var) if self.test_reads else "w"
        return f"{subject} {self.op} {self.k}"

    def body(self) -> list[str]:
        first = [] if self.test_reads else [f"w = {self.load.format(v=self.var)};"]
        return first + list(self.extra) or ["cpu_relax();"]

    def before(self) -> list[str]:
        return [] if self.test_reads else [f"w = {self.init};"]

    def as_while(self) -> list[str]:
        return self.before() + [f"while ({self.cond()}) {{"] + [f"\t{s}" for s in self.body()] + ["}"]

    def as_do(self) -> list[str]:
        return self.before() + ["do {"] + [f"\t{s}" for s in self.body()] + [f"}} while ({self.cond()});"]

    def as_body_then_while(self) -> list[str]:
        """`do B while (C);` as `B; while (C) B`."""
        return self.before() + self.body() + self.as_while()[len(self.before()):]

    def as_nested_ifs(self, n: int) -> list[str]:
        """herd7's unrolling by hand: n bodies in nested ifs; where the test
        would be true once more, `cut = 1` (the test filters those out)."""
        lines, depth = list(self.before()), 0
        for _ in range(n):
            lines.append("\t" * depth + f"if ({self.cond()}) {{")
            depth += 1
            lines += ["\t" * depth + s for s in self.body()]
        lines.append("\t" * depth + f"if ({self.cond()}) {{")
        lines.append("\t" * (depth + 1) + "cut = 1;")
        lines += ["\t" * d + "}" for d in range(depth, -1, -1)]
        return lines


@dataclass(frozen=True)
class LoopTest:
    threads: tuple[tuple[Op, ...], ...]
    thread: int  # the thread holding the loop
    at: int  # the loop's place among that thread's operations
    loop: Loop
    condition: str

    def text(self, loop_lines: list[str], cut_filter: bool = False) -> str:
        lines = ["C loop", "{}"]
        for t, body in enumerate(self.threads):
            lines += [f"P{t}(int *x, int *y)", "{", "\tint w;", "\tint e;", "\tint cut;"]
            r = 0
            for i, op in enumerate(list(body) + [None]):
                if t == self.thread and i == self.at:
                    lines += [f"\t{s}" for s in loop_lines]
                if op is None:
                    break
                if op.kind == "load":
                    lines.append(f"\tint r{r} = {op.text};")
                    r += 1
                else:
                    lines.append(f"\t{op.text};" if op.kind == "store" else f"\t{op.text}")
            lines.append("}")
        if cut_filter:
            lines.append(f"filter ({self.thread}:cut=0)")
        lines.append(self.condition)
        return "\n".join(lines) + "\n"

    def registers(self) -> list[str]:
        out = [f"{self.thread}:w", f"{self.thread}:e"]
        for t, body in enumerate(self.threads):
            out += [f"{t}:r{i}" for i in range(sum(op.kind == "load" for op in body))]
        return out


@st.composite
def loops(draw, writes: bool = False) -> Loop:
    """A loop waiting on x or y; an await unless `writes`."""
    test_reads = draw(st.booleans())
    var = draw(st.sampled_from(VARS))
    op = draw(st.sampled_from(("==", "!=")))
    k = draw(st.integers(0, 1))
    init = draw(st.integers(0, 1))
    extra: list[str] = []
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(("load", "fence") + (("store",) if writes else ())))
        v = draw(st.sampled_from(VARS))
        if kind == "load":
            extra.append(f"e = {draw(st.sampled_from(LOADS)).format(v=v)};")
        elif kind == "fence":
            extra.append(draw(st.sampled_from(FENCES)))
        else:
            extra.append(f"WRITE_ONCE(*{v}, {draw(st.integers(1, 2))});")
    if writes and not any(s.startswith("WRITE") for s in extra):
        extra.append(f"WRITE_ONCE(*{draw(st.sampled_from(VARS))}, 2);")
    return Loop(test_reads, draw(st.sampled_from(LOADS)), var, op, k, init, tuple(extra))


@st.composite
def loop_tests(draw, writes: bool = False) -> LoopTest:
    n = draw(st.integers(2, 3))
    threads = tuple(tuple(draw(ops(max_ops=2))) for _ in range(n))
    t = draw(st.integers(0, n - 1))
    at = draw(st.integers(0, len(threads[t])))
    loop = draw(loops(writes))
    partial = LoopTest(threads, t, at, loop, "")
    locs = partial.registers() + list(VARS)
    atoms = [f"{draw(st.sampled_from(locs))}={draw(st.integers(0, 2))}" for _ in range(draw(st.integers(1, 3)))]
    joined = " /\\ ".join(atoms)
    return LoopTest(threads, t, at, loop, f"exists ({joined})")
