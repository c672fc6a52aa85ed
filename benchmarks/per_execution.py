#!/usr/bin/env python3
"""What one execution costs, phase by phase, in a full listing.

Lists every allowed execution of each test under the LKMM (as `memcheck
run` does) with timers around the phases of the enumeration loop: the
solver's check, reading its model, the cat check (with the execution's
view), explanations of refuted candidates, blocking what was listed; and
once more with free choices left to the solver (`--compare`), as before
engine/free_choices.py.  Prints milliseconds per execution listed.

    PYTHONPATH=src python benchmarks/per_execution.py \\
        ../shared/corpus/lkmm/auto/C-RR-G+RR-G+RR-G+RR-G+RR-G+RR-R.litmus --compare
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from contextlib import contextmanager

import z3

from memcheck.checker import Checker, condition_text, read_test
from memcheck.engine import enumerate as E
from memcheck.engine.judge import judge_program

PHASES = {  # phase -> (owner, attribute) whose calls it times
    "solver check": (z3.Solver, "check"),
    "solver model": (z3.Solver, "model"),
    "read model": (E, "read_candidate"),
    "free-choice variants": (E, "with_choices"),
    "cat check (with view)": (E.Refinement, "check"),
    "explanation": (E.Evaluator, "explain"),
    "block / refute": (E.Refinement, "block"),
}


@contextmanager
def timers(spent: Counter):
    """Time every call of the PHASES while inside (restored after)."""
    saved = {name: getattr(owner, attr) for name, (owner, attr) in PHASES.items()}

    def wrap(name, f):
        def timed(*a, **k):
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                spent[name] += time.perf_counter() - t
        return timed
    for name, (owner, attr) in PHASES.items():
        setattr(owner, attr, wrap(name, saved[name]))
    try:
        yield
    finally:
        for name, (owner, attr) in PHASES.items():
            setattr(owner, attr, saved[name])


def measure(checker: Checker, path: str, expand: bool) -> tuple[float, int, int, Counter]:
    """(seconds, executions listed, solver answers, seconds per phase) of one full listing."""
    test = read_test(path)
    program = checker.lower(test, "lkmm")
    evaluator = checker.evaluator("lkmm")
    spent: Counter = Counter()
    with timers(spent):
        start = time.perf_counter()
        j = judge_program(test, program, evaluator, "lkmm", condition_text(test.condition),
                          ctx=z3.Context(), expand=expand)
        seconds = time.perf_counter() - start
    return seconds, len(j.allowed), j.verdict.candidates, spent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tests", nargs="+")
    ap.add_argument("--compare", action="store_true",
                    help="also list with free choices left to the solver")
    args = ap.parse_args()
    checker = Checker()
    checker.judge(read_test(args.tests[0]), "lkmm")  # compile the model first
    for path in args.tests:
        for expand in ((True, False) if args.compare else (True,)):
            seconds, n, candidates, spent = measure(checker, path, expand)
            label = "free choices" if expand else "solver alone"
            print(f"{path.rsplit('/', 1)[-1]} [{label}]: {seconds:.2f} s, {n} executions, "
                  f"{candidates} candidates, {1000 * seconds / max(n, 1):.3f} ms an execution")
            for name in PHASES:
                if spent[name]:
                    print(f"    {name:24} {1000 * spent[name] / max(n, 1):7.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
