"""The JUnit XML report CI servers read: a test suite per model, a test case per test.

Failures (verdict differs from the expectation) are <failure>; bad input,
crashes and timeouts are <error> (type `MemcheckError`, `internal`,
`timeout`); tests without expectation and `Maybe`/`DEADLOCK` ones are
<skipped> with what they gave, so nothing unchecked reads as passed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from .grading import CaseResult, Status


def junit_case(r: CaseResult) -> TestCase:
    """One JUnit test case for one test under one model."""
    case = TestCase(name=r.file, classname=f"memcheck.{r.model}", time=round(r.judged.seconds, 4))
    j = r.judged
    if r.status is Status.FAILED:
        case.result = [Failure(r.message, "verdict")]
    elif r.status is Status.TIMEOUT:
        case.result = [Error(r.message, "timeout")]
    elif r.status is Status.ERROR:
        case.result = [Error(r.message, "internal" if j.internal else "MemcheckError")]
    elif r.status in (Status.NO_EXPECTATION, Status.UNCHECKED):
        case.result = [Skipped(f"{r.status.value}: {r.message}")]
    if j.verdict:
        counts = f"positive {j.positive}, negative {j.negative}" if j.exhaustive else "verdict only"
        case.system_out = (f"{j.name}: {j.verdict} ({counts}), "
                           f"flags {','.join(j.flags) or '-'}, model {j.judged_model or r.model}"
                           + (", from cache" if r.cached else ""))
    return case


def write_junit(results: Sequence[CaseResult], path: Path, models: Sequence[str]) -> None:
    """Write the report: one <testsuite> per model, in the order given."""
    xml = JUnitXml("memcheck check")
    for model in models:
        suite = TestSuite(f"memcheck.{model}")
        for r in results:
            if r.model == model:
                suite.add_testcase(junit_case(r))
        suite.update_statistics()
        xml.add_testsuite(suite)
    xml.update_statistics()
    path.parent.mkdir(parents=True, exist_ok=True)
    xml.write(str(path), pretty=True)
