"""How each edge of a witness picture runs: Bézier curves between boxes.

Program order goes straight down a column; other edges within a thread
arc beside the column (downward ones on the right, upward ones on the
left); edges between columns are quadratic curves, bent apart when several
join the same two events and bent further until they miss every other box.
Labels sit on the curve where they overlap no box and no earlier label.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .graph import Edge, WitnessGraph
from .layout import SMALL, Box, Layout, text_width

Point = tuple[float, float]
LABEL_H = 14.0


@dataclass(frozen=True)
class Route:
    """An edge's curve (2 to 4 Bézier points) and where its label goes.
    `anchor` is 'start', 'middle' or 'end' (SVG text-anchor)."""
    edge: Edge
    points: tuple[Point, ...]
    label_at: Optional[Point]
    anchor: str = "middle"

    def path(self) -> str:
        """The SVG path data."""
        p = self.points
        head = f"M{p[0][0]:.1f},{p[0][1]:.1f}"
        if len(p) == 2:
            return f"{head} L{p[1][0]:.1f},{p[1][1]:.1f}"
        if len(p) == 3:
            return f"{head} Q{p[1][0]:.1f},{p[1][1]:.1f} {p[2][0]:.1f},{p[2][1]:.1f}"
        return (f"{head} C{p[1][0]:.1f},{p[1][1]:.1f} {p[2][0]:.1f},{p[2][1]:.1f}"
                f" {p[3][0]:.1f},{p[3][1]:.1f}")


def bezier(points: tuple[Point, ...], t: float) -> Point:
    """The point at parameter t of a Bézier curve (de Casteljau)."""
    pts = list(points)
    while len(pts) > 1:
        pts = [((1 - t) * a[0] + t * b[0], (1 - t) * a[1] + t * b[1]) for a, b in zip(pts, pts[1:])]
    return pts[0]


def clip(box: Box, toward: Point) -> Point:
    """Where the ray from the box's centre toward a point leaves the box."""
    dx, dy = toward[0] - box.cx, toward[1] - box.cy
    if dx == 0 and dy == 0:
        return box.cx, box.cy
    sx = (box.w / 2) / abs(dx) if dx else float("inf")
    sy = (box.h / 2) / abs(dy) if dy else float("inf")
    s = min(sx, sy)
    return box.cx + dx * s, box.cy + dy * s


def _hits(points: tuple[Point, ...], boxes: list[Box]) -> bool:
    """The curve passes through one of `boxes` (inflated a little)."""
    for i in range(1, 24):
        x, y = bezier(points, i / 24)
        for b in boxes:
            if b.x - 4 <= x <= b.x + b.w + 4 and b.y - 4 <= y <= b.y + b.h + 4:
                return True
    return False


def _overlaps(r: tuple[float, float, float, float], rects: list[tuple[float, float, float, float]]) -> bool:
    x, y, w, h = r
    return any(x < a + c and a < x + w and y < b + d and b < y + h for a, b, c, d in rects)


