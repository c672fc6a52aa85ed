"""The `memcheck portability` command: options in, reports out, exit 1 when a test is unsound."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..cli_options import libdir_option
from .grading import CaseResult
from .portability import ERROR
from .portability_report import (change_line, change_record, changes_summary, json_line, summary_tables,
                                 test_lines, test_record)
from .portability_run import (PortabilityOptions, UsageProblem, compare_variants, html_pictures,
                              run_portability)


def _progress(err: Console) -> tuple[Progress, Callable[[CaseResult], None]]:
    """A progress bar on stderr, advanced once per test and model judged or looked up."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True)
    bar = progress.add_task("judging", total=None)

    def advance(r: CaseResult) -> None:
        progress.update(bar, advance=1)
    return progress, advance


def run_command(o: PortabilityOptions, json_out: bool, html_dir: Optional[Path],
                compare: Optional[tuple[str, str]], out: Console, err: Console) -> int:
    """Run the command as asked; the exit code."""
    progress, advance = _progress(err)
    try:
        if compare is not None:
            with progress:
                changes, tests, unreadable, failed = compare_variants(o, compare[0], compare[1], advance)
            for message in unreadable:
                err.print(message, highlight=False, soft_wrap=True, markup=False)
            for c in changes:
                out.print(json_line(change_record(c)) if json_out else change_line(c),
                          highlight=False, soft_wrap=True, markup=False)
            for message in failed:
                err.print(message, highlight=False, soft_wrap=True, markup=False)
            (err if json_out else out).print(changes_summary(changes, tests, *compare), highlight=False)
            return 1 if unreadable or failed else 0
        with progress:
            run = run_portability(o, advance)
    except UsageProblem as e:
        raise click.UsageError(str(e))
    for message in run.unreadable:
        err.print(message, highlight=False, soft_wrap=True, markup=False)
    pictures = html_pictures(run, html_dir) if html_dir else {}
    for p in run.results:
        if json_out:
            out.print(json_line(test_record(p, run.explanations, pictures)), highlight=False,
                      soft_wrap=True, markup=False)
        else:
            for line in test_lines(p, run.explanations, pictures):
                out.print(line, highlight=False, soft_wrap=True, markup=False)
    for table in summary_tables(run.summary, run.reference):
        (err if json_out else out).print(table)
    if html_dir:
        from .portability_html import write_page
        page = write_page(html_dir, run.reference, run.columns, run.results, run.summary, run.explanations,
                          pictures)
        (err if json_out else out).print(f"HTML report: {page}", highlight=False, soft_wrap=True)
    bad_input = run.summary.classes.get(ERROR, 0) or run.unreadable
    return 1 if run.summary.unsound or bad_input else 0


@click.command("portability")
@click.argument("paths", nargs=-1, required=True)
@click.option("--model", "model_spec", default="all", show_default=True,
              help="The LKMM and the architectures to hold against it: names (ARCH/VARIANT for a "
                   "lowering variant, a .toml file for one of your own), comma-separated, or 'all'.")
@click.option("--variants", is_flag=True,
              help="Also every variant each architecture's lowering table defines, as its own column "
                   "(arm64/llsc, arm64/4.14, power/4.14, riscv/llsc, riscv/6.6).")
@click.option("--compare-variants", "compare", nargs=2, metavar="A B", default=None,
              help="Instead: the tests whose verdict differs between two lowering variants of one "
                   "architecture (e.g. arm64/4.14 arm64).")
@libdir_option
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: every core).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds allowed per test and model; a stuck worker is killed.")
@click.option("--no-cache", is_flag=True, help="Judge every test again; neither read nor write the cache.")
@click.option("--json", "json_out", is_flag=True,
              help="One JSON object per test on stdout (the summary goes to stderr).")
@click.option("--html", "html_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write a report page DIR/index.html, with the unsound tests' witness graphs, into DIR.")
def portability_command(paths: tuple[str, ...], model_spec: str, variants: bool,
                        compare: Optional[tuple[str, str]], jobs: Optional[int], timeout: Optional[float],
                        no_cache: bool, json_out: bool, html_dir: Optional[Path],
                        libdirs: tuple[str, ...] = ()) -> None:
    """Hold the LKMM against every architecture: for each C test, the final states
    each architecture allows (as the kernel compiles it) beside the LKMM's, and a
    class: unsound, conservative, architecture-dependent, uniform or lkmm-only.
    Exit 1 when a test is unsound or bad input."""
    options = PortabilityOptions(paths, model_spec, variants, jobs, timeout, not no_cache, tuple(libdirs))
    raise SystemExit(run_command(options, json_out, html_dir, compare, Console(), Console(stderr=True)))
