#!/usr/bin/env python3
"""memcheck and herd7 side by side, on the same tests, in one run.

With `--herd7 PATH`, every selected test is run by herd7 (one process per
test, as the kernel's scripts run it, `-conf linux-kernel.cfg` from
`--cfg-dir`, killed past `--herd-timeout` seconds) and judged by memcheck
(one process per worker, `-j`) in each mode asked for; the report gives,
per group of tests by herd7's time (< 1 s, 1-10 s, > 10 s, herd7 timed
out), the sums of per-test times and their ratio.  Without herd7, herd7's
recorded times (`herd7.tsv`) stand in for it, and the report says so:
recorded times overstate herd7 on its slowest tests.

The selection: a seeded sample of the tests herd7 judged, plus every test
it needed more than `--always` seconds for.

    python benchmarks/compare_herd7.py ../shared/corpus/lkmm --sample 1000 \\
        --herd7 herd7 --cfg-dir ../shared/kernel-lkmm/herd7-7.57 -j 2
    python benchmarks/compare_herd7.py ../shared/corpus/lkmm --sample 200 --modes verdict
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from memcheck.corpus.conformance import compare_corpus
from memcheck.corpus.herd_tsv import HerdRecord, read_herd_tsv

MODES = {"full": {}, "states": {"states_only": True}, "verdict": {"verdict_only": True}}
GROUPS = ("herd7 < 1 s", "herd7 1-10 s", "herd7 > 10 s", "herd7 timed out")


@dataclass
class HerdRun:
    """One herd7 process on one test."""
    seconds: float
    timed_out: bool
    observation: str = ""


def run_herd7(herd7: str, cfg_dir: Path, test: Path, timeout: float) -> HerdRun:
    """herd7 on `test` as the kernel's scripts run it, wall time measured."""
    start = time.monotonic()
    try:
        out = subprocess.run([herd7, "-I", str(cfg_dir), "-conf", "linux-kernel.cfg", str(test)],
                             capture_output=True, text=True, timeout=timeout, cwd=cfg_dir)
    except subprocess.TimeoutExpired:
        return HerdRun(time.monotonic() - start, True)
    obs = next((line.split()[2] for line in out.stdout.splitlines() if line.startswith("Observation")), "")
    return HerdRun(time.monotonic() - start, False, obs)


def group(seconds: Optional[float]) -> str:
    """The group a test falls in by herd7's time (None: timed out)."""
    if seconds is None:
        return GROUPS[3]
    return GROUPS[0] if seconds < 1 else GROUPS[1] if seconds <= 10 else GROUPS[2]


def select(rows: list[HerdRecord], sample: int, seed: int, always: float) -> list[HerdRecord]:
    """A seeded sample of the judged tests plus every test herd7 needed more than `always` s for."""
    judged = sorted((r for r in rows if r.judged), key=lambda r: r.file)
    slow = [r for r in judged if r.seconds > always]
    rest = [r for r in judged if r.seconds <= always]
    picked = random.Random(seed).sample(rest, min(max(sample - len(slow), 0), len(rest)))
    return sorted(slow + picked, key=lambda r: r.file)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--herd7", help="a herd7 binary: run it on the same tests (else recorded times)")
    ap.add_argument("--cfg-dir", type=Path, help="the folder of linux-kernel.cfg herd7 runs with")
    ap.add_argument("--herd-timeout", type=float, default=30.0)
    ap.add_argument("--sample", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--always", type=float, default=1.0,
                    help="tests herd7 needs more than this many seconds for are always selected")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0, help="memcheck's limit per test")
    ap.add_argument("--modes", default="full,states,verdict")
    ap.add_argument("--tsv", type=Path, help="write one row per test and mode here")
    args = ap.parse_args()
    if args.herd7 and not args.cfg_dir:
        ap.error("--herd7 needs --cfg-dir (the folder of the LKMM's linux-kernel.cfg)")

    rows = select(list(read_herd_tsv(args.corpus / "herd7.tsv").values()), args.sample, args.seed,
                  args.always)
    herd: dict[str, Optional[float]] = {}
    if args.herd7:
        start = time.monotonic()
        with ThreadPoolExecutor(args.jobs) as pool:
            runs = pool.map(lambda r: (r.file, run_herd7(args.herd7, args.cfg_dir.resolve(),
                                                         (args.corpus / r.file).resolve(),
                                                         args.herd_timeout)), rows)
            for file, run in runs:
                herd[file] = None if run.timed_out else run.seconds
        source = f"herd7 run here ({args.herd7}, {time.monotonic() - start:.0f} s wall, -j {args.jobs})"
    else:
        herd = {r.file: r.seconds for r in rows}
        source = "herd7's recorded times (no --herd7 given; they overstate herd7 on its slowest tests)"

    table: dict[tuple[str, str], list[float]] = {}
    out_rows = []
    for mode in args.modes.split(","):
        start = time.monotonic()
        results = compare_corpus(args.corpus, rows, "lkmm", args.jobs, args.timeout, **MODES[mode])
        wall = time.monotonic() - start
        wrong = [c.file for c in results if c.verdict is not None and not c.verdict_equal]
        print(f"{mode}: {len(results)} tests, memcheck wall {wall:.1f} s, "
              f"{sum(c.timeout for c in results)} timeouts, {len(wrong)} verdicts unlike herd7's")
        for c in results:
            g = group(herd[c.file])
            cell = table.setdefault((mode, g), [0.0, 0.0, 0, 0.0])
            cell[0] += c.seconds
            cell[1] += herd[c.file] if herd[c.file] is not None else args.herd_timeout
            cell[2] += 1
            cell[3] = max(cell[3], c.seconds)
            out_rows.append(f"{c.file}\t{mode}\t{c.seconds:.3f}\t{herd[c.file] if herd[c.file] is not None else 'TIMEOUT'}")
    print(f"\nherd7's times: {source}")
    print(f"{'mode':8} {'group':16} {'tests':>6} {'memcheck s':>11} {'herd7 s':>9} {'ratio':>7} {'slowest':>8}")
    for mode in args.modes.split(","):
        total = [0.0, 0.0, 0]
        for g in GROUPS:
            cell = table.get((mode, g))
            if not cell:
                continue
            total = [total[0] + cell[0], total[1] + cell[1], total[2] + cell[2]]
            herd_text = f"{cell[1]:9.1f}" if g != GROUPS[3] else f">{cell[1]:8.0f}"
            print(f"{mode:8} {g:16} {cell[2]:6d} {cell[0]:11.1f} {herd_text} "
                  f"{cell[0] / cell[1]:7.3f} {cell[3]:8.2f}")
        print(f"{mode:8} {'all':16} {total[2]:6d} {total[0]:11.1f} {total[1]:9.1f} "
              f"{total[0] / total[1]:7.3f}")
    if args.tsv:
        args.tsv.write_text("file\tmode\tmemcheck_s\therd7_s\n" + "\n".join(out_rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
