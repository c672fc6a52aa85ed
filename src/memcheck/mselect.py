"""herdtools' `mselect7 -arch ARCH`, as far as the kernel's scripts use it.

checkghlitmus.sh lists its C tests with `find ... | mselect7 -arch C`; the
herd7 shim's folder carries an `mselect7` running this, so that script runs
unchanged.  A test is selected when its first word (its kind) is one of the
architectures asked for; mselect7's other options are refused by name.
"""
from __future__ import annotations

import sys
from typing import Optional, TextIO

USAGE = "Usage: mselect7 [-arch ARCH]* [test]*  (memcheck's mselect7: selection by architecture only)"
ARCH_NAMES = {"c": "C", "x86": "X86", "x86_64": "X86_64", "ppc": "PPC", "arm": "ARM", "aarch64": "AArch64",
              "riscv": "RISCV", "mips": "MIPS", "lisa": "LISA", "bell": "LISA", "bpf": "BPF", "java": "JAVA"}


def test_kind(path: str) -> Optional[str]:
    """The first word of a litmus file (its architecture), None if unreadable or empty."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.strip():
                    return line.split()[0]
    except OSError:
        return None
    return None


def main(argv: list[str], out: Optional[TextIO] = None, err: Optional[TextIO] = None,
         stdin: Optional[TextIO] = None) -> int:
    """Print the tests (named in argv, else on stdin) whose architecture is selected."""
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    archs: list[str] = []
    names: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "-arch":
            value = next(args, None)
            if value is None or value.lower() not in ARCH_NAMES:
                print(f"mselect7: option -arch needs one of {','.join(sorted(set(ARCH_NAMES.values())))}.\n{USAGE}",
                      file=err)
                return 2
            archs.append(ARCH_NAMES[value.lower()])
        elif arg.startswith("-") and arg != "-":
            print(f"mselect7: option {arg} is not supported by memcheck's mselect7.\n{USAGE}", file=err)
            return 2
        else:
            names.append(arg)
    if not names:
        names = [line.rstrip("\n") for line in stdin if line.strip() and not line.startswith("#")]
    for name in names:
        kind = test_kind(name)
        if kind is None:
            print(f'Warning: File "{name}": cannot read a litmus test', file=err)
        elif not archs or kind in archs:
            print(name, file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
