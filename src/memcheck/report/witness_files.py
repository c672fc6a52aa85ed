"""From a judged test to its witness picture on disk (SVG and/or DOT).

The glue the CLI calls after judging: find the witness for the judged
program under the judged model, build the graph, write one file per test
and model, named `<test>.<model>.svg` (or `.dot`).
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


def picture_path(directory: str | Path, test: str, model: str, ext: str) -> Path:
    """`DIR/<test>.<model>.<ext>`, the test name made safe as a file name."""
    safe = re.sub(r"[^A-Za-z0-9+.,=_-]", "_", test) or "test"
    return Path(directory) / f"{safe}.{model}.{ext}"


def write_pictures(g: WitnessGraph, svg_dir: Optional[str], dot_dir: Optional[str]) -> list[Path]:
    """Write `g` as SVG into svg_dir and as DOT into dot_dir (each when given)."""
    written = []
    for directory, ext, render in ((svg_dir, "svg", render_svg), (dot_dir, "dot", render_dot)):
        if directory:
            path = picture_path(directory, g.test, g.model, ext)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(g), encoding="utf-8")
            written.append(path)
    return written
