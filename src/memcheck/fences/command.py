"""`memcheck fences FILE`: the barrier advisor on the command line."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click

from ..checker import Checker, read_test
from ..cli_options import libdir_option, loop_options, loop_settings
from ..engine.enumerate import Timeout
from ..errors import MemcheckError
from ..litmus import ast as A
from ..report.json_out import dumps, error_record
from .advisor import advise_file
from .report import advice_record, advice_text
from .verify import fixed_text


@click.command("fences")
@click.argument("file")
@click.option("--model", "model_spec", default=None,
              help="Model(s) to advise for (names or .cfg/.cat files), comma-separated or 'all' "
                   "[default: lkmm and every hardware model].")
@libdir_option
@click.option("--costs", "costs_file", default=None, metavar="FILE",
              help="A cost table (TOML, the layout of fences/costs.toml) overriding the shipped prices.")
@click.option("--max-fixes", type=click.IntRange(1), default=8, show_default=True,
              help="At most this many cost-minimal fixes per model.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of the table.")
@click.option("--apply", "apply_to", default=None, metavar="OUT",
              help="Write the test with the portable fix made to OUT.")
@click.option("--timeout", type=float, default=None, help="Seconds allowed per model's search.")
@click.option("--kernel", type=click.Choice(["current", "4.14"]), default="current", show_default=True,
              help="Kernel generation of the hardware lowerings (4.14: ticket and simple spinlocks).")
@click.option("--atomics", type=click.Choice(["lse", "llsc"]), default="lse", show_default=True,
              help="arm64 atomics: LSE instructions or load/store-exclusive loops.")
@loop_options
def fences_command(file: str, model_spec: Optional[str], costs_file: Optional[str], max_fixes: int,
                   as_json: bool, apply_to: Optional[str], timeout: Optional[float],
                   kernel: str = "current", atomics: str = "lse", libdirs: tuple[str, ...] = (),
                   unroll: int = 2, unroll_awaits: bool = False) -> None:
    """Which barrier, where: the cheapest changes forbidding the test's exists outcome, per model and architecture."""
    checker = Checker(atomics=atomics, kernel=kernel, libdirs=tuple(libdirs),
                      loops=loop_settings(unroll, unroll_awaits))
    try:
        test = read_test(file)
        if not isinstance(test, A.Test):
            raise MemcheckError("the barrier advisor takes C litmus tests", file, 1, 1)
        try:
            advice = advise_file(checker, test, model_spec, costs_file, max_fixes, timeout)
        except Timeout:
            raise MemcheckError(f"timed out after {timeout:g} s" if timeout else "the solver gave up", file, 0, 0)
        if apply_to is not None:
            if advice.portable is None:
                raise MemcheckError(f"no fix to apply: nothing proposed forbids the outcome; {apply_to} not written",
                                    file, 0, 0)
            Path(apply_to).write_text(fixed_text(test, advice.portable.changes))
    except MemcheckError as e:
        e.located(file)
        click.echo(dumps(error_record(file, e)) if as_json else str(e), err=not as_json)
        sys.exit(1)
    click.echo(dumps(advice_record(advice)) if as_json else advice_text(advice), nl=as_json)
