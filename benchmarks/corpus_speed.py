#!/usr/bin/env python3
"""memcheck's time against herd7's recorded times, on the same tests.

Judges the tests of a shared corpus folder (all, or a seeded sample) and
prints total time, the ratio to herd7's recorded time, the tests herd7 needs
more than 10 s for, and the peak memory of the worker processes.

    python benchmarks/corpus_speed.py ../shared/corpus/lkmm -j 2
    python benchmarks/corpus_speed.py ../shared/corpus/lkmm --sample 300 --seed 1
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

from memcheck.corpus.conformance import compare_corpus
from memcheck.corpus.herd_tsv import read_herd_tsv


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--sample", type=int, default=0, help="judge a seeded sample of this size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--folder", action="append", default=[])
    args = ap.parse_args()

    rows = [r for r in read_herd_tsv(args.corpus / "herd7.tsv").values()
            if r.judged and (not args.folder or r.file.split("/")[0] in args.folder)]
    if args.sample:
        rows = random.Random(args.seed).sample(sorted(rows, key=lambda r: r.file), min(args.sample, len(rows)))
    start = time.monotonic()
    results = compare_corpus(args.corpus, rows, "lkmm", args.jobs, args.timeout)
    wall = time.monotonic() - start
    ours = sum(c.seconds for c in results)
    herd = sum(c.herd.seconds for c in results)
    print(f"tests {len(results)}  -j {args.jobs}")
    print(f"memcheck: wall {wall:.1f} s, sum of per-test times {ours:.1f} s")
    print(f"herd7 (recorded, one at a time): {herd:.1f} s")
    print(f"ratio memcheck/herd7 (sum per test): {ours / herd:.2f}" if herd else "no herd7 times")
    slow = [c for c in results if c.herd.seconds > 10]
    if slow:
        print(f"herd7 > 10 s: {len(slow)} tests; herd7 {sum(c.herd.seconds for c in slow):.1f} s, "
              f"memcheck {sum(c.seconds for c in slow):.1f} s, slowest {max(c.seconds for c in slow):.1f} s")
        for c in sorted(slow, key=lambda c: -c.seconds)[:10]:
            print(f"  {c.file}: memcheck {c.seconds:.1f} s, herd7 {c.herd.seconds:.1f} s")
    worst = max(results, key=lambda c: c.seconds / max(c.herd.seconds, 0.05))
    print(f"worst ratio: {worst.file} memcheck {worst.seconds:.2f} s, herd7 {worst.herd.seconds:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of a worker: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
