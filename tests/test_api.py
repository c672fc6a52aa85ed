"""The Python API (memcheck.judge, fences, lower, parse): the same answers as the command line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import memcheck
from memcheck import api
from memcheck.cli import main
from memcheck.errors import MemcheckError

from web_tests import BAD

LITMUS = Path(__file__).resolve().parents[1] / "litmus"
MP = LITMUS / "MP+wmb+rmb.litmus"
WALKER = LITMUS / "vma-pte" / "vma-pte-walker.litmus"


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def without_time(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("seconds", "file")}


def test_judge_a_path_or_its_text_alike():
    by_path = memcheck.judge(str(MP))
    by_text = memcheck.judge(MP.read_text())
    assert len(by_path) == len(by_text) == 1
    r = by_path[0]
    assert (r.model, r.verdict, r.positive, r.negative, r.flags) == ("lkmm", "Never", 0, 3, [])
    assert r.states == [{"1:r0": 0, "1:r1": 0}, {"1:r0": 0, "1:r1": 1}, {"1:r0": 1, "1:r1": 1}]
    assert without_time(r.to_json()) == without_time(by_text[0].to_json())
    assert memcheck.judge(MP)[0].verdict == "Never"  # a Path too


def test_judge_gives_run_json_objects_and_text():
    results = memcheck.judge(str(WALKER), models="all")
    out = cli("run", "--json", "--model", "all", str(WALKER))
    assert out.exit_code == 0, out.output
    lines = [json.loads(l) for l in out.output.splitlines()]
    assert [without_time(r.to_json()) for r in results] == [without_time(l) for l in lines]
    assert [r.model for r in results] == ["lkmm", "lkmm-v6", "sc", "x86", "arm64", "power", "riscv"]
    table = cli("run", "--model", "all", str(WALKER))
    assert results.text().strip() == table.output.strip()


def test_notebook_views_show_the_graph_and_the_table():
    results = memcheck.judge(str(MP), models=("lkmm", "x86"))
    svg = results[0]._repr_svg_()
    assert "<svg" in svg[:100] and "happens-before" in svg
    html = results._repr_html_()
    assert html.count("<tr>") == 3 and html.count("<svg") == 2 and "Never" in html
    assert "<table" in results[1]._repr_html_()
    assert "happens-before (acyclic hb) cycle" in results[0].explain()


def test_modes():
    full, states, verdict = (memcheck.judge(str(WALKER), mode=m)[0] for m in api.MODES)
    assert full.verdict == states.verdict == verdict.verdict == "Sometimes"
    assert full.exhaustive and not states.exhaustive and not verdict.exhaustive
    with pytest.raises(MemcheckError, match="unknown mode"):
        memcheck.judge(str(MP), mode="fast")


@pytest.mark.parametrize("text,message", BAD)
def test_bad_input_raises_at_its_position(text, message):
    with pytest.raises(MemcheckError) as info:
        results = memcheck.judge(text) if text else memcheck.parse(text)
        raise results[0].exception  # an unknown primitive is the model's to refuse
    e = info.value
    if message:
        assert f"{e.line}:{e.col}: {e.message}" == message
    else:
        assert e.line == 3 and e.col > 0


def test_a_model_that_cannot_judge_and_a_timeout_are_results():
    rcu = memcheck.judge(str(LITMUS / "MP+synchronize_rcu+rcu-reader.litmus"), models="all")
    assert [r.ok for r in rcu] == [True, True, True, False, False, False, False]
    assert "model x86: 'synchronize_rcu' is a grace period" in rcu[3].error
    assert rcu[3].to_json().keys() == {"file", "error"}
    slow = memcheck.judge(str(LITMUS / "IRIW+once+once.litmus"), timeout=0.001)[0]
    assert slow.timed_out and not slow.ok and "timed out after 0.001 s under model lkmm" in slow.error


def test_unknown_model():
    with pytest.raises(MemcheckError, match="unknown model 'arm'"):
        memcheck.judge(str(MP), models="arm")


def test_fences_is_the_fences_json():
    advice = memcheck.fences(str(WALKER))
    out = cli("fences", "--json", str(WALKER))
    expected = json.loads(out.output)
    got = advice.to_json()

    def stable(rec: dict) -> dict:
        rec = {k: v for k, v in rec.items() if k != "seconds"}
        rec["models"] = {m: {k: v for k, v in a.items() if k != "stats"} for m, a in rec["models"].items()}
        return rec

    assert stable(got) == stable(expected)
    assert "+\tsmp_wmb__before_spin_lock();" in advice.diff()
    fixed = advice.fixed()
    assert all(r.verdict == "Never" for r in memcheck.judge(fixed, models="lkmm,arm64,power"))
    assert memcheck.fences(str(MP)).diff() == ""  # already Never: nothing to change


def test_lower_is_the_lower_command():
    for arch in api.ARCHES:
        assert memcheck.lower(str(MP), arch=arch).text == cli("lower", "--arch", arch, str(MP)).output
    assert memcheck.lower(MP.read_text(), "arm64", atomics="llsc").to_json()["arch"] == "arm64"
    with pytest.raises(MemcheckError, match="unknown architecture"):
        memcheck.lower(str(MP), "riscv9")


def test_parse():
    test = memcheck.parse(str(MP))
    assert test.name == "MP+wmb+rmb" and len(test.threads) == 2
    assert memcheck.parse(test) is test
    assert memcheck.parse(MP.read_bytes()).name == "MP+wmb+rmb"
    with pytest.raises(MemcheckError, match="cannot read"):
        memcheck.parse("no-such-file.litmus")
    assert api.is_test_text("C x {} P0(int *x) { WRITE_ONCE(*x, 1); } exists (x=1)")
    assert not api.is_test_text("litmus/C.litmus")


def test_models():
    names = [m.name for m in memcheck.models()]
    assert names[:2] == ["lkmm", "lkmm-v6"] and "power" in names
