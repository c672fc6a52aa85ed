#!/usr/bin/env python3
"""Inclusions between models' final states over a whole corpus of C tests.

A weaker model allows every final state a stronger one allows: for each C
test with a hardware lowering, judge it under each model of a chain and
report, per pair (stronger, weaker), the tests where the stronger model
allows a final state the weaker one forbids.  The default pairs are the
RISC-V ones: riscv allows nothing the LKMM forbids, x86 and sc nothing
riscv forbids.  An exception is a finding about a lowering or a model.

    python scripts/model_inclusions.py ../shared/corpus/lkmm -j 2
    python scripts/model_inclusions.py ../shared/corpus/lkmm --pair power:lkmm --kernel 6.6
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from collections import Counter
from pathlib import Path

PAIRS = ("riscv:lkmm", "x86:riscv", "sc:riscv")
_checker = None


def _one(args: tuple[str, tuple[str, ...], float, str, str]) -> tuple[str, dict[str, str], float]:
    """(file, pair -> outcome, seconds): holds, EXCEPTION, skip, timeout or error."""
    from memcheck.checker import Checker, read_test
    from memcheck.engine.enumerate import Timeout
    from memcheck.errors import MemcheckError
    global _checker
    path, pairs, timeout, kernel, atomics = args
    if _checker is None:
        _checker = Checker(kernel=kernel, atomics=atomics)
    start = time.monotonic()
    out: dict[str, str] = {}
    states: dict[str, object] = {}

    def of(model: str):
        if model not in states:
            try:
                states[model] = set(_checker.judge(test, model, timeout, states_only=True).verdict.states)
            except MemcheckError:
                states[model] = None  # no lowering (RCU on hardware, ...)
            except Timeout:
                states[model] = "timeout"
        return states[model]

    try:
        test = read_test(path)
        if test.arch != "C":
            return path, {p: "skip" for p in pairs}, 0.0
        for pair in pairs:
            strong, weak = pair.split(":")
            a, b = of(strong), of(weak)
            if a is None or b is None:
                out[pair] = "skip"
            elif a == "timeout" or b == "timeout":
                out[pair] = "timeout"
            else:
                out[pair] = "holds" if a <= b else "EXCEPTION"
    except MemcheckError:
        out = {p: "skip" for p in pairs}
    except Exception as e:  # a crash is a finding too
        out = {p: f"error: {type(e).__name__}: {e}" for p in pairs}
    return path, out, time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--pair", action="append", help="STRONGER:WEAKER model names (repeatable)")
    ap.add_argument("--kernel", default="current")
    ap.add_argument("--atomics", default="amo")
    args = ap.parse_args()
    pairs = tuple(args.pair or PAIRS)
    files = sorted(str(p) for p in args.corpus.rglob("*.litmus"))
    start = time.monotonic()
    tally: Counter = Counter()
    findings = []
    work = [(f, pairs, args.timeout, args.kernel, args.atomics) for f in files]
    with mp.get_context("fork").Pool(args.jobs, maxtasksperchild=300) as pool:
        for path, outcome, _ in pool.imap_unordered(_one, work, chunksize=4):
            for pair, o in outcome.items():
                key = "error" if o.startswith("error") else o
                tally[(pair, key)] += 1
                if key in ("EXCEPTION", "error"):
                    findings.append((pair, path, o))
    print(f"{'stronger:weaker':16} {'holds':>6} {'except':>7} {'timeout':>8} {'error':>6} {'skipped':>8}")
    for pair in pairs:
        print(f"{pair:16} {tally[(pair, 'holds')]:6d} {tally[(pair, 'EXCEPTION')]:7d}"
              f" {tally[(pair, 'timeout')]:8d} {tally[(pair, 'error')]:6d} {tally[(pair, 'skip')]:8d}")
    print(f"wall {time.monotonic() - start:.0f} s with -j {args.jobs} (--kernel {args.kernel} --atomics {args.atomics})")
    for pair, path, o in sorted(findings):
        print(f"  {pair:14} {o}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