class Router:
    """Routes the edges of one laid-out graph, remembering what is placed."""

    def __init__(self, g: WitnessGraph, lay: Layout):
        self.g, self.lay = g, lay
        self.taken: list[tuple[float, float, float, float]] = [(b.x, b.y, b.w, b.h) for b in lay.boxes.values()]
        self.arcs: dict[tuple[int, str], list[tuple[float, float, int]]] = {}  # (thread, side) -> (top, bottom, level)
        self.pairs: dict[frozenset, int] = {}

    def route_all(self) -> list[Route]:
        """Every edge's route: po first, then base edges, then the cycle."""
        order = sorted(self.g.edges, key=lambda e: (e.kind != "po", e.cycle))
        return [self.route(e) for e in order]

    def route(self, e: Edge) -> Route:
        boxes = self.lay.boxes
        if e.src not in boxes:
            return self._stub(e, boxes[e.dst])
        a, b = boxes[e.src], boxes[e.dst]
        ta, tb = self.g.node(e.src).thread, self.g.node(e.dst).thread
        if e.kind == "po":
            return Route(e, ((a.cx, a.y + a.h), (b.cx, b.y)), None)
        if ta == tb and ta >= 0:
            return self._arc(e, a, b, ta)
        return self._cross(e, a, b)

    def _arc(self, e: Edge, a: Box, b: Box, thread: int) -> Route:
        """An edge within one thread: an arc beside its column."""
        side = "right" if b.y >= a.y else "left"
        top, bottom = min(a.y, b.y), max(a.y, b.y)
        placed = self.arcs.setdefault((thread, side), [])
        used = {lvl for t, bt, lvl in placed if t <= bottom and top <= bt}
        level = next(i for i in range(len(placed) + 1) if i not in used)
        placed.append((top, bottom, level))
        span = (bottom - top) / 64
        bulge = 24 + 8 * span + 18 * level
        if side == "right":
            x0, sign = a.x + a.w, 1
        else:
            x0, sign = a.x, -1
        ya, yb = a.cy, b.cy
        if a is b:  # a loop
            ya, yb = a.y + 6, a.y + a.h - 6
        pts = ((x0, ya), (x0 + sign * bulge, ya), (x0 + sign * bulge, yb), (x0, yb))
        return self._labelled(e, pts, "start" if side == "right" else "end", dx=sign * 4)

    def _stub(self, e: Edge, b: Box) -> Route:
        """An edge from an initial write that is not drawn: a short arrow
        down into the event's top-left part, labelled 'init'."""
        x = b.x + 20
        start, end = (x, b.y - 20), (x, b.y)
        label = (x - 3, b.y - 12)
        self.taken.append((label[0] - 30, label[1] - LABEL_H / 2, 30, LABEL_H))
        return Route(Edge(e.src, e.dst, e.kind, "init", e.cycle), (start, end), label, "end")

    def _cross(self, e: Edge, a: Box, b: Box) -> Route:
        """An edge between columns (or from an initial write): a bent curve."""
        key = frozenset((e.src, e.dst))
        k = self.pairs.get(key, 0)
        self.pairs[key] = k + 1
        sign = 1 if e.src < e.dst else -1
        others = [box for eid, box in self.lay.boxes.items() if eid not in (e.src, e.dst)]
        mx, my = (a.cx + b.cx) / 2, (a.cy + b.cy) / 2
        dx, dy = b.cx - a.cx, b.cy - a.cy
        norm = max((dx * dx + dy * dy) ** 0.5, 1.0)
        nx, ny = -dy / norm * sign, dx / norm * sign
        base = (k + 1) // 2 * 30 * (1 if k % 2 else -1) if k else 0
        pts = None
        for extra in (0, 40, -40, 80, -80, 120, -120, 170, -170):
            bend = base + extra
            c = (mx + nx * bend, my + ny * bend)
            cand = (clip(a, c), c, clip(b, c))
            if pts is None:
                pts = cand
            if not _hits(cand, others):
                pts = cand
                break
        return self._labelled(e, pts, "middle")

    def _labelled(self, e: Edge, pts: tuple[Point, ...], anchor: str, dx: float = 0.0) -> Route:
        """The route with its label put where it overlaps nothing placed."""
        if not e.label:
            return Route(e, pts, None, anchor)
        w = text_width(e.label, SMALL) + 6
        first: Optional[Point] = None
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85):
            x, y = bezier(pts, t)
            x += dx
            left = {"start": x - 3, "middle": x - w / 2, "end": x - w + 3}[anchor]
            rect = (left, y - LABEL_H / 2, w, LABEL_H)
            if first is None:
                first = (x, y)
            if not _overlaps(rect, self.taken):
                self.taken.append(rect)
                return Route(e, pts, (x, y), anchor)
        return Route(e, pts, first, anchor)


def extent(routes: list[Route]) -> tuple[float, float]:
    """The leftmost and rightmost x any route or its label reaches (curves
    stay within their control points' hull)."""
    xs = [x for r in routes for x, _ in r.points]
    for r in routes:
        if r.label_at is not None:
            x, _ = r.label_at
            w = text_width(r.edge.label, SMALL) + 4
            xs += {"start": [x + w], "middle": [x - w / 2, x + w / 2], "end": [x - w]}[r.anchor]
    return (min(xs), max(xs)) if xs else (0.0, 0.0)
