#!/usr/bin/env python3
"""memcheck's time against herd7's recorded times, on the same tests.

Judges the tests of a shared corpus folder (all, or a seeded sample) and
prints total time, the ratio to herd7's recorded time, the tests herd7 needs
more than 10 s for, and the peak memory of the worker processes.  `--hard`
judges only the tests herd7 needs more than 10 s for or did not finish
(TIMEOUT rows, checked against the test's own Result: line);
`--verdict-only` decides verdicts without enumerating executions.

    python benchmarks/corpus_speed.py ../shared/corpus/lkmm -j 2
    python benchmarks/corpus_speed.py ../shared/corpus/lkmm --sample 300 --seed 1
    python benchmarks/corpus_speed.py ../shared/corpus/lkmm --hard --verdict-only
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

from memcheck.corpus.conformance import compare_corpus, unfinished_report
from memcheck.corpus.herd_tsv import read_herd_tsv

HARD_SECONDS = 10.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--sample", type=int, default=0, help="judge a seeded sample of this size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--folder", action="append", default=[])
    ap.add_argument("--hard", action="store_true",
                    help=f"only tests herd7 needs more than {HARD_SECONDS:g} s for or did not finish")
    ap.add_argument("--verdict-only", action="store_true", help="decide verdicts without enumerating")
    ap.add_argument("--states-only", action="store_true", help="list final states without counting executions")
    args = ap.parse_args()

    rows = [r for r in read_herd_tsv(args.corpus / "herd7.tsv").values()
            if (not args.folder or r.file.split("/")[0] in args.folder)]
    if args.hard:
        rows = [r for r in rows if r.verdict == "TIMEOUT" or (r.judged and r.seconds > HARD_SECONDS)]
    else:
        rows = [r for r in rows if r.judged]
    if args.sample:
        rows = random.Random(args.seed).sample(sorted(rows, key=lambda r: r.file), min(args.sample, len(rows)))
    start = time.monotonic()
    results = compare_corpus(args.corpus, rows, "lkmm", args.jobs, args.timeout,
                             verdict_only=args.verdict_only, states_only=args.states_only)
    wall = time.monotonic() - start
    mode = "verdict only" if args.verdict_only else "states only" if args.states_only else "full enumeration"
    judged = [c for c in results if c.herd.judged]
    unjudged = [c for c in results if not c.herd.judged]
    print(f"tests {len(results)}  -j {args.jobs}  {mode}")
    print(f"memcheck: wall {wall:.1f} s, sum of per-test times {sum(c.seconds for c in results):.1f} s, "
          f"slowest {max((c.seconds for c in results), default=0):.2f} s")
    if judged:
        ours = sum(c.seconds for c in judged)
        herd = sum(c.herd.seconds for c in judged)
        agree = sum(c.verdict_equal for c in judged)
        flags = sum(c.flags_equal for c in judged)
        print(f"herd7 judged {len(judged)}: herd7's verdict on {agree}, its flags on {flags}; memcheck {ours:.1f} s, "
              f"herd7 (recorded, one at a time) {herd:.1f} s, ratio {ours / herd:.2f}" if herd else "")
        slow = [c for c in judged if c.herd.seconds > HARD_SECONDS]
        if slow:
            print(f"herd7 > {HARD_SECONDS:g} s: {len(slow)} tests; herd7 {sum(c.herd.seconds for c in slow):.1f} s, "
                  f"memcheck {sum(c.seconds for c in slow):.1f} s, slowest {max(c.seconds for c in slow):.2f} s")
            for c in sorted(slow, key=lambda c: -c.seconds)[:10]:
                print(f"  {c.file}: memcheck {c.seconds:.2f} s {c.verdict}, herd7 {c.herd.seconds:.1f} s {c.herd.verdict}")
        worst = max(judged, key=lambda c: c.seconds / max(c.herd.seconds, 0.05))
        print(f"worst ratio: {worst.file} memcheck {worst.seconds:.2f} s, herd7 {worst.herd.seconds:.2f} s")
    for line in unfinished_report(unjudged):
        print(line)
    errors = [c for c in results if c.error]
    for c in errors:
        print(f"  ERROR {c.file}: {c.error}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of a worker: {peak:.0f} MiB")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
