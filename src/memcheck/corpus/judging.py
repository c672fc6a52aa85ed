"""One unit of corpus work: a test's bytes judged under one model, as plain data.

Tasks carry the test's content, not its path, so that a worker on another
machine (a Dask cluster) needs no shared file system; results are plain
dataclasses so that they pickle, go to JSON and into the result cache.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Optional, Sequence

from ..checker import Checker, condition_text, parse_test_text
from ..engine.enumerate import Timeout
from ..engine.witness import find_witness
from ..errors import MemcheckError
from ..litmus.asm_ast import AsmTest
from ..lower.asm import lower_asm
from ..lower.loops import LoopOptions
from ..report.graph import build_graph
from ..report.svg import render_svg


@dataclass(frozen=True)
class Task:
    """Judge `raw` (the content of `file`) under `model`, within `timeout` seconds."""
    file: str
    raw: bytes = field(repr=False)
    model: str
    timeout: Optional[float] = None
    picture: bool = False  # also draw the witness graph as SVG (`check --html`), within its own `timeout`
    known: Optional["Judged"] = None  # a cached result: draw its picture only, do not judge again
    verdict_only: bool = False  # decide the verdict and flags without enumerating executions
    max_executions: Optional[int] = None  # past this many allowed executions, the verdict alone
    states_only: bool = False  # every final state, executions not counted
    loops: LoopOptions = LoopOptions()  # --unroll N, await loops exact or unrolled

    @property
    def mode(self) -> str:
        """How the task judges, as part of its cache key ("" for herd7's full listing)."""
        if self.verdict_only:
            mode = "verdict-only"
        elif self.states_only:
            mode = "states-only"
        else:
            mode = f"max-executions {self.max_executions}" if self.max_executions else ""
        if self.loops != LoopOptions():
            mode += f" unroll {self.loops.unroll}{'' if self.loops.exact_awaits else ' awaits'}"
        return mode


@dataclass(frozen=True)
class Judged:
    """What judging one test under one model gave (no expectation applied)."""
    model: str  # the model asked for
    judged_model: str = ""  # the model that judged (an assembly test: its architecture's)
    name: str = ""  # the test's name
    arch: str = ""  # an assembly test's dialect; "" for C
    comment: str = ""  # the leading comment, where the Result: lines are
    verdict: Optional[str] = None  # Never / Sometimes / Always; None when not judged
    flags: tuple[str, ...] = ()
    positive: int = 0
    negative: int = 0
    exhaustive: bool = True  # False: judged verdict-only, counts say only whether one exists
    seconds: float = 0.0
    timeout: bool = False
    error: str = ""  # bad input: the message (position below)
    error_file: str = ""  # the file the error is in when not the test (a model file)
    error_line: int = 0
    error_col: int = 0
    internal: bool = False  # a crash, a killed or dead worker: not cached
    # the witness graph, when the task asked for it: never cached, never in the JSON report
    svg: str = field(default="", repr=False, compare=False)
    picture_seconds: float = field(default=0.0, compare=False)
    picture_error: str = field(default="", compare=False)  # why there is no picture

    @property
    def cacheable(self) -> bool:
        """Verdicts and bad-input errors depend only on the content: keep them."""
        return not self.timeout and not self.internal

    def located_error(self, file: str) -> str:
        """The error as `file:line:col: message`, `file` being where the test is now."""
        if self.internal or self.timeout:
            return self.error
        return f"{self.error_file or file}:{self.error_line}:{self.error_col}: {self.error}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the cache stores this), without the picture."""
        return {k: v for k, v in asdict(self).items() if k not in PICTURE_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Judged":
        """Inverse of to_dict."""
        data = dict(data)
        data["flags"] = tuple(data.get("flags", ()))
        return cls(**data)


PICTURE_FIELDS = frozenset({"svg", "picture_seconds", "picture_error"})


def prepare_checker(models: Sequence[str] = (), libdirs: Sequence[str] = ()) -> Checker:
    """A worker's Checker with the models compiled up front, so that compiling
    is not charged to the first test's time limit; `libdirs` are the folders
    searched for the files a model file names (--libdir)."""
    checker = Checker(libdirs=tuple(libdirs))
    for m in models:
        try:
            checker.evaluator(m)
        except Exception:  # reported with each test judged under it
            pass
    return checker


def judge_task(checker: Checker, task: Task) -> Judged:
    """Parse and judge one task; bad input, timeouts and crashes become data.
    With `task.picture`, a verdict comes with its witness graph (`Judged.svg`);
    with `task.known`, only that cached result's picture is drawn."""
    if task.known is not None:
        return draw_known(checker, task, task.known)
    start = time.monotonic()
    info: dict[str, Any] = {"model": task.model}
    try:
        test = parse_test_text(task.raw, task.file)
        info.update(name=test.name, comment=test.comment,
                    arch=test.arch if isinstance(test, AsmTest) else "")
        model = checker.asm_model(test, task.model) if isinstance(test, AsmTest) else task.model
        info["judged_model"] = model
        checker.evaluator(model)  # compile outside the time limit
        checker.loops = task.loops
        judgement = checker.judge(test, task.model, task.timeout, task.verdict_only, task.max_executions,
                                  task.states_only)
        v = judgement.verdict
        info["judged_model"] = v.model
        judged = Judged(**info, verdict=v.observation, flags=tuple(v.flags), positive=v.positive,
                        negative=v.negative, exhaustive=v.exhaustive, seconds=time.monotonic() - start)
        if task.picture:
            return drawn(judged, lambda: _svg(checker, test, judgement.program, judged, task.timeout))
        return judged
    except Timeout:
        return Judged(**info, timeout=True, seconds=time.monotonic() - start,
                      error=f"timed out after {task.timeout:g} s")
    except MemcheckError as e:
        e.located(task.file)
        return Judged(**info, error=e.message, error_file="" if e.file == task.file else e.file,
                      error_line=e.line, error_col=e.col, seconds=time.monotonic() - start)
    except Exception as e:  # a crash is a finding, reported with the test
        return Judged(**info, internal=True, seconds=time.monotonic() - start,
                      error=f"internal error: {type(e).__name__}: {e}")


def lost(task: Task, message: str, seconds: float, timeout: bool = False) -> Judged:
    """The result of a task whose worker was killed or died."""
    return Judged(task.model, timeout=timeout, internal=True, error=message, seconds=seconds)


def _evaluator(checker: Checker, test: Any, model: str):
    """The evaluator that judged `test` under `model` (assembly tests: the "asm" variant)."""
    return checker.asm_evaluator(model) if isinstance(test, AsmTest) else checker.evaluator(model)


def _svg(checker: Checker, test: Any, program: Any, judged: Judged, timeout: Optional[float]) -> str:
    """The witness graph of a judged test as an SVG document."""
    model = judged.judged_model or judged.model
    deadline = time.monotonic() + timeout if timeout else None
    w = find_witness(test, program, _evaluator(checker, test, model), deadline=deadline)
    graph = build_graph(test, program, w, model, judged.verdict or "", condition_text(test.condition))
    return render_svg(graph)


def drawn(judged: Judged, draw: Any) -> Judged:
    """`judged` with the picture `draw()` gives, or with why there is none."""
    start = time.monotonic()
    try:
        svg, error = draw(), ""
    except Timeout:
        svg, error = "", "picture timed out"
    except MemcheckError as e:
        svg, error = "", f"picture: {e.message}"
    except Exception as e:  # the verdict stands; the picture is a by-product
        svg, error = "", f"picture: internal error: {type(e).__name__}: {e}"
    return replace(judged, svg=svg, picture_seconds=time.monotonic() - start, picture_error=error)


def draw_known(checker: Checker, task: Task, known: Judged) -> Judged:
    """The picture of a cached result, without judging the test again: the
    program is lowered as judging lowers it, the witness searched for."""
    def draw() -> str:
        test = parse_test_text(task.raw, task.file)
        checker.loops = task.loops
        model = known.judged_model or known.model
        if isinstance(test, AsmTest):
            program = lower_asm(test)
        else:
            program = checker.lower(test, model)
        return _svg(checker, test, program, known, task.timeout)

    return drawn(known, draw)
