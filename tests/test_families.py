"""The scaling benchmark's test families (benchmarks/families.py): every size
parses, small sizes get the family's LKMM verdict both ways, and the text is
forbidden for the reason each family states."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from memcheck.checker import parse_test_text

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "families.py"
_spec = importlib.util.spec_from_file_location("memcheck_bench_families", _PATH)
families = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = families  # dataclasses look the module up by name
_spec.loader.exec_module(families)

NAMES = sorted(families.FAMILIES)


@pytest.mark.parametrize("name", NAMES)
def test_every_size_parses(name):
    fam = families.FAMILIES[name]
    for n in range(2, 13):
        test = parse_test_text(fam.generate(n).encode(), f"<{name}-{n}>")
        assert len(test.threads) == fam.threads(n)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("verdict_only", [True, False], ids=["verdict-only", "full"])
def test_small_sizes_get_the_expected_verdict(checker, name, n, verdict_only):
    fam = families.FAMILIES[name]
    test = parse_test_text(fam.generate(n).encode(), f"<{name}-{n}>")
    v = checker.judge(test, "lkmm", 60, verdict_only=verdict_only).verdict
    assert v.observation == fam.expected


@pytest.mark.parametrize("name", ["lock-ring", "lock-mp-ring"])
def test_the_locks_are_what_forbids_the_rings(checker, name):
    """Without its spinlocks a ring is n-thread load buffering: allowed."""
    text = "\n".join(line for line in families.FAMILIES[name].generate(3).splitlines()
                     if "spin_" not in line)
    v = checker.judge(parse_test_text(text.encode(), f"<{name}-unlocked>"), "lkmm", 60).verdict
    assert v.observation == "Sometimes"


@pytest.mark.parametrize("name", NAMES)
def test_too_small_is_refused(name):
    with pytest.raises(ValueError):
        families.FAMILIES[name].generate(1)


@pytest.mark.parametrize("kinds", ["GG", "RR", "GR", "GRR", "RGR", "GGR", "GGRR", "GRGRR"])
def test_rcu_cycle_follows_the_grace_period_rule(checker, kinds):
    """Forbidden iff #grace periods >= #read-side critical sections."""
    test = parse_test_text(families.rcu_cycle(kinds).encode(), f"<rcu-{kinds}>")
    v = checker.judge(test, "lkmm", 60, verdict_only=True).verdict
    assert v.observation == families.rcu_expected(kinds)
