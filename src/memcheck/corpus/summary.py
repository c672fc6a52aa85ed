"""The end of a corpus check: counts, a rich summary table, each problem, JSON."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .grading import CaseResult, Status


@dataclass(frozen=True)
class Summary:
    """Counts over a run and its wall time."""
    counts: dict[Status, int]
    cache_hits: int
    total: int
    seconds: float

    @classmethod
    def of(cls, results: Sequence[CaseResult], seconds: float) -> "Summary":
        """Count `results`."""
        c = Counter(r.status for r in results)
        return cls({s: c.get(s, 0) for s in Status}, sum(r.cached for r in results), len(results), seconds)

    @property
    def ok(self) -> bool:
        """Nothing failed, errored or timed out."""
        return not any(n for s, n in self.counts.items() if s.bad)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"total": self.total, **{s.name.lower(): n for s, n in self.counts.items()},
                "cache_hits": self.cache_hits, "seconds": round(self.seconds, 3), "ok": self.ok}


_ROWS = [(Status.PASSED, "passed", "green"), (Status.FAILED, "failed", "red"),
         (Status.ERROR, "errors", "red"), (Status.TIMEOUT, "timeouts", "yellow"),
         (Status.NO_EXPECTATION, "no expectation", "cyan"),
         (Status.UNCHECKED, "not checked (Maybe, DEADLOCK)", "cyan")]


def summary_table(s: Summary) -> Table:
    """The summary as a rich table."""
    table = Table(title="memcheck check", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for status, label, style in _ROWS:
        n = s.counts[status]
        table.add_row(label, f"[{style}]{n}[/]" if n and (status.bad or status is Status.PASSED) else str(n))
    table.add_row("cache hits", str(s.cache_hits))
    table.add_row("tests × models", str(s.total))
    table.add_row("wall time", f"{s.seconds:.2f} s")
    return table


def print_report(console: Console, results: Sequence[CaseResult], s: Summary) -> None:
    """Each failure (expected vs got), error and timeout, then the table."""
    titles = {Status.FAILED: "Failures", Status.ERROR: "Errors", Status.TIMEOUT: "Timeouts"}
    for status, title in titles.items():
        bad = [r for r in results if r.status is status]
        if not bad:
            continue
        console.print(f"[bold]{title}[/]")
        for r in bad:
            line = Text(f"  {r.file} ({r.model}): ")
            if status is Status.FAILED and r.expected is not None:
                line.append("expected ").append(str(r.expected), "bold green")
                line.append(", got ").append(r.got, "bold red").append(f"  [{r.expected.origin}]")
            else:
                line.append(r.message)
            console.print(line, highlight=False, soft_wrap=True)
    console.print(summary_table(s))


def write_json(results: Sequence[CaseResult], s: Summary, path: Path) -> None:
    """The whole run as one JSON document: summary and a record per test and model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"summary": s.to_dict(), "results": [r.to_dict() for r in results]}
    path.write_text(json.dumps(doc, indent=1) + "\n")
