"""`memcheck check`: CI over a litmus corpus, each test held against its expectation.

Reads the tests, takes what it can from the result cache, judges the rest in
a killable local process pool or on a Dask cluster, grades every result
against the test's `Result:` lines or an expectations file, shows progress
and a summary, and writes JUnit and JSON reports. Exit 0 only when nothing
failed, errored or timed out.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, Mapping, Optional, Sequence

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..checker import Checker, models_dir
from ..cli_options import libdir_option, loop_options, loop_settings, verdict_options
from ..lower.loops import LoopOptions
from ..errors import MemcheckError
from .cache import ResultCache, fingerprint, model_files_key, result_key
from .expectations import ExpectationRules, load_expect_file, with_model_names
from .grading import CaseResult, grade
from .html_report import Pictures, wants_picture, write_html
from .judging import Judged, Task, judge_task, lost, prepare_checker
from .pool import Died, Finished, KillablePool, Overran
from .summary import Summary, print_report, write_json

CACHE_FLUSH_SECONDS = 1.0
WORKER_TASKS = 500  # tests a worker judges before it is replaced (Z3 memory)


@dataclass(frozen=True)
class CheckOptions:
    """Everything `memcheck check` was asked to do."""
    paths: tuple[str, ...]
    model_spec: str = "lkmm"
    result_model: str = "lkmm"
    expect: Optional[Path] = None
    jobs: Optional[int] = None  # None: every core this process may use
    timeout: Optional[float] = None
    use_cache: bool = True
    scheduler: Optional[str] = None
    junit: Optional[Path] = None
    json: Optional[Path] = None
    html: Optional[Path] = None  # a report page and a witness graph per verdict in this folder
    verdict_only: bool = False  # verdicts and flags without enumerating executions
    max_executions: Optional[int] = None  # past this many allowed executions, the verdict alone
    states_only: bool = False  # every final state, executions not counted
    libdirs: tuple[str, ...] = ()  # folders searched for the files a model file names (--libdir)
    loops: LoopOptions = LoopOptions()  # --unroll N, await loops exact or unrolled


def litmus_files(paths: Sequence[str]) -> list[str]:
    """The files named and every *.litmus below the folders named, once each."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        out += [str(f) for f in sorted(path.rglob("*.litmus"))] if path.is_dir() else [p]
    return list(dict.fromkeys(out))


def default_jobs() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def hard_limit(timeout: Optional[float], pictures: bool = False) -> Optional[float]:
    """When a worker is killed: the engine's own deadline plus a grace period
    (drawing a picture has a deadline of its own, as long as the test's)."""
    if timeout is None:
        return None
    budget = 2 * timeout if pictures else timeout
    return budget + 1.0 + 0.25 * budget


def judge_locally(tasks: Sequence[Task], models: Sequence[str], jobs: int,
                  timeout: Optional[float], libdirs: Sequence[str] = ()) -> Iterator[tuple[int, Judged]]:
    """(index, result) per task from a local pool whose stuck workers are killed."""
    pictures = any(t.picture or t.known is not None for t in tasks)
    pool: KillablePool = KillablePool(jobs, judge_task, partial(prepare_checker, tuple(models), tuple(libdirs)),
                                      hard_limit(timeout, pictures), preload=["memcheck.corpus.judging"],
                                      max_tasks_per_worker=WORKER_TASKS)
    for i, outcome in pool.run(tasks):
        if isinstance(outcome, Finished):
            yield i, outcome.value
        elif isinstance(outcome, Overran):
            yield i, lost(tasks[i], f"timed out after {timeout:g} s (worker killed after "
                                    f"{outcome.seconds:.1f} s)", outcome.seconds, timeout=True)
        elif isinstance(outcome, Died):
            yield i, lost(tasks[i], f"internal error: {outcome.message}", outcome.seconds)


def judge_on_cluster(address: str, tasks: Sequence[Task], models: Sequence[str],
                     libdirs: Sequence[str] = ()) -> Iterator[tuple[int, Judged]]:
    """(index, result) per task from the Dask cluster at `address`."""
    try:
        from .dask_runner import run_on_dask
    except ImportError as e:
        raise click.UsageError(f"--scheduler needs Dask: pip install 'memcheck[dask]' ({e})")
    try:
        yield from run_on_dask(address, tasks, models, libdirs)
    except (OSError, TimeoutError) as e:
        raise click.ClickException(f"Dask scheduler {address}: {type(e).__name__}: {e}")


