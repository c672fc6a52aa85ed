"""Hypothesis strategies: small random kernel C litmus tests.

A generated test has 2-3 threads, each a few marked accesses to shared
variables x and y (and an optional fence), and an `exists` over the
registers read; it is built as text so that every test also goes through
the parser.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

VARS = ("x", "y")
LOADS = ("READ_ONCE(*{v})", "smp_load_acquire({v})")
STORES = ("WRITE_ONCE(*{v}, {k})", "smp_store_release({v}, {k})")
FENCES = ("smp_mb();", "smp_wmb();", "smp_rmb();", "barrier();")


@dataclass(frozen=True)
class Op:
    kind: str  # 'load', 'store' or 'fence'
    text: str


@st.composite
def ops(draw, max_ops: int = 3, copies: bool = False) -> list[Op]:
    """A thread's operations; with `copies`, also stores of the value last
    loaded (data dependencies, and value cycles across threads)."""
    out = []
    kinds = ("load", "store", "store", "fence") + (("copy",) if copies else ())
    for _ in range(draw(st.integers(1, max_ops))):
        kind = draw(st.sampled_from(kinds))
        v = draw(st.sampled_from(VARS))
        if kind == "load":
            out.append(Op("load", draw(st.sampled_from(LOADS)).format(v=v)))
        elif kind == "copy":
            out.append(Op("copy", draw(st.sampled_from(STORES)).format(v=v, k="{reg}")))
        elif kind == "store":
            out.append(Op("store", draw(st.sampled_from(STORES)).format(v=v, k=draw(st.integers(1, 2)))))
        else:
            out.append(Op("fence", draw(st.sampled_from(FENCES))))
    return out


@dataclass(frozen=True)
class Shape:
    threads: tuple[tuple[Op, ...], ...]

    def registers(self) -> list[str]:
        """`t:rN` for every register a load fills, in order."""
        out = []
        for t, body in enumerate(self.threads):
            out += [f"{t}:r{i}" for i in range(sum(op.kind == "load" for op in body))]
        return out

    def text(self, name: str = "random", condition: str = "") -> str:
        """The test; its condition `condition` (e.g. `forall (x=1)`), else
        `exists` every register read 0."""
        lines = [f"C {name}", "{}"]
        atoms = []
        for t, body in enumerate(self.threads):
            lines.append(f"P{t}(int *x, int *y)")
            lines.append("{")
            r = 0
            for op in body:
                if op.kind == "load":
                    lines.append(f"\tint r{r} = {op.text};")
                    atoms.append(f"{t}:r{r}=0")
                    r += 1
                elif op.kind == "copy":  # the last register loaded, else a constant
                    lines.append("\t" + op.text.format(reg=f"r{r - 1}" if r else "1") + ";")
                else:
                    lines.append(f"\t{op.text};" if op.kind == "store" else f"\t{op.text}")
            lines.append("}")
        cond = " /\\ ".join(atoms) if atoms else "x=1"
        lines.append(condition or f"exists ({cond})")
        return "\n".join(lines) + "\n"

    def with_fence(self, thread: int, index: int, fence: str) -> "Shape":
        threads = list(self.threads)
        body = list(threads[thread])
        body.insert(index, Op("fence", fence))
        threads[thread] = tuple(body)
        return Shape(tuple(threads))


@st.composite
def shapes(draw, min_threads: int = 2, max_threads: int = 3, copies: bool = False) -> Shape:
    n = draw(st.integers(min_threads, max_threads))
    return Shape(tuple(tuple(draw(ops(copies=copies))) for _ in range(n)))


@st.composite
def conditions(draw, shape: Shape) -> str:
    """A random condition over a shape's registers and final x, y."""
    locs = shape.registers() + list(VARS)
    atoms = [f"{draw(st.sampled_from(locs))}{draw(st.sampled_from(('=', '!=')))}{draw(st.integers(0, 2))}"
             for _ in range(draw(st.integers(1, 3)))]
    joined = draw(st.sampled_from((" /\\ ", " \\/ "))).join(atoms)
    return f"{draw(st.sampled_from(('exists', '~exists', 'forall')))} ({joined})"
