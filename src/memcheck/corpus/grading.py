"""A judged result held against its expectation: passed, failed, error, timeout, ..."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional

from .expectations import DATA_RACE_FLAG, Expectation
from .judging import Judged


class Status(str, Enum):
    """How one test under one model came out."""
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    NO_EXPECTATION = "no expectation"
    UNCHECKED = "not checked"  # expected Maybe or DEADLOCK: reported, not failed

    @property
    def bad(self) -> bool:
        """Does this status make the run fail?"""
        return self in (Status.FAILED, Status.ERROR, Status.TIMEOUT)


@dataclass(frozen=True)
class CaseResult:
    """One test under one model: what it gave, what was expected, the status."""
    file: str
    model: str
    status: Status
    judged: Judged
    expected: Optional[Expectation] = None
    message: str = ""  # why it failed, the error, the timeout
    cached: bool = False

    @property
    def got(self) -> str:
        """The result in a Result line's words: `Sometimes DATARACE`, `Never Flag x`."""
        return got_text(self.judged)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, one per test and model."""
        j = self.judged
        return {
            "file": self.file, "name": j.name, "model": self.model,
            "judged_model": j.judged_model or self.model, "status": self.status.value,
            "expected": str(self.expected) if self.expected else None,
            "expected_from": self.expected.origin if self.expected else None,
            "got": self.got if j.verdict else None, "verdict": j.verdict, "flags": list(j.flags),
            "positive": j.positive, "negative": j.negative, "exhaustive": j.exhaustive,
            "message": self.message,
            "seconds": round(j.seconds, 4), "cached": self.cached,
        }


def got_text(j: Judged) -> str:
    """A verdict and its flags as a Result line would say them."""
    words = [j.verdict or "-"]
    if DATA_RACE_FLAG in j.flags:
        words.append("DATARACE")
    words += [f"Flag {f}" for f in j.flags if f != DATA_RACE_FLAG]
    return " ".join(words)


def mismatch(exp: Expectation, j: Judged) -> str:
    """Why `j` does not meet `exp`, or "" when it does."""
    wrong = []
    if exp.verdict and exp.verdict != j.verdict:
        wrong.append("verdict")
    if exp.data_race is not None and (DATA_RACE_FLAG in j.flags) != exp.data_race:
        wrong.append("data race")
    if exp.flag and exp.flag not in j.flags:
        wrong.append(f"flag {exp.flag}")
    if not wrong:
        return ""
    return f"expected {exp}, got {got_text(j)} (wrong {', '.join(wrong)}; expected by {exp.origin})"


def grade(file: str, j: Judged, exp: Optional[Expectation], cached: bool = False) -> CaseResult:
    """The status of one judged test against its expectation."""
    def result(status: Status, message: str = "") -> CaseResult:
        return CaseResult(file, j.model, status, j, exp, message, cached)

    if j.timeout:
        return result(Status.TIMEOUT, j.located_error(file))
    if j.error or j.verdict is None:
        return result(Status.ERROR, j.located_error(file))
    if exp is None:
        return result(Status.NO_EXPECTATION, f"got {got_text(j)}")
    if exp.unchecked:
        return result(Status.UNCHECKED, f"expected {exp.verdict}, got {got_text(j)}")
    why = mismatch(exp, j)
    return result(Status.FAILED, why) if why else result(Status.PASSED)
