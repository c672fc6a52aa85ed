"""Command-line options shared by several commands."""
from __future__ import annotations

import click

from .checker import ATOMICS, KERNELS, MAX_EXECUTIONS


def lowering_options(f):
    """Options choosing how C primitives compile for the hardware models: one
    scheme for every architecture, each table saying what a choice means to it."""
    f = click.option("--kernel", type=click.Choice(KERNELS), default="current", show_default=True,
                     help="Kernel generation of the lowerings: current (qspinlock everywhere); 6.6 "
                          "(RISC-V's generic ticket spinlock, the others as current); 4.14 (the ticket "
                          "(arm64) and simple (POWER) spinlocks of the original mm discussion; no RISC-V).")(f)
    f = click.option("--atomics", type=click.Choice(ATOMICS), default="amo", show_default=True,
                     help="Read-modify-writes: single instructions (amo, also spelled lse: arm64 LSE, "
                          "RISC-V AMOs) or load-exclusive/store-exclusive (LR/SC) loops (llsc).")(f)
    return f


def verdict_options(f):
    """Options choosing between herd7's full listing and the verdict alone."""
    f = click.option("--max-executions", type=click.IntRange(min=0), default=MAX_EXECUTIONS,
                     show_default=True,
                     help="Past this many allowed executions, stop listing them and decide the "
                          "verdict and flags without enumerating (0: no limit).")(f)
    f = click.option("--states-only", is_flag=True,
                     help="List every final state and the verdict without counting executions: "
                          "one execution per state.")(f)
    f = click.option("--verdict-only", is_flag=True,
                     help="Decide the verdict and flags without enumerating executions: fast on wide "
                          "tests; prints the witnesses found instead of every final state, no counts.")(f)
    return f


def libdir_option(f):
    """-I/--libdir: folders searched for the files a model file names (herd7's -I)."""
    return click.option("-I", "--libdir", "libdirs", multiple=True, metavar="DIR",
                        type=click.Path(exists=True, file_okay=False),
                        help="A folder searched for the files a .cfg or .cat model names (its includes, "
                             "bell and .def), after the model's own folder; repeatable.")(f)


def herd_model_options(f):
    """--arch and --variant: how a model file of herd7's is read."""
    f = click.option("--variant", "variants", multiple=True, metavar="NAME",
                     help="A variant a model file runs with (herd7's -variant: its `if \"NAME\"` "
                          "switches); repeatable, or comma-separated.")(f)
    f = click.option("--arch", "model_arch", default="", metavar="ARCH",
                     help="The architecture of a .cat model file that does not name one in its "
                          "header or file name (x86, aarch64, ppc, riscv): it then judges that "
                          "architecture's assembly tests and C tests through its lowering.")(f)
    return f


def split_variants(variants) -> tuple[str, ...]:
    """--variant values, each possibly a comma-separated list, as one tuple."""
    return tuple(dict.fromkeys(v.strip() for vs in variants for v in vs.split(",") if v.strip()))


def loop_options(f):
    """--unroll N and --unroll-awaits: how loops are judged (lower/loops.py)."""
    f = click.option("--unroll-awaits", is_flag=True,
                     help="Unroll await loops too, as herd7 does (herd7's witness counts; no hang "
                          "flag), instead of judging them without a bound.")(f)
    f = click.option("--unroll", type=click.IntRange(min=0), default=2, show_default=True,
                     help="Loop bodies run at most N times, as herd7's -unroll N; an execution "
                          "needing more is cut off (the Loop line).  Await loops are judged "
                          "without a bound.")(f)
    return f


def loop_settings(unroll: int, unroll_awaits: bool):
    """The LoopOptions the command-line options give."""
    from .lower.loops import LoopOptions
    return LoopOptions(unroll, not unroll_awaits)
