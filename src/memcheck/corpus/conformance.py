"""Agreement with herd7's recorded verdicts on a corpus, test by test."""
from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..errors import MemcheckError
from .herd_tsv import HerdRecord, canonical_herd_states, canonical_states


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

    @property
    def verdict_equal(self) -> bool:
        return self.verdict is not None and self.verdict == self.herd.verdict

    @property
    def folder(self) -> str:
        parts = self.file.split("/")
        return parts[0] if len(parts) > 1 else "."


_checker = None


def _compare_one(args: tuple[str, str, HerdRecord, str, Optional[float], bool]) -> Comparison:
    from ..checker import Checker, read_test
    from ..engine.enumerate import Timeout
    global _checker
    root, rel, herd, model, timeout, verdict_only = args
    if _checker is None:
        _checker = Checker()
    cmp = Comparison(rel, herd)
    start = time.monotonic()
    try:
        test = read_test(str(Path(root) / rel))
        v = _checker.judge(test, model, timeout, verdict_only).verdict
        cmp.verdict = v.observation
        if verdict_only:  # no states or counts to compare
            return cmp
        cmp.states = canonical_states(v)
        cmp.states_equal = cmp.states == canonical_herd_states(herd.states)
        cmp.counts_equal = (v.positive, v.negative) == (herd.positive, herd.negative)
        cmp.flags_equal = (",".join(v.flags) or "-") == herd.flags
    except Timeout:
        cmp.timeout = True
    except MemcheckError as e:
        cmp.error = str(e)
    except Exception as e:  # a crash is a finding, reported with the test
        cmp.error = f"internal error: {type(e).__name__}: {e}"
    finally:
        cmp.seconds = time.monotonic() - start
    return cmp


def compare_corpus(root: Path, records: Iterable[HerdRecord], model: str = "lkmm",
                   jobs: int = 1, timeout: Optional[float] = 60.0,
                   progress=None, verdict_only: bool = False) -> list[Comparison]:
    """Judge each recorded test and compare with herd7's row (with
    `verdict_only`, the verdict alone, decided without enumeration)."""
    work = [(str(root), r.file, r, model, timeout, verdict_only) for r in records]
    out: list[Comparison] = []
    if jobs <= 1:
        for w in work:
            out.append(_compare_one(w))
            if progress:
                progress(out[-1])
        return out
    ctx = mp.get_context("fork")
    with ctx.Pool(jobs, maxtasksperchild=200) as pool:
        for c in pool.imap_unordered(_compare_one, work, chunksize=4):
            out.append(c)
            if progress:
                progress(c)
    out.sort(key=lambda c: c.file)
    return out
