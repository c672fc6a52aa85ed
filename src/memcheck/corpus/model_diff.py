"""`memcheck model-diff OLD NEW PATHS...`: which tests change verdict between two models.

OLD and NEW are model names or .cfg/.cat files (two kernel trees'
tools/memory-model, say).  Every test is judged under both in one run of the
`check` machinery (its result cache and killable pool), deciding the verdict
and flags without enumerating executions; the tests whose verdict or flags
differ, or that one side refuses, are listed.  Exit 0 when every test was
judged alike, 1 otherwise (a test left undecided by a timeout counts).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional, Sequence

import click

from ..checker import Checker
from ..cli_options import libdir_option
from ..errors import MemcheckError
from .cache import ResultCache
from .check import CheckOptions, Run, default_jobs, litmus_files, model_keys
from .expectations import ExpectationRules
from .grading import CaseResult
from .judging import Judged


class Change(str, Enum):
    """How a test's results under the two models compare."""
    SAME = "same"
    VERDICT = "verdict"  # both judged it, with different verdicts
    FLAGS = "flags"  # same verdict, different flags
    REFUSED_ONE = "refused by one side"  # one judged it, the other reported bad input
    REFUSED_BOTH = "refused by both"
    UNDECIDED = "undecided"  # a timeout or a crash on either side

    @property
    def changed(self) -> bool:
        """Does this count as a difference between the models?"""
        return self in (Change.VERDICT, Change.FLAGS, Change.REFUSED_ONE)


@dataclass(frozen=True)
class Compared:
    """One test under both models."""
    file: str
    old: Judged
    new: Judged

    @property
    def name(self) -> str:
        """The test's name (from whichever side parsed it)."""
        return self.old.name or self.new.name

    @property
    def change(self) -> Change:
        """How the two results compare."""
        o, n = self.old, self.new
        if o.timeout or o.internal or n.timeout or n.internal:
            return Change.UNDECIDED
        if o.verdict is None and n.verdict is None:
            return Change.REFUSED_BOTH
        if o.verdict is None or n.verdict is None:
            return Change.REFUSED_ONE
        if o.verdict != n.verdict:
            return Change.VERDICT
        return Change.FLAGS if set(o.flags) != set(n.flags) else Change.SAME

    def side(self, j: Judged) -> dict[str, Any]:
        """One model's result in JSON: verdict and flags, or the error."""
        if j.verdict is None:
            return {"error": j.located_error(self.file)}
        return {"verdict": j.verdict, "flags": sorted(j.flags)}

    def record(self) -> dict[str, Any]:
        """The JSON line of a changed test."""
        return {"file": self.file, "name": self.name, "old": self.side(self.old), "new": self.side(self.new)}


def shown(j: Judged) -> str:
    """A result in the table: `Sometimes data-race`, `error: ... (line:col)`, `timeout`."""
    if j.timeout:
        return "timeout"
    if j.verdict is None:
        where = f"{j.error_file}:" if j.error_file else ""
        at = f" ({where}{j.error_line}:{j.error_col})" if j.error_line or where else ""
        return f"error: {j.error}{at}"
    return " ".join([j.verdict, *sorted(j.flags)])


def pair(results: Sequence[CaseResult], old: str, new: str) -> list[Compared]:
    """The results of a run under [old, new], one Compared per test file."""
    by_file: dict[str, dict[str, Judged]] = {}
    for r in results:
        by_file.setdefault(r.file, {})[r.model] = r.judged
    return [Compared(f, sides[old], sides[new]) for f, sides in sorted(by_file.items())
            if old in sides and new in sides]


def summary_text(compared: Sequence[Compared], seconds: float) -> str:
    """Tests compared, changed (by kind), refused by both, undecided."""
    count = {c: sum(1 for x in compared if x.change is c) for c in Change}
    changed = sum(n for c, n in count.items() if c.changed)
    return (f"{len(compared)} tests compared: {changed} changed ({count[Change.VERDICT]} verdict, "
            f"{count[Change.FLAGS]} flags only, {count[Change.REFUSED_ONE]} refused by one side only), "
            f"{count[Change.REFUSED_BOTH]} refused by both, {count[Change.UNDECIDED]} undecided "
            f"(timeout or crash); {seconds:.1f} s")


def diff_table(compared: Sequence[Compared]) -> str:
    """The tests that changed or stayed undecided, a row each, columns aligned
    (one line per test, for reading and for grep)."""
    rows = [("test", "old", "new", "change")]
    rows += [(c.file, shown(c.old), shown(c.new), c.change.value) for c in compared
             if c.change.changed or c.change is Change.UNDECIDED]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[3] + "\n" for r in rows)


def run_model_diff(old: str, new: str, paths: Sequence[str], jobs: Optional[int], timeout: Optional[float],
                   use_cache: bool, libdirs: tuple[str, ...]) -> tuple[list[Compared], float]:
    """Judge every test under both models (verdict only); the comparison and the wall time."""
    start = time.monotonic()
    if old == new:
        raise click.UsageError("OLD and NEW name the same model")
    checker = Checker(libdirs=libdirs)
    try:
        checker.spec(old)
        checker.spec(new)
        keys = model_keys(checker, [old, new])
    except MemcheckError as e:
        raise click.UsageError(str(e) if e.file else e.message)
    files = litmus_files(paths)
    if not files:
        raise click.UsageError("no litmus tests found")
    options = CheckOptions(tuple(paths), jobs=jobs or default_jobs(), timeout=timeout, use_cache=use_cache,
                           verdict_only=True, libdirs=libdirs)
    cache = ResultCache.default() if use_cache else None
    try:
        results = Run(options, [old, new], ExpectationRules(old, {}, {}), cache, lambda r: None,
                      None, keys).execute(files)
    finally:
        if cache is not None:
            cache.close()
    return pair(results, old, new), time.monotonic() - start


@click.command("model-diff")
@click.argument("old")
@click.argument("new")
@click.argument("paths", nargs=-1, required=True)
@libdir_option
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per changed test: file, name, old and new (verdict and flags, or error).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: every core).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds allowed per test and model; a stuck worker is killed.")
@click.option("--no-cache", is_flag=True, help="Judge every test again; neither read nor write the cache.")
def model_diff_command(old: str, new: str, paths: tuple[str, ...], libdirs: tuple[str, ...], as_json: bool,
                       jobs: Optional[int], timeout: Optional[float], no_cache: bool) -> None:
    """Judge the tests under models OLD and NEW (names or .cfg/.cat files) and list what changed."""
    compared, seconds = run_model_diff(old, new, paths, jobs, timeout, not no_cache, tuple(libdirs))
    undecided = [c for c in compared if c.change is Change.UNDECIDED]
    if as_json:
        for c in compared:
            if c.change.changed:
                click.echo(json.dumps(c.record()))
        for c in undecided:
            click.echo(f"undecided: {c.file}: old {shown(c.old)}, new {shown(c.new)}", err=True)
        click.echo(summary_text(compared, seconds), err=True)
    else:
        if any(c.change.changed for c in compared) or undecided:
            click.echo(f"model-diff: {old} -> {new}\n" + diff_table(compared))
        click.echo(summary_text(compared, seconds))
    raise SystemExit(1 if any(c.change.changed for c in compared) or undecided else 0)

