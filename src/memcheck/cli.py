"""The `memcheck` command line."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator, Optional

import click

from . import __version__
from .checker import MAX_EXECUTIONS, Checker, read_test
from .cli_options import libdir_option, loop_options, loop_settings, lowering_options, verdict_options
from .engine.enumerate import Timeout
from .errors import MemcheckError
from .report.herd_text import format_state, format_verdict, loop_warning
from .report.explain_text import explain_text
from .report.json_out import dumps, error_record, verdict_record
from .report.witness_files import witness_graph, write_pictures


def litmus_files(paths: tuple[str, ...]) -> Iterator[str]:
    """The files named, and every *.litmus below the directories named."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from (str(f) for f in sorted(path.rglob("*.litmus")))
        else:
            yield p


@click.group()
@click.version_option(__version__, prog_name="memcheck")
def main() -> None:
    """Memory-model litmus test checker for Linux kernel code."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--model", "model_spec", default="lkmm", show_default=True,
              help="Model(s) to judge under: a name, a .cfg or .cat file, a comma-separated list, or 'all'.")
@libdir_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, per test and model.")
@click.option("--timeout", type=float, default=None, help="Seconds allowed per test and model.")
@click.option("--graph", "graph_dir", default=None, metavar="DIR",
              help="Write a witness graph per test and model into DIR as SVG.")
@click.option("--dot", "dot_dir", default=None, metavar="DIR",
              help="Write a witness graph per test and model into DIR as Graphviz DOT.")
@verdict_options
@lowering_options
@loop_options
def run(paths: tuple[str, ...], model_spec: str, as_json: bool, timeout: Optional[float],
        libdirs: tuple[str, ...] = (), graph_dir: Optional[str] = None, dot_dir: Optional[str] = None,
        atomics: str = "lse", kernel: str = "current", verdict_only: bool = False,
        max_executions: int = MAX_EXECUTIONS, states_only: bool = False,
        unroll: int = 2, unroll_awaits: bool = False) -> None:
    """Judge litmus tests and print herd7's result block for each."""
    if verdict_only and states_only:
        raise click.UsageError("--verdict-only and --states-only exclude each other")
    checker = Checker(atomics=atomics, kernel=kernel, libdirs=tuple(libdirs),
                      loops=loop_settings(unroll, unroll_awaits))
    try:
        models = checker.model_names(model_spec)
    except MemcheckError as e:
        raise click.UsageError(str(e) if e.file else e.message)
    failed = False
    pictures: set[str] = set()
    for file in litmus_files(paths):
        try:
            test = read_test(file)
        except MemcheckError as e:
            failed = True
            _report_error(file, e, as_json)
            continue
        verdicts = []
        for m in checker.models_for(test, models):
            try:
                judgement = checker.judge(test, m, timeout, verdict_only, max_executions or None, states_only)
                verdicts.append(judgement.verdict)
                if graph_dir or dot_dir:
                    write_pictures(witness_graph(test, judgement, checker.evaluator(judgement.verdict.model),
                                                 timeout), graph_dir, dot_dir, pictures)
            except (MemcheckError, Timeout) as e:
                # a model that cannot judge the test is reported; the others still are
                failed = True
                if isinstance(e, Timeout):
                    e = MemcheckError(f"timed out after {timeout:g} s under model {m}", file, 0, 0)
                elif len(models) > 1:
                    e = MemcheckError(f"model {m}: {e.message}", e.file, e.line, e.col)
                _report_error(file, e, as_json)
        for v in verdicts:
            if as_json:
                click.echo(dumps(verdict_record(v)))
        if verdicts and not as_json:
            if len(verdicts) == 1:
                click.echo(format_verdict(verdicts[0]))
            else:
                click.echo(_table(verdicts))
        if any(v.loop_cut for v in verdicts):
            click.echo(loop_warning(verdicts[0]), err=True)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("file")
@click.option("--model", "model_spec", default="lkmm", show_default=True,
              help="Model(s) to explain under: a name, a .cfg or .cat file, a comma-separated list, or 'all'.")
