"""herd7's recorded verdicts (the shared corpora's herd7.tsv files)."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..engine.outcome import Verdict


@dataclass(frozen=True)
class HerdRecord:
    file: str
    verdict: str  # Never, Sometimes, Always, TIMEOUT or ERROR
    positive: int
    negative: int
    flags: str
    states: str
    seconds: float
    result_comment: str = ""  # the test's own Result: line, as the tsv records it ("" for none)
    # whether herd7 warned "unrolling limit exceeded" (printed `Loop`); None
    # when the tsv has no loop_limit column
    loop_limit: Optional[bool] = None

    @property
    def judged(self) -> bool:
        return self.verdict in ("Never", "Sometimes", "Always")


def read_herd_tsv(path: Path) -> dict[str, HerdRecord]:
    """Rows keyed by file (relative to the tsv's folder)."""
    out: dict[str, HerdRecord] = {}
    csv.field_size_limit(1 << 30)
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            def num(key: str) -> int:
                try:
                    return int(row.get(key) or 0)
                except ValueError:
                    return 0
            seconds = row.get("herd_seconds") or "0"
            try:
                secs = float(seconds)
            except ValueError:
                secs = 0.0
            loop = (row.get("loop_limit") or "").strip()
            out[row["file"]] = HerdRecord(row["file"], row["verdict"], num("positive"), num("negative"),
                                          row.get("flags") or "-", row.get("states") or "", secs,
                                          (row.get("result_comment") or "").strip().strip("-"),
                                          loop in ("1", "true", "yes") if loop else None)
    return out


SYMBOL = re.compile(r"S\d+")  # a value no write fixes (out of thin air)


# Flags of memcheck's own that herd7 never raises (compared apart).
OWN_FLAGS = frozenset({"hang"})


def herd_flags(v: Verdict) -> str:
    """Our flags spelled as the tsv spells herd7's (memcheck's own left out)."""
    return ",".join(f for f in v.flags if f not in OWN_FLAGS) or "-"


def canonical_state(binds: list[tuple[str, str]]) -> str:
    """Bindings sorted by location; symbols renamed S0, S1, ... in order of
    appearance, since herd7 and memcheck number their unknowns differently."""
    names: dict[str, str] = {}
    out = []
    for k, val in sorted(binds):
        if SYMBOL.fullmatch(val):
            val = names.setdefault(val, f"S{len(names)}")
        out.append(f"{k}={val}")
    return " ".join(out)


def canonical_states(v: Verdict) -> str:
    """Our states in the tsv's canonical spelling: bindings and states sorted."""
    return " | ".join(sorted(canonical_state([(k, str(val)) for k, val in s]) for s in v.states))


def canonical_herd_states(states: str) -> str:
    """herd's states re-sorted the same way (arch tsv spell memory as [x])."""
    out = []
    for s in states.split(" | ") if states and states != "-" else []:
        binds = []
        for b in s.replace(";", " ").split():
            k, _, val = b.partition("=")
            if k.startswith("[") and k.endswith("]"):
                k = k[1:-1]
            binds.append((k, val))
        out.append(canonical_state(binds))
    return " | ".join(sorted(out))
