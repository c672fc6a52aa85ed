"""`memcheck check --html DIR`: the report page and its witness graphs."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from click.testing import CliRunner

from memcheck.cli import main
from memcheck.corpus.expectations import Expectation
from memcheck.corpus.grading import CaseResult, Status
from memcheck.corpus.html_report import render_html
from memcheck.corpus.judging import Judged
from memcheck.corpus.summary import Summary

LITMUS = Path(__file__).resolve().parents[1] / "litmus"
VOID = {"meta", "br", "link", "img", "hr", "input", "col", "wbr"}


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch) -> Path:
    """Each test gets its own result cache."""
    d = tmp_path / "cache"
    monkeypatch.setenv("MEMCHECK_CACHE_DIR", str(d))
    return d


class Page(HTMLParser):
    """The rows of a report page (data-* attributes, cell texts, links), tags checked for balance."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.doctype = ""
        self.rows: list[dict] = []
        self._row: dict | None = None
        self._cell: list[str] | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "tr" and "data-file" in a:
            self._row = {**a, "cells": [], "links": []}
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "a" and self._row is not None:
            self._row["links"].append(a["href"])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row["cells"].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.doctype.lower() == "doctype html"
    assert not page.problems and not page.stack, (page.problems, page.stack)
    return page


def copy(corpus: Path, name: str, new_name: str = "", edit=lambda t: t) -> Path:
    dest = corpus / f"{new_name or name}.litmus"
    dest.write_text(edit((LITMUS / f"{name}.litmus").read_text()))
    return dest


def check(*args: str):
    return CliRunner().invoke(main, ["check", *args])


def linked_svgs(out: Path, page: Page) -> dict[str, Path]:
    """{file name: picture} for every linked picture, each checked to be an SVG document."""
    pictures = {}
    for row in page.rows:
        for href in row["links"]:
            url = urlparse(href)
            assert not url.scheme and not url.netloc and not href.startswith("/"), href  # relative: file:// works
            path = out / unquote(url.path)
            assert path.is_file(), href
            assert ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"
            pictures[Path(row["data-file"]).name] = path
    return pictures


def test_report_page_has_a_row_per_test_and_a_picture_per_verdict(tmp_path, cache_dir):
    corpus, out = tmp_path / "corpus", tmp_path / "report"
    corpus.mkdir()
    for good in ("SB+once+once", "MP+wmb+rmb", "Counter+plain"):
        copy(corpus, good)
    copy(corpus, "MP+once+once", "MP+wrong",  # a wrong Result: line
         edit=lambda t: t.replace("Result: Sometimes", "Result: Never"))
    copy(corpus, "CoWW", "NoExpectation", edit=lambda t: t.replace("Result: Never", ""))
    (corpus / "bad.litmus").write_text(  # a syntax error: no ';'
        "C bad\n(* Result: Never *)\n{}\nP0(int *x) { WRITE_ONCE(*x, 1) }\nexists (x=1)\n")
    r = check(str(corpus), "--html", str(out), "-j", "2")
    assert r.exit_code == 1, r.output
    assert "index.html" in r.output
    page = parse_page(out / "index.html")
    status = {Path(row["data-file"]).name: row["data-status"] for row in page.rows}
    assert status == {"SB+once+once.litmus": "passed", "MP+wmb+rmb.litmus": "passed",
                      "Counter+plain.litmus": "passed", "MP+wrong.litmus": "failed",
                      "NoExpectation.litmus": "no expectation", "bad.litmus": "error"}
    assert [row["data-status"] for row in page.rows][:2] == ["failed", "error"]  # failures first
    wrong = next(row for row in page.rows if row["data-status"] == "failed")
    assert "Never" in wrong["cells"][3] and "Sometimes" in wrong["cells"][4]  # expected vs got
    bad = next(row for row in page.rows if row["data-status"] == "error")
    assert f"{corpus / 'bad.litmus'}:4:" in bad["cells"][-1] and not bad["links"]
    pictures = linked_svgs(out, page)
    assert set(pictures) == set(status) - {"bad.litmus"}
    assert "MP+once+once" in pictures["MP+wrong.litmus"].read_text()

    # served by the cache: the pictures are still linked, a deleted one is drawn again
    pictures["MP+wmb+rmb.litmus"].unlink()
    (out / "svg" / "stale.svg").write_text("<svg/>")
    r = check(str(corpus), "--html", str(out), "-j", "2")
    assert r.exit_code == 1, r.output
    page = parse_page(out / "index.html")
    again = linked_svgs(out, page)
    assert again == pictures and pictures["MP+wmb+rmb.litmus"].is_file()
    assert all("(cache)" in row["cells"][7] for row in page.rows if row["data-status"] != "error")
    assert not (out / "svg" / "stale.svg").exists()  # only the pictures the page links are kept
    assert {p.name for p in (out / "svg").iterdir()} == {p.name for p in pictures.values()}


def test_every_status_is_a_row_and_text_is_escaped():
    def result(status: Status, name: str, **kw) -> CaseResult:
        j = Judged("lkmm", "lkmm", name=name, **kw)
        exp = Expectation("Never", origin='Result line "x" <y>')
        return CaseResult(f"dir/{name}.litmus", "lkmm", status, j, exp, kw.get("error", ""))

    results = [
        result(Status.PASSED, 'MP+"quoted"+<b>&amp', verdict="Never", negative=3),
        result(Status.FAILED, "F+1", verdict="Sometimes", positive=1),
        result(Status.ERROR, "E+1", error="dir/E+1.litmus:3:7: unexpected '}'"),
        result(Status.TIMEOUT, "T+1", timeout=True, error="timed out after 1 s"),
        result(Status.NO_EXPECTATION, "N+1", verdict="Always"),
        result(Status.UNCHECKED, "U+1", verdict="Sometimes"),
    ]
    text = render_html(results, Summary.of(results, 1.5))
    assert "<b>" not in text and '"quoted"' not in text and "&amp;quot;quoted&amp;quot;" not in text
    assert "<script" not in text and "http" not in text.replace("http://www.w3.org", "")  # self-contained
    page = Page()
    page.feed(text)
    assert not page.problems and not page.stack
    assert [row["data-status"] for row in page.rows] == [
        "failed", "error", "timeout", "not checked", "no expectation", "passed"]
    assert page.rows[-1]["cells"][1].startswith('MP+"quoted"+<b>&amp')  # the name as written, once unescaped
    assert "3:7: unexpected '}'" in page.rows[1]["cells"][-1]
    assert not any(row["links"] for row in page.rows)
