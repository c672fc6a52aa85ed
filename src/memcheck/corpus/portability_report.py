"""`memcheck portability` reports: a line per test, JSON records, the summary tables."""
from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

from rich.table import Table

from ..report.herd_text import format_state
from .portability import (CONSERVATIVE, DEPENDENT, Explanation, Portability, PortabilitySummary, State,
                          VariantChange, sorted_states)


def verdict_word(v: Optional[str], refused: bool = False) -> str:
    """A column's verdict as the line shows it: `-` for a model that cannot run the test, `?` for a failure."""
    return v if v is not None else ("-" if refused else "?")


def test_lines(p: Portability, explanations: Mapping[tuple[str, str], Explanation],
               pictures: Mapping[tuple[str, str], str] = {}) -> list[str]:
    """A test's line (class, file, every column's verdict) and the lines saying why."""
    cols = " ".join(f"{c.model}={verdict_word(c.verdict, c.refused)}" for c in (p.lkmm,) + p.archs)
    lines = [f"{p.klass:<22} {p.file}  {cols}"]
    for u in p.unsound:
        for s in u.states:
            lines.append(f"    {u.model} allows, {p.lkmm.model} forbids: {format_state(s)}")
        if not u.states:
            lines.append(f"    {u.model} allows, {p.lkmm.model} forbids, by their verdicts: the condition's outcome")
        e = explanations.get((p.file, u.model))
        if e is not None:
            if (p.file, u.model) in pictures:
                lines.append(f"    {u.model}'s execution: {pictures[(p.file, u.model)]}")
            if e.error:
                lines.append(f"    not explained: {e.error}")
            lines += ["    " + t for t in e.lkmm_text.rstrip("\n").splitlines()]
    if p.klass == CONSERVATIVE:
        for s in p.conservative_states:
            lines.append(f"    only {p.lkmm.model} allows: {format_state(s)}")
    if p.klass == DEPENDENT:
        lines.append("    " + "; ".join(f"{v}: {', '.join(ms)}" for v, ms in p.verdict_groups().items()))
    if p.message:
        lines.append(f"    {p.message}")
    return lines


def state_record(s: State) -> dict[str, Any]:
    """A state as `run --json` gives one: registers `"1:r0"`, memory by the variable's name."""
    return dict(s)


def test_record(p: Portability, explanations: Mapping[tuple[str, str], Explanation],
                pictures: Mapping[tuple[str, str], str] = {}) -> dict[str, Any]:
    """One test as a JSON object (a line of `--json`)."""
    unsound = []
    for u in p.unsound:
        item: dict[str, Any] = {"model": u.model, "states": [state_record(s) for s in u.states]}
        e = explanations.get((p.file, u.model))
        if e is not None:
            item["explanation"] = e.lkmm_text or None
            if e.error:
                item["explanation_error"] = e.error
            if (p.file, u.model) in pictures:
                item["graph"] = pictures[(p.file, u.model)]
        unsound.append(item)
    columns = (p.lkmm,) + p.archs
    return {
        "file": p.file, "name": p.name, "class": p.klass,
        "verdicts": p.verdicts(),
        "unsound": unsound,
        "conservative_states": [state_record(s) for s in p.conservative_states],
        "states": {c.model: None if c.states is None else [state_record(s) for s in sorted_states(c.states)]
                   for c in columns},
        "errors": {c.model: c.error for c in columns if c.error},
        "message": p.message or None,
    }


def json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=False)


def summary_tables(s: PortabilitySummary, reference: str) -> list[Table]:
    """Counts per class, then per architecture column against the reference model."""
    classes = Table(title=f"portability: {s.tests} C tests")
    classes.add_column("class")
    classes.add_column("tests", justify="right")
    for k, n in s.classes.items():
        classes.add_row(k, str(n))
    models = Table(title=f"each architecture against {reference}")
    models.add_column("model", no_wrap=True)
    for head in ("judged", f"same verdict as {reference}", f"allows what {reference} forbids",
                 f"forbids what {reference} allows", "cannot run", "failed"):
        models.add_column(head, justify="right")
    for t in s.models:
        models.add_row(t.model, str(t.judged), str(t.same_verdict), str(t.unsound), str(t.stricter),
                       str(t.refused), str(t.failed))
    timing = Table(show_header=False)
    timing.add_column("")
    timing.add_column("", justify="right")
    timing.add_row("tests × models judged", str(s.judged))
    timing.add_row("cache hits", str(s.cache_hits))
    timing.add_row("wall time", f"{s.seconds:.2f} s")
    return [classes, models, timing]


def change_line(c: VariantChange) -> str:
    """`file  arm64/4.14=Sometimes -> arm64=Never`."""
    return f"{c.file}  {c.a.model}={c.a.verdict} -> {c.b.model}={c.b.verdict}"


def change_record(c: VariantChange) -> dict[str, Any]:
    return {"file": c.file, "name": c.name, "verdicts": {c.a.model: c.a.verdict, c.b.model: c.b.verdict}}


def changes_summary(changes: Sequence[VariantChange], tests: int, a: str, b: str) -> str:
    return f"{len(changes)} of {tests} C tests change verdict between {a} and {b}"
