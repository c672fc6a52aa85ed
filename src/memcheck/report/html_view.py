"""Results as an HTML fragment (a notebook's view): the verdict table and each model's graph."""
from __future__ import annotations

from html import escape
from typing import Any, Sequence

from .herd_text import format_state


def _counts(r: Any) -> tuple[str, str]:
    if r.exhaustive:
        return str(r.positive), str(r.negative)
    return ("≥1" if r.positive else "0"), ("≥1" if r.negative else "0")


def inline_svg(svg: str) -> str:
    """An SVG document as markup to put inside HTML (its XML declaration dropped)."""
    return svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg


def results_html(results: Sequence[Any], graphs: bool = True) -> str:
    """A table of api.Result rows (model, verdict, counts, states, flags) and,
    with `graphs`, the SVG witness graph of each judged model."""
    if not results:
        return "<p>no model judged the test</p>"
    first = results[0]
    rows = []
    for r in results:
        if not r.ok:
            rows.append(f"<tr><td>{escape(r.model)}</td><td colspan='5'>{escape(r.error or '')}</td></tr>")
            continue
        states = "<br>".join(escape(format_state(tuple(s.items()))) for s in r.states)
        pos, neg = _counts(r)
        rows.append(f"<tr><td>{escape(r.model)}</td><td><b>{escape(r.verdict or '')}</b></td>"
                    f"<td>{pos}</td><td>{neg}</td><td><code>{states}</code></td>"
                    f"<td>{escape(','.join(r.flags) or '-')}</td></tr>")
    title = escape(f"{first.name}: {first.condition}" if first.condition else first.name)
    out = [f"<table class='memcheck'><caption>{title}</caption>",
           "<tr><th>model</th><th>verdict</th><th>positive</th><th>negative</th><th>states</th><th>flags</th></tr>",
           *rows, "</table>"]
    if graphs:
        out += [f"<figure>{inline_svg(r.svg())}</figure>" for r in results if r.ok]
    return "\n".join(out)
