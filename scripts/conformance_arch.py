#!/usr/bin/env python3
"""Compare memcheck's architecture models with herd7 on the assembly corpus.

Judges every test of ../shared/corpus/arch/{X86,AArch64,PPC,RISCV} under the
architecture's model (x86, arm64, power, riscv) and prints, per architecture, the
agreement with herd7.tsv (verdict, final states, witness counts), our time,
and every mismatch with the states only one side has.

herd7.tsv's witness counts are those of herd7's `Positive: P Negative: N`
line, which for a `~exists` test counts the executions satisfying the whole
negated condition; ours are compared the same way.

With `--herd-libdir DIR` each folder is judged under herd's own model of
its architecture read from DIR (DIR/x86tso.cat, DIR/aarch64.cat, DIR/ppc.cat,
DIR/riscv.cat, as herd7.tsv was), its includes found there too.

    python scripts/conformance_arch.py ../shared/corpus/arch -j 2
    python scripts/conformance_arch.py ../shared/corpus/arch --arch PPC --match MP+
    python scripts/conformance_arch.py ../shared/corpus/arch --herd-libdir ../shared/herd-libdir
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from memcheck.corpus.conformance import Comparison, compare_corpus
from memcheck.corpus.herd_tsv import read_herd_tsv

# architecture folder -> the model judging it
ARCH_MODELS = {"X86": "x86", "AArch64": "arm64", "PPC": "power", "RISCV": "riscv"}
# architecture folder -> herd's own model of it (herd7.tsv's `model` column)
HERD_MODELS = {"X86": "x86tso.cat", "AArch64": "aarch64.cat", "PPC": "ppc.cat", "RISCV": "riscv.cat"}


def report(results: dict[str, list[Comparison]], model: str, wall: float, jobs: int,
           verdict_only: bool = False) -> None:
    """The agreement table, then every mismatch."""
    print(f"{'arch':8} {'model':6} {'tests':>6} {'verdict%':>9} {'states%':>8} {'counts%':>8}"
          f" {'errors':>6} {'timeouts':>8} {'ours s':>8} {'max s':>6}")
    for arch, rows in results.items():
        n = len(rows) or 1
        print(f"{arch:8} {Path(model).name if model else ARCH_MODELS[arch]:6} {len(rows):6d}"
              f" {100 * sum(r.verdict_equal for r in rows) / n:9.2f}"
              f" {100 * sum(r.states_equal for r in rows) / n:8.2f}"
              f" {100 * sum(r.counts_equal for r in rows) / n:8.2f}"
              f" {sum(bool(r.error) for r in rows):6d} {sum(r.timeout for r in rows):8d}"
              f" {sum(r.seconds for r in rows):8.1f} {max((r.seconds for r in rows), default=0):6.2f}")
    print(f"wall time {wall:.1f} s with -j {jobs}; herd7.tsv records no times for this corpus"
          " (its README: every test under 3 s)")
    print("\nmismatches:")
    for arch, rows in results.items():
        for r in rows:
            name = f"{arch}/{r.file}"
            if r.error:
                print(f"  ERROR   {name}: {r.error}")
            elif r.timeout:
                print(f"  TIMEOUT {name} (herd7 {r.herd.verdict})")
            elif not r.verdict_equal or (not r.states_equal and not verdict_only):
                kind = "VERDICT" if not r.verdict_equal else "STATES "
                print(f"  {kind} {name}: memcheck {r.verdict}, herd7 {r.herd.verdict}")
                extra, missing = r.state_diff()
                for s in extra:
                    print(f"      only memcheck: {s}")
                for s in missing:
                    print(f"      only herd7:    {s}")
    for arch, rows in results.items():
        for r in rows:
            if r.verdict_equal and r.states_equal and not r.counts_equal and not verdict_only:
                print(f"  COUNTS  {arch}/{r.file}: memcheck {r.witnesses[0]}/{r.witnesses[1]},"
                      f" herd7 {r.herd.positive}/{r.herd.negative}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path, nargs="?",
                    default=Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arch")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--arch", action="append", default=[], help="only these architectures")
    ap.add_argument("--model", default="", help="judge every folder under this model instead")
    ap.add_argument("--herd-libdir", default="",
                    help="judge each folder under herd's own model of its architecture from this folder")
    ap.add_argument("-I", "--libdir", action="append", default=[],
                    help="a folder searched for a model file's includes")
    ap.add_argument("--match", default="", help="only files whose name contains this")
    ap.add_argument("--verdict-only", action="store_true",
                    help="decide verdicts without enumerating executions (no states or counts)")
    ap.add_argument("--tsv", type=Path, help="write one row per test here")
    args = ap.parse_args()

    start = time.monotonic()
    results: dict[str, list[Comparison]] = {}
    libdirs = tuple(str(Path(d).resolve()) for d in args.libdir + ([args.herd_libdir] if args.herd_libdir else []))
    shown = args.model
    for arch in (HERD_MODELS if args.herd_libdir else ARCH_MODELS):
        folder = args.corpus / arch
        if (args.arch and arch not in args.arch) or not (folder / "herd7.tsv").exists():
            continue
        model = args.model or ARCH_MODELS.get(arch, "")
        if args.herd_libdir:
            model = shown = str(Path(args.herd_libdir).resolve() / HERD_MODELS[arch])
        rows = [r for r in read_herd_tsv(folder / "herd7.tsv").values() if r.judged and args.match in r.file]
        t0 = time.monotonic()
        results[arch] = compare_corpus(folder, rows, model, args.jobs, args.timeout,
                                       verdict_only=args.verdict_only, witnesses_line=True, libdirs=libdirs)
        print(f"  {arch}: {len(rows)} tests in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    report(results, "herd's" if args.herd_libdir else shown, time.monotonic() - start, args.jobs,
           args.verdict_only)
    if args.tsv:
        with open(args.tsv, "w") as f:
            f.write("file\therd\tours\tstates_equal\tcounts_equal\tseconds\terror\n")
            for arch, rows in results.items():
                for r in rows:
                    f.write(f"{arch}/{r.file}\t{r.herd.verdict}\t"
                            f"{r.verdict or ('TIMEOUT' if r.timeout else 'ERROR')}\t"
                            f"{int(r.states_equal)}\t{int(r.counts_equal)}\t{r.seconds:.3f}\t{r.error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
