"""The `memcheck run` command: herd7's text, JSON lines, errors and exit codes."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from memcheck.cli import main

LITMUS = Path(__file__).resolve().parents[1] / "litmus"


def run(*args: str):
    return CliRunner().invoke(main, ["run", *args])


def test_text_output_is_herd7s_block():
    r = run(str(LITMUS / "SB+once+once.litmus"))
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "Test SB+once+once Allowed"
    assert lines[1] == "States 4"
    assert "0:r0=0; 1:r0=0;" in lines[2:6]
    assert "Ok" in lines
    assert "Positive: 1 Negative: 3" in lines
    assert any(l.startswith("Condition exists (") for l in lines)
    assert "Observation SB+once+once Sometimes 1 3" in lines


def test_memory_is_printed_in_brackets(tmp_path):
    t = tmp_path / "w.litmus"
    t.write_text("C w\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nP1(int *x) { WRITE_ONCE(*x, 2); }\nexists (x=2)\n")
    r = run(str(t))
    assert "[x]=1;" in r.output and "[x]=2;" in r.output


def test_json_lines_schema():
    r = run("--json", str(LITMUS / "MP+wmb+rmb.litmus"))
    assert r.exit_code == 0
    rec = json.loads(r.output.strip())
    assert set(rec) == {"file", "name", "model", "verdict", "positive", "negative",
                        "states", "flags", "condition", "seconds", "exhaustive", "states_complete",
                        "execution_limit", "loop_limit"}
    assert rec["model"] == "lkmm" and rec["verdict"] == "Never"
    assert {"1:r0": 1, "1:r1": 0} not in rec["states"]
    assert all(isinstance(v, int) for s in rec["states"] for v in s.values())
    assert rec["exhaustive"] is True


def test_verdict_only_prints_the_observation_and_its_witnesses():
    r = run("--verdict-only", str(LITMUS / "SB+once+once.litmus"))
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "Test SB+once+once Allowed"
    assert lines[1] == "Witnesses found 2 (states not enumerated)"
    assert "0:r0=0; 1:r0=0;" in lines[2:4]  # the one satisfying the condition
    assert not any(l.startswith(("Positive", "States")) for l in lines)
    assert "Observation SB+once+once Sometimes" in lines
    table = run("--verdict-only", "--model", "lkmm,sc", str(LITMUS / "SB+once+once.litmus")).output
    assert "≥1" in table and "Never" in table  # SC forbids it: no positive witness


def test_states_only_lists_states_without_counts():
    full = run(str(LITMUS / "IRIW+mb+mb.litmus")).output.splitlines()
    lines = run("--states-only", str(LITMUS / "IRIW+mb+mb.litmus")).output.splitlines()
    # herd7's block without the witness counts
    expected = [l for l in full if not l.startswith(("Time", "Witnesses", "Positive", "Observation"))]
    assert [l for l in lines if not l.startswith(("Time", "Observation"))] == expected
    assert "Observation IRIW+mb+mb Never" in lines
    both = run("--states-only", "--verdict-only", str(LITMUS / "IRIW+mb+mb.litmus"))
    assert both.exit_code == 2 and "exclude each other" in both.output


def test_past_the_execution_limit_the_verdict_is_decided_without_listing():
    full = run("--json", str(LITMUS / "IRIW+mb+mb.litmus"))
    rec = json.loads(full.output)
    assert rec["exhaustive"] and rec["positive"] + rec["negative"] > 3
    limited = json.loads(run("--json", "--max-executions", "3", str(LITMUS / "IRIW+mb+mb.litmus")).output)
    assert not limited["exhaustive"] and limited["execution_limit"] == 3
    assert limited["verdict"] == rec["verdict"] and limited["flags"] == rec["flags"]
    text = run("--max-executions", "3", str(LITMUS / "IRIW+mb+mb.litmus")).output
    assert "(more than 3 executions allowed: states not enumerated)" in text


def test_bad_input_is_reported_and_others_still_judged(tmp_path):
    bad = tmp_path / "a_bad.litmus"
    bad.write_text("C bad\n{}\nP0(int *x) { WRITE_ONCE(*x, 1) }\nexists (x=1)\n")
    good = tmp_path / "b_good.litmus"
    good.write_text((LITMUS / "SB+once+once.litmus").read_text())
    r = CliRunner().invoke(main, ["run", "--json", str(tmp_path)])
    assert r.exit_code == 1
    recs = [json.loads(l) for l in r.output.splitlines()]
    assert recs[0]["file"] == str(bad)
    assert recs[0]["error"].startswith(f"{bad}:3:")
    assert recs[1]["verdict"] == "Sometimes"


def test_unknown_primitive_has_a_position(tmp_path):
    t = tmp_path / "u.litmus"
    t.write_text("C u\n{}\nP0(int *x)\n{\n\tfrobnicate(x);\n}\nexists (x=1)\n")
    r = run(str(t))
    assert r.exit_code == 1
    assert f"{t}:5:2: Unknown macro frobnicate" in r.output  # herd7's words, as the kernel's scripts grep
    assert "Traceback" not in r.output


def test_binary_file_is_an_error(tmp_path):
    t = tmp_path / "bin.litmus"
    t.write_bytes(b"C x\n\0\0\xff")
    r = run(str(t))
    assert r.exit_code == 1
    assert f"{t}:1:1:" in r.output


def test_undeclared_variable_in_condition(tmp_path):
    t = tmp_path / "v.litmus"
    t.write_text("C v\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (zz=1)\n")
    r = run(str(t))
    assert r.exit_code == 1
    assert "undeclared shared variable 'zz'" in r.output


def test_unknown_model_is_a_usage_error():
    r = run("--model", "nosuch", str(LITMUS / "SB+once+once.litmus"))
    assert r.exit_code == 2
    assert "unknown model" in r.output


def test_a_model_that_cannot_judge_a_test_does_not_hide_the_others(tmp_path):
    t = tmp_path / "rcu.litmus"
    t.write_text("C rcu\n{}\nP0(int *x, int *y) { WRITE_ONCE(*x, 1); synchronize_rcu(); WRITE_ONCE(*y, 1); }\n"
                 "P1(int *x, int *y) { int r0; int r1; rcu_read_lock(); r0 = READ_ONCE(*y);"
                 " r1 = READ_ONCE(*x); rcu_read_unlock(); }\nexists (1:r0=1 /\\ 1:r1=0)\n")
    r = run("--json", "--model", "lkmm,arm64", str(t))
    assert r.exit_code == 1
    recs = [json.loads(l) for l in r.output.splitlines()]
    assert any("model arm64:" in rec.get("error", "") and f"{t}:3:" in rec["error"] for rec in recs)
    assert [rec["verdict"] for rec in recs if "verdict" in rec] == ["Never"]


def test_several_models_print_one_table():
    r = run("--model", "lkmm,x86,arm64,power", str(LITMUS / "vma-pte" / "vma-pte-walker.litmus"))
    assert r.exit_code == 0
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in r.output.splitlines() if line.startswith("│") and line.split("│")[1].strip()}
    assert rows == {"lkmm": "Sometimes", "x86": "Never", "arm64": "Sometimes", "power": "Sometimes"}


def test_a_model_file_with_a_long_path_is_named_whole_in_the_table(tmp_path):
    # a path longer than the table's share of 120 columns was cut to "…"
    deep = tmp_path.joinpath(*(["a-folder-with-a-long-name"] * 5))
    deep.mkdir(parents=True)
    models = Path(__file__).resolve().parents[1] / "models"
    cat = deep / "my-model.cat"
    cat.write_text((models / "sc.cat").read_text())
    r = run("--model", f"lkmm,{cat}", "-I", str(models), str(LITMUS / "SB+once+once.litmus"))
    assert r.exit_code == 0, r.output
    assert str(cat) in r.output
