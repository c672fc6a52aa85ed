"""`memcheck portability --html DIR`: one page, the unsound tests first, with their graphs.

DIR/index.html: the class counts and the per-architecture table, then the
unsound tests (each state, the architecture's execution as an SVG from
DIR/graphs/, the LKMM's broken axiom), then a row per test with every
column's verdict and final states.  Self-contained HTML5, relative links.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Mapping

from ..report.herd_text import format_state
from .portability import CLASSES, Explanation, Portability, PortabilitySummary, UNSOUND, sorted_states

CELL_STATES = 16  # final states shown per test and model; --json has them all
STYLE = """body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top;text-align:left}
.unsound{background:#fdd}.conservative{background:#eef}.architecture-dependent{background:#ffd}
pre{background:#f6f6f6;padding:.5em}img{max-width:100%;border:1px solid #ddd}.states{font-family:monospace}"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _summary(s: PortabilitySummary, reference: str) -> str:
    rows = "".join(f"<tr><td>{_e(k)}</td><td>{s.classes.get(k, 0)}</td></tr>" for k in CLASSES)
    heads = ("model", "judged", f"same verdict as {reference}", f"allows what {reference} forbids",
             f"forbids what {reference} allows", "cannot run", "failed")
    models = "".join(
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in (t.model, t.judged, t.same_verdict, t.unsound,
                                                        t.stricter, t.refused, t.failed)) + "</tr>"
        for t in s.models)
    return (f"<h2>{s.tests} C tests</h2><table><tr><th>class</th><th>tests</th></tr>{rows}</table>"
            f"<table><tr>{''.join(f'<th>{_e(h)}</th>' for h in heads)}</tr>{models}</table>"
            f"<p>{s.judged} tests × models judged, {s.cache_hits} from the cache, {s.seconds:.1f} s.</p>")


def _unsound(p: Portability, explanations: Mapping[tuple[str, str], Explanation],
             pictures: Mapping[tuple[str, str], str]) -> str:
    parts = [f"<h3 id='{_e(p.file)}'>{_e(p.name)} <small>{_e(p.file)}</small></h3>"]
    for u in p.unsound:
        states = "<br>".join(_e(format_state(s)) for s in u.states)
        parts.append(f"<p><b>{_e(u.model)}</b> allows, {_e(p.lkmm.model)} forbids:<br>"
                     f"<span class='states'>{states}</span></p>")
        e = explanations.get((p.file, u.model))
        if e is None:
            continue
        if (p.file, u.model) in pictures:
            src = pictures[(p.file, u.model)]
            parts.append(f"<p>{_e(u.model)}'s execution ending in {_e(format_state(e.state))}:</p>"
                         f"<a href='{_e(src)}'><img src='{_e(src)}' alt='{_e(u.model)} witness'></a>")
        if e.lkmm_text:
            parts.append(f"<pre>{_e(e.lkmm_text)}</pre>")
        if e.error:
            parts.append(f"<p>not explained: {_e(e.error)}</p>")
    return "".join(parts)


def _row(p: Portability) -> str:
    cells = [f"<td>{_e(p.file)}</td><td>{_e(p.klass)}</td>"]
    for c in (p.lkmm,) + p.archs:
        if c.verdict is None:
            cells.append(f"<td title='{_e(c.error)}'>{'-' if c.refused else '?'}</td>")
            continue
        shown = [] if c.states is None else list(sorted_states(c.states))
        states = "<br>".join(_e(format_state(s)) for s in shown[:CELL_STATES])
        if len(shown) > CELL_STATES:
            states += f"<br>… {len(shown) - CELL_STATES} more (--json lists them)"
        cells.append(f"<td>{_e(c.verdict)}<div class='states'>{states}</div></td>")
    return f"<tr class='{_e(p.klass)}'>{''.join(cells)}</tr>"


def write_page(directory: Path, reference: str, columns: tuple[str, ...], results: tuple[Portability, ...],
               summary: PortabilitySummary, explanations: Mapping[tuple[str, str], Explanation],
               pictures: Mapping[tuple[str, str], str]) -> Path:
    """Write DIR/index.html; its path."""
    directory.mkdir(parents=True, exist_ok=True)
    unsound = "".join(_unsound(p, explanations, pictures) for p in results if p.klass == UNSOUND)
    heads = "".join(f"<th>{_e(m)}</th>" for m in (reference,) + columns)
    rows = "".join(_row(p) for p in sorted(results, key=lambda p: (CLASSES.index(p.klass), p.file)))
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>portability</title>"
            f"<style>{STYLE}</style></head><body><h1>The LKMM against the architectures</h1>"
            f"{_summary(summary, reference)}<h2>Unsound</h2>{unsound or '<p>none</p>'}"
            f"<h2>Every test</h2><table><tr><th>file</th><th>class</th>{heads}</tr>{rows}</table>"
            f"</body></html>\n")
    path = directory / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
