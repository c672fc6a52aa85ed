"""herd7's result block, so scripts that read herd7 output keep working."""
from __future__ import annotations

from ..engine.outcome import State, Verdict


def format_state(state: State) -> str:
    """`0:r1=1; [x]=2;` — memory in brackets, as herd7 7.57 prints it."""
    parts = []
    for key, value in state:
        shown = key if ":" in key else f"[{key}]"
        parts.append(f"{shown}={value};")
    return " ".join(parts)


def format_verdict(v: Verdict) -> str:
    """The block herd7 prints for one test.  Without every execution
    counted, no Witnesses/Positive lines and no counts on the Observation
    line; without every final state listed, the witnesses found instead."""
    kind = {"forall": "Required", "~exists": "Forbidden"}.get(v.quantifier, "Allowed")
    if v.states_complete:
        head = f"States {len(v.states)}"
    else:
        why = f"more than {v.limit} executions allowed: " if v.limit else ""
        head = f"Witnesses found {len(v.states)} ({why}states not enumerated)"
    lines = [f"Test {v.name} {kind}", head]
    lines += [format_state(s) for s in v.states]
    lines.append(("Loop " if v.loop_limit else "") + ("Ok" if v.ok else "No"))
    if v.exhaustive:
        lines.append("Witnesses")
        if v.quantifier == "~exists":
            # herd7 counts the executions satisfying the whole ~exists condition
            lines.append(f"Positive: {v.negative} Negative: {v.positive}")
        else:
            lines.append(f"Positive: {v.positive} Negative: {v.negative}")
    lines += [f"Flag {f}" for f in v.flags]
    lines.append(f"Condition {v.condition}")
    counts = f" {v.positive} {v.negative}" if v.exhaustive else ""
    lines.append(f"Observation {v.name} {v.observation}{counts}")
    lines.append(f"Time {v.name} {v.seconds:.2f}")
    return "\n".join(lines) + "\n"


def loop_warning(v: Verdict) -> str:
    """herd7's warning (on stderr, after the block) when an unrolled loop
    was cut: outcomes needing more iterations are missing."""
    return (f'Warning: File "{v.file}": unrolling limit exceeded at While, '
            "legal outcomes may be missing.")
