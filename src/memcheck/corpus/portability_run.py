"""`memcheck portability`: the LKMM beside every architecture, test by test.

Judging goes through `memcheck check`'s pool and result cache (corpus/check.py's
Run), in two passes: every architecture column first, keeping each test's
final states; then the LKMM, with its states where some architecture could
run the test and its verdict alone where none could (grace periods, SRCU).
The classes come from corpus/portability.py; the unsound states are then
explained in this process (corpus/portability_witness.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..checker import Checker, parse_test_text
from ..errors import MemcheckError
from ..litmus import ast as A
from ..lower.hardware import ARCHITECTURES
from .cache import ResultCache
from .check import CheckOptions, Run, litmus_files, model_keys, read_tests
from .expectations import ExpectationRules
from .grading import CaseResult
from .judging import Judged, Task
from .portability import (Column, Explanation, Portability, PortabilitySummary, UNSOUND, VariantChange,
                          classify, summarize, variant_changes)


# Past this many final states a model's are not listed, its verdict alone is
# decided (readers of eight RCU read-side sections: 2^16 states).
MAX_STATES = 1024


@dataclass(frozen=True)
class PortabilityOptions:
    """Everything `memcheck portability` was asked to do."""
    paths: tuple[str, ...]
    model_spec: str = "all"
    variants: bool = False  # every variant of every architecture's lowering table, as columns
    jobs: Optional[int] = None
    timeout: Optional[float] = None
    use_cache: bool = True
    libdirs: tuple[str, ...] = ()
    explain: bool = True  # explain each unsound state (a witness graph and the LKMM's axiom)


class UsageProblem(Exception):
    """The command line asks for something impossible: the message says what."""


def is_hardware(checker: Checker, model: str) -> bool:
    """Does `model` judge C tests through an architecture's lowering?"""
    return checker.spec(model).lowering != "lkmm"


def choose_models(checker: Checker, spec: str, variants: bool) -> tuple[str, list[str]]:
    """The reference model (the first LKMM-lowered one named, else `lkmm`) and
    the columns held against it; `all` is lkmm and every hardware model; with
    `variants`, each architecture is followed by its lowering table's variants."""
    try:
        if spec == "all":
            names = ["lkmm"] + [n for n in checker.index if is_hardware(checker, n)]
        else:
            names = checker.model_names(spec)
        reference = next((n for n in names if not is_hardware(checker, n)), "lkmm")
        checker.spec(reference)
        columns: list[str] = []
        for n in names:
            if n == reference:
                continue
            columns.append(n)
            if variants and checker.spec(n).lowering in ARCHITECTURES:
                columns += checker.variant_names(n)
    except MemcheckError as e:
        raise UsageProblem(str(e) if e.file else e.message) from None
    columns = list(dict.fromkeys(columns))
    if not columns:
        raise UsageProblem("portability needs an architecture to hold the LKMM against "
                           "(--model lkmm,x86,arm64,power,riscv or all)")
    return reference, columns


def is_c_test(raw: bytes) -> bool:
    """A C litmus test (its first word `C`); assembly tests have no LKMM verdict to compare."""
    words = raw.lstrip().split(None, 1)
    return bool(words) and words[0] == b"C"


def column(r: CaseResult, file: str) -> Column:
    """A corpus result as a portability column."""
    j: Judged = r.judged
    states = frozenset(j.states) if j.states is not None else None
    error = j.located_error(file) if j.error else ""
    return Column(r.model, j.verdict, states, error, refused=bool(j.error) and not j.internal and not j.timeout,
                  seconds=j.seconds)


