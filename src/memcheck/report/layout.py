"""Where things go in a witness picture: herd7's "columns" style.

One column per thread, its events top to bottom in program order, rows
aligned across threads; initial writes, when shown, small on a row above
the threads; title lines above, the legend below.  Text is monospace so
widths follow from character counts, without font metrics.
"""
from __future__ import annotations

from dataclasses import dataclass

from .graph import WitnessGraph

FONT = 13.0
CHAR_W = 7.9  # advance of a 13 px monospace character (0.6 em), rounded up
SMALL = 11.0
SMALL_W = 6.7
TITLE = 16.0
TITLE_W = 10.0
MARGIN = 24.0
SIDE = 84.0  # room beside the outer columns for same-thread arcs
PAD = 10.0
BOX_H = 26.0
INIT_H = 20.0
ROW_H = 64.0
GAP = 130.0  # between columns: room for arcs and edge labels
LEGEND_ROW = 24.0
LEGEND_SAMPLE = 34.0


@dataclass(frozen=True)
class Box:
    """A node's rectangle (top-left corner, size); `small` for initial writes."""
    x: float
    y: float
    w: float
    h: float
    small: bool = False

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Text:
    """A line of text: baseline-left position, size, weight."""
    text: str
    x: float
    y: float
    size: float = FONT
    bold: bool = False


@dataclass(frozen=True)
class LegendItem:
    """A legend entry: an edge kind (or 'cycle') with its sample's left end."""
    kind: str
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class Layout:
    """Positions of every part of the picture, in pixels."""
    width: float
    height: float
    boxes: dict[int, Box]
    columns: dict[int, tuple[float, float]]  # thread -> (left, right)
    texts: tuple[Text, ...]
    legend: tuple[LegendItem, ...]


def text_width(text: str, size: float = FONT) -> float:
    """Width of monospace text at `size` px."""
    return len(text) * CHAR_W * size / FONT


def legend_text(g: WitnessGraph, kind: str) -> str:
    """What the legend says about an edge kind."""
    base = {"po": "po (program order)", "rf": "rf (reads from)", "co": "co (coherence order)",
            "fr": "fr (from-read)", "rmw": "rmw (read-modify-write pair)"}
    if kind == "cycle":
        return f"highlighted: the {g.axiom} cycle ({g.relation})" if g.relation.startswith(
            ("acyclic", "irreflexive")) else f"highlighted: what breaks {g.axiom} ({g.relation})"
    return base.get(kind, kind)


def layout(g: WitnessGraph) -> Layout:
    """Columns, rows, title and legend for `g`."""
    events = [n for n in g.nodes if n.thread >= 0]
    inits = [n for n in g.nodes if n.thread < 0]
    columns: dict[int, tuple[float, float]] = {}
    x = MARGIN + SIDE
    for t in g.threads:
        w = max([text_width(n.title) + 2 * PAD for n in events if n.thread == t] + [text_width("P0") + 2 * PAD])
        columns[t] = (x, x + w)
        x += w + GAP
    width = x - GAP + SIDE + MARGIN

    texts: list[Text] = []
    y = MARGIN + TITLE
    texts.append(Text(f"{g.test} \u2014 {g.model} \u2014 {g.verdict}", MARGIN, y, TITLE, True))
    for line in (g.condition, g.summary):
        if line:
            y += FONT + 8
            texts.append(Text(line, MARGIN, y))
    if g.flags:
        y += FONT + 8
        texts.append(Text("flags: " + ", ".join(g.flags), MARGIN, y))
    title_right = max(t.x + text_width(t.text, t.size) for t in texts) + MARGIN

    boxes: dict[int, Box] = {}
    y += 18
    if inits:
        taken_right = MARGIN
        for n in inits:
            w = text_width(n.title, SMALL) + 2 * 6
            targets = [e.dst for e in g.edges if e.src == n.eid] + [e.src for e in g.edges if e.dst == n.eid]
            shown = [g.node(d) for d in targets]
            cols = [columns[m.thread] for m in shown if m is not None and m.thread >= 0]
            want = (cols[0][0] + cols[0][1]) / 2 - w / 2 if cols else taken_right
            left = max(want, taken_right)
            boxes[n.eid] = Box(left, y, w, INIT_H, small=True)
            taken_right = left + w + 12
        width = max(width, taken_right + MARGIN)
        y += INIT_H + 30
    y += FONT
    for t, (left, right) in columns.items():
        texts.append(Text(f"P{t}", (left + right) / 2 - text_width(f"P{t}") / 2, y, FONT, True))
    y += 14
    rows = 0
    for n in events:
        left, right = columns[n.thread]
        boxes[n.eid] = Box(left, y + n.row * ROW_H, right - left, BOX_H)
        rows = max(rows, n.row + 1)
    y += max(rows - 1, 0) * ROW_H + BOX_H + 36

    legend: list[LegendItem] = []
    kinds = list(g.kinds) + (["cycle"] if any(e.cycle for e in g.edges) else [])
    lx = MARGIN
    width = max(width, title_right)
    for k in kinds:
        text = legend_text(g, k)
        w = LEGEND_SAMPLE + 8 + text_width(text, SMALL) + 22
        if lx > MARGIN and lx + w > width - MARGIN:
            lx = MARGIN
            y += LEGEND_ROW
        legend.append(LegendItem(k, text, lx, y))
        lx += w
    height = y + LEGEND_ROW / 2 + MARGIN
    return Layout(width, height, boxes, columns, tuple(texts), tuple(legend))
