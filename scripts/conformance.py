#!/usr/bin/env python3
"""Compare memcheck with herd7's recorded verdicts on a shared corpus.

Prints agreement per folder (verdict, final states, witness counts), every
mismatch, error and timeout, and time against herd7's recorded time.

    python scripts/conformance.py ../shared/corpus/lkmm -j 2 --timeout 60
    python scripts/conformance.py ../shared/corpus/lkmm --folder manual
    python scripts/conformance.py ../shared/corpus/lkmm-loops --unroll-awaits
    python scripts/conformance.py ../shared/corpus/lkmm \
        --model ../shared/kernel-lkmm/current/linux-kernel.cfg \
        --herd ../shared/kernel-lkmm/herd7-current.tsv
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

from memcheck.corpus.conformance import compare_corpus, unfinished_report
from memcheck.corpus.herd_tsv import read_herd_tsv
from memcheck.lower.loops import LoopOptions


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--model", default="lkmm")
    ap.add_argument("--folder", action="append", default=[], help="only these top folders")
    ap.add_argument("--match", default="", help="only files whose path contains this")
    ap.add_argument("--include-unjudged", action="store_true",
                    help="also run tests herd7 timed out on (TIMEOUT rows)")
    ap.add_argument("--verdict-only", action="store_true",
                    help="decide verdicts without enumerating executions (no states or counts)")
    ap.add_argument("--states-only", action="store_true",
                    help="list final states without counting executions (no counts to compare)")
    ap.add_argument("--tsv", type=Path, help="write one row per test here")
    ap.add_argument("--unroll", type=int, default=2, help="loop bodies run at most N times (herd7's -unroll)")
    ap.add_argument("--unroll-awaits", action="store_true",
                    help="unroll await loops too, as herd7 does (its witness counts)")
    ap.add_argument("--herd", type=Path,
                    help="herd7's verdicts to compare with (default: CORPUS/herd7.tsv)")
    args = ap.parse_args()

    records = read_herd_tsv(args.herd or args.corpus / "herd7.tsv")
    rows = [r for r in records.values()
            if (r.judged or (args.include_unjudged and r.verdict == "TIMEOUT"))
            and (not args.folder or r.file.split("/")[0] in args.folder)
            and args.match in r.file]
    done = [0]
    start = time.monotonic()

    def progress(c) -> None:
        done[0] += 1
        if done[0] % 100 == 0:
            print(f"  {done[0]}/{len(rows)} tests, {time.monotonic() - start:.0f} s", file=sys.stderr)

    results = compare_corpus(args.corpus, rows, args.model, args.jobs, args.timeout, progress,
                             args.verdict_only, states_only=args.states_only,
                             loops=LoopOptions(args.unroll, not args.unroll_awaits))
    unjudged = [c for c in results if not c.herd.judged]
    results = [c for c in results if c.herd.judged]
    wall = time.monotonic() - start

    per = defaultdict(lambda: defaultdict(int))
    for c in results:
        for key in (c.folder, "ALL"):
            p = per[key]
            p["tests"] += 1
            p["verdict"] += c.verdict_equal
            p["states"] += c.states_equal
            p["counts"] += c.counts_equal
            p["flags"] += c.flags_equal
            p["loop"] += c.loop_limit_equal
            p["hang"] += c.hang
            p["errors"] += bool(c.error)
            p["timeouts"] += c.timeout
            p["ours_s"] += c.seconds
            p["herd_s"] += c.herd.seconds
    print(f"{'folder':24} {'tests':>6} {'verdict%':>9} {'states%':>8} {'counts%':>8} {'flags%':>7}"
          f" {'loop%':>6} {'hang':>5} {'errors':>6} {'timeouts':>8} {'ours s':>8} {'herd s':>8}")
    for key in sorted(per, key=lambda k: (k == "ALL", k)):
        p = per[key]
        n = p["tests"] or 1
        print(f"{key:24} {p['tests']:6d} {100 * p['verdict'] / n:9.2f} {100 * p['states'] / n:8.2f}"
              f" {100 * p['counts'] / n:8.2f} {100 * p['flags'] / n:7.2f} {100 * p['loop'] / n:6.2f}"
              f" {p['hang']:5d} {p['errors']:6d}"
              f" {p['timeouts']:8d} {p['ours_s']:8.1f} {p['herd_s']:8.1f}")
    slow = [c for c in results if c.herd.seconds > 10]
    if slow:
        print(f"herd7 > 10 s: {len(slow)} tests, herd {sum(c.herd.seconds for c in slow):.1f} s,"
              f" memcheck {sum(c.seconds for c in slow):.1f} s, max {max(c.seconds for c in slow):.1f} s")
    fast = [c for c in results if c.herd.seconds < 1]
    if fast:
        worst = max(fast, key=lambda c: c.seconds)
        print(f"herd7 < 1 s: {len(fast)} tests, slowest for memcheck {worst.seconds:.1f} s ({worst.file})")
    for line in unfinished_report(unjudged):
        print(line)
    print(f"wall time {wall:.1f} s with -j {args.jobs}")
    if results + unjudged:
        peak = max(results + unjudged, key=lambda c: c.peak_mib)
        print(f"peak memory of a worker: {peak.peak_mib:.0f} MiB (first reached judging {peak.file})")
    print("\nmismatches:")
    for c in results + unjudged:
        if c.error:
            print(f"  ERROR   {c.file}: {c.error}")
        elif c.timeout:
            print(f"  TIMEOUT {c.file} (herd7 {c.herd.verdict}, {c.herd.seconds:.1f} s)")
        elif not c.herd.judged:
            continue
        elif not c.verdict_equal:
            print(f"  VERDICT {c.file}: memcheck {c.verdict}, herd7 {c.herd.verdict}")
        elif not c.states_equal and not args.verdict_only:
            print(f"  STATES  {c.file}")
        elif not c.loop_limit_equal:
            print(f"  LOOP    {c.file}: memcheck {c.loop_limit}, herd7 {c.herd.loop_limit}")
    if args.tsv:
        with open(args.tsv, "w") as f:
            f.write("file\therd\tours\tstates_equal\tcounts_equal\tflags_equal\tseconds\therd_seconds\t"
                    "peak_mib\terror\n")
            for c in results + unjudged:
                f.write(f"{c.file}\t{c.herd.verdict}\t{c.verdict or ('TIMEOUT' if c.timeout else 'ERROR')}\t"
                        f"{int(c.states_equal)}\t{int(c.counts_equal)}\t{int(c.flags_equal)}\t"
                        f"{c.seconds:.3f}\t{c.herd.seconds:.3f}\t{c.peak_mib:.0f}\t{c.error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
