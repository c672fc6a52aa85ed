"""The advisor's answer for people (a table, the fix, the test diff-style) and as JSON."""
from __future__ import annotations

import difflib
from io import StringIO
from typing import Any, Optional

from ..litmus.print_c import format_c_litmus
from .advisor import Advice, Fix, ModelAdvice
from .verify import fixed_text


def _num(x: float) -> str:
    return f"{x:g}"


def _arch_costs(fix: Fix) -> str:
    return ", ".join(f"{a} {_num(c)}" for a, c in fix.costs.items())


def _stats(m: ModelAdvice, positions: int) -> dict[str, Any]:
    out: dict[str, Any] = {"positions": positions, "seconds": round(m.seconds, 3)}
    if m.search is not None and m.reach is not None:
        out.update(rounds=m.search.rounds, clauses=m.search.clauses,
                   candidates=m.reach.candidates, refuted=m.reach.refuted)
    return out


def advice_record(a: Advice) -> dict[str, Any]:
    """The JSON object of `memcheck fences --json`."""
    portable: Optional[dict[str, Any]] = None
    if a.portable is not None:
        portable = a.portable.record()
        for rec, c in zip(portable["changes"], a.portable.changes):
            rec["free_on"] = a.costs.free_on(c.barrier)
    return {
        "file": a.test.source, "name": a.test.name, "condition": a.condition,
        "models": {m: {"verdict": v.verdict, "priced_on": v.priced_on or "all",
                       "fixes": [f.record() for f in v.fixes], "stats": _stats(v, len(a.positions))}
                   for m, v in a.models.items()},
        "portable_fix": portable,
        "skipped": a.skipped,
        "seconds": round(a.seconds, 3),
    }


def _table(a: Advice) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{a.test.name}: {a.condition}  ({len(a.positions)} positions searched)")
    for col in ("model", "verdict", "fix", "cost per architecture", "verified"):
        table.add_column(col)
    for m, v in a.models.items():
        if not v.fixes:
            fix = "none needed" if v.verdict == "Never" else "none found"
            table.add_row(m, v.verdict, fix, "-", "-")
            continue
        for i, f in enumerate(v.fixes):
            table.add_row(m if i == 0 else "", v.verdict if i == 0 else "",
                          "\n".join(c.describe() for c in f.changes), _arch_costs(f),
                          "yes" if f.verified else "NO")
    buf = StringIO()
    Console(file=buf, width=140, no_color=True).print(table)
    return buf.getvalue()


def _portable_text(a: Advice) -> list[str]:
    models = ", ".join(a.models)
    if a.portable is None:
        return [f"No combination of the proposed changes forbids the outcome under all of {models}."]
    if not a.portable.changes:
        return [f"No change needed: the outcome is already Never under {models}."]
    f = a.portable
    lines = [f"Portable fix (cost {_num(f.cost)}: {_arch_costs(f)}), "
             f"{'verified' if f.verified else 'NOT verified'} Never under {models}:"]
    for c in f.changes:
        emits = "; ".join(f"{arch}: {a.costs.price(arch, c.barrier).emits or '?'}" for arch in a.costs.arches)
        free = a.costs.free_on(c.barrier)
        lines.append(f"  {c.describe()}")
        lines.append(f"      compiles to {emits}" + (f" (no instruction on {', '.join(free)})" if free else ""))
    return lines


def diff_text(a: Advice) -> str:
    """The test with the portable fix made, every line shown, changed lines marked + and -."""
    before = format_c_litmus(a.test).splitlines()
    after = fixed_text(a.test, a.portable.changes if a.portable else ()).splitlines()
    return "\n".join(difflib.unified_diff(before, after, f"{a.test.name}", f"{a.test.name} (portable fix)",
                                          n=max(len(before), len(after)), lineterm=""))


def advice_text(a: Advice) -> str:
    """The whole human report."""
    out = [_table(a).rstrip("\n")]
    out += _portable_text(a)
    if a.skipped:
        out.append("Skipped: " + "; ".join(f"{m} ({why})" for m, why in a.skipped.items()))
    d = diff_text(a)
    if d:
        out += ["", d]
    return "\n".join(out) + "\n"
