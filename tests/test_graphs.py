"""Witness graphs: the witness search, the cycle it shows, SVG/DOT/text output, the CLI.

The cycle shown for a Never test is checked against the model itself: the
candidate is rebuilt from scratch, the axiom's relation re-evaluated on it,
and every shown edge must be in the relation its label names, the edges
must close into a walk, and the axiom-relation steps must form a cycle.
"""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from memcheck.checker import Checker, condition_text, read_test
from memcheck.cli import main
from memcheck.engine.candidate import cat_execution, static_view
from memcheck.engine.outcome import FinalState
from memcheck.engine.witness import axiom_steps, find_witness
from memcheck.lower.c_walk import lower_c
from memcheck.report.dot import render_dot
from memcheck.report.explain_text import explain_text
from memcheck.report.graph import build_graph, event_label, event_name
from memcheck.report.svg import HIGHLIGHT, render_svg

LITMUS = Path(__file__).resolve().parents[1] / "litmus"
SVG = "{http://www.w3.org/2000/svg}"

NEVER = {
    "MP+wmb+rmb": "happens-before",
    "MP+release+acquire": "happens-before",
    "LB+ctrl+ctrl": "happens-before",
    "MP+lock+lock": "happens-before",
    "SB+mb+mb": "propagation",
    "IRIW+mb+mb": "propagation",
    "Z6.0+lock+lock-mb__after_spinlock+mb": "propagation",
    "CoRR": "coherence",
    "CoWW": "coherence",
    "MP+synchronize_rcu+rcu-reader": "rcu",
    "MP+plain+release+acquire": "plain-coherence",
}


def witness_of(checker: Checker, name: str, model: str = "lkmm"):
    test = read_test(LITMUS / f"{name}.litmus")
    program = lower_c(test, checker.target("lkmm"))
    ev = checker.evaluator(model)
    return test, program, ev, find_witness(test, program, ev)


def graph_of(checker: Checker, name: str):
    test, program, ev, w = witness_of(checker, name)
    verdict = checker.judge(test, "lkmm").verdict
    return build_graph(test, program, w, "lkmm", verdict.observation, condition_text(test.condition))


def contains(value, a: int, b: int) -> bool:
    if type(value) is int:
        return a == b and bool(value >> a & 1)
    return bool(value[a] >> b & 1)


# ---------------------------------------------------------------- the witness


@pytest.mark.parametrize("name", sorted(NEVER))
def test_never_witness_shows_a_real_cycle_of_the_named_axiom(checker, name):
    test, program, ev, w = witness_of(checker, name)
    assert not w.reachable and w.candidate is not None
    assert w.violation.name == NEVER[name]
    # the candidate, rebuilt from scratch, reaches the condition and breaks that axiom first
    c = w.candidate
    assert FinalState(test, program, c).holds(test.condition.prop)
    view = static_view(program, c)
    assert view.index == w.index
    ex = cat_execution(program, c, view, None)
    result = ev.check(ex)
    assert result.violations and result.violations[0] == w.violation
    spec = next(s for s in ev.checks if not s.flag and s.violation == w.violation)
    _, vals = ev.values_for(ex, spec)
    relation = vals[spec.node]
    idx = w.index
    edges = [(idx[e.src], idx[e.dst], e.label) for e in w.edges]
    assert edges, "a violated axiom is explained by at least one edge"
    # the shown edges chain into a walk, closed for cycle-shaped axioms
    for (_, b, _), (a2, _, _) in zip(edges, edges[1:]):
        assert b == a2
    if spec.kind in ("acyclic", "irreflexive"):
        assert edges[-1][1] == edges[0][0]
    # each shown edge is in a relation of the model bearing its label
    nodes = ev.program.nodes
    for a, b, label in edges:
        named = [k for k, nd in enumerate(nodes) if nd.label == label]
        if label == spec.name:
            named = [spec.node]
        assert named, label
        assert any(contains(vals[k], a, b) for k in named if vals[k] is not None), (label, a, b)
    # the axiom-relation steps: every one in the relation, together a cycle covering the walk
    steps = [(idx[a], idx[b]) for a, b in w.steps]
    assert steps
    for a, b in steps:
        assert contains(relation, a, b), (a, b)
    for (_, b), (a2, _) in zip(steps, steps[1:]):
        assert b == a2
    walk = iter(a for a, _, _ in edges)
    assert all(any(x == a for x in walk) for a, _ in steps)  # the steps start along the walk, in order
    if spec.kind in ("acyclic", "irreflexive"):
        assert steps[-1][1] == steps[0][0]


@pytest.mark.parametrize("name", ["MP+once+once", "SB+once+once", "LB+once+once", "Counter+once"])
def test_reachable_witness_is_allowed_and_reaches_the_condition(checker, name):
    test, program, ev, w = witness_of(checker, name)
    assert w.reachable and w.violation is None and not w.edges
    view = static_view(program, w.candidate)
    assert ev.check(cat_execution(program, w.candidate, view, None)).allowed
    assert FinalState(test, program, w.candidate).holds(test.condition.prop)


