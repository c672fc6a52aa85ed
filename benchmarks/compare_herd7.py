#!/usr/bin/env python3
"""memcheck and herd7 side by side, on the same tests, in one run.

With `--herd7 PATH`, every selected test is run by herd7 (one process per
test, as the kernel's scripts run it, `-conf linux-kernel.cfg` from
`--cfg-dir`, killed past `--herd-timeout` seconds) and judged by memcheck
(one process per worker, `-j`) in each mode asked for; the report gives,
per group of tests by herd7's time (< 1 s, 1-10 s, > 10 s, herd7 timed
out), the sums of per-test times and their ratio, in wall time and in processor
time (the herd7 process's own, memcheck's judgement's: steadier when other
work shares the machine).  Without herd7, herd7's recorded times
(`herd7.tsv`) stand in for it, and the report says so: recorded times
overstate herd7 on its slowest tests.

The selection: a seeded sample of the tests herd7 judged, plus every test
it needed more than `--always` seconds for.

`--out DIR` writes the report, one row per test and mode (with the worker's
peak memory after it) and a log-log plot of each test's two times.

    python benchmarks/compare_herd7.py ../shared/corpus/lkmm --sample 1000 \\
        --herd7 herd7 --cfg-dir ../shared/kernel-lkmm/herd7-7.57 -j 2 --out benchmarks/results
    python benchmarks/compare_herd7.py ../shared/corpus/lkmm --sample 200 --modes verdict
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
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
    """One herd7 process on one test: wall and processor seconds."""
    seconds: float
    timed_out: bool
    observation: str = ""
    cpu_seconds: float = 0.0


def run_herd7(herd7: str, cfg_dir: Path, test: Path, timeout: float) -> HerdRun:
    """herd7 on `test` as the kernel's scripts run it, its wall and processor
    time measured (the child's own rusage, reaped here)."""
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen([herd7, "-I", str(cfg_dir), "-conf", "linux-kernel.cfg", str(test)],
                                stdout=out, stderr=subprocess.DEVNULL, cwd=cfg_dir, text=True)
        while True:
            pid, _, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                proc.kill()
                _, _, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9   # reaped here: keep Popen from waiting again
                return HerdRun(time.monotonic() - start, True, "", usage.ru_utime + usage.ru_stime)
            time.sleep(0.002)
        seconds = time.monotonic() - start
        proc.returncode = 0
        out.seek(0)
        obs = next((line.split()[2] for line in out if line.startswith("Observation")), "")
    return HerdRun(seconds, False, obs, usage.ru_utime + usage.ru_stime)


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


def plot(path: Path, points: dict[str, list[tuple[float, float, bool]]], source: str) -> None:
    """One log-log panel per mode: each test's herd7 time against memcheck's
    (x marks: herd7 timed out, drawn at its limit), with the 1x and 0.1x lines."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(points), figsize=(5.2 * len(points), 4.8), squeeze=False)
    for ax, (mode, pts) in zip(axes.flat, points.items()):
        done = [(h, m) for h, m, out in pts if not out]
        out = [(h, m) for h, m, out in pts if out]
        ax.scatter([max(h, 1e-3) for h, _ in done], [max(m, 1e-3) for _, m in done], s=6, alpha=0.5,
                   label=f"{len(done)} tests")
        if out:
            ax.scatter([h for h, _ in out], [max(m, 1e-3) for _, m in out], marker="x", color="tab:red",
                       label=f"herd7 timed out ({len(out)})")
        lo, hi = 1e-3, max([h for h, _, _ in pts] + [m for _, m, _ in pts] + [1.0]) * 1.5
        for factor, style in ((1.0, "-"), (0.1, "--"), (0.01, ":")):
            ax.plot([lo, hi], [lo * factor, hi * factor], color="grey", linestyle=style, linewidth=1,
                    label=f"memcheck = {factor:g} x herd7")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel("herd7 s (one process per test)")
        ax.set_ylabel("memcheck s (per test, in its worker)")
        ax.set_title(mode)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"memcheck against {source}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


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
    ap.add_argument("--out", type=Path,
                    help="write compare_herd7.{txt,tsv,png} here (report, one row per test and mode, plot)")
    args = ap.parse_args()
    if args.herd7 and not args.cfg_dir:
        ap.error("--herd7 needs --cfg-dir (the folder of the LKMM's linux-kernel.cfg)")
    modes = args.modes.split(",")
    report: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        report.append(line)

    rows = select(list(read_herd_tsv(args.corpus / "herd7.tsv").values()), args.sample, args.seed,
                  args.always)
    herd: dict[str, Optional[float]] = {}       # wall seconds (None: timed out)
    herd_cpu: dict[str, Optional[float]] = {}   # processor seconds (None: timed out)
    observed: dict[str, str] = {}
    if args.herd7:
        start = time.monotonic()
        with ThreadPoolExecutor(args.jobs) as pool:
            runs = pool.map(lambda r: (r.file, run_herd7(args.herd7, args.cfg_dir.resolve(),
                                                         (args.corpus / r.file).resolve(),
                                                         args.herd_timeout)), rows)
            for file, run in runs:
                herd[file] = None if run.timed_out else run.seconds
                herd_cpu[file] = None if run.timed_out else run.cpu_seconds
                observed[file] = run.observation
        source = (f"herd7 run here ({Path(args.herd7).name}, limit {args.herd_timeout:g} s a test, "
                  f"{time.monotonic() - start:.0f} s wall, -j {args.jobs})")
    else:
        herd = {r.file: r.seconds for r in rows}
        source = "herd7's recorded times (no --herd7 given; they overstate herd7 on its slowest tests)"
    say(f"{len(rows)} tests: a sample of seed {args.seed} plus every test herd7's record gives more "
        f"than {args.always:g} s")

    results_of = {}
    out_rows = []
    for mode in modes:
        start = time.monotonic()
        results = results_of[mode] = compare_corpus(args.corpus, rows, "lkmm", args.jobs, args.timeout,
                                                    **MODES[mode])
        wall = time.monotonic() - start
        wrong = [c.file for c in results if c.verdict is not None and not c.verdict_equal]
        unlike_run = [c.file for c in results if observed.get(c.file) and c.verdict is not None
                      and c.verdict != observed[c.file]]
        peak = max(results, key=lambda c: c.peak_mib)
        say(f"{mode}: {len(results)} tests, memcheck wall {wall:.1f} s, {sum(c.timeout for c in results)} "
            f"timeouts, {sum(bool(c.error) for c in results)} errors, {len(wrong)} verdicts unlike herd7's "
            f"record" + (f", {len(unlike_run)} unlike this herd7 run's" if observed else "")
            + f"; peak memory of a worker {peak.peak_mib:.0f} MiB (first reached judging {peak.file})")
        for file in wrong + unlike_run:
            say(f"  verdict differs: {file}")
        for c in results:
            h = herd[c.file]
            out_rows.append(f"{c.file}\t{mode}\t{c.seconds:.3f}\t{c.cpu_seconds:.3f}\t"
                            f"{'TIMEOUT' if h is None else f'{h:.3f}'}\t"
                            f"{'' if not herd_cpu or herd_cpu[c.file] is None else f'{herd_cpu[c.file]:.3f}'}\t"
                            f"{c.peak_mib:.0f}")
    say()
    say(f"herd7's times: {source}")
    tables = [("wall", herd, "seconds")] + ([("processor", herd_cpu, "cpu_seconds")] if herd_cpu else [])
    for label, times, ours in tables:
        say(f"\n{label} time, tests grouped by herd7's wall time")
        say(f"{'mode':8} {'group':16} {'tests':>6} {'memcheck s':>11} {'herd7 s':>9} {'ratio':>7} {'slowest':>8}")
        for mode in modes:
            total = [0.0, 0.0, 0]
            for g in GROUPS:
                cell = [c for c in results_of[mode] if group(herd[c.file]) == g]
                if not cell:
                    continue
                mine = sum(getattr(c, ours) for c in cell)
                theirs = sum(args.herd_timeout if times[c.file] is None else times[c.file] for c in cell)
                total = [total[0] + mine, total[1] + theirs, total[2] + len(cell)]
                herd_text = f"{theirs:9.1f}" if g != GROUPS[3] else f">{theirs:8.0f}"
                say(f"{mode:8} {g:16} {len(cell):6d} {mine:11.1f} {herd_text} {mine / theirs:7.3f} "
                    f"{max(getattr(c, ours) for c in cell):8.2f}")
            say(f"{mode:8} {'all':16} {total[2]:6d} {total[0]:11.1f} {total[1]:9.1f} "
                f"{total[0] / total[1]:7.3f}")
    points = {mode: [(args.herd_timeout if herd[c.file] is None else herd[c.file], c.seconds, herd[c.file] is None)
                     for c in results_of[mode]] for mode in modes}
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "compare_herd7.txt").write_text("\n".join(report) + "\n")
        (args.out / "compare_herd7.tsv").write_text(
            "file\tmode\tmemcheck_s\tmemcheck_cpu_s\therd7_s\therd7_cpu_s\tpeak_mib\n" + "\n".join(out_rows) + "\n")
        plot(args.out / "compare_herd7.png", points, source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
