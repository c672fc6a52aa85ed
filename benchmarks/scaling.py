#!/usr/bin/env python3
"""How memcheck's time grows with the number of threads, per test family.

For each family of `families.py` and each n = 2..--max-n, judges the test
under the LKMM three ways (and verdict-only at the larger sizes of
--extra-n):

- verdict only (`verdict_only=True`): the Observation and flags, decided
  without enumerating executions;
- states only (`states_only=True`): every final state, one allowed
  execution each, no witness counts;
- full enumeration: every allowed execution, as herd7 does; exponential in
  n.

A mode stops for a family at the first n whose time exceeds --timeout (a
timeout is reported, not a failure).  The time is the wall-clock median of
--repeat runs for runs under a second (time.perf_counter), one run above.  Every verdict is checked against the
family's expected one; the exit code is 1 when one differs or a judgement
crashed.

Writes OUT/scaling.tsv (family, n, threads, mode, seconds, verdict,
candidates) and OUT/scaling.png (one panel per family, every mode, log
time, the better fit of the verdict-only times), fits log(time) against
log(n) (power law t = a n^k) and against n (exponential t = a b^n) by least
squares, and prints a table.

    PYTHONPATH=src python benchmarks/scaling.py --max-n 12 --timeout 30 --out benchmarks/results
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from families import FAMILIES  # noqa: E402

from memcheck.checker import Checker, parse_test_text  # noqa: E402
from memcheck.engine.enumerate import Timeout  # noqa: E402

MODES = ("verdict-only", "states-only", "full")
LABELS = {"verdict-only": "verdict only", "states-only": "states only (no counts)",
          "full": "full enumeration (herd7's way)"}
MODEL = "lkmm"


@dataclass
class Row:
    family: str
    n: int
    threads: int
    mode: str
    seconds: float          # median wall time; for a timeout, the time it gave up after
    verdict: str            # Never / Sometimes / Always, or "timeout", or "error: ..."
    candidates: Optional[int]
    cpu: float = 0.0        # median process CPU time (to spot a busy machine)

    @property
    def done(self) -> bool:
        return self.verdict in ("Never", "Sometimes", "Always")


@dataclass
class Fit:
    slope: float
    intercept: float
    r2: float
    points: int


def least_squares(xs: list[float], ys: list[float]) -> Optional[Fit]:
    """y = intercept + slope * x, with R^2; None with fewer than 3 points."""
    if len(xs) < 3:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    slope = sxy / sxx
    intercept = my - slope * mx
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys))
    ss_tot = sum((y - my) ** 2 for y in ys)
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return Fit(slope, intercept, r2, len(xs))


REPEAT_BELOW = 1.0  # seconds: a run shorter than this is repeated (--repeat), the median kept
FIT_FROM = 12  # smaller sizes take milliseconds of fixed cost: they say nothing of growth
CANDIDATES_FROM = 4  # candidates have no fixed cost; the smallest sizes are all special cases


def fits(rows: list[Row], fit_from: int = FIT_FROM,
         value=lambda r: r.seconds) -> tuple[Optional[Fit], Optional[Fit]]:
    """(power law: log t vs log n, exponent = slope; exponential: log t vs n,
    base = exp(slope)) over the completed runs from size `fit_from` on (all
    of them when fewer than three are that large); `value`: what is fitted
    (the time, or the number of candidates)."""
    pts = [(r.n, value(r)) for r in rows if r.done and value(r)]
    if sum(n >= fit_from for n, _ in pts) >= 3:
        pts = [(n, t) for n, t in pts if n >= fit_from]
    ns, ts = [p[0] for p in pts], [math.log(p[1]) for p in pts]
    return least_squares([math.log(n) for n in ns], ts), least_squares([float(n) for n in ns], ts)


def describe_fits(power: Optional[Fit], expo: Optional[Fit]) -> str:
    if power is None or expo is None:
        return "too few points to fit"
    better = "power law" if power.r2 >= expo.r2 else "exponential"
    if max(power.r2, expo.r2) < 0.5:
        better = "neither (time nearly flat in n: noise dominates)"
    return (f"power law t ~ n^{power.slope:.2f} (R^2 {power.r2:.3f}); "
            f"exponential t ~ {math.exp(expo.slope):.2f}^n (R^2 {expo.r2:.3f}); "
            f"better: {better} ({power.points} points)")


def judge_once(checker: Checker, test, mode: str, timeout: float) -> tuple[float, float, str, Optional[int]]:
    """(wall seconds, cpu seconds, verdict, candidates) of one judgement."""
    cpu0, t0 = time.process_time(), time.perf_counter()
    try:
        v = checker.judge(test, MODEL, timeout, verdict_only=(mode == "verdict-only"),
                          states_only=(mode == "states-only")).verdict
        verdict, candidates = v.observation, v.candidates
    except Timeout:
        verdict, candidates = "timeout", None
    except Exception as e:  # a crash is a result too: reported, and a failure
        verdict, candidates = f"error: {type(e).__name__}: {e}".replace("\t", " ").replace("\n", " "), None
    return time.perf_counter() - t0, time.process_time() - cpu0, verdict, candidates


def measure(checker: Checker, family: str, n: int, mode: str, timeout: float, repeat: int) -> Row:
    fam = FAMILIES[family]
    test = parse_test_text(fam.generate(n).encode(), f"<{family}-{n}>")
    walls, cpus, verdicts, cands = [], [], [], []
    for _ in range(repeat):
        wall, cpu, verdict, candidates = judge_once(checker, test, mode, timeout)
        walls.append(wall), cpus.append(cpu), verdicts.append(verdict), cands.append(candidates)
        if verdict not in ("Never", "Sometimes", "Always"):
            break  # a timeout or crash: no use repeating it
        if wall > REPEAT_BELOW:
            break  # long runs vary little: one is enough
    verdict = verdicts[-1]  # a timeout or crash ends the runs and is the result
    if len(set(verdicts)) > 1 and verdict in ("Never", "Sometimes", "Always"):
        verdict = f"error: verdicts differ between runs: {verdicts}"
    return Row(family, n, fam.threads(n), mode, statistics.median(walls), verdict, cands[-1],
               statistics.median(cpus))


def read_tsv(path: Path) -> list[Row]:
    """Rows written by write_tsv (CPU times are not kept)."""
    rows = []
    for line in path.read_text().splitlines()[1:]:
        family, n, threads, mode, seconds, verdict, candidates = line.split("\t")
        rows.append(Row(family, int(n), int(threads), mode, float(seconds), verdict,
                        int(candidates) if candidates else None))
    return rows


def write_tsv(path: Path, rows: list[Row]) -> None:
    with path.open("w") as f:
        f.write("family\tn\tthreads\tmode\tseconds\tverdict\tcandidates\n")
        for r in rows:
            f.write(f"{r.family}\t{r.n}\t{r.threads}\t{r.mode}\t{r.seconds:.4f}\t{r.verdict}\t"
                    f"{'' if r.candidates is None else r.candidates}\n")


def plot(path: Path, rows: list[Row], families: list[str], timeout: float) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 2 if len(families) > 1 else 1
    nrows = math.ceil(len(families) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(6 * cols, 4.2 * nrows), squeeze=False)
    style = {"verdict-only": dict(color="tab:blue", marker="o"), "states-only": dict(color="tab:green", marker="^"),
             "full": dict(color="tab:red", marker="s")}
    for ax, family in zip(axes.flat, families):
        fam = FAMILIES[family]
        for mode in MODES:
            mine = [r for r in rows if r.family == family and r.mode == mode]
            done = [r for r in mine if r.done]
            label = LABELS[mode]
            ax.plot([r.n for r in done], [max(r.seconds, 1e-4) for r in done], label=label,
                    linestyle="-", **style[mode])
            out = [r for r in mine if r.verdict == "timeout"]
            if out:
                ax.plot([r.n for r in out], [r.seconds for r in out], linestyle="none", marker="x",
                        markersize=10, color=style[mode]["color"], label=f"{label}: timeout")
        mine = [r for r in rows if r.family == family and r.mode == "verdict-only" and r.done]
        power, expo = fits(mine)
        if power is not None and expo is not None:
            ns = [r.n for r in mine if r.n >= FIT_FROM] if sum(r.n >= FIT_FROM for r in mine) >= 3 \
                else [r.n for r in mine]
            xs = [min(ns) + i * (max(ns) - min(ns)) / 100 for i in range(101)]
            if power.r2 >= expo.r2:  # draw the better of the two fits
                ys = [math.exp(power.intercept) * x ** power.slope for x in xs]
                label = f"fit: n^{power.slope:.2f} (R$^2$ {power.r2:.2f})"
            else:
                ys = [math.exp(expo.intercept + expo.slope * x) for x in xs]
                label = f"fit: {math.exp(expo.slope):.2f}^n (R$^2$ {expo.r2:.2f})"
            ax.plot(xs, ys, color="tab:blue", linestyle="--", linewidth=1, label=label)
        ax.axhline(timeout, color="grey", linestyle=":", linewidth=1)
        ax.set_yscale("log")
        extra = fam.threads(0)
        ax.set_xlabel(f"n (threads = n + {extra})" if extra else "n (threads = n)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("seconds (wall, median)")
        ax.set_title(f"{family} (LKMM: {fam.expected})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    for ax in list(axes.flat)[len(families):]:
        ax.set_visible(False)
    fig.suptitle(f"memcheck, {MODEL}: verdict only, states only, full enumeration (timeout {timeout:g} s)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def table(rows: list[Row], families: list[str]) -> str:
    head = (f"{'family':<12} {'n':>3} {'thr':>3}  {'verdict-only s':>14} {'cands':>6}  {'states-only s':>13} "
            f"{'cands':>6}  {'full s':>9} {'cands':>7}  verdict")
    lines = [head, "-" * len(head)]
    by = {(r.family, r.n, r.mode): r for r in rows}
    for family in families:
        for n in sorted({r.n for r in rows if r.family == family}):
            v, st, f = (by.get((family, n, m)) for m in MODES)

            def cell(r: Optional[Row], width: int) -> str:
                if r is None:
                    return f"{'-':>{width}}"
                if r.verdict == "timeout":
                    return f"{'>' + format(r.seconds, '.0f'):>{width}}"
                return f"{r.seconds:>{width}.3f}" if r.done else f"{'error':>{width}}"

            def cands(r: Optional[Row], width: int) -> str:
                return f"{'' if r is None or r.candidates is None else r.candidates:>{width}}"

            verdicts = sorted({r.verdict for r in (v, st, f) if r is not None and r.verdict != "timeout"})
            lines.append(f"{family:<12} {n:>3} {FAMILIES[family].threads(n):>3}  {cell(v, 14)} {cands(v, 6)}  "
                         f"{cell(st, 13)} {cands(st, 6)}  {cell(f, 9)} {cands(f, 7)}  {'/'.join(verdicts)}")
    return "\n".join(lines)


def report_fits(rows: list[Row], families: list[str]) -> None:
    print(f"fits of log(time) over the completed runs from n = {FIT_FROM} (model {MODEL}):")
    for family in families:
        for mode in MODES:
            power, expo = fits([r for r in rows if r.family == family and r.mode == mode])
            print(f"  {family:<12} {mode:<12} {describe_fits(power, expo)}")
    print(f"fits of log(candidates) from n = {CANDIDATES_FROM}, which no machine load changes "
          "(t stands for the candidates):")
    for family in families:
        for mode in MODES:
            power, expo = fits([r for r in rows if r.family == family and r.mode == mode],
                               CANDIDATES_FROM, lambda r: r.candidates)
            print(f"  {family:<12} {mode:<12} {describe_fits(power, expo)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-n", type=int, default=12)
    ap.add_argument("--min-n", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per judgement")
    ap.add_argument("--repeat", type=int, default=5,
                    help=f"runs per point under {REPEAT_BELOW:g} s (milliseconds are noisy); the median is reported")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    ap.add_argument("--family", action="append", choices=sorted(FAMILIES),
                    help="only this family (repeatable); default all")
    ap.add_argument("--extra-n", default="16,24,32,48,64,96",
                    help="larger sizes judged verdict-only (comma-separated; '' for none), so that "
                         "its fit is not all fixed overhead")
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--from-tsv", type=Path, help="fit and plot the rows of an earlier run's TSV, judge nothing")
    args = ap.parse_args()
    extra = [int(x) for x in args.extra_n.split(",") if x.strip() and int(x) > args.max_n]
    families = args.family or list(FAMILIES)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.from_tsv:
        rows = [r for r in read_tsv(args.from_tsv) if r.family in families]
        print(table(rows, families))
        report_fits(rows, families)
        if not args.no_plot:
            plot(args.out / "scaling.png", rows, families, args.timeout)
        return 0

    checker = Checker()  # one per process: the model is compiled once
    warm = parse_test_text(FAMILIES["iriw"].generate(2).encode(), "<warm-up>")
    for mode in MODES:  # compile the model and set up Z3 before timing anything
        judge_once(checker, warm, mode, args.timeout)

    load0 = os.getloadavg()
    start = time.perf_counter()
    rows: list[Row] = []
    failures: list[str] = []
    for family in families:
        fam = FAMILIES[family]
        live = set(MODES)
        for n in list(range(args.min_n, args.max_n + 1)) + extra:
            for mode in MODES:
                if mode not in live or (n > args.max_n and mode != "verdict-only"):
                    continue
                r = measure(checker, family, n, mode, args.timeout, args.repeat)
                rows.append(r)
                note = ""
                if r.verdict == "timeout" or r.seconds > args.timeout:
                    live.discard(mode)
                    note = f"  (over {args.timeout:g} s: no larger n for {mode})"
                if not r.done and r.verdict != "timeout":
                    failures.append(f"{family} n={n} {mode}: {r.verdict}")
                elif r.done and r.verdict != fam.expected:
                    failures.append(f"{family} n={n} {mode}: {r.verdict}, expected {fam.expected}")
                    note += "  MISMATCH"
                print(f"{family} n={n} threads={r.threads} {mode}: {r.seconds:.3f} s, {r.verdict}, "
                      f"candidates {r.candidates}{note}", flush=True)
        write_tsv(args.out / "scaling.tsv", rows)  # after each family, so a long run leaves something
    wall = time.perf_counter() - start
    load1 = os.getloadavg()

    print()
    print(table(rows, families))
    print()
    report_fits(rows, families)

    done = [r for r in rows if r.done]
    cpu, busy = sum(r.cpu for r in done), sum(r.seconds for r in done)
    ratio = cpu / busy if busy else 1.0
    print()
    print(f"total {wall:.0f} s; CPU/wall of the judgements {ratio:.2f}; "
          f"load average {load0[0]:.2f} at start, {load1[0]:.2f} at end, on {os.cpu_count()} cores")
    if ratio < 0.9 or max(load0[0], load1[0]) > (os.cpu_count() or 1) - 0.5:
        print("note: the machine was busy (another process competing for the cores); "
              "timings are noisy, use --repeat 3 for steadier medians")

    if not args.no_plot:
        plot(args.out / "scaling.png", rows, families, args.timeout)
    print(f"wrote {args.out / 'scaling.tsv'}" + ("" if args.no_plot else f" and {args.out / 'scaling.png'}"))
    if failures:
        print("\nFAILURES:", *failures, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