def test_witness_agrees_with_the_verdict_on_our_corpus(checker):
    for path in sorted(LITMUS.glob("*.litmus")):
        test = read_test(path)
        j = checker.judge(test, "lkmm")
        w = find_witness(test, j.program, checker.evaluator("lkmm"))
        assert w.reachable == (j.verdict.positive > 0), path.name
        if not w.reachable:
            assert w.violation is not None and w.steps, path.name


def test_condition_no_candidate_reaches(checker, tmp_path):
    t = tmp_path / "never.litmus"
    t.write_text("C never\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=5)\n")
    test = read_test(t)
    j = checker.judge(test, "lkmm")
    w = find_witness(test, j.program, checker.evaluator("lkmm"))
    assert w.candidate is None and not w.reachable
    g = build_graph(test, j.program, w, "lkmm", j.verdict.observation, condition_text(test.condition))
    assert "no candidate" in g.summary
    ET.fromstring(render_svg(g))
    assert "no candidate" in explain_text(g).lower()


def test_axiom_steps_groups_a_walk_into_relation_edges():
    # relation over 4 events: 0->2 and 2->0; walk 0 -a-> 1 -b-> 2 -c-> 3 -d-> 0
    rel = (1 << 2, 0, 1 << 0, 0)
    walk = [(0, 1, "a"), (1, 2, "b"), (2, 3, "c"), (3, 0, "d")]
    assert axiom_steps("acyclic", rel, walk) == [(0, 2), (2, 0)]
    assert axiom_steps("acyclic", rel, walk[:3]) is None  # not closed
    assert axiom_steps("acyclic", (0, 0, 0, 0), walk) is None  # not in the relation
    assert axiom_steps("irreflexive", (1, 0, 0, 0), walk) == [(0, 0)]
    assert axiom_steps("empty", rel, [(2, 0, "x")]) == [(2, 0)]


# ---------------------------------------------------------------- labels


def test_event_names_and_labels(checker):
    assert [event_name(i) for i in (0, 1, 25, 26, 27)] == ["a", "b", "z", "aa", "ab"]
    g = graph_of(checker, "MP+wmb+rmb")
    titles = [n.title for n in g.nodes if n.thread >= 0]
    assert titles == ["a: W[once] x=1", "b: F[wmb]", "c: W[once] y=1",
                      "d: R[once] y=1", "e: F[rmb]", "f: R[once] x=0"]
    g = graph_of(checker, "MP+lock+lock")
    assert {"LKR lk", "LKW lk", "UL lk"} <= {n.label for n in g.nodes}
    g = graph_of(checker, "MP+release+acquire")
    labels = {n.label for n in g.nodes}
    assert "W[release] y=1" in labels and "R[acquire] y=1" in labels


# ---------------------------------------------------------------- renderers


def test_svg_is_valid_xml_with_title_events_edges_and_legend(checker):
    g = graph_of(checker, "MP+wmb+rmb")
    root = ET.fromstring(render_svg(g))
    assert root.tag == f"{SVG}svg"
    assert float(root.get("width")) > 200 and float(root.get("height")) > 150
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert any(t.startswith("MP+wmb+rmb") and "lkmm" in t and "Never" in t for t in texts)
    assert any("happens-before" in t for t in texts)
    for title in ("a: W[once] x=1", "c: F[wmb]".replace("c:", "b:"), "f: R[once] x=0"):
        assert title in texts
    # the cycle's labels and the legend's kinds
    assert "rmb" in texts and "prop" in texts
    assert any(t.startswith("rf (") for t in texts) and any(t.startswith("fr (") for t in texts)
    highlighted = [p for p in root.iter(f"{SVG}path") if p.get("stroke") == HIGHLIGHT]
    assert len(highlighted) == len(g.cycle) == 2
    # every arrow refers to a defined marker
    markers = {m.get("id") for m in root.iter(f"{SVG}marker")}
    for p in root.iter(f"{SVG}path"):
        ref = p.get("marker-end")
        if ref:
            assert ref[len("url(#"):-1] in markers


@pytest.mark.parametrize("name", ["SB+mb+mb", "MP+once+once", "Z6.0+lock+lock-mb__after_spinlock+mb",
                                  "MP+synchronize_rcu+rcu-reader", "MP+plain+release+acquire"])
def test_svg_and_dot_for_several_shapes(checker, name):
    g = graph_of(checker, name)
    ET.fromstring(render_svg(g))
    dot = render_dot(g)
    assert dot.startswith(f'digraph "{name}" {{') and dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    for n in g.nodes:
        assert f'label="{n.title}"' in dot


