#!/usr/bin/env python3
"""`memcheck lower` round trip over a whole corpus of C tests.

For every C test that lowers to an architecture, print it as an assembly
litmus test, parse it back with memcheck's assembly parser, judge it under
the architecture's model, and compare verdict and final states with the
in-memory lowering of the C test.

    python scripts/roundtrip.py ../shared/corpus/lkmm -j 2 --timeout 30
    python scripts/roundtrip.py ../shared/corpus/lkmm -j 2 --arch riscv
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from collections import Counter
from pathlib import Path

ARCHS = ("x86", "arm64", "power", "riscv")
_checker = None


def _one(args: tuple[str, str, float]) -> tuple[str, str, str]:
    """(file, arch, outcome): agree, differ, skip (no hardware lowering),
    timeout, or error."""
    from memcheck.checker import Checker, read_test
    from memcheck.engine.enumerate import Timeout
    from memcheck.errors import MemcheckError
    from memcheck.litmus.parse_asm import format_asm_litmus, parse_asm_litmus
    from memcheck.lower.to_asm import lower_to_asm
    global _checker
    path, arch, timeout = args
    if _checker is None:
        _checker = Checker()
    try:
        test = read_test(path)
        if test.arch != "C":
            return path, arch, "skip"
        try:
            lowered = lower_to_asm(test, arch)
            expected = _checker.judge(test, arch, timeout).verdict
        except MemcheckError:
            return path, arch, "skip"
        asm = parse_asm_litmus(format_asm_litmus(lowered.test), path)
        back = {f"{t}:{m}": f"{t}:{c}" for (t, c), m in lowered.registers.items()}
        got = _checker.judge(asm, arch, timeout).verdict
        states = sorted(str(sorted((back.get(k, k), str(v)) for k, v in s)) for s in got.states)
        want = sorted(str(sorted((k, str(v)) for k, v in s)) for s in expected.states)
        same = got.observation == expected.observation and states == want
        if same:
            return path, arch, "agree"
        return path, arch, ("differ-verdict" if got.observation != expected.observation else "differ-states")
    except Timeout:
        return path, arch, "timeout"
    except Exception as e:  # a crash is a finding: report it with the test
        return path, arch, f"error: {type(e).__name__}: {e}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--arch", action="append", choices=ARCHS, help="only these architectures")
    args = ap.parse_args()
    archs = tuple(args.arch or ARCHS)
    files = sorted(str(p) for p in args.corpus.rglob("*.litmus"))
    work = [(f, a, args.timeout) for f in files for a in archs]
    start = time.monotonic()
    tally: Counter = Counter()
    findings = []
    with mp.get_context("fork").Pool(args.jobs, maxtasksperchild=500) as pool:
        for path, arch, outcome in pool.imap_unordered(_one, work, chunksize=8):
            key = outcome if not outcome.startswith("error") else "error"
            tally[(arch, key)] += 1
            if key not in ("agree", "skip", "timeout"):
                findings.append((path, arch, outcome))
    print(f"{'arch':8} {'agree':>7} {'differ':>7} {'timeout':>8} {'error':>6} {'skipped':>8}")
    for arch in archs:
        differ = tally[(arch, "differ-verdict")] + tally[(arch, "differ-states")]
        print(f"{arch:8} {tally[(arch, 'agree')]:7d} {differ:7d} {tally[(arch, 'timeout')]:8d}"
              f" {tally[(arch, 'error')]:6d} {tally[(arch, 'skip')]:8d}")
    print(f"wall {time.monotonic() - start:.0f} s with -j {args.jobs}")
    for path, arch, outcome in sorted(findings):
        print(f"  {arch:6} {outcome}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
