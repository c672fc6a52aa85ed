"""`memcheck check --html DIR`: a report page with a witness graph per result.

DIR/index.html has the summary counts at the top, then a row per test and
model, failures first: status, expected vs got, verdict, witness counts,
time and a link to the witness graph, DIR/svg/<test>.<model>.<key>.svg.
The workers draw the pictures as they judge (`Task.picture`); this module
writes them as results arrive and the page at the end.  A picture's name
ends with its result's cache key (the test's bytes, the model, the model
files, memcheck's version), so a result served by the cache finds its own
picture, never a stale one; a missing one is drawn again (`Task.known`).
Pictures no longer linked are removed from DIR/svg.  One self-contained
HTML5 file: inline CSS, no script, relative links, so it works from file://.
"""
from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Sequence
from urllib.parse import quote

from .grading import CaseResult, Status
from .judging import Judged
from .summary import Summary

SVG_DIR = "svg"
ORDER = (Status.FAILED, Status.ERROR, Status.TIMEOUT, Status.UNCHECKED, Status.NO_EXPECTATION, Status.PASSED)


def wants_picture(j: Judged) -> bool:
    """Only verdicts get pictures: not errors, not timeouts."""
    return j.verdict is not None and not j.error and not j.timeout


@dataclass
class Pictures:
    """The witness graphs of one run, in `root`/svg, by (file, model)."""
    root: Path
    paths: dict[tuple[str, str], str] = field(default_factory=dict)  # relative to root
    notes: dict[tuple[str, str], str] = field(default_factory=dict)  # why there is no picture
    drawn: int = 0
    reused: int = 0
    seconds: float = 0.0  # spent drawing, summed over the workers

    def relative(self, file: str, key: str, j: Judged) -> str:
        """svg/<test>.<model>.<key>.svg, the test name made safe as a file name."""
        name = re.sub(r"[^A-Za-z0-9+.,=_-]", "_", j.name or Path(file).stem) or "test"
        model = re.sub(r"[^A-Za-z0-9+.,=_-]", "_", j.judged_model or j.model)
        return f"{SVG_DIR}/{name}.{model}.{key[:12]}.svg"

    def have(self, file: str, key: str, j: Judged) -> bool:
        """Is the picture of this (cached) result on disk already? Then it is linked."""
        rel = self.relative(file, key, j)
        if (self.root / rel).is_file():
            self.paths[(file, j.model)] = rel
            self.reused += 1
            return True
        return False

    def save(self, file: str, key: str, j: Judged) -> Judged:
        """Write the picture `j` carries (or note why there is none); `j` without it."""
        if j.svg:
            rel = self.relative(file, key, j)
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(j.svg, encoding="utf-8")
            self.paths[(file, j.model)] = rel
            self.drawn += 1
        elif j.picture_error:
            self.notes[(file, j.model)] = j.picture_error
        self.seconds += j.picture_seconds
        return replace(j, svg="") if j.svg else j

    def prune(self) -> int:
        """Remove the pictures in root/svg that this run does not link; how many."""
        keep = {(self.root / p).resolve() for p in self.paths.values()}
        gone = 0
        for f in (self.root / SVG_DIR).glob("*.svg"):
            if f.resolve() not in keep:
                f.unlink(missing_ok=True)
                gone += 1
        return gone


CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#222;background:#fff}
h1{font-size:1.4em;margin:0 0 .3em}
.meta{color:#555;margin:0 0 1em}
table{border-collapse:collapse}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.summary td,.summary th{border:none;padding:.1em 1em .1em 0;position:static;background:none}
code,.mono{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.92em}
.file{color:#666;font-size:.85em}
.st{display:inline-block;border-radius:3px;padding:0 .4em;font-weight:600;white-space:nowrap}
.passed{background:#e3f4e3;color:#1b5e20}
.failed,.error{background:#fde2e2;color:#b71c1c}
.timeout{background:#fff3cd;color:#7a5a00}
.no-expectation,.not-checked{background:#e3f0fa;color:#0d47a1}
tr.bad td{background:#fffafa}
.msg{max-width:48em;word-break:break-word}
.got-bad{color:#b71c1c;font-weight:600}
.dim{color:#888}
"""

SUMMARY_ROWS = ((Status.PASSED, "passed"), (Status.FAILED, "failed"), (Status.ERROR, "errors"),
                (Status.TIMEOUT, "timeouts"), (Status.NO_EXPECTATION, "no expectation"),
                (Status.UNCHECKED, "not checked (Maybe, DEADLOCK)"))


def e(text: object) -> str:
    """Text escaped for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def css_class(status: Status) -> str:
    return status.value.replace(" ", "-")


def ordered(results: Sequence[CaseResult]) -> list[CaseResult]:
    """Failures first, then errors, timeouts, the unchecked, no expectation, passed; stable."""
    rank = {s: n for n, s in enumerate(ORDER)}
    return sorted(results, key=lambda r: rank[r.status])


def _row(r: CaseResult, pictures: Optional[Pictures]) -> str:
    j = r.judged
    key = (r.file, r.model)
    model = r.model if not j.judged_model or j.judged_model == r.model else f"{r.model} → {j.judged_model}"
    expected = (f'<span title="expected by {e(r.expected.origin)}">{e(r.expected)}</span>'
                if r.expected is not None else '<span class="dim">—</span>')
    got_class = ' class="got-bad"' if r.status is Status.FAILED else ""
    got = f"<span{got_class}>{e(r.got)}</span>" if j.verdict else '<span class="dim">—</span>'
    message = "" if r.status is Status.PASSED else r.message
    if pictures is not None and key in pictures.paths:
        rel = pictures.paths[key]
        picture = f'<a href="{e(quote(rel))}">SVG</a>'
    elif pictures is not None and key in pictures.notes:
        picture = f'<span class="dim">{e(pictures.notes[key])}</span>'
    else:
        picture = '<span class="dim">—</span>'
    seconds = f"{j.seconds:.3f} s" + (' <span class="dim">(cache)</span>' if r.cached else "")
    counts = f"{j.positive} / {j.negative}" if j.verdict and j.exhaustive else "—"
    bad = ' class="bad"' if r.status.bad else ""
    return (f'<tr{bad} data-status="{e(r.status.value)}" data-file="{e(r.file)}" data-model="{e(r.model)}">'
            f'<td><span class="st {css_class(r.status)}">{e(r.status.value)}</span></td>'
            f'<td><span class="mono">{e(j.name or Path(r.file).name)}</span><br>'
            f'<span class="file">{e(r.file)}</span></td>'
            f"<td>{e(model)}</td><td>{expected}</td><td>{got}</td>"
            f"<td>{e(j.verdict or '—')}</td><td class=\"n\">{counts}</td>"
            f'<td class="n">{seconds}</td><td>{picture}</td>'
            f'<td class="msg mono">{e(message)}</td></tr>')


def render_html(results: Sequence[CaseResult], summary: Summary, pictures: Optional[Pictures] = None,
                title: str = "memcheck check") -> str:
    """The report page as one HTML5 document."""
    lines = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
             f"<h1>{e(title)}: {'ok' if summary.ok else 'FAILED'}</h1>",
             f'<p class="meta">{summary.total} tests × models, wall time {summary.seconds:.2f} s, '
             f"cache hits {summary.cache_hits}, written {e(time.strftime('%Y-%m-%d %H:%M:%S'))}</p>",
             '<table class="summary" id="summary"><tbody>']
    for status, label in SUMMARY_ROWS:
        n = summary.counts.get(status, 0)
        lines.append(f'<tr data-status="{e(status.value)}"><th scope="row">{e(label)}</th>'
                     f'<td class="n"><span class="st {css_class(status) if n else ""}">{n}</span></td></tr>')
    lines.append(f'<tr><th scope="row">cache hits</th><td class="n">{summary.cache_hits}</td></tr>')
    if pictures is not None:
        lines.append(f'<tr><th scope="row">witness graphs</th><td class="n">{pictures.drawn} drawn, '
                     f"{pictures.reused} reused, {pictures.seconds:.2f} s drawing</td></tr>")
    lines += ["</tbody></table>", '<table id="results">', "<thead><tr>"]
    lines += [f'<th scope="col">{h}</th>' for h in ("status", "test", "model", "expected", "got", "verdict",
                                                    "witnesses (pos / neg)", "time", "picture", "message")]
    lines += ["</tr></thead>", "<tbody>"]
    lines += [_row(r, pictures) for r in ordered(results)]
    lines += ["</tbody></table>", "</body>", "</html>", ""]
    return "\n".join(lines)


def write_html(results: Sequence[CaseResult], summary: Summary, root: Path,
               pictures: Optional[Pictures] = None) -> Path:
    """Write root/index.html (and drop pictures no row links); its path."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "index.html"
    path.write_text(render_html(results, summary, pictures), encoding="utf-8")
    if pictures is not None:
        pictures.prune()
    return path
