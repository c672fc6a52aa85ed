"""Hypothesis strategies: small random kernel C litmus tests.

A generated test has 2-3 threads, each a few marked accesses to shared
variables x and y (and an optional fence), and an `exists` over the
registers read; it is built as text so that every test also goes through
the parser.  `rich` tests also use read-modify-writes of every ordering,
value-less atomics, atomic barriers and spinlock critical sections;
`branches` tests stores under comparisons of the values read.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

VARS = ("x", "y")
LOADS = ("READ_ONCE(*{v})", "smp_load_acquire({v})")
STORES = ("WRITE_ONCE(*{v}, {k})", "smp_store_release({v}, {k})")
FENCES = ("smp_mb();", "smp_wmb();", "smp_rmb();", "barrier();")
RICH_LOADS = LOADS + (
    "xchg({v}, 1)", "xchg_relaxed({v}, 2)", "xchg_acquire({v}, 1)", "xchg_release({v}, 2)",
    "cmpxchg({v}, 0, 1)", "cmpxchg_acquire({v}, 1, 2)", "cmpxchg_relaxed({v}, 0, 2)",
    "cmpxchg_release({v}, 0, 1)", "atomic_fetch_add(1, {v})", "atomic_add_return_relaxed(1, {v})",
    "atomic_fetch_add_acquire(1, {v})", "atomic_fetch_add_release(1, {v})")
RICH_STORES = STORES + ("atomic_add({k}, {v})", "atomic_inc({v})")
RICH_FENCES = FENCES + (
    "smp_mb__before_atomic();", "smp_mb__after_atomic();",
    "spin_lock(s); WRITE_ONCE(*x, 1); spin_unlock(s);",
    "spin_lock(s); smp_mb__after_spinlock(); WRITE_ONCE(*y, 2); spin_unlock(s);")


@dataclass(frozen=True)
class Op:
    kind: str  # 'load', 'store' or 'fence'
    text: str


COMPARISONS = ("==", "!=", "<", ">=")


@st.composite
def ops(draw, max_ops: int = 3, copies: bool = False, rich: bool = False, branches: bool = False) -> list[Op]:
    """A thread's operations; with `copies`, also stores of the value last
    loaded (data dependencies, and value cycles across threads); with
    `branches`, also stores under an `if` comparing the value last loaded
    with a constant."""
    out = []
    kinds = ("load", "store", "store", "fence") + (("copy",) if copies else ()) + (("branch",) if branches else ())
    loads, stores, fences = (RICH_LOADS, RICH_STORES, RICH_FENCES) if rich else (LOADS, STORES, FENCES)
    for _ in range(draw(st.integers(1, max_ops))):
        kind = draw(st.sampled_from(kinds))
        v = draw(st.sampled_from(VARS))
        if kind == "load":
            out.append(Op("load", draw(st.sampled_from(loads)).format(v=v)))
        elif kind == "copy":
            out.append(Op("copy", draw(st.sampled_from(STORES)).format(v=v, k="{reg}")))
        elif kind == "branch":
            store = draw(st.sampled_from(STORES)).format(v=v, k=draw(st.sampled_from(("1", "3", "-1", "{reg}"))))
            test = f"{{reg}} {draw(st.sampled_from(COMPARISONS))} {draw(st.integers(-2, 4))}"
            out.append(Op("branch", f"if ({test}) {store};"))
        elif kind == "store":
            out.append(Op("store", draw(st.sampled_from(stores)).format(v=v, k=draw(st.integers(1, 2)))))
        else:
            out.append(Op("fence", draw(st.sampled_from(fences))))
    return out


@dataclass(frozen=True)
class Shape:
    threads: tuple[tuple[Op, ...], ...]

    @property
    def locks(self) -> bool:
        return any("spin_lock" in op.text for body in self.threads for op in body)

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
            lines.append(f"P{t}(int *x, int *y, spinlock_t *s)" if self.locks else f"P{t}(int *x, int *y)")
            lines.append("{")
            r = 0
            for op in body:
                if op.kind == "load":
                    lines.append(f"\tint r{r} = {op.text};")
                    atoms.append(f"{t}:r{r}=0")
                    r += 1
                elif op.kind == "copy":  # the last register loaded, else a constant
                    lines.append("\t" + op.text.format(reg=f"r{r - 1}" if r else "1") + ";")
                elif op.kind == "branch":  # on the last register loaded, else on a fresh load
                    lines.append("\t" + op.text.format(reg=f"r{r - 1}" if r else "READ_ONCE(*x)"))
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
def shapes(draw, min_threads: int = 2, max_threads: int = 3, copies: bool = False, rich: bool = False,
           branches: bool = False) -> Shape:
    n = draw(st.integers(min_threads, max_threads))
    return Shape(tuple(tuple(draw(ops(copies=copies, rich=rich, branches=branches))) for _ in range(n)))


@st.composite
def conditions(draw, shape: Shape, values: tuple[int, int] = (0, 2)) -> str:
    """A random condition over a shape's registers and final x, y, comparing
    them with constants in the range `values`."""
    locs = shape.registers() + list(VARS)
    atoms = [f"{draw(st.sampled_from(locs))}{draw(st.sampled_from(('=', '!=')))}{draw(st.integers(*values))}"
             for _ in range(draw(st.integers(1, 3)))]
    joined = draw(st.sampled_from((" /\\ ", " \\/ "))).join(atoms)
    return f"{draw(st.sampled_from(('exists', '~exists', 'forall')))} ({joined})"
