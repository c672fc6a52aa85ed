"""A witness graph as a standalone SVG document (no Graphviz needed).

Drawn from our own layout (layout.py) and routes (route.py): white
background, title lines, one column of boxed events per thread, edges
coloured by kind with arrowheads and labels, the violated axiom's edges
thick over a yellow highlight, and a legend.
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .graph import WitnessGraph
from .layout import FONT, LEGEND_SAMPLE, SMALL, Layout, layout
from .route import Route, Router, extent

BASE_COLOURS = {"po": "#7f7f7f", "rf": "#d62728", "co": "#1f77b4", "fr": "#e67e00", "rmw": "#17a2b8"}
PALETTE = ("#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#6b8e23", "#006d77", "#5c4d7d", "#b5651d")
HIGHLIGHT = "#ffd54f"
CYCLE_NODE = "#c62828"
FONT_FAMILY = "DejaVu Sans Mono, Menlo, Consolas, monospace"


def colours(g: WitnessGraph) -> dict[str, str]:
    """A colour for each edge kind: fixed for the base kinds, the palette in
    order of appearance for the model's relations."""
    out = {}
    extra = 0
    for k in g.kinds:
        if k in BASE_COLOURS:
            out[k] = BASE_COLOURS[k]
        else:
            out[k] = PALETTE[extra % len(PALETTE)]
            extra += 1
    return out


def _marker_id(kind: str) -> str:
    return "arrow-" + "".join(ch if ch.isalnum() else "_" for ch in kind)


def _markers(cols: dict[str, str]) -> list[str]:
    out = ["<defs>"]
    for kind, colour in cols.items():
        out.append(f'<marker id="{_marker_id(kind)}" viewBox="0 0 10 10" refX="9" refY="5" '
                   f'markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto">'
                   f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    out.append("</defs>")
    return out


def _edge(r: Route, colour: str) -> str:
    e = r.edge
    width = 2.4 if e.cycle else (1.2 if e.kind == "po" else 1.5)
    dash = ' stroke-dasharray="5,3"' if e.kind == "fr" and not e.cycle else ""
    return (f'<path d="{r.path()}" fill="none" stroke="{colour}" stroke-width="{width}"{dash} '
            f'marker-end="url(#{_marker_id(e.kind)})"><title>{escape(e.kind)}</title></path>')


def _label(r: Route, colour: str) -> str:
    x, y = r.label_at
    weight = ' font-weight="bold"' if r.edge.cycle else ""
    return (f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="{SMALL:g}" text-anchor="{r.anchor}" '
            f'fill="{colour}"{weight} stroke="white" stroke-width="3" paint-order="stroke">'
            f'{escape(r.edge.label)}</text>')


def _nodes(g: WitnessGraph, lay: Layout) -> list[str]:
    on_cycle = {e.src for e in g.edges if e.cycle} | {e.dst for e in g.edges if e.cycle}
    out = []
    for n in g.nodes:
        b = lay.boxes[n.eid]
        stroke, sw = (CYCLE_NODE, 2.0) if n.eid in on_cycle else ("#333333", 1.0)
        size = SMALL if b.small else FONT
        fill = "#f4f4f4" if b.small else "white"
        out.append(f'<g><title>{escape(f"{n.source} (line {n.line})" if n.line else n.source)}</title>'
                   f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="5" '
                   f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>'
                   f'<text x="{b.x + (6 if b.small else 10):.1f}" y="{b.cy + size * 0.35:.1f}" font-size="{size:g}">'
                   f'<tspan font-weight="bold">{escape(n.name)}:</tspan> {escape(n.label)}</text></g>')
    return out


def _legend(g: WitnessGraph, lay: Layout, cols: dict[str, str]) -> list[str]:
    out = []
    for item in lay.legend:
        x, y = item.x, item.y
        x2 = x + LEGEND_SAMPLE
        if item.kind == "cycle":
            out.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y:.1f}" stroke="{HIGHLIGHT}" '
                       f'stroke-width="10" stroke-linecap="round" opacity="0.8"/>')
        else:
            width = 1.2 if item.kind == "po" else 1.5
            dash = ' stroke-dasharray="5,3"' if item.kind == "fr" else ""
            out.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y:.1f}" stroke="{cols[item.kind]}" '
                       f'stroke-width="{width}"{dash} marker-end="url(#{_marker_id(item.kind)})"/>')
        out.append(f'<text x="{x2 + 8:.1f}" y="{y + 4:.1f}" font-size="{SMALL:g}">{escape(item.text)}</text>')
    return out


def render_svg(g: WitnessGraph) -> str:
    """The SVG document for `g`."""
    lay = layout(g)
    cols = colours(g)
    routes = Router(g, lay).route_all()
    left, right = extent(routes)
    x0 = min(0.0, left - 8)  # arcs may reach beyond the layout's margins
    w, h = max(lay.width, right + 8) - x0, lay.height
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
           f'viewBox="{x0:.0f} 0 {w:.0f} {h:.0f}" font-family={quoteattr(FONT_FAMILY)}>',
           f'<title>{escape(f"{g.test} under {g.model}: {g.verdict}")}</title>']
    out += _markers(cols)
    out.append(f'<rect x="{x0:.0f}" y="0" width="{w:.0f}" height="{h:.0f}" fill="white"/>')
    for t in lay.texts:
        weight = ' font-weight="bold"' if t.bold else ""
        out.append(f'<text x="{t.x:.1f}" y="{t.y:.1f}" font-size="{t.size:g}"{weight}>{escape(t.text)}</text>')
    out += [f'<path d="{r.path()}" fill="none" stroke="{HIGHLIGHT}" stroke-width="10" '
            f'stroke-linecap="round" opacity="0.8"/>' for r in routes if r.edge.cycle]
    out += [_edge(r, cols[r.edge.kind]) for r in routes]
    out += _nodes(g, lay)
    out += [_label(r, cols[r.edge.kind]) for r in routes if r.label_at is not None]
    out += _legend(g, lay, cols)
    out.append("</svg>")
    return "\n".join(out) + "\n"