def test_dot_is_accepted_by_graphviz_when_installed(checker):
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("graphviz not installed")
    g = graph_of(checker, "IRIW+mb+mb")
    r = subprocess.run([dot, "-Tsvg"], input=render_dot(g), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    ET.fromstring(r.stdout)


def test_explain_text_names_events_cycle_and_axiom(checker):
    text = explain_text(graph_of(checker, "MP+wmb+rmb"))
    lines = text.splitlines()
    assert lines[0] == "Test MP+wmb+rmb, model lkmm: Never  [exists (1:r0=1 /\\ 1:r1=0)]"
    assert "  P0  a: W[once] x=1   b: F[wmb]   c: W[once] y=1" in lines
    assert "  rf: c->d init->f   co: -   fr: f->a" in lines
    assert "  happens-before (acyclic hb) cycle: d -rmb-> f -prop-> d" in lines
    text = explain_text(graph_of(checker, "SB+mb+mb"))
    assert "propagation (acyclic pb) cycle: c -prop (fr)-> d -mb-> f -prop (fr)-> a -mb-> c" in text
    text = explain_text(graph_of(checker, "MP+once+once"))
    assert "Reachable: lkmm allows this execution, which ends in 1:r0=1; 1:r1=0;" in text


# ---------------------------------------------------------------- the CLI


def test_run_graph_and_dot_write_one_file_per_test_and_model(tmp_path):
    r = CliRunner().invoke(main, ["run", "--graph", str(tmp_path / "svg"), "--dot", str(tmp_path / "dot"),
                                  str(LITMUS / "MP+wmb+rmb.litmus"), str(LITMUS / "SB+once+once.litmus")])
    assert r.exit_code == 0, r.output
    assert "Observation MP+wmb+rmb Never" in r.output
    svgs = sorted(p.name for p in (tmp_path / "svg").iterdir())
    assert svgs == ["MP+wmb+rmb.lkmm.svg", "SB+once+once.lkmm.svg"]
    assert sorted(p.name for p in (tmp_path / "dot").iterdir()) == ["MP+wmb+rmb.lkmm.dot", "SB+once+once.lkmm.dot"]
    for p in (tmp_path / "svg").iterdir():
        ET.parse(p)


def test_tests_sharing_a_name_get_their_own_pictures(tmp_path):
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "t.litmus").write_text((LITMUS / "MP+wmb+rmb.litmus").read_text())
    r = CliRunner().invoke(main, ["run", "--graph", str(tmp_path / "svg"), str(tmp_path / "one"), str(tmp_path / "two")])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "svg").iterdir()) == ["MP+wmb+rmb-2.lkmm.svg", "MP+wmb+rmb.lkmm.svg"]


def test_explain_command(tmp_path):
    r = CliRunner().invoke(main, ["explain", str(LITMUS / "MP+wmb+rmb.litmus")])
    assert r.exit_code == 0, r.output
    assert "happens-before (acyclic hb) cycle: d -rmb-> f -prop-> d" in r.output
    bad = tmp_path / "bad.litmus"
    bad.write_text("C bad\n{}\nP0(int *x) { WRITE_ONCE(*x, 1) }\nexists (x=1)\n")
    r = CliRunner().invoke(main, ["explain", str(bad)])
    assert r.exit_code == 1 and f"{bad}:3:" in r.output


# ---------------------------------------------------------------- the picture


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of a PNG (Pillow when present, else a
    small decoder for 8-bit RGB/RGBA, which is what Chromium writes)."""
    try:
        from io import BytesIO

        from PIL import Image
        img = Image.open(BytesIO(data)).convert("RGB")
        return img.width, img.height, list(img.getdata())
    except ImportError:
        pass
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                pytest.skip("PNG format not handled without Pillow")
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    pixels = []
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        f, cur = line[0], bytearray(line[1:])
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                cur[i] = (cur[i] + a) & 255
            elif f == 2:
                cur[i] = (cur[i] + b) & 255
            elif f == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        pixels += [tuple(cur[i:i + 3]) for i in range(0, stride, bpp)]
        prev = cur
    return width, height, pixels


def test_chromium_renders_a_picture_that_is_not_blank(checker, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed")
    svg = render_svg(graph_of(checker, "MP+wmb+rmb"))
    w, h = (int(float(x)) for x in re.search(r'width="([\d.]+)" height="([\d.]+)"', svg).groups())
    src, png = tmp_path / "g.svg", tmp_path / "g.png"
    src.write_text(svg)
    r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
                        f"--window-size={w},{h}", src.as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert png.exists(), r.stderr
    width, height, pixels = png_pixels(png.read_bytes())
    assert (width, height) == (w, h)
    inked = [p for p in pixels if p != (255, 255, 255)]
    assert len(inked) > 0.02 * len(pixels)  # text, boxes and edges, not a blank page
    assert any(r > 200 and g < 80 and b < 80 for r, g, b in inked)  # the red rf edge
    assert any(r > 240 and 190 < g < 235 and b < 160 for r, g, b in inked)  # the yellow cycle highlight
    assert sum(1 for r, g, b in inked if r < 60 and g < 60 and b < 60) > 500  # black text
