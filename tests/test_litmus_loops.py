"""The seed's descendants written with loops (litmus/spf-seqcount,
litmus/vma-lock): what `memcheck fences` proposes for each broken variant,
and the waits they hold judged as awaits, none hanging."""
from __future__ import annotations

from pathlib import Path

import pytest

from memcheck.checker import read_test
from memcheck.fences.advisor import advise_file

LITMUS = Path(__file__).resolve().parents[1] / "litmus"
MODELS = "lkmm,x86,arm64,power,riscv"


def line_of(path: Path, text: str) -> int:
    """The line of `path` holding `text` (once)."""
    [n] = [i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return n


# (test, the portable fix: (thread, statement the change goes before or upgrades, action, barrier))
BROKEN = [
    ("spf-seqcount/spf-vma-seqcount+nowmb", [(0, "WRITE_ONCE(*vm_start, 1);", "insert", "smp_wmb"),
                                            (0, "WRITE_ONCE(*vm_seq, 2);", "insert", "smp_wmb")]),
    ("spf-seqcount/spf-vma-seqcount+normb", [(1, "end = READ_ONCE(*vm_end);", "insert", "smp_rmb")]),
    # smp_rmb (fence r,r on RISC-V) costs less than the acquire (lw; fence r,rw) summed over architectures
    ("vma-lock/vma-start-read+once", [(1, "if (READ_ONCE(*vm_lock_seq) != mm)", "insert", "smp_rmb")]),
    ("vma-lock/mmap-write-unlock+once", [(0, "WRITE_ONCE(*mm_lock_seq, 1);", "insert", "smp_wmb")]),
    ("vma-lock/vma-start-write+nocheck", None),
]


@pytest.mark.parametrize("name, fix", BROKEN, ids=[b[0] for b in BROKEN])
def test_fences_proposal_for_each_broken_variant(checker, name, fix):
    path = LITMUS / f"{name}.litmus"
    advice = advise_file(checker, read_test(path), MODELS, None, 8, 120)
    if fix is None:  # a missing check: no barrier forbids the outcome
        assert advice.portable is None
        assert all(advice.models[m].verdict == "Sometimes" for m in MODELS.split(","))
        return
    assert advice.models["x86"].verdict == "Never"
    assert [(c.thread, c.line, c.action, c.barrier) for c in advice.portable.changes] == \
        [(t, line_of(path, text), action, barrier) for t, text, action, barrier in fix]
    assert advice.portable.verified


def test_mmap_write_unlock_fix_includes_the_kernels_release(checker, tmp_path):
    """The kernel's release ties with smp_wmb where both cost the same on
    every architecture priced; RISC-V's fence rw,w costs more than its fence w,w."""
    path = LITMUS / "vma-lock/mmap-write-unlock+once.litmus"
    store = line_of(path, "WRITE_ONCE(*mm_lock_seq, 1);")

    def lkmm_fixes(costs):
        advice = advise_file(checker, read_test(path), "lkmm", costs, 8, 120)
        return [[(c.line, c.action, c.barrier) for c in f.changes] for f in advice.models["lkmm"].fixes]

    assert lkmm_fixes(None) == [[(store, "insert", "smp_wmb")]]
    same = tmp_path / "costs.toml"
    same.write_text('[riscv]\nsmp_store_release = { cost = 2, emits = "fence rw,w; sw" }\n')
    assert lkmm_fixes(str(same)) == [[(store, "insert", "smp_wmb")], [(store, "upgrade", "smp_store_release")]]


@pytest.mark.parametrize("path", sorted((LITMUS / "spf-seqcount").glob("*.litmus")), ids=lambda p: p.name)
def test_seqcount_reader_is_judged_as_an_await(checker, path):
    program = checker.lower(read_test(path), "lkmm")
    assert [r.kind for r in program.loops] == ["await", "await"]  # the retry loop and the even-count wait
    v = checker.judge(read_test(path), "lkmm").verdict
    assert "hang" not in v.flags and not v.loop_cut
