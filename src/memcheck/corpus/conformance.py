"""Agreement with herd7's recorded verdicts on a corpus, test by test."""
from __future__ import annotations

import multiprocessing as mp
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..errors import MemcheckError
from ..lower.loops import LoopOptions
from .herd_tsv import HerdRecord, canonical_herd_states, canonical_states, herd_flags
from .pool import settle_heap


@dataclass
class Comparison:
    """memcheck against herd7 on one test."""
    file: str
    herd: HerdRecord
    verdict: Optional[str] = None  # ours; None on error or timeout
    states_equal: bool = False
    counts_equal: bool = False
    flags_equal: bool = False
    error: str = ""
    timeout: bool = False
    seconds: float = 0.0
    states: str = ""
    witnesses: tuple[int, int] = (0, 0)  # our counts, spelled as herd7's record spells them
    loop_limit: Optional[bool] = None  # our Loop line (None: not judged)
    hang: bool = False  # our own flag, which herd7 does not have
    peak_mib: float = 0.0  # the judging process's peak resident memory after this test
    cpu_seconds: float = 0.0  # processor time of the judgement (steadier than wall time on a busy machine)

    @property
    def loop_limit_equal(self) -> bool:
        """The same Loop line as herd7's (true when the record does not say)."""
        return self.herd.loop_limit is None or self.loop_limit == self.herd.loop_limit

    @property
    def verdict_equal(self) -> bool:
        return self.verdict is not None and self.verdict == self.herd.verdict

    def state_diff(self) -> tuple[list[str], list[str]]:
        """States only memcheck allows, and states only herd7 allows."""
        ours = set(self.states.split(" | ")) if self.states else set()
        herd = canonical_herd_states(self.herd.states)
        theirs = set(herd.split(" | ")) if herd else set()
        return sorted(ours - theirs), sorted(theirs - ours)

    @property
    def folder(self) -> str:
        parts = self.file.split("/")
        return parts[0] if len(parts) > 1 else "."


_checkers: dict = {}


def _checker_for(libdirs: tuple[str, ...]):
    """This process's Checker for model includes searched in `libdirs`."""
    from ..checker import Checker
    checker = _checkers.get(libdirs)
    if checker is None:
        checker = _checkers[libdirs] = Checker(libdirs=libdirs)
    return checker


def _warm(model: str, libdirs: tuple[str, ...]) -> None:
    """Compile `model` once here, before workers are forked: each inherits
    it instead of compiling its own (a model that does not compile is
    reported with every test it judges)."""
    checker = _checker_for(libdirs)
    try:
        checker.evaluator(model)
        checker.target_for(model)
    except MemcheckError:
        pass


def _compare_one(args: tuple[str, str, HerdRecord, str, Optional[float], bool, bool, bool, LoopOptions,
                               tuple[str, ...]]) -> Comparison:
    from ..checker import read_test
    from ..engine.enumerate import Timeout
    root, rel, herd, model, timeout, verdict_only, witnesses_line, states_only, loops, libdirs = args
    _checker = _checker_for(libdirs)
    _checker.loops = loops
    cmp = Comparison(rel, herd)
    start, cpu = time.monotonic(), time.process_time()
    try:
        test = read_test(str(Path(root) / rel))
        v = _checker.judge(test, model, timeout, verdict_only, states_only=states_only).verdict
        cmp.verdict = v.observation
        cmp.flags_equal = herd_flags(v) == herd.flags
        cmp.loop_limit, cmp.hang = v.loop_limit, "hang" in v.flags
        if verdict_only:  # no states or counts to compare
            return cmp
        cmp.states = canonical_states(v)
        cmp.states_equal = cmp.states == canonical_herd_states(herd.states)
        if states_only:  # no counts to compare
            return cmp
        # herd7's Witnesses line counts the executions satisfying a whole ~exists condition
        flip = witnesses_line and v.quantifier == "~exists"
        cmp.witnesses = (v.negative, v.positive) if flip else (v.positive, v.negative)
        cmp.counts_equal = cmp.witnesses == (herd.positive, herd.negative)
    except Timeout:
        cmp.timeout = True
    except MemcheckError as e:
        cmp.error = str(e)
    except Exception as e:  # a crash is a finding, reported with the test
        cmp.error = f"internal error: {type(e).__name__}: {e}"
    finally:
        cmp.seconds = time.monotonic() - start
        cmp.cpu_seconds = time.process_time() - cpu
        cmp.peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return cmp


def compare_corpus(root: Path, records: Iterable[HerdRecord], model: str = "lkmm",
                   jobs: int = 1, timeout: Optional[float] = 60.0,
                   progress=None, verdict_only: bool = False,
                   witnesses_line: bool = False, states_only: bool = False,
                   loops: LoopOptions = LoopOptions(), libdirs: tuple[str, ...] = ()) -> list[Comparison]:
    """Judge each recorded test and compare with herd7's row (with
    `verdict_only`, the verdict alone, decided without enumeration).
    `witnesses_line`: the record's counts are those of herd7's `Positive: P
    Negative: N` line rather than its Observation line.  With `states_only`,
    final states without witness counts; `loops`: --unroll and how await
    loops are judged; `libdirs`: folders searched for a model file's
    includes (--libdir)."""
    work = [(str(root), r.file, r, model, timeout, verdict_only, witnesses_line, states_only, loops,
             tuple(libdirs)) for r in records]
    out: list[Comparison] = []
    _warm(model, tuple(libdirs))
    if jobs <= 1:
        for w in work:
            out.append(_compare_one(w))
            if progress:
                progress(out[-1])
        return out
    ctx = mp.get_context("fork")
    with ctx.Pool(jobs, initializer=settle_heap, maxtasksperchild=200) as pool:
        for c in pool.imap_unordered(_compare_one, work, chunksize=4):
            out.append(c)
            if progress:
                progress(c)
    out.sort(key=lambda c: c.file)
    return out


def unfinished_report(unjudged: list[Comparison]) -> list[str]:
    """Report lines on tests herd7 did not finish (TIMEOUT rows): with no
    verdict of herd7's, the test's own Result: line is the reference."""
    if not unjudged:
        return []
    done = [c for c in unjudged if c.verdict is not None]
    with_line = [c for c in done if c.herd.result_comment]
    agree = sum(c.verdict == c.herd.result_comment for c in with_line)
    lines = [f"herd7 did not finish {len(unjudged)}: memcheck judged {len(done)} in "
             f"{sum(c.seconds for c in unjudged):.1f} s (slowest {max(c.seconds for c in unjudged):.2f} s, "
             f"timeouts {sum(c.timeout for c in unjudged)}); its Result: line agrees on {agree} of {len(with_line)}"]
    lines += [f"  RESULT  {c.file}: memcheck {c.verdict}, Result: {c.herd.result_comment}"
              for c in with_line if c.verdict != c.herd.result_comment]
    return lines
