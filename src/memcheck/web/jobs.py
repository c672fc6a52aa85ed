"""What the server's worker processes do: one request's judging, advice or
lowering, answered as an HTTP status and a JSON body.

Runs in the pool's workers (never in the server process), so a slow test
costs only its worker; every answer is computed within the request's limit
or ends as a 504, and bad input is a 400 with `line:col: message`.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, Optional

from .. import api
from ..errors import MemcheckError

# A small test judged by each worker as it starts, so that the first request
# finds every model compiled and the solver loaded.
WARM_TEST = """C warm
{}
P0(int *x, int *y) { WRITE_ONCE(*x, 1); smp_wmb(); WRITE_ONCE(*y, 1); }
P1(int *x, int *y) { int r0; int r1; r0 = READ_ONCE(*y); smp_rmb(); r1 = READ_ONCE(*x); }
exists (1:r0=1 /\\ 1:r1=0)
"""


@dataclass(frozen=True)
class Job:
    """One request, checked by the server: what to do, to which test text, with which options."""
    kind: str  # "run", "fences" or "lower"
    test: str
    limit: float  # seconds for the whole request
    models: tuple[str, ...] = ("lkmm",)  # built-in model names, ("all",), or () for fences' default
    mode: str = "full"
    atomics: str = "amo"
    kernel: str = "current"
    arch: str = ""  # for "lower"
    graphs: bool = False  # "run": each result's SVG witness graph
    diff: bool = False  # "fences": the fixed test as a diff


@dataclass(frozen=True)
class Answer:
    """An HTTP status and its JSON body."""
    status: int
    body: dict[str, Any]


def position(e: MemcheckError) -> str:
    """`line:col: message`: where in the test the trouble is."""
    return f"{e.line}:{e.col}: {e.message}"


class Sessions:
    """A worker's sessions, one per lowering variant, made when first asked for."""

    def __init__(self) -> None:
        self._by_options: dict[tuple[str, str], api.Session] = {}

    def get(self, atomics: str, kernel: str) -> api.Session:
        key = (atomics, kernel)
        if key not in self._by_options:
            self._by_options[key] = api.Session(atomics, kernel)
        return self._by_options[key]


def build_sessions() -> Sessions:
    """The default session with every model compiled and used once."""
    sessions = Sessions()
    session = sessions.get("amo", "current")
    for r in session.judge_each(WARM_TEST, "all"):
        r.svg()
    return sessions


def setup() -> Sessions:
    """A worker's state: the sessions the fork server warmed (web/warm.py), or new ones."""
    warm = sys.modules.get("memcheck.web.warm")
    return warm.SESSIONS if warm is not None else build_sessions()


def work(sessions: Sessions, job: Job) -> Answer:
    """The answer to one request (never raises for bad input)."""
    deadline = time.monotonic() + job.limit

    def left() -> float:
        return max(0.001, deadline - time.monotonic())

    try:
        session = sessions.get(job.atomics, job.kernel)
        test = api.parse(job.test)
        if job.kind == "run":
            return _run(session, test, job, left)
        if job.kind == "fences":
            models = None if not job.models else "all" if job.models == ("all",) else list(job.models)
            advice = session.fences(test, models, timeout=left())
            body = advice.to_json()
            if job.diff:
                body["diff"] = advice.diff()
                body["fixed"] = advice.fixed()
            return Answer(200, body)
        if job.kind == "lower":
            return Answer(200, session.lower(test, job.arch).to_json())
        return Answer(400, {"error": f"unknown request kind '{job.kind}'"})
    except api.TimedOut:
        return timed_out(job.limit)
    except MemcheckError as e:
        return Answer(400, {"error": position(e)})
    except RecursionError:
        return Answer(400, {"error": "1:1: the test is nested too deeply"})


def timed_out(limit: float) -> Answer:
    return Answer(504, {"error": f"timed out: the server allows {limit:g} s per request"})


def _run(session: api.Session, test: Any, job: Job, left) -> Answer:
    results: list[dict[str, Any]] = []
    first_error: Optional[MemcheckError] = None
    judged = 0
    for r in session.judge_each(test, list(job.models), job.mode, timeout=left()):
        if r.timed_out:
            return timed_out(job.limit)
        if not r.ok:
            assert r.exception is not None and r.cause is not None
            first_error = first_error or r.cause
            results.append({"file": r.file, "model": r.model, "error": position(r.exception)})
            continue
        judged += 1
        record = r.to_json()
        if job.graphs:
            record["svg"] = r.svg(left())
        results.append(record)
    if not judged and first_error is not None:  # no model could judge it: the test is at fault
        return Answer(400, {"error": position(first_error), "results": results})
    return Answer(200, {"results": results})
