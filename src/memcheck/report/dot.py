"""A witness graph as Graphviz DOT, for people with their own tooling.

One cluster per thread, rows aligned with rank=same, po edges weighted to
keep columns straight, every other edge constraint=false so it does not
disturb them; nodes also carry our own layout as `pos` (points), so
`neato -n2` reproduces the SVG's placement.  Colours match the SVG.
"""
from __future__ import annotations

from .graph import WitnessGraph
from .layout import Layout, layout
from .svg import HIGHLIGHT, colours


def quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _legend(g: WitnessGraph, lay: Layout, cols: dict[str, str]) -> list[str]:
    """A plaintext node with an HTML table: each edge kind, and the axiom."""
    rows = "".join(f'<tr><td><font color="{cols[k]}">\u2192</font></td><td align="left">{_html(k)}</td></tr>'
                   for k in g.kinds)
    if g.axiom:
        rows += (f'<tr><td bgcolor="{HIGHLIGHT}"> </td>'
                 f'<td align="left">{_html(f"{g.axiom} ({g.relation})")}</td></tr>')
    if not rows:
        return []
    y = lay.legend[0].y if lay.legend else lay.height
    pos = quote(f"{lay.width / 2:.0f},{lay.height - y:.0f}!")
    return [f'  legend [shape=plaintext, pos={pos}, label=<<table border="0" cellborder="0">{rows}</table>>];']


def render_dot(g: WitnessGraph) -> str:
    """The DOT document for `g`."""
    lay = layout(g)
    cols = colours(g)
    title = "\n".join([f"{g.test} \u2014 {g.model} \u2014 {g.verdict}", g.condition, g.summary]
                      + ([f"flags: {', '.join(g.flags)}"] if g.flags else []))
    out = [f"digraph {quote(g.test)} {{",
           f"  graph [label={quote(title)}, labelloc=t, labeljust=l, fontname=monospace, newrank=true];",
           "  node [shape=box, style=rounded, fontname=monospace, fontsize=11];",
           "  edge [fontname=monospace, fontsize=9];"]
    on_cycle = {e.src for e in g.edges if e.cycle} | {e.dst for e in g.edges if e.cycle}

    def node(n) -> str:
        b = lay.boxes[n.eid]
        extra = f", color={quote('#c62828')}, penwidth=2" if n.eid in on_cycle else ""
        return (f"e{n.eid} [label={quote(n.title)}, tooltip={quote(n.source)}, "
                f"pos={quote(f'{b.cx:.0f},{lay.height - b.cy:.0f}!')}{extra}];")

    for t in g.threads:
        out.append(f"  subgraph cluster_P{t} {{")
        out.append(f"    label={quote(f'P{t}')}; style=dashed; color=gray;")
        out += [f"    {node(n)}" for n in sorted((n for n in g.nodes if n.thread == t), key=lambda n: n.row)]
        out.append("  }")
    out += [f"  {node(n)}" for n in g.nodes if n.thread < 0]
    rows: dict[int, list[int]] = {}
    for n in g.nodes:
        if n.thread >= 0:
            rows.setdefault(n.row, []).append(n.eid)
    out += ["  { rank=same; " + " ".join(f"e{x};" for x in eids) + " }" for eids in rows.values() if len(eids) > 1]
    shown = {n.eid for n in g.nodes}
    for e in g.edges:
        colour = quote(cols[e.kind])
        src = f"e{e.src}"
        if e.src not in shown:
            src = f"init{e.src}_{e.dst}"
            b = lay.boxes[e.dst]
            out.append(f"  {src} [shape=plaintext, label=\"init\", fontsize=9, "
                       f"pos={quote(f'{b.x:.0f},{lay.height - b.y + 24:.0f}!')}];")
        if e.kind == "po":
            out.append(f"  {src} -> e{e.dst} [color={colour}, weight=100];")
            continue
        attrs = [f"color={colour}", f"fontcolor={colour}", f"label={quote(e.label)}", "constraint=false"]
        if e.kind == "fr" and not e.cycle:
            attrs.append("style=dashed")
        if e.cycle:
            attrs += [f"color={quote(cols[e.kind] + ':' + HIGHLIGHT + ':' + cols[e.kind])}", "penwidth=2.5"]
            attrs.remove(f"color={colour}")
        out.append(f"  {src} -> e{e.dst} [{', '.join(attrs)}];")
    out += _legend(g, lay, cols)
    out.append("}")
    return "\n".join(out) + "\n"
