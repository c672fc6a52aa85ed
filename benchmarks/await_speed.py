#!/usr/bin/env python3
"""What an await loop costs: a spin-wait judged exactly against the same
wait unrolled (by memcheck, as herd7 unrolls it, and written out by hand as
nested ifs), and against the test with one read in place of the wait.

Prints, per test and form, the executions listed and the median time of a
full judgement (models compiled beforehand, as in a corpus run).

    python benchmarks/await_speed.py            # --unroll 8
    python benchmarks/await_speed.py --unroll 4 --repeat 9
"""
from __future__ import annotations

import argparse
import statistics
import time

from memcheck.checker import Checker, parse_test_text
from memcheck.lower.loops import LoopOptions

WRITER = """P0(int *x, int *flag)
{
	WRITE_ONCE(*x, 1);
	smp_store_release(flag, 1);
}
"""

# the reader of MP: {wait} stands for how it waits for the flag
READER = """P1(int *x, int *flag)
{
	int r0;
	int r1;
	int cut;
{wait}
	r1 = READ_ONCE(*x);
}
"""

# a chain of two waits: P1 passes the flag on to P2
CHAIN = """P1(int *x, int *flag, int *flag2)
{
	int r0;
	int cut;
{wait}
	smp_store_release(flag2, 1);
}

P2(int *x, int *flag2)
{
	int r0;
	int r1;
	int cut;
{wait2}
	r1 = READ_ONCE(*x);
}
"""

SPIN = "\twhile (!smp_load_acquire({f}))\n\t\tcpu_relax();"
ONE_READ = "\tr0 = smp_load_acquire({f});"


def nested_ifs(flag: str, n: int) -> str:
    """The wait unrolled by hand as herd7 unrolls it: n bodies, then the
    executions testing true once more cut (cut = 1, filtered out)."""
    lines = []
    for d in range(n):
        lines += ["\t" * (d + 1) + f"if (!smp_load_acquire({flag})) {{", "\t" * (d + 2) + "cpu_relax();"]
    lines += ["\t" * (n + 1) + f"if (!smp_load_acquire({flag})) {{", "\t" * (n + 2) + "cut = 1;"]
    lines += ["\t" * (d + 1) + "}" for d in range(n, -1, -1)]
    return "\n".join(lines)


def mp(wait: str, cut: bool = False) -> str:
    reader = READER.replace("{wait}", wait.replace("{f}", "flag"))
    filt = "filter (1:cut=0)\n" if cut else ""
    return f"C MP+spin\n{{}}\n{WRITER}\n{reader}\n{filt}exists (1:r1=0)\n"


def chain(wait: str, wait2: str, cut: bool = False) -> str:
    body = CHAIN.replace("{wait}", wait.replace("{f}", "flag")).replace("{wait2}", wait2.replace("{f}", "flag2"))
    filt = "filter (1:cut=0 /\\ 2:cut=0)\n" if cut else ""
    return f"C ISA2+spins\n{{}}\n{WRITER}\n{body}\n{filt}exists (2:r1=0)\n"


def timed(text: str, loops: LoopOptions, repeat: int) -> tuple[float, int]:
    checker = Checker(loops=loops)
    checker.evaluator("lkmm")
    test = parse_test_text(text.encode(), "bench.litmus")
    times, v = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        v = checker.judge(test, "lkmm").verdict
        times.append(time.perf_counter() - start)
    assert v is not None
    return statistics.median(times), v.positive + v.negative


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unroll", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    n = args.unroll
    exact, unrolled = LoopOptions(n), LoopOptions(n, exact_awaits=False)
    hand = nested_ifs("{f}", n)
    forms = [
        ("MP+spin", "one read, no wait", mp(ONE_READ), exact),
        ("MP+spin", "await, exact", mp(SPIN), exact),
        ("MP+spin", f"await, --unroll {n} --unroll-awaits", mp(SPIN), unrolled),
        ("MP+spin", f"{n} nested ifs by hand", mp(hand, cut=True), exact),
        ("ISA2+spins", "one read each, no wait", chain(ONE_READ, ONE_READ), exact),
        ("ISA2+spins", "awaits, exact", chain(SPIN, SPIN), exact),
        ("ISA2+spins", f"awaits, --unroll {n} --unroll-awaits", chain(SPIN, SPIN), unrolled),
        ("ISA2+spins", f"{n} nested ifs by hand", chain(hand, hand, cut=True), exact),
    ]
    print(f"{'test':12} {'form':36} {'executions':>10} {'seconds':>8}")
    for name, form, text, loops in forms:
        seconds, executions = timed(text, loops, args.repeat)
        print(f"{name:12} {form:36} {executions:10d} {seconds:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
