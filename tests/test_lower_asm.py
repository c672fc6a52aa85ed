"""`memcheck lower` round trip: the printed assembly test, parsed back and
judged under its architecture's model, agrees with the in-memory lowering of
the C test (Checker().judge(c_test, arch)) in verdict and final states."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from memcheck.checker import Checker, condition_text, read_test
from memcheck.engine.judge import judge_program
from memcheck.lower.c_walk import lower_c
from memcheck.cli import main
from memcheck.errors import MemcheckError
from memcheck.litmus.parse_asm import parse_asm_litmus
from memcheck.lower.to_asm import lower_to_asm

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "lkmm"
ARCHS = ("x86", "arm64", "power", "riscv")
# primitives without a hardware lowering: such tests are judged under the LKMM only
NO_HARDWARE = re.compile(r"\b(synchronize_rcu\w*|srcu_\w*|synchronize_srcu\w*)\s*\(")
# loops: the printed assembly is loop-free, `memcheck lower` refuses them
LOOP = re.compile(r"\b(while|for)\s*\(|\bdo\s*\{|\b(smp_cond_load|atomic_cond_read|\w*seqcount)\w*\s*\(")
SAMPLE = 100


def _own_tests() -> list[Path]:
    return sorted(p for p in (ROOT / "litmus").rglob("*.litmus")
                  if not NO_HARDWARE.search(p.read_text()) and not LOOP.search(p.read_text()))


def _corpus_sample() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    c_tests = []
    for p in sorted(CORPUS.rglob("*.litmus")):
        text = p.read_text(errors="replace")
        if text.lstrip().startswith("C ") and not NO_HARDWARE.search(text):
            c_tests.append(p)
    return sorted(random.Random(20261126).sample(c_tests, min(SAMPLE, len(c_tests))))


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(p.parents[1])) for p in paths]


def _round_trip(path: Path, arch: str, checker: Checker) -> None:
    test = read_test(path)
    run = CliRunner().invoke(main, ["lower", "--arch", arch, str(path)])
    assert run.exit_code == 0, run.output
    asm = parse_asm_litmus(run.output, str(path))
    back = {f"{t}:{m}": f"{t}:{c}" for (t, c), m in lower_to_asm(test, arch).registers.items()}
    got = checker.judge(asm, arch).verdict
    states = sorted(tuple(sorted((back.get(k, k), v) for k, v in s)) for s in got.states)
    expected = checker.judge(test, arch).verdict
    if arch == "x86" and (got.observation, states) != (expected.observation, _states(expected)):
        # x86tso.cat reads a locked instruction of an assembly test as herd7
        # does (variant "asm": its two halves in no program order); judge the
        # C lowering that way too
        expected = judge_program(test, lower_c(test, checker.target(arch)), checker.asm_evaluator(arch),
                                 arch, condition_text(test.condition)).verdict
    assert got.observation == expected.observation, run.output
    assert states == _states(expected), run.output


def _states(v) -> list:
    return sorted(tuple(sorted(s)) for s in v.states)


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker()


OWN = _own_tests()
SAMPLED = _corpus_sample()


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("path", OWN, ids=_ids(OWN))
def test_own_litmus_round_trip(path: Path, arch: str, checker: Checker) -> None:
    _round_trip(path, arch, checker)


@pytest.mark.skipif(not SAMPLED, reason="shared corpus absent")
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("path", SAMPLED, ids=_ids(SAMPLED))
def test_corpus_round_trip(path: Path, arch: str, checker: Checker) -> None:
    _round_trip(path, arch, checker)


def test_grace_period_has_no_lowering() -> None:
    test = read_test(ROOT / "litmus" / "MP+synchronize_rcu+rcu-reader.litmus")
    with pytest.raises(MemcheckError) as err:
        lower_to_asm(test, "arm64")
    assert re.match(r".+:\d+:\d+: 'synchronize_rcu' is a grace period", str(err.value))


@pytest.mark.parametrize("name", ["vma-lock/vma-start-read.litmus", "spf-seqcount/spf-vma-seqcount.litmus"])
def test_a_loop_is_refused_by_its_line(name: str) -> None:
    path = ROOT / "litmus" / name
    with pytest.raises(MemcheckError) as err:
        lower_to_asm(read_test(path), "arm64")
    assert re.fullmatch(rf"{re.escape(str(path))}:\d+:\d+: memcheck lower prints loop-free arm64 code: "
                        r"this loop cannot be printed; .*", str(err.value))
    assert LOOP.search(path.read_text().splitlines()[err.value.line - 1])


def test_arm64_barriers_and_acquire() -> None:
    text = CliRunner().invoke(main, ["lower", "--arch", "arm64", str(ROOT / "litmus" / "MP+wmb+rmb.litmus")]).output
    assert "DMB ISHST" in text and "DMB ISHLD" in text
    text = CliRunner().invoke(main, ["lower", "--arch", "arm64",
                                     str(ROOT / "litmus" / "MP+release+acquire.litmus")]).output
    assert "STLR" in text and "LDAR" in text


def _instructions(printed: str) -> list[str]:
    """Every instruction of a printed test's columns."""
    rows = [line.strip().rstrip(";") for line in printed.splitlines() if line.rstrip().endswith(";")]
    return [cell.strip() for row in rows for cell in row.split("|") if cell.strip()]