@libdir_option
@click.option("--timeout", type=float, default=None, help="Seconds allowed per model.")
@loop_options
def explain(file: str, model_spec: str, timeout: Optional[float], libdirs: tuple[str, ...] = (),
            unroll: int = 2, unroll_awaits: bool = False) -> None:
    """Say why: the events, the broken axiom and its cycle, or an execution reaching the condition."""
    checker = Checker(libdirs=tuple(libdirs), loops=loop_settings(unroll, unroll_awaits))
    try:
        models = checker.model_names(model_spec)
    except MemcheckError as e:
        raise click.UsageError(str(e) if e.file else e.message)
    try:
        test = read_test(file)
        for m in models:
            try:
                judgement = checker.judge(test, m, timeout)
                g = witness_graph(test, judgement, checker.evaluator(judgement.verdict.model), timeout)
            except Timeout:
                raise MemcheckError(f"timed out after {timeout:g} s under model {m}", file, 0, 0)
            click.echo(explain_text(g))
    except MemcheckError as e:
        e.located(file)
        click.echo(str(e), err=True)
        sys.exit(1)


@main.command()
@click.argument("file")
@click.option("--arch", type=click.Choice(["x86", "arm64", "power"]), required=True,
              help="Architecture whose assembly (herd7's X86, AArch64 or PPC format) to print.")
@lowering_options
def lower(file: str, arch: str, atomics: str = "lse", kernel: str = "current") -> None:
    """Print a C test compiled to an architecture's assembly litmus test (for herd7 or litmus7)."""
    from .litmus.asm_ast import AsmTest
    from .litmus.parse_asm import format_asm_litmus
    from .lower.to_asm import lower_to_asm

    try:
        test = read_test(file)
        if isinstance(test, AsmTest):
            raise MemcheckError("already an assembly test", file, 1, 1)
        variant = Checker(atomics=atomics, kernel=kernel).lowering_variant(arch)
        click.echo(format_asm_litmus(lower_to_asm(test, arch, variant).test), nl=False)
    except MemcheckError as e:
        e.located(file)
        click.echo(str(e), err=True)
        sys.exit(1)


def _report_error(file: str, e: MemcheckError, as_json: bool) -> None:
    e.located(file)
    if as_json:
        click.echo(dumps(error_record(file, e)))
    else:
        click.echo(str(e), err=True)


def _table(verdicts) -> str:
    """Several models' verdicts on one test, a row per model."""
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    v0 = verdicts[0]
    table = Table(title=f"{v0.name}: {v0.condition}")
    for col in ("model", "verdict", "positive", "negative", "states", "flags"):
        table.add_column(col)
    for v in verdicts:
        counts = (str(v.positive), str(v.negative)) if v.exhaustive else (
            "≥1" if v.positive else "0", "≥1" if v.negative else "0")
        table.add_row(v.model, v.observation, *counts,
                      "\n".join(format_state(s) for s in v.states), ",".join(v.flags) or "-")
    buf = StringIO()
    Console(file=buf, width=120, no_color=True).print(table)
    return buf.getvalue()


from .corpus.check import check_command  # noqa: E402  (the command lives with the corpus code)

main.add_command(check_command)

from .fences.command import fences_command  # noqa: E402  (the barrier advisor lives in fences/)

main.add_command(fences_command)


@main.command("herd7", add_help_option=False,
              context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def herd7(args: tuple[str, ...]) -> None:
    """herd7's command line (-conf, -model, -I, ...): herd7's output and exit codes."""
    from .herd7_run import main as herd7_main
    sys.exit(herd7_main(list(args)))


@main.command("herd7-shim")
@click.argument("directory", type=click.Path(file_okay=False))
def herd7_shim(directory: str) -> None:
    """Write DIRECTORY/herd7, running `memcheck herd7` with this installation
    (put DIRECTORY first in PATH to run scripts written for herd7)."""
    from .shim import write_shim
    try:
        path = write_shim(Path(directory))
    except OSError as e:
        raise click.ClickException(f"cannot write {Path(directory) / 'herd7'}: {e.strerror}")
    click.echo(str(path))


from .corpus.model_diff import model_diff_command  # noqa: E402  (the comparison lives with the corpus code)

main.add_command(model_diff_command)


if __name__ == "__main__":
    main()
