"""The kernel's own model files, read verbatim from ../shared/kernel-lkmm
(skipped when absent): herd7's verdicts under each version on the kernel's
tests and a seeded sample, our built-in models against them, and bad model
files reported with their position."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memcheck.cat.evaluate import Evaluator
from memcheck.cat.parse import load_model, parse_cat
from memcheck.checker import Checker, file_model, read_test
from memcheck.cli import main
from memcheck.corpus.herd_tsv import canonical_herd_states, canonical_states, read_herd_tsv
from memcheck.errors import MemcheckError

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
KERNEL = SHARED / "kernel-lkmm"
CORPUS = SHARED / "corpus" / "lkmm"
CURRENT = KERNEL / "current" / "linux-kernel.cfg"
OLD = KERNEL / "herd7-7.57" / "linux-kernel.cfg"

needs_kernel = pytest.mark.skipif(not (CURRENT.exists() and OLD.exists() and CORPUS.exists()),
                                  reason="../shared/kernel-lkmm or the LKMM corpus not present")

# tests judged in full under each version, and the seeded sample beside them
KERNEL_FOLDERS = ("kernel-litmus-tests/", "manual/kernel/")
SAMPLE = 120
SEED = 11


def _rows(tsv: Path, folders: tuple[str, ...], sample: int, seed: int) -> list:
    records = [r for r in read_herd_tsv(tsv).values() if r.judged and r.seconds < 5]
    chosen = [r for r in records if r.file.startswith(folders)]
    rest = sorted((r for r in records if not r.file.startswith(folders)), key=lambda r: r.file)
    return chosen + random.Random(seed).sample(rest, min(sample, len(rest)))


def _judge(checker: Checker, model: str, rel: str):
    return checker.judge(read_test(CORPUS / rel), model, timeout=60).verdict


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker()


def _compare(checker: Checker, model: str, rows: list) -> list[str]:
    bad = []
    for r in rows:
        v = _judge(checker, model, r.file)
        got = (v.observation, ",".join(v.flags) or "-", canonical_states(v))
        want = (r.verdict, r.flags, canonical_herd_states(r.states))
        if got != want:
            bad.append(f"{r.file}: got {got[:2]}, herd7 {want[:2]}"
                       + ("" if got[:2] != want[:2] else " (states differ)"))
    return bad


@needs_kernel
@pytest.mark.parametrize("cfg, tsv", [(CURRENT, KERNEL / "herd7-current.tsv"),
                                      (OLD, CORPUS / "herd7.tsv")], ids=["current", "herd7-7.57"])
def test_kernel_files_give_herd7s_verdicts(checker: Checker, cfg: Path, tsv: Path) -> None:
    rows = _rows(tsv, KERNEL_FOLDERS, SAMPLE, SEED)
    assert len(rows) > SAMPLE
    assert _compare(checker, str(cfg), rows) == []


@needs_kernel
@pytest.mark.parametrize("builtin, cfg", [("lkmm", OLD), ("lkmm-v6", CURRENT)])
def test_builtin_models_agree_with_the_kernel_versions(checker: Checker, builtin: str, cfg: Path) -> None:
    rows = _rows(KERNEL / "herd7-current.tsv", (), SAMPLE, SEED + 1)
    differ = []
    for r in rows:
        ours = _judge(checker, builtin, r.file)
        theirs = _judge(checker, str(cfg), r.file)
        if (ours.observation, ours.flags) != (theirs.observation, theirs.flags):
            differ.append(f"{r.file}: {builtin} {ours.observation} {ours.flags}, "
                          f"kernel {theirs.observation} {theirs.flags}")
    assert differ == []


@needs_kernel
def test_srcu_primitives_only_the_current_kernel_knows(checker: Checker) -> None:
    test = read_test(CORPUS / "manual" / "kernel" / "C-srcu-mb-2.litmus")
    with pytest.raises(MemcheckError, match="Unknown macro"):
        checker.judge(test, str(OLD))
    assert checker.judge(test, str(CURRENT)).verdict.observation in ("Never", "Sometimes", "Always")


# ---------------------------------------------------------------- the command line

@needs_kernel
def test_model_named_by_path_in_run_and_tables(tmp_path) -> None:
    test = CORPUS / "kernel-litmus-tests" / "MP+pooncerelease+poacquireonce.litmus"
    r = CliRunner().invoke(main, ["run", "--model", f"lkmm,{CURRENT}", str(test)])
    assert r.exit_code == 0, r.output
    assert str(CURRENT) in r.output and "Never" in r.output


def _bad_model(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("name, text, where", [
    ("m.cat", '"m"\nlet a = po |\nacyclic a as x\n', ":3:1:"),
    ("m.cfg", "model m.cat\nfrobnicate yes\n", ":2:1:"),
    ("m.cfg", "model nowhere.cat\n", "Cannot find file nowhere.cat (searched:"),
    ("m.cat", '"m"\ninclude "nowhere.cat"\n', "nowhere.cat (searched:"),
])
def test_bad_model_files_are_positioned_errors(tmp_path, name: str, text: str, where: str) -> None:
    model = _bad_model(tmp_path, name, text)
    litmus = ROOT / "litmus" / "MP+wmb+rmb.litmus"
    r = CliRunner().invoke(main, ["run", "--model", str(model), str(litmus)])
    assert r.exit_code != 0
    assert where in r.output
    assert "Traceback" not in r.output


def test_recursive_definition_without_fixpoint_is_reported(tmp_path) -> None:
    model = _bad_model(tmp_path, "m.cat", '"m"\nlet rec a = po \\ a\nacyclic a as x\n')
    litmus = ROOT / "litmus" / "MP+wmb+rmb.litmus"
    r = CliRunner().invoke(main, ["run", "--model", str(model), str(litmus)])
    assert r.exit_code != 0 and "fixpoint" in r.output and ":2:" in r.output


# ---------------------------------------------------------------- fuzzing the readers

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CAT_TEXT = (OLD.parent / "lock.cat").read_text() if OLD.exists() else \
    (ROOT / "models" / "lkmm-events.cat").read_text()


@FUZZ
@given(st.data())
def test_mutated_cat_files_never_traceback(data) -> None:
    text = CAT_TEXT
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 12)))
        piece = data.draw(st.sampled_from(["", "(", ")", "let", "|", ";", "*", "'", '"', "with",
                                           "match", "++", "{", "}", "end", "rec", "in", "0"]))
        text = text[:i] + piece + text[j:]
    try:
        Evaluator(parse_cat(text, "fuzz.cat"))
    except MemcheckError as e:
        assert e.file == "fuzz.cat" or e.file == ""


@FUZZ
@given(st.lists(st.sampled_from(["model", "bell", "macros", "variant", "graph", "x.cat", "a,b",
                                 "#", "\n", " ", "-", "unroll", "2", "zz", "="]), max_size=30))
def test_random_cfg_text_never_tracebacks(tmp_path_factory, tokens) -> None:
    cfg = tmp_path_factory.mktemp("cfg") / "fuzz.cfg"
    cfg.write_text(" ".join(tokens))
    try:
        file_model(str(cfg), (), Checker().directory)
    except MemcheckError as e:
        assert e.file.endswith("fuzz.cfg")
