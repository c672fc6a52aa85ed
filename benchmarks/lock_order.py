#!/usr/bin/env python3
"""Lock order, encoded: the ring of n critical sections with and without it.

Judges `families.lock_ring(n)` under the LKMM in the three modes (verdict
only, states only, full listing), once with the engine's lock order and
closure literals (engine/lock_order.py, engine/closures.py) and once with
the plain encoding (`orders=False`: every refutation names its rf/co
edges), in the same process, so that both sides see the same machine load.
A side stops growing n after its first run past --timeout.  Prints a table
and writes OUT/lock_order.tsv (n, mode, encoding, wall and CPU seconds,
candidates, verdict); on a busy machine the CPU time is the steadier one.

    PYTHONPATH=src python benchmarks/lock_order.py --sizes 6,8,12,16 --timeout 60
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import z3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from families import lock_ring  # noqa: E402

from memcheck.checker import Checker, condition_text, parse_test_text  # noqa: E402
from memcheck.engine.enumerate import Timeout  # noqa: E402
from memcheck.engine.judge import judge_program  # noqa: E402

MODES = ("verdict-only", "states-only", "full")
ENCODINGS = {"lock order": True, "plain": False}


def judge(checker: Checker, n: int, mode: str, orders: bool,
          timeout: float) -> tuple[float, float, str, object]:
    """(wall seconds, CPU seconds, verdict or 'timeout', candidates) of one judgement."""
    test = parse_test_text(lock_ring(n).encode(), f"<lock-ring-{n}>")
    program = checker.lower(test, "lkmm")
    start, cpu = time.perf_counter(), time.process_time()
    try:
        v = judge_program(test, program, checker.evaluator("lkmm"), "lkmm", condition_text(test.condition),
                          time.monotonic() + timeout, z3.Context(), verdict_only=mode == "verdict-only",
                          states_only=mode == "states-only", orders=orders).verdict
        verdict, cands = v.observation, v.candidates
    except Timeout:
        verdict, cands = "timeout", "-"
    return time.perf_counter() - start, time.process_time() - cpu, verdict, cands


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="6,8,12,16")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = ap.parse_args()
    checker = Checker()
    judge(checker, 2, "full", True, args.timeout)  # compile the model first
    rows, dead = [], set()
    print(f"{'n':>3} {'mode':<13} {'encoding':<11} {'seconds':>8} {'cpu s':>7} {'cands':>6}  verdict", flush=True)
    for n in (int(x) for x in args.sizes.split(",")):
        for mode in MODES:
            for name, orders in ENCODINGS.items():
                if (mode, name) in dead:
                    secs, cpu, verdict, cands = float("nan"), float("nan"), "skipped", "-"
                else:
                    secs, cpu, verdict, cands = judge(checker, n, mode, orders, args.timeout)
                    if verdict == "timeout":
                        dead.add((mode, name))
                rows.append((n, mode, name, f"{secs:.3f}", f"{cpu:.3f}", cands, verdict))
                shown = f"> {args.timeout:g}" if verdict == "timeout" else ("-" if verdict == "skipped"
                                                                          else f"{secs:.2f}")
                print(f"{n:>3} {mode:<13} {name:<11} {shown:>8} {cpu:>7.2f} {cands!s:>6}  {verdict}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "lock_order.tsv", "w") as f:
        f.write("n\tmode\tencoding\tseconds\tcpu_seconds\tcandidates\tverdict\n")
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")
    print(f"wrote {args.out / 'lock_order.tsv'}")
    return 0 if all(r[6] in ("Never", "timeout", "skipped") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
