"""Tests the web and API tests send: a slow one, bad ones, and their expected answers."""
from __future__ import annotations

# (test text, the `line:col: message` it must be refused with)
BAD = [
    ("C bad\n{}\nP0(int *x) { frob(x); }\nexists (x=1)\n", "3:14: Unknown macro frob"),
    ("C bad\n{}\nP0(int *x) { WRITE_ONCE(*x, 1) }\nexists (x=1)\n", None),  # a syntax error, somewhere on line 3
    ("", "1:1: empty file"),
    ("Z80 what\n", "1:1: unsupported test kind 'Z80': expected one of C, X86, AArch64, PPC, RISCV"),
]


def lock_ring(n: int) -> str:
    """n critical sections of one lock passing a flag around a ring: the
    verdict alone takes exponential time (~30 s at n = 8)."""
    xs = [f"x{i}" for i in range(n)]
    threads = []
    for i in range(n):
        src, dst = xs[i], xs[(i + 1) % n]
        params = ", ".join([f"int *{v}" for v in sorted({src, dst}, key=xs.index)] + ["spinlock_t *s"])
        threads.append(f"P{i}({params})\n{{\n\tint r0;\n\tspin_lock(s);\n\tr0 = READ_ONCE(*{src});\n"
                       f"\tWRITE_ONCE(*{dst}, 1);\n\tspin_unlock(s);\n}}\n")
    cond = " /\\ ".join(f"{i}:r0=1" for i in range(n))
    return f"C lock-ring-{n}\n\n{{}}\n\n" + "\n".join(threads) + f"\nexists ({cond})\n"


SLOW = lock_ring(8)
