"""One unit of corpus work: a test's bytes judged under one model, as plain data.

Tasks carry the test's content, not its path, so that a worker on another
machine (a Dask cluster) needs no shared file system; results are plain
dataclasses so that they pickle, go to JSON and into the result cache.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Optional, Sequence

from ..checker import Checker, parse_test_text
from ..engine.enumerate import Timeout
from ..errors import MemcheckError
from ..litmus.asm_ast import AsmTest


@dataclass(frozen=True)
class Task:
    """Judge `raw` (the content of `file`) under `model`, within `timeout` seconds."""
    file: str
    raw: bytes = field(repr=False)
    model: str
    timeout: Optional[float] = None


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
    seconds: float = 0.0
    timeout: bool = False
    error: str = ""  # bad input: the message (position below)
    error_file: str = ""  # the file the error is in when not the test (a model file)
    error_line: int = 0
    error_col: int = 0
    internal: bool = False  # a crash, a killed or dead worker: not cached

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
        """JSON-ready form (the cache stores this)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Judged":
        """Inverse of to_dict."""
        data = dict(data)
        data["flags"] = tuple(data.get("flags", ()))
        return cls(**data)


def prepare_checker(models: Sequence[str] = ()) -> Checker:
    """A worker's Checker with the models compiled up front, so that compiling
    is not charged to the first test's time limit."""
    checker = Checker()
    for m in models:
        try:
            checker.evaluator(m)
        except Exception:  # reported with each test judged under it
            pass
    return checker


def judge_task(checker: Checker, task: Task) -> Judged:
    """Parse and judge one task; bad input, timeouts and crashes become data."""
    start = time.monotonic()
    info: dict[str, Any] = {"model": task.model}
    try:
        test = parse_test_text(task.raw, task.file)
        info.update(name=test.name, comment=test.comment,
                    arch=test.arch if isinstance(test, AsmTest) else "")
        model = checker.asm_model(test, task.model) if isinstance(test, AsmTest) else task.model
        info["judged_model"] = model
        checker.evaluator(model)  # compile outside the time limit
        v = checker.judge(test, task.model, task.timeout).verdict
        info["judged_model"] = v.model
        return Judged(**info, verdict=v.observation, flags=tuple(v.flags), positive=v.positive,
                      negative=v.negative, seconds=time.monotonic() - start)
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
