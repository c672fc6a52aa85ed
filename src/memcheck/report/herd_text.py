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
    """The block herd7 prints for one test."""
    kind = "Required" if v.quantifier == "forall" else "Allowed"
    if not v.states_complete:
        return format_decided(v, kind)
    lines = [f"Test {v.name} {kind}", f"States {len(v.states)}"]
    lines += [format_state(s) for s in v.states]
    lines.append("Ok" if v.ok else "No")
    if v.exhaustive:
        lines.append("Witnesses")
        if v.quantifier == "~exists":
            # herd7 counts the executions satisfying the whole ~exists condition
            lines.append(f"Positive: {v.negative} Negative: {v.positive}")
        else:
            lines.append(f"Positive: {v.positive} Negative: {v.negative}")
    lines += [f"Flag {f}" for f in v.flags]
    lines.append(f"Condition {v.condition}")
    counts = f" {v.positive} {v.negative}" if v.exhaustive else ""  # states only: not counted
    lines.append(f"Observation {v.name} {v.observation}{counts}")
    lines.append(f"Time {v.name} {v.seconds:.2f}")
    return "\n".join(lines) + "\n"


def format_decided(v: Verdict, kind: str) -> str:
    """A verdict decided without enumeration: herd7's block with the final
    states of the witnesses found in place of all states, and no counts."""
    why = f"more than {v.limit} executions allowed: " if v.limit else ""
    lines = [f"Test {v.name} {kind}", f"Witnesses found {len(v.states)} ({why}states not enumerated)"]
    lines += [format_state(s) for s in v.states]
    lines.append("Ok" if v.ok else "No")
    lines += [f"Flag {f}" for f in v.flags]
    lines.append(f"Condition {v.condition}")
    lines.append(f"Observation {v.name} {v.observation}")
    lines.append(f"Time {v.name} {v.seconds:.2f}")
    return "\n".join(lines) + "\n"
