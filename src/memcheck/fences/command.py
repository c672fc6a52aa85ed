"""`memcheck fences FILE`: the barrier advisor on the command line."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click

from ..api import Session
from ..checker import read_test
from ..cli_options import libdir_option, loop_options, lowering_options
from ..errors import MemcheckError
from ..report.json_out import dumps, error_record


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
@lowering_options
@loop_options
def fences_command(file: str, model_spec: Optional[str], costs_file: Optional[str], max_fixes: int,
                   as_json: bool, apply_to: Optional[str], timeout: Optional[float],
                   kernel: str = "current", atomics: str = "amo", libdirs: tuple[str, ...] = (),
                   unroll: int = 2, unroll_awaits: bool = False) -> None:
    """Which barrier, where: the cheapest changes forbidding the test's exists outcome, per model and architecture."""
    try:
        session = Session(atomics=atomics, kernel=kernel, libdirs=tuple(libdirs),
                          unroll=unroll, unroll_awaits=unroll_awaits)
        advice = session.fences(read_test(file), model_spec, costs_file, max_fixes, timeout)
        if apply_to is not None:
            fixed = advice.fixed()
            if fixed is None:
                raise MemcheckError(f"no fix to apply: nothing proposed forbids the outcome; {apply_to} not written",
                                    file, 0, 0)
            Path(apply_to).write_text(fixed)
    except MemcheckError as e:
        e.located(file)
        click.echo(dumps(error_record(file, e)) if as_json else str(e), err=not as_json)
        sys.exit(1)
    click.echo(dumps(advice.to_json()) if as_json else advice.text(), nl=as_json)
