"""The `memcheck` command line."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator, Optional

import click

from . import __version__
from .api import Results, Session
from .checker import MAX_EXECUTIONS, read_test
from .cli_options import (herd_model_options, libdir_option, loop_options, lowering_options, split_variants,
                          verdict_options)
from .errors import MemcheckError
from .lower.hardware import ARCHITECTURES
from .report.herd_text import loop_warning
from .report.json_out import dumps, error_record
from .report.witness_files import write_pictures


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
@herd_model_options
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
        atomics: str = "amo", kernel: str = "current", verdict_only: bool = False,
        max_executions: int = MAX_EXECUTIONS, states_only: bool = False,
        unroll: int = 2, unroll_awaits: bool = False, model_arch: str = "",
        variants: tuple[str, ...] = ()) -> None:
    """Judge litmus tests and print herd7's result block for each."""
    if verdict_only and states_only:
        raise click.UsageError("--verdict-only and --states-only exclude each other")
    session = _session(atomics=atomics, kernel=kernel, libdirs=tuple(libdirs),
                       unroll=unroll, unroll_awaits=unroll_awaits, arch=model_arch,
                       variants=split_variants(variants))
    models = _models(session, model_spec)
    mode = "verdict-only" if verdict_only else "states-only" if states_only else "full"
    failed = False
    pictures: set[str] = set()
    for file in litmus_files(paths):
        try:
            test = read_test(file)
        except MemcheckError as e:
            failed = True
            _report_error(file, e, as_json)
            continue
        results = Results()
        for r in session.judge_each(test, models, mode, timeout, max_executions):
            if not r.ok:
                # a model that cannot judge the test is reported; the others still are
                failed = True
                _report_error(file, r.exception, as_json)
                continue
            results.append(r)
            if graph_dir or dot_dir:
                try:
                    write_pictures(r.graph(timeout), graph_dir, dot_dir, pictures)
                except MemcheckError as e:
                    failed = True
                    _report_error(file, e, as_json)
        if as_json:
            for r in results:
                click.echo(dumps(r.to_json()))
        elif results:
            click.echo(results.text())
        cut = [r for r in results if r.outcome.loop_cut]
        if cut:
            click.echo(loop_warning(cut[0].outcome), err=True)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("file")
@click.option("--model", "model_spec", default="lkmm", show_default=True,
              help="Model(s) to explain under: a name, a .cfg or .cat file, a comma-separated list, or 'all'.")
@libdir_option
@herd_model_options
@click.option("--timeout", type=float, default=None, help="Seconds allowed per model.")
@loop_options
def explain(file: str, model_spec: str, timeout: Optional[float], libdirs: tuple[str, ...] = (),
            unroll: int = 2, unroll_awaits: bool = False, model_arch: str = "",
            variants: tuple[str, ...] = ()) -> None:
    """Say why: the events, the broken axiom and its cycle, or an execution reaching the condition."""
    session = _session(libdirs=tuple(libdirs), unroll=unroll, unroll_awaits=unroll_awaits,
                       arch=model_arch, variants=split_variants(variants))
    models = _models(session, model_spec)
    try:
        test = read_test(file)
        for r in session.judge_each(test, models, timeout=timeout):
            if not r.ok:
                raise r.cause
            click.echo(r.explain(timeout))
    except MemcheckError as e:
        e.located(file)
        click.echo(str(e), err=True)
        sys.exit(1)


@main.command()
@click.argument("file")
@click.option("--arch", type=click.Choice(list(ARCHITECTURES)), required=True,
              help="Architecture whose assembly (herd7's X86, AArch64, PPC or RISCV format) to print.")
@lowering_options
def lower(file: str, arch: str, atomics: str = "amo", kernel: str = "current") -> None:
    """Print a C test compiled to an architecture's assembly litmus test (for herd7 or litmus7)."""
    try:
        click.echo(_session(atomics=atomics, kernel=kernel).lower(read_test(file), arch).text, nl=False)
    except MemcheckError as e:
        e.located(file)
        click.echo(str(e), err=True)
        sys.exit(1)


def _session(**options) -> Session:
    """The API's session for the command's options; a bad one is a usage error."""
    try:
        return Session(**options)
    except MemcheckError as e:
        raise click.UsageError(e.message)


def _models(session: Session, model_spec: str) -> list[str]:
    """The models a --model option names, checked (a usage error otherwise)."""
    try:
        return session.model_names(model_spec)
    except MemcheckError as e:
        raise click.UsageError(str(e) if e.file else e.message)


def _report_error(file: str, e: MemcheckError, as_json: bool) -> None:
    e.located(file)
    if as_json:
        click.echo(dumps(error_record(file, e)))
    else:
        click.echo(str(e), err=True)


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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback: only this machine; 0.0.0.0 exposes the server to the network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Worker processes judging at once [default: one per core, at most 4].")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds allowed per request; past it the worker is stopped and the answer is 504.")
@click.option("--max-test-kib", type=click.IntRange(1), default=64, show_default=True,
              help="Largest test accepted, in KiB (larger: 413).")
@click.option("--queue", type=click.IntRange(0), default=64, show_default=True,
              help="Requests that may wait for a worker (more: 503).")
@click.option("--examples", type=click.Path(exists=True, file_okay=False), default=None,
              help="A folder of tests for the page to offer instead of the shipped ones.")
@click.option("--worker-tasks", type=click.IntRange(1), default=200, show_default=True,
              help="Requests a worker answers before it is replaced (bounds the memory the solver keeps).")
def serve(host: str, port: int, workers: Optional[int], timeout: float, max_test_kib: int, queue: int,
          examples: Optional[str], worker_tasks: int = 200) -> None:
    """Serve the web page and the JSON API (needs the web extra: pip install 'memcheck[web]')."""
    try:
        from .web.app import ServerConfig, default_workers
        from .web.server import serve as serve_web
    except ImportError as e:
        raise click.ClickException(f"memcheck serve needs the web extra: pip install 'memcheck[web]' ({e})")
    serve_web(ServerConfig(workers or default_workers(), timeout, max_test_kib * 1024, queue,
                           Path(examples) if examples else None, worker_tasks), host, port)


from .corpus.model_diff import model_diff_command  # noqa: E402  (the comparison lives with the corpus code)

main.add_command(model_diff_command)

from .corpus.portability_command import portability_command  # noqa: E402  (with the corpus code)

main.add_command(portability_command)


if __name__ == "__main__":
    main()
