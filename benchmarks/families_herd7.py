#!/usr/bin/env python3
"""The benchmark families in memcheck's default mode, beside herd7.

For each family of `families.py` and each n from 2 up, judges the test with
memcheck as `memcheck run` does by default (every execution listed up to
`--max-executions`, past it the verdict decided) and, with `--herd7 PATH`,
runs herd7 on the same text (one process, `-conf linux-kernel.cfg` from
`--cfg-dir`, killed past `--herd-timeout`; once herd7 times out in a
family, not run again on its larger sizes).  A family stops growing n once
both tools are past their limits (herd7 timed out, memcheck over --limit
seconds), or at --max-n.  The report flags every size where herd7 finishes
and memcheck takes more than --limit seconds.

    PYTHONPATH=src python benchmarks/families_herd7.py --herd7 herd7 \\
        --cfg-dir ../shared/kernel-lkmm/herd7-7.57 --max-n 12 --out benchmarks/results
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_herd7 import run_herd7  # noqa: E402
from families import FAMILIES  # noqa: E402

from memcheck.checker import MAX_EXECUTIONS, Checker, parse_test_text  # noqa: E402
from memcheck.engine.enumerate import Timeout  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--herd7", help="a herd7 binary to run beside memcheck")
    ap.add_argument("--cfg-dir", type=Path, help="the folder of linux-kernel.cfg herd7 runs with")
    ap.add_argument("--herd-timeout", type=float, default=120.0)
    ap.add_argument("--family", action="append", default=[], help="only these families")
    ap.add_argument("--max-n", type=int, default=12)
    ap.add_argument("--limit", type=float, default=10.0, help="memcheck's target per test (s)")
    ap.add_argument("--timeout", type=float, default=120.0, help="memcheck's own limit per test (s)")
    ap.add_argument("--max-executions", type=int, default=MAX_EXECUTIONS)
    ap.add_argument("--out", type=Path, help="write families_herd7.tsv here")
    args = ap.parse_args()
    if args.herd7 and not args.cfg_dir:
        ap.error("--herd7 needs --cfg-dir (the folder of the LKMM's linux-kernel.cfg)")
    checker = Checker()
    rows, over = [], []
    print(f"{'family':13} {'n':>3} {'memcheck s':>10} {'herd7 s':>9}  verdict")
    for name in args.family or list(FAMILIES):
        family = FAMILIES[name]
        herd_done = False   # herd7 timed out on a smaller size
        for n in range(2, args.max_n + 1):
            text = family.generate(n)
            test = parse_test_text(text.encode(), f"{name}-{n}.litmus")
            start = time.monotonic()
            try:
                verdict = checker.judge(test, "lkmm", args.timeout,
                                        max_executions=args.max_executions).verdict.observation
            except Timeout:
                verdict = "timeout"
            ours = time.monotonic() - start
            herd = None
            if args.herd7 and not herd_done:
                with tempfile.TemporaryDirectory() as d:
                    path = Path(d) / f"{name}-{n}.litmus"
                    path.write_text(text)
                    run = run_herd7(args.herd7, args.cfg_dir.resolve(), path, args.herd_timeout)
                herd = None if run.timed_out else run.seconds
                herd_done = run.timed_out
                if run.observation and verdict != "timeout" and run.observation != verdict:
                    verdict += f" (herd7: {run.observation})"
            herd_text = "-" if not args.herd7 else f">{args.herd_timeout:g}" if herd is None else f"{herd:.2f}"
            print(f"{name:13} {n:3d} {ours:10.2f} {herd_text:>9}  {verdict}", flush=True)
            rows.append(f"{name}\t{n}\t{ours:.3f}\t{herd_text}\t{verdict}")
            if herd is not None and ours > args.limit:
                over.append(f"{name} n={n}: memcheck {ours:.1f} s, herd7 {herd:.1f} s")
            if ours > args.limit and (herd is None):
                break   # both past their limits (or no herd7 to compare with)
    print(f"\nsizes where herd7 finishes and memcheck takes over {args.limit:g} s: {len(over)}")
    for line in over:
        print(f"  {line}")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "families_herd7.tsv").write_text("family\tn\tmemcheck_s\therd7_s\tverdict\n"
                                                     + "\n".join(rows) + "\n")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