@dataclass
class Judging:
    """The pool and cache of one run, and the counts the summary shows."""
    options: PortabilityOptions
    checker: Checker
    cache: Optional[ResultCache]
    on_result: Callable[[CaseResult], None]
    cache_hits: int = 0
    judged: int = 0

    def run(self, models: Sequence[str], tasks: list[Task], unreadable: Sequence[tuple[str, Judged]] = ()
            ) -> list[CaseResult]:
        """Judge `tasks` through check's Run (pool, cache, worker limits)."""
        o = self.options
        check = CheckOptions(o.paths, jobs=o.jobs, timeout=o.timeout, use_cache=o.use_cache, libdirs=o.libdirs)
        arch = {m: self.checker.spec(m).arch for m in models}
        rules = ExpectationRules("lkmm", arch, {})
        results = Run(check, list(models), rules, self.cache, self.on_result,
                      model_keys=model_keys(self.checker, models)).execute_tasks(tasks, unreadable)
        hits = sum(r.cached for r in results)
        self.cache_hits += hits
        self.judged += len(results) - hits
        return results

    def states_task(self, file: str, raw: bytes, model: str) -> Task:
        """A task listing every final state (no execution counts), kept in the
        result; past MAX_STATES states, the verdict alone."""
        return Task(file, raw, model, self.options.timeout, states_only=True, keep_states=True,
                    max_executions=MAX_STATES)


