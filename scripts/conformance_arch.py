#!/usr/bin/env python3
"""Compare memcheck's architecture models with herd7 on the assembly corpus.

Judges every test of ../shared/corpus/arch/{X86,AArch64,PPC} under the
architecture's model (x86, arm64, power) and prints, per architecture, the
agreement with herd7.tsv (verdict, final states, witness counts), our time,
and every mismatch with the states only one side has.

    python scripts/conformance_arch.py ../shared/corpus/arch -j 2
    python scripts/conformance_arch.py ../shared/corpus/arch --arch PPC --match MP+
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from memcheck.corpus.conformance import Comparison, compare_corpus
from memcheck.corpus.herd_tsv import canonical_herd_states, read_herd_tsv

# architecture folder -> the model judging it
ARCH_MODELS = {"X86": "x86", "AArch64": "arm64", "PPC": "power"}


def state_diff(c: Comparison) -> tuple[list[str], list[str]]:
    """States only memcheck allows, and states only herd7 allows."""
    ours = set(c.states.split(" | ")) if c.states else set()
    herd = canonical_herd_states(c.herd.states)
    theirs = set(herd.split(" | ")) if herd else set()
    return sorted(ours - theirs), sorted(theirs - ours)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path, nargs="?",
                    default=Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arch")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--arch", action="append", default=[], help="only these architectures")
    ap.add_argument("--model", default="", help="judge every folder under this model instead")
    ap.add_argument("--match", default="", help="only files whose name contains this")
    ap.add_argument("--tsv", type=Path, help="write one row per test here")
    args = ap.parse_args()

    start = time.monotonic()
    results: dict[str, list[Comparison]] = {}
    for arch, model in ARCH_MODELS.items():
        folder = args.corpus / arch
        if (args.arch and arch not in args.arch) or not (folder / "herd7.tsv").exists():
            continue
        rows = [r for r in read_herd_tsv(folder / "herd7.tsv").values()
                if r.judged and args.match in r.file]
        t0 = time.monotonic()
        results[arch] = compare_corpus(folder, rows, args.model or model, args.jobs, args.timeout)
        print(f"  {arch}: {len(rows)} tests in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    wall = time.monotonic() - start

    print(f"{'arch':8} {'model':6} {'tests':>6} {'verdict%':>9} {'states%':>8} {'counts%':>8}"
          f" {'errors':>6} {'timeouts':>8} {'ours s':>8} {'max s':>6}")
    for arch, cs in results.items():
        n = len(cs) or 1
        print(f"{arch:8} {args.model or ARCH_MODELS[arch]:6} {len(cs):6d}"
              f" {100 * sum(c.verdict_equal for c in cs) / n:9.2f}"
              f" {100 * sum(c.states_equal for c in cs) / n:8.2f}"
              f" {100 * sum(c.counts_equal for c in cs) / n:8.2f}"
              f" {sum(bool(c.error) for c in cs):6d} {sum(c.timeout for c in cs):8d}"
              f" {sum(c.seconds for c in cs):8.1f} {max((c.seconds for c in cs), default=0):6.2f}")
    print(f"wall time {wall:.1f} s with -j {args.jobs}; herd7 records no times for this corpus"
          " (its README: every test under 3 s)")

    print("\nmismatches:")
    for arch, cs in results.items():
        for c in cs:
            name = f"{arch}/{c.file}"
            if c.error:
                print(f"  ERROR   {name}: {c.error}")
            elif c.timeout:
                print(f"  TIMEOUT {name} (herd7 {c.herd.verdict})")
            elif not c.verdict_equal or not c.states_equal:
                kind = "VERDICT" if not c.verdict_equal else "STATES "
                extra, missing = state_diff(c)
                print(f"  {kind} {name}: memcheck {c.verdict}, herd7 {c.herd.verdict}")
                for s in extra:
                    print(f"      only memcheck: {s}")
                for s in missing:
                    print(f"      only herd7:    {s}")
    counts = [f"{arch}/{c.file} ({c.verdict} ours vs herd7 {c.herd.positive}/{c.herd.negative})"
              for arch, cs in results.items() for c in cs
              if c.verdict_equal and c.states_equal and not c.counts_equal]
    if counts:
        print(f"\nsame verdict and states, other witness counts: {len(counts)}")
    if args.tsv:
        with open(args.tsv, "w") as f:
            f.write("file\therd\tours\tstates_equal\tcounts_equal\tseconds\terror\n")
            for arch, cs in results.items():
                for c in cs:
                    f.write(f"{arch}/{c.file}\t{c.herd.verdict}\t"
                            f"{c.verdict or ('TIMEOUT' if c.timeout else 'ERROR')}\t"
                            f"{int(c.states_equal)}\t{int(c.counts_equal)}\t{c.seconds:.3f}\t{c.error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
