"""Several models' verdicts on one test as one table, a row per model (`run --model all`)."""
from __future__ import annotations

from io import StringIO
from typing import Sequence

from ..engine.outcome import Verdict
from .herd_text import format_state


def counts(v: Verdict) -> tuple[str, str]:
    """The positive and negative witness counts, or whether one exists when not counted."""
    if v.exhaustive:
        return str(v.positive), str(v.negative)
    return ("≥1" if v.positive else "0"), ("≥1" if v.negative else "0")


def verdict_table(verdicts: Sequence[Verdict]) -> str:
    """The table `memcheck run` prints for several models."""
    from rich.console import Console
    from rich.table import Table

    v0 = verdicts[0]
    table = Table(title=f"{v0.name}: {v0.condition}")
    # a model named by its file's path is shown whole, never cut short
    longest = max(len(v.model) for v in verdicts)
    table.add_column("model", no_wrap=True, min_width=longest)
    for col in ("verdict", "positive", "negative", "states", "flags"):
        table.add_column(col)
    for v in verdicts:
        table.add_row(v.model, v.observation, *counts(v),
                      "\n".join(format_state(s) for s in v.states), ",".join(v.flags) or "-")
    buf = StringIO()
    Console(file=buf, width=max(120, longest + 60), no_color=True).print(table)
    return buf.getvalue()
