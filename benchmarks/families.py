"""Scalable families of kernel C litmus tests, for the scaling benchmark.

Each generator takes a size parameter ``n`` (2..12 in the benchmark) and
returns the TEXT of a C litmus test in herd7's kernel dialect; the text is a
pure function of ``n`` (no randomness, no clock), so a test of a given size
is the same from run to run.  ``FAMILIES`` lists the four families with the
number of threads each size has and the LKMM verdict each test must get:

=============  ===================================  =========  ==========
family         shape                                threads    LKMM
=============  ===================================  =========  ==========
``iriw``       IRIW, 2 writers + n smp_mb readers   n + 2      Never
``lock-ring``  ring of n critical sections, 1 lock  n          Never
``rcu-chain``  cycle of n GP / RSCS threads         n          Never
``writers``    n writers to one location            n          Sometimes
=============  ===================================  =========  ==========

Full enumeration (herd7's approach, memcheck's ``verdict_only=False``) has
to go through every execution, whose number grows exponentially with n in
every family (n! coherence orders for ``writers``, 2^n reads-from choices for
the others); deciding the verdict alone (``verdict_only=True``) need not.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


AND = " /\\ "


def _thread(index: int, params: list[str], registers: list[str], body: list[str]) -> str:
    """One thread ``P<index>(params) { int regs; body }``, tab-indented."""
    lines = [f"P{index}({', '.join(params)})", "{"]
    lines += [f"\tint {r};" for r in registers]
    if registers:
        lines.append("")
    lines += [f"\t{s}" for s in body]
    lines.append("}")
    return "\n".join(lines)


def _test(name: str, comment: str, variables: list[str], threads: list[str], condition: str) -> str:
    init = "{ " + " ".join(f"{v} = 0;" for v in variables) + " }" if variables else "{}"
    parts = [f"C {name}", "", "(*", *(f" * {line}" if line else " *" for line in comment.splitlines()),
             " *)", "", init, ""]
    for t in threads:
        parts += [t, ""]
    parts.append(condition)
    return "\n".join(parts) + "\n"


def _check(n: int, least: int = 2) -> None:
    if not isinstance(n, int) or n < least:
        raise ValueError(f"n must be an integer >= {least}, got {n!r}")


# -- 1. IRIW with n readers ---------------------------------------------------

def iriw(n: int) -> str:
    """IRIW with ``n`` readers: ``n + 2`` threads.

    P0 writes x=1, P1 writes y=1; readers P2..P(n+1) each read two
    locations with smp_mb() between the loads: the k-th reader (k = 0..n-1,
    thread P(k+2)) reads x then y when k is even, y then x when k is odd.
    The condition is that the readers disagree on the order of the two
    writes: every even reader sees x=1 then y=0 (x before y), every odd
    reader sees y=1 then x=0 (y before x), i.e. every reader has r0=1 and
    r1=0.  n >= 2 gives at least one reader of each kind; smp_mb() makes the
    LKMM's writes propagate in one order to all, so: Never.  n = 2 is
    IRIW+mb+mb.
    """
    _check(n)
    threads = [
        _thread(0, ["int *x"], [], ["WRITE_ONCE(*x, 1);"]),
        _thread(1, ["int *y"], [], ["WRITE_ONCE(*y, 1);"]),
    ]
    cond = []
    for k in range(n):
        first, second = ("x", "y") if k % 2 == 0 else ("y", "x")
        threads.append(_thread(k + 2, ["int *x", "int *y"], ["r0", "r1"], [
            f"r0 = READ_ONCE(*{first});",
            "smp_mb();",
            f"r1 = READ_ONCE(*{second});",
        ]))
        cond += [f"{k + 2}:r0=1", f"{k + 2}:r1=0"]
    comment = (f"Result: Never\n\nIRIW with {n} readers (threads P2..P{n + 1}), each with smp_mb()\n"
               "between its loads: the readers cannot disagree on the order of the\n"
               "writes to x and y.")
    return _test(f"IRIW-{n}readers+mb", comment, ["x", "y"], threads,
                 f"exists ({AND.join(cond)})")


# -- 2. ring of critical sections ---------------------------------------------

def lock_ring(n: int) -> str:
    """A ring of ``n`` threads passing a message through one spinlock: ``n`` threads.

    Thread Pi (i = 0..n-1) does, holding the lock ``s``:
    ``r0 = READ_ONCE(*x_i); WRITE_ONCE(*x_{(i+1) mod n}, 1);``.  The
    condition is the cycle where every thread reads 1 from its predecessor
    (every ``i:r0=1``): each critical section would have to come after its
    predecessor's, around the whole ring.  The critical sections of one lock
    are totally ordered, so: Never.  (Without the lock this is the n-thread
    load-buffering ring, which the LKMM allows.)
    """
    _check(n)
    xs = [f"x{i}" for i in range(n)]
    threads = []
    for i in range(n):
        src, dst = xs[i], xs[(i + 1) % n]
        params = [f"int *{v}" for v in sorted({src, dst}, key=xs.index)] + ["spinlock_t *s"]
        threads.append(_thread(i, params, ["r0"], [
            "spin_lock(s);",
            f"r0 = READ_ONCE(*{src});",
            f"WRITE_ONCE(*{dst}, 1);",
            "spin_unlock(s);",
        ]))
    comment = (f"Result: Never\n\nA ring of {n} critical sections of the lock s, each reading its\n"
               "predecessor's flag and setting its successor's: they cannot all see 1.")
    return _test(f"LockRing-{n}", comment, xs, threads,
                 f"exists ({AND.join(f'{i}:r0=1' for i in range(n))})")


def lock_mp_ring(n: int) -> str:
    """A ring of ``n`` message-passing links, each through its own spinlock: ``n`` threads.

    Thread Pi (i = 0..n-1) takes the lock ``s_i`` it shares with its
    predecessor and reads ``x_i``, then takes the lock ``s_{i+1}`` it shares
    with its successor and sets ``x_{i+1}``.  Every ``i:r0=1`` needs each
    link's writer to hold its lock before the reader; the unlock of one
    lock followed by the lock of the next orders each thread's read before
    its write (po-unlock-lock-po), so the ring cannot close: Never.
    """
    _check(n)
    xs = [f"x{i}" for i in range(n)]
    locks = [f"s{i}" for i in range(n)]
    threads = []
    for i in range(n):
        j = (i + 1) % n
        names = sorted({xs[i], xs[j]}, key=xs.index)
        params = [f"int *{v}" for v in names] + [f"spinlock_t *{l}" for l in sorted({locks[i], locks[j]})]
        threads.append(_thread(i, params, ["r0"], [
            f"spin_lock({locks[i]});",
            f"r0 = READ_ONCE(*{xs[i]});",
            f"spin_unlock({locks[i]});",
            f"spin_lock({locks[j]});",
            f"WRITE_ONCE(*{xs[j]}, 1);",
            f"spin_unlock({locks[j]});",
        ]))
    comment = (f"Result: Never\n\nA ring of {n} message-passing links, link i through lock s_i:\n"
               "the messages cannot all arrive.")
    return _test(f"LockMPRing-{n}", comment, xs, threads,
                 f"exists ({AND.join(f'{i}:r0=1' for i in range(n))})")


# -- 3. RCU grace-period chains -------------------------------------------------

def rcu_cycle(kinds: str) -> str:
    """A cycle of RCU threads, one per letter of ``kinds``: ``len(kinds)`` threads.

    Thread Pi (i = 0..len-1) reads ``x_i`` and writes ``x_{(i+1) mod len}``:
    ``G`` is a grace period between them
    (``r0 = READ_ONCE(*x_i); synchronize_rcu(); WRITE_ONCE(*x_{i+1}, 1);``),
    ``R`` a read-side critical section around both
    (``rcu_read_lock(); r0 = READ_ONCE(*x_i); WRITE_ONCE(*x_{i+1}, 1);
    rcu_read_unlock();``).  The condition is the cycle where every thread
    reads 1 from its predecessor (every ``i:r0=1``).

    The RCU guarantee (the LKMM's rcu axiom): such a cycle is forbidden iff
    it has at least as many grace periods as read-side critical sections
    (#G >= #R, and at least one G), so the verdict is Never when that
    holds and Sometimes otherwise; see ``rcu_expected``.  A one-thread
    "cycle" (a thread reading its own later write) would be forbidden by
    coherence alone, whatever its kind, so ``kinds`` has at least two
    letters.
    """
    if len(kinds) < 2 or set(kinds) - {"G", "R"}:
        raise ValueError(f"kinds must be a string of at least two G and R, got {kinds!r}")
    n = len(kinds)
    xs = [f"x{i}" for i in range(n)]
    threads = []
    for i, kind in enumerate(kinds):
        src, dst = xs[i], xs[(i + 1) % n]
        params = [f"int *{v}" for v in sorted({src, dst}, key=xs.index)]
        if kind == "G":
            body = [f"r0 = READ_ONCE(*{src});", "synchronize_rcu();", f"WRITE_ONCE(*{dst}, 1);"]
        else:
            body = ["rcu_read_lock();", f"r0 = READ_ONCE(*{src});", f"WRITE_ONCE(*{dst}, 1);",
                    "rcu_read_unlock();"]
        threads.append(_thread(i, params, ["r0"], body))
    expect = rcu_expected(kinds)
    comment = (f"Result: {expect}\n\nA cycle of {kinds.count('G')} grace period(s) and "
               f"{kinds.count('R')} RCU read-side critical section(s)\n"
               f"({kinds}): forbidden iff #grace periods >= #critical sections.")
    return _test(f"RCU-cycle-{kinds}", comment, xs, threads,
                 f"exists ({AND.join(f'{i}:r0=1' for i in range(n))})")


def rcu_expected(kinds: str) -> str:
    """The LKMM verdict of ``rcu_cycle(kinds)`` by the RCU guarantee."""
    g, r = kinds.count("G"), kinds.count("R")
    return "Never" if g >= 1 and g >= r else "Sometimes"


def rcu_chain(n: int) -> str:
    """An ``n``-thread RCU cycle alternating grace periods and critical
    sections, starting with a grace period: ``n`` threads, ``ceil(n/2)``
    grace periods (even-numbered threads) and ``floor(n/2)`` read-side
    critical sections (odd-numbered threads).  #GP >= #RSCS, so by the RCU
    guarantee (forbidden iff #GP >= #RSCS): Never.
    """
    _check(n)
    return rcu_cycle("".join("G" if i % 2 == 0 else "R" for i in range(n)))


# -- 4. n writers to one location ----------------------------------------------

def writers(n: int) -> str:
    """``n`` writers to one location: ``n`` threads.

    Thread Pi writes ``x = i+1``; the condition ``exists (x=1)`` asks
    whether P0's write can be the last in coherence order: it can, and the
    others can too, so: Sometimes.  Every one of the n! coherence orders is
    an allowed execution, which a full enumeration must list.
    """
    _check(n)
    threads = [_thread(i, ["int *x"], [], [f"WRITE_ONCE(*x, {i + 1});"]) for i in range(n)]
    comment = f"Result: Sometimes\n\n{n} writers to x: any of them can be the last."
    return _test(f"Writers-{n}", comment, ["x"], threads, "exists (x=1)")


# -- the registry ----------------------------------------------------------------

@dataclass(frozen=True)
class Family:
    name: str
    generate: Callable[[int], str]
    threads: Callable[[int], int]  # number of threads of the test of size n
    expected: str                  # LKMM Observation of every size


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("iriw", iriw, lambda n: n + 2, "Never"),
    Family("lock-ring", lock_ring, lambda n: n, "Never"),
    Family("lock-mp-ring", lock_mp_ring, lambda n: n, "Never"),
    Family("rcu-chain", rcu_chain, lambda n: n, "Never"),
    Family("writers", writers, lambda n: n, "Sometimes"),
)}
