"""The lkmm-v6 variant: the later definitions the kernel's own tests expect."""
from __future__ import annotations

import pytest

from helpers import judge_text
from conftest import SHARED

# An unlock followed by a lock (here of another lock) in the same thread
# orders the two critical sections for the v6 model only: the older model
# needs the lock to read from the unlock.
UNLOCK_LOCK_MP = """C MP+unlocklock
{}
P0(int *x, int *y, spinlock_t *s, spinlock_t *t)
{
\tspin_lock(s);
\tWRITE_ONCE(*x, 1);
\tspin_unlock(s);
\tspin_lock(t);
\tWRITE_ONCE(*y, 1);
\tspin_unlock(t);
}
P1(int *x, int *y)
{
\tint r0; int r1;
\tr0 = READ_ONCE(*y);
\tsmp_rmb();
\tr1 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 1:r1=0)
"""


def test_unlock_then_lock_orders_only_in_v6(checker):
    assert judge_text(checker, UNLOCK_LOCK_MP, "lkmm").observation == "Sometimes"
    assert judge_text(checker, UNLOCK_LOCK_MP, "lkmm-v6").observation == "Never"


@pytest.mark.parametrize("name", ["LB+unlocklockonceonce+poacquireonce",
                                  "MP+unlocklockonceonce+fencermbonceonce", "dep+plain"])
def test_kernel_tests_written_for_later_definitions(checker, name):
    path = SHARED / "lkmm" / "kernel-litmus-tests" / f"{name}.litmus"
    if not path.exists():
        pytest.skip("shared LKMM corpus not present")
    text = path.read_text()
    assert judge_text(checker, text, "lkmm").observation == "Sometimes"  # as herd7 7.57
    assert judge_text(checker, text, "lkmm-v6").observation == "Never"   # as the test says