def read_c_tests(paths: Sequence[str]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The C tests under `paths` (bytes) and the unreadable files' errors."""
    files = litmus_files(paths)
    if not files:
        raise UsageProblem("no litmus tests found")
    read, unreadable = read_tests(files, ["-"])
    errors = [j.located_error(f) for f, j in unreadable]
    return [(f, raw) for f, raw in read if is_c_test(raw)], errors


def shared_lowerings(checker: Checker, file: str, raw: bytes, columns: Sequence[str]) -> dict[str, str]:
    """Columns whose result another column's gives: the same model and the
    same lowered program (a variant changes nothing this test uses), each
    mapped to the first such column; a test that does not parse or lower
    maps nothing (its errors come from judging)."""
    try:
        test = parse_test_text(raw, file)
        if not isinstance(test, A.Test):
            return {}
        seen: list[tuple[str, object, str]] = []  # (model identity, program, first column)
        out: dict[str, str] = {}
        for m in columns:
            try:
                identity, program = checker.model_identity(m), checker.lower(test, m)
            except Exception:  # judging reports it
                continue
            first = next((c for i, p, c in seen if i == identity and p == program), None)
            if first is None:
                seen.append((identity, program, m))
            else:
                out[m] = first
        return out
    except MemcheckError:
        return {}


def judge_portability(judging: Judging, reference: str, columns: Sequence[str],
                      tests: Sequence[tuple[str, bytes]]) -> list[Portability]:
    """Every test's class: the columns first (states; a column whose lowered
    program another column has is not judged twice), then the LKMM (states
    where a column ran the test, the verdict alone where none could)."""
    by_file: dict[str, dict[str, CaseResult]] = {f: {} for f, _ in tests}
    same = {f: shared_lowerings(judging.checker, f, raw, columns) for f, raw in tests}
    arch_tasks = [judging.states_task(f, raw, m) for f, raw in tests for m in columns if m not in same[f]]
    for r in judging.run(columns, arch_tasks):
        by_file[r.file][r.model] = r
    cols = {f: [replace(column(by_file[f][same[f].get(m, m)], f), model=m) for m in columns] for f, _ in tests}
    lkmm_tasks = []
    for f, raw in tests:
        if all(c.refused for c in cols[f]):
            lkmm_tasks.append(Task(f, raw, reference, judging.options.timeout, verdict_only=True))
        else:
            lkmm_tasks.append(judging.states_task(f, raw, reference))
    lkmm = {r.file: r for r in judging.run([reference], lkmm_tasks)}
    out = []
    for f, _ in tests:
        r = lkmm[f]
        out.append(classify(f, r.judged.name, column(r, f), cols[f]))
    return out


def explain_all(checker: Checker, reference: str, results: Sequence[Portability],
                raw: dict[str, bytes], timeout: Optional[float]) -> dict[tuple[str, str], Explanation]:
    """The first unsound state of every (test, architecture), explained."""
    from .portability_witness import explain_state
    out: dict[tuple[str, str], Explanation] = {}
    for p in results:
        if p.klass != UNSOUND:
            continue
        for u in p.unsound:
            out[(p.file, u.model)] = explain_state(checker, p.file, raw[p.file], reference, u.model,
                                                   u.states[0] if u.states else None, timeout)
    return out


@dataclass(frozen=True)
class PortabilityRun:
    """What a run found, with what the reports need."""
    reference: str
    columns: tuple[str, ...]
    results: tuple[Portability, ...]
    summary: PortabilitySummary
    explanations: dict[tuple[str, str], Explanation]
    unreadable: tuple[str, ...] = ()


def run_portability(o: PortabilityOptions, on_result: Callable[[CaseResult], None] = lambda r: None
                    ) -> PortabilityRun:
    """Judge and classify every C test under `o.paths`."""
    start = time.monotonic()
    checker = Checker(libdirs=o.libdirs)
    reference, columns = choose_models(checker, o.model_spec, o.variants)
    tests, unreadable = read_c_tests(o.paths)
    cache = ResultCache.default() if o.use_cache else None
    judging = Judging(o, checker, cache, on_result)
    try:
        results = judge_portability(judging, reference, columns, tests)
    finally:
        if cache is not None:
            cache.close()
    explanations = explain_all(checker, reference, results, dict(tests), o.timeout) if o.explain else {}
    summary = summarize(results, columns, time.monotonic() - start, judging.cache_hits, judging.judged)
    return PortabilityRun(reference, tuple(columns), tuple(results), summary, explanations, tuple(unreadable))


def same_architecture(checker: Checker, a: str, b: str) -> None:
    """Two lowering variants of one architecture, or a usage problem saying why not."""
    try:
        sa, sb = checker.spec(a), checker.spec(b)
    except MemcheckError as e:
        raise UsageProblem(str(e) if e.file else e.message) from None
    for name, s in ((a, sa), (b, sb)):
        if s.lowering == "lkmm":
            raise UsageProblem(f"--compare-variants: '{name}' is not an architecture's lowering")
    if sa.arch != sb.arch:
        raise UsageProblem(f"--compare-variants: '{a}' and '{b}' lower to different architectures "
                           f"({sa.arch}, {sb.arch})")


def compare_variants(o: PortabilityOptions, a: str, b: str,
                     on_result: Callable[[CaseResult], None] = lambda r: None
                     ) -> tuple[list[VariantChange], int, list[str], list[str]]:
    """The tests whose verdict differs between variants `a` and `b` (judged as
    the portability columns are, so that either run's cache serves the
    other; a test both lower to the same program is not judged), the number
    of C tests compared, the unreadable files, and the errors of the tests
    either variant could not judge."""
    checker = Checker(libdirs=o.libdirs)
    same_architecture(checker, a, b)
    tests, unreadable = read_c_tests(o.paths)
    differ = [(f, raw) for f, raw in tests if b not in shared_lowerings(checker, f, raw, [a, b])]
    cache = ResultCache.default() if o.use_cache else None
    judging = Judging(o, checker, cache, on_result)
    try:
        results = judging.run([a, b], [judging.states_task(f, raw, m) for f, raw in differ for m in (a, b)])
    finally:
        if cache is not None:
            cache.close()
    found = {(r.file, r.model): r for r in results}
    pairs = [(f, found[(f, a)].judged.name, column(found[(f, a)], f), column(found[(f, b)], f)) for f, _ in differ]
    failed = list(dict.fromkeys(c.error for _, _, ca, cb in pairs for c in (ca, cb) if c.verdict is None))
    return variant_changes(pairs), len(tests), unreadable, failed


def html_pictures(run: PortabilityRun, directory: Path) -> dict[tuple[str, str], str]:
    """Write every explanation's SVG into `directory`/graphs; its path relative to the page."""
    from ..report.witness_files import picture_stem
    graphs = directory / "graphs"
    taken: set[str] = set()
    out: dict[tuple[str, str], str] = {}
    names = {p.file: p.name for p in run.results}
    for (file, model), e in run.explanations.items():
        if not e.svg:
            continue
        graphs.mkdir(parents=True, exist_ok=True)
        stem = picture_stem(names.get(file) or Path(file).stem, model, taken)
        (graphs / f"{stem}.svg").write_text(e.svg, encoding="utf-8")
        out[(file, model)] = f"graphs/{stem}.svg"
    return out