def read_tests(files: Sequence[str], models: Sequence[str]
               ) -> tuple[list[tuple[str, bytes]], list[tuple[str, Judged]]]:
    """The tests' bytes; an unreadable file gives an error result per model."""
    read: list[tuple[str, bytes]] = []
    unreadable: list[tuple[str, Judged]] = []
    for f in files:
        try:
            read.append((f, Path(f).read_bytes()))
        except OSError as e:
            unreadable += [(f, Judged(m, error=f"cannot read: {e.strerror}")) for m in models]
    return read, unreadable


@dataclass
class Run:
    """One check run: what was asked, the expectation rules, the cache, a callback per result."""
    options: CheckOptions
    models: list[str]
    rules: ExpectationRules
    cache: Optional[ResultCache]
    on_result: Callable[[CaseResult], None]
    pictures: Optional[Pictures] = None  # --html: witness graphs are drawn and written here
    model_keys: Mapping[str, str] = field(default_factory=dict)  # a model file's cache identity (name and content)

    def execute(self, files: Sequence[str]) -> list[CaseResult]:
        """Judge (or look up) every test under every model and grade it."""
        o = self.options
        read, unreadable = read_tests(files, self.models)
        results = [self._graded(f, j) for f, j in unreadable]
        for r in results:
            self.on_result(r)
        pictures = self.pictures
        tasks = [Task(f, raw, m, o.timeout, picture=pictures is not None, verdict_only=o.verdict_only,
                      max_executions=o.max_executions, states_only=o.states_only, loops=o.loops)
                 for f, raw in read for m in self.models]
        keys: list[str] = []
        hits: dict[str, Judged] = {}
        if self.cache is not None or pictures is not None:  # pictures are named by the key too
            fp = fingerprint(models_dir())
            keys = [result_key(fp, self.model_keys.get(t.model, t.model), t.raw, t.mode) for t in tasks]
        if self.cache is not None:
            hits = self.cache.get_many(keys)
        todo: list[int] = []
        for i, t in enumerate(tasks):
            j = hits.get(keys[i]) if hits else None
            if (j is not None and pictures is not None and wants_picture(j)
                    and not pictures.have(t.file, keys[i], j)):
                tasks[i] = replace(t, known=j)  # served by the cache, its picture missing: draw it
                todo.append(i)
            elif j is not None:
                results.append(self._graded(t.file, j, cached=True))
                self.on_result(results[-1])
            else:
                todo.append(i)
        results += self._judge([tasks[i] for i in todo], [keys[i] for i in todo] if keys else [])
        order = {m: n for n, m in enumerate(self.models)}
        results.sort(key=lambda r: (r.file, order.get(r.model, len(order))))
        return results

    def _graded(self, file: str, j: Judged, cached: bool = False) -> CaseResult:
        """Grade one result against the expectation that applies to it."""
        exp = self.rules.find(file, j.model, j.judged_model or j.model, j.arch, j.comment)
        return grade(file, j, exp, cached)

    def _judge(self, tasks: list[Task], keys: list[str]) -> list[CaseResult]:
        """Judge `tasks` (locally or on the cluster), caching as results arrive."""
        if not tasks:
            return []
        o = self.options
        stream = (judge_on_cluster(o.scheduler, tasks, self.models, o.libdirs) if o.scheduler
                  else judge_locally(tasks, self.models, o.jobs or default_jobs(), o.timeout, o.libdirs))
        out: list[CaseResult] = []
        unsaved: list[tuple[str, Judged]] = []
        flushed = time.monotonic()
        for i, j in stream:
            t = tasks[i]
            if t.known is not None and (j.internal or j.timeout):  # drawing a cached result's picture died
                j = replace(t.known, picture_error=f"picture: {j.error}")
            if self.pictures is not None:
                j = self.pictures.save(t.file, keys[i], j)
            out.append(self._graded(t.file, j, cached=t.known is not None))
            self.on_result(out[-1])
            if self.cache is not None and t.known is None:
                unsaved.append((keys[i], j))
                if time.monotonic() - flushed > CACHE_FLUSH_SECONDS:
                    self.cache.put_many(unsaved)
                    unsaved, flushed = [], time.monotonic()
        if self.cache is not None:
            self.cache.put_many(unsaved)
        return out