LLSC = """C llsc-status
{}
P0(int *x, int *y, spinlock_t *s)
{
	int r0 = xchg(x, 1);
	int r1 = cmpxchg_acquire(y, 0, 2);
	atomic_add(1, y);
	spin_lock(s);
	WRITE_ONCE(*y, 3);
	spin_unlock(s);
}
P1(int *x, int *y)
{
	int r0 = atomic_fetch_add_release(1, x);
	int r1 = READ_ONCE(*y);
}
exists (0:r0=2 /\\ 1:r1=0)
"""


def test_arm64_store_exclusive_status_is_a_word_register(tmp_path: Path, checker: Checker) -> None:
    path = tmp_path / "llsc.litmus"
    path.write_text(LLSC)
    run = CliRunner().invoke(main, ["lower", "--arch", "arm64", "--atomics", "llsc", str(path)])
    assert run.exit_code == 0, run.output
    stores = [i for i in _instructions(run.output) if re.match(r"ST(L)?XR\b", i)]
    assert len(stores) == 5   # xchg, cmpxchg, atomic_add, fetch_add, the lock
    assert all(re.fullmatch(r"ST(L)?XR W\d+,[WX]\d+,\[X\d+\]", i) for i in stores), run.output
    asm = parse_asm_litmus(run.output, str(path))
    assert checker.judge(asm, "arm64").verdict.observation == \
        checker.judge(read_test(path), "arm64/llsc").verdict.observation


def test_power_reservations_name_r0_as_their_base(tmp_path: Path, checker: Checker) -> None:
    # herd7's PPC syntax takes a register for rA (r0 there reads as 0), not the number
    path = tmp_path / "llsc.litmus"
    path.write_text(LLSC)
    run = CliRunner().invoke(main, ["lower", "--arch", "power", str(path)])
    assert run.exit_code == 0, run.output
    pairs = [i for i in _instructions(run.output) if re.match(r"(lwarx|stwcx\.) ", i)]
    assert len(pairs) == 10   # a reservation and its store for each of the five
    assert all(re.fullmatch(r"(lwarx|stwcx\.) r\d+,r0,r\d+", i) for i in pairs), run.output
    asm = parse_asm_litmus(run.output, str(path))
    assert checker.judge(asm, "power").verdict.observation == \
        checker.judge(read_test(path), "power").verdict.observation


LOCKS = """C lock-sizes
{}
P0(int *x, spinlock_t *s)
{
	spin_lock(s);
	WRITE_ONCE(*x, 1);
	spin_unlock(s);
}
P1(int *x, spinlock_t *s)
{
	int r1 = spin_trylock(s);
	int r0 = READ_ONCE(*x);
	int r2 = spin_is_locked(s);
	if (r1)
		spin_unlock(s);
}
exists (1:r0=1 /\\ 1:r1=1)
"""


@pytest.mark.parametrize("options", [["--atomics", "amo"], ["--atomics", "llsc"], ["--kernel", "4.14"]])
def test_arm64_accesses_a_lock_word_at_one_size(tmp_path: Path, options: list[str]) -> None:
    # herd7 refuses a test accessing one location at two sizes
    path = tmp_path / "locks.litmus"
    path.write_text(LOCKS)
    run = CliRunner().invoke(main, ["lower", "--arch", "arm64", *options, str(path)])
    assert run.exit_code == 0, run.output
    lock_regs = dict(re.findall(r"(\d+):(X\d+)=s;", run.output))
    rows = [line.strip().rstrip(";").split("|") for line in run.output.splitlines()
            if line.startswith(" ") and line.rstrip().endswith(";")]
    on_lock = [cell.strip() for row in rows[1:] for t, cell in enumerate(row)
               if f"[{lock_regs.get(str(t))}]" in cell]
    assert len(on_lock) >= 5   # lock, unlock, trylock, is-locked, unlock (LL/SC: two for a lock)
    assert all(re.search(r"\bW(\d+|ZR)\b", cell) and not re.search(r"\bX\d+,", cell) for cell in on_lock), \
        run.output
