#!/usr/bin/env python3
"""Print the events herd7 gives each instruction of a test, execution by execution.

A development aid for the instruction tables (src/memcheck/lower/tables/herd/):
runs herd7 (not needed by the test suite) with every event shown and prints,
for each execution, each thread's events (register and memory accesses,
branch commits, barriers, annotations) and the intra-instruction relations
(iico_data, iico_ctrl, iico_order) and rf-reg, so a table entry can be
checked against herd's semantics.

    python scripts/herd_events.py --libdir ../shared/herd-libdir TEST.litmus [--model aarch64.cat]
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

RELATIONS = "iico_data,iico_ctrl,iico_order,rf-reg,rmw,amo"
_EVENT = re.compile(r'^(eiid\d+) \[label="([^"]*)"', re.M)
_EDGE = re.compile(r'^(eiid\d+) -> (eiid\d+) \[label="([^"]*)"', re.M)


def executions(dot: str) -> list[str]:
    """The digraphs of herd7's dot output, one per execution."""
    return [g for g in dot.split("digraph G {")[1:]]


def describe(graph: str, relations: set[str]) -> list[str]:
    """Lines describing one execution's events and intra-instruction edges."""
    names: dict[str, str] = {}
    lines: list[str] = []
    for eid, label in _EVENT.findall(graph):
        parts = label.split("\\l")
        short = parts[0]
        names[eid] = short.split(":")[0]
        where = parts[1] if len(parts) > 2 else "init"
        instr = parts[2] if len(parts) > 2 else ""
        lines.append(f"  {where:16} {instr:24} {short}")
    for a, b, rel in dict.fromkeys(_EDGE.findall(graph)):
        if rel in relations:
            lines.append(f"  {rel:10} {names.get(a, a)} -> {names.get(b, b)}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("test", type=Path)
    ap.add_argument("--libdir", default="")
    ap.add_argument("--model", default="")
    ap.add_argument("--herd", default="herd7")
    ap.add_argument("--relations", default=RELATIONS)
    ap.add_argument("--first", type=int, default=0, help="only the first N executions")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as out:
        cmd = [args.herd, "-o", out, "-show", "all", "-showevents", "all", "-doshow", args.relations]
        if args.libdir:
            cmd += ["-set-libdir", args.libdir]
        if args.model:
            cmd += ["-model", args.model]
        run = subprocess.run(cmd + [str(args.test)], capture_output=True, text=True)
        sys.stdout.write(run.stdout)
        if run.returncode:
            sys.stderr.write(run.stderr)
            return run.returncode
        dots = list(Path(out).glob("*.dot"))
        if not dots:
            return 0
        graphs = executions(dots[0].read_text())
        wanted = set(args.relations.split(","))
        for k, g in enumerate(graphs[:args.first or None]):
            print(f"execution {k + 1} of {len(graphs)}")
            print("\n".join(describe(g, wanted)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