def model_keys(checker: Checker, models: Sequence[str]) -> dict[str, str]:
    """Each model read from files keyed by its files' content too (a built-in
    model is covered by the fingerprint of memcheck's own models)."""
    return {m: model_files_key(m, checker.spec(m)) for m in models if m not in checker.index}


def run_check(o: CheckOptions, out: Console, err: Console) -> int:
    """Run a check as the command does; the exit code."""
    start = time.monotonic()
    checker = Checker(libdirs=o.libdirs)
    try:
        models = checker.model_names(o.model_spec)
        checker.spec(o.result_model)
        table = load_expect_file(o.expect, o.result_model) if o.expect else {}
        table = with_model_names(table, {s.file: n for n, s in checker.index.items()})
        keys = model_keys(checker, models)
    except MemcheckError as e:
        raise click.UsageError(str(e) if e.file else e.message)
    arch = {n: s.arch for n, s in checker.index.items()} | {m: checker.spec(m).arch for m in models}
    rules = ExpectationRules(o.result_model, arch, table)
    cache = ResultCache.default() if o.use_cache else None
    files = litmus_files(o.paths)
    total = len(files) * len(models)
    if not total:
        raise click.UsageError("no litmus tests found")
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=err)
    bar = progress.add_task("checking", total=total)
    pictures = Pictures(o.html) if o.html else None
    bad = 0

    def on_result(r: CaseResult) -> None:
        nonlocal bad
        bad += r.status.bad
        progress.update(bar, advance=1, description=f"checking ({bad} bad)" if bad else "checking")

    try:
        with progress:
            results = Run(o, models, rules, cache, on_result, pictures, keys).execute(files)
    finally:
        if cache is not None:
            cache.close()
    summary = Summary.of(results, time.monotonic() - start)
    print_report(out, results, summary)
    if o.junit:
        from .junit import write_junit
        write_junit(results, o.junit, models)
    if o.json:
        write_json(results, summary, o.json)
    if o.html:
        page = write_html(results, summary, o.html, pictures)
        out.print(f"HTML report: {page}", highlight=False, soft_wrap=True)
    return 0 if summary.ok else 1


@click.command("check")
@click.argument("paths", nargs=-1, required=True)
@click.option("--model", "model_spec", default="lkmm", show_default=True,
              help="Model(s) to judge under: a name, a .cfg or .cat file, a comma-separated list, or 'all'.")
@libdir_option
@click.option("--expect", type=click.Path(dir_okay=False, path_type=Path),
              help="Expectations TSV (file, model, verdict); overrides the tests' Result: lines.")
@click.option("--result-model", default="lkmm", show_default=True,
              help="The model an unqualified 'Result:' line of a C test speaks of.")
@click.option("--junit", "junit", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a JUnit XML report here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a JSON report here.")
@click.option("--html", "html_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write a report page DIR/index.html, with a witness graph (SVG) per verdict, into DIR.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: every core).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds allowed per test and model; a stuck worker is killed.")
@click.option("--no-cache", is_flag=True, help="Judge every test again; neither read nor write the cache.")
@verdict_options
@loop_options
@click.option("--scheduler", metavar="ADDRESS", help="Judge on this Dask scheduler (memcheck[dask]).")
def check_command(paths: tuple[str, ...], model_spec: str, expect: Optional[Path], result_model: str,
                  junit: Optional[Path], json_path: Optional[Path], html_dir: Optional[Path],
                  jobs: Optional[int], timeout: Optional[float], no_cache: bool, verdict_only: bool,
                  max_executions: int, states_only: bool, scheduler: Optional[str],
                  libdirs: tuple[str, ...] = (), unroll: int = 2, unroll_awaits: bool = False) -> None:
    """Check a litmus corpus against its expected results (CI)."""
    if verdict_only and states_only:
        raise click.UsageError("--verdict-only and --states-only exclude each other")
    options = CheckOptions(paths, model_spec, result_model, expect, jobs, timeout, not no_cache,
                           scheduler, junit, json_path, html_dir, verdict_only, max_executions or None,
                           states_only, tuple(libdirs), loop_settings(unroll, unroll_awaits))
    raise SystemExit(run_check(options, Console(), Console(stderr=True)))
