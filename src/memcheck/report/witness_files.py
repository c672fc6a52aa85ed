"""From a judged test to its witness picture on disk (SVG and/or DOT).

The glue the CLI calls after judging: find the witness for the judged
program under the judged model, build the graph, write one file per test
and model, named `<test>.<model>.svg` (or `.dot`; `<test>-2.<model>.svg`
for a second test of the same name in one run).
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Optional

from ..cat.evaluate import Evaluator
from ..checker import condition_text
from ..engine.judge import Judgement
from ..engine.witness import find_witness
from ..litmus import ast as A
from .dot import render_dot
from .graph import WitnessGraph, build_graph
from .svg import render_svg


def witness_graph(test: A.Test, judgement: Judgement, evaluator: Evaluator,
                  timeout: Optional[float] = None) -> WitnessGraph:
    """The witness of `test`'s condition under the judgement's model, as a graph."""
    deadline = time.monotonic() + timeout if timeout else None
    v = judgement.verdict
    w = find_witness(test, judgement.program, evaluator, deadline=deadline)
    return build_graph(test, judgement.program, w, v.model, v.observation, condition_text(test.condition))


def picture_stem(test: str, model: str, taken: set[str]) -> str:
    """`<test>.<model>`, the test name made safe as a file name, with -2, -3,
    ... when tests of one run share a name; the stem is added to `taken`."""
    safe = re.sub(r"[^A-Za-z0-9+.,=_-]", "_", test) or "test"
    model = re.sub(r"[^A-Za-z0-9+.,=_-]", "_", model)  # `arm64/llsc`: one file, not a folder
    stem, n = f"{safe}.{model}", 1
    while stem in taken:
        n += 1
        stem = f"{safe}-{n}.{model}"
    taken.add(stem)
    return stem


def write_pictures(g: WitnessGraph, svg_dir: Optional[str], dot_dir: Optional[str],
                   taken: Optional[set[str]] = None) -> list[Path]:
    """Write `g` as SVG into svg_dir and as DOT into dot_dir (each when given);
    `taken` holds the stems already written in this run."""
    stem = picture_stem(g.test, g.model, set() if taken is None else taken)
    written = []
    for directory, ext, render in ((svg_dir, "svg", render_svg), (dot_dir, "dot", render_dot)):
        if directory:
            path = Path(directory) / f"{stem}.{ext}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(g), encoding="utf-8")
            written.append(path)
    return written
