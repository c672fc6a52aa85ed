"""The tests the page offers: the shipped `litmus/` folder, read once at start.

A request names an example by its key in this table; the server never opens
a path taken from a request.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Optional

MAX_EXAMPLES = 2000
MAX_EXAMPLE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Examples:
    """Test texts by name (their path below the folder, `vma-pte/vma-pte-walker.litmus`)."""
    tests: dict[str, str]

    @property
    def names(self) -> list[str]:
        return sorted(self.tests, key=lambda n: (n.count("/"), n.lower()))

    def text(self, name: str) -> Optional[str]:
        return self.tests.get(name)

    @classmethod
    def from_folder(cls, folder: Path) -> "Examples":
        """Every `*.litmus` below `folder` (the first MAX_EXAMPLES, none larger than MAX_EXAMPLE_BYTES)."""
        tests: dict[str, str] = {}
        for f in sorted(Path(folder).rglob("*.litmus"))[:MAX_EXAMPLES]:
            try:
                if f.is_file() and f.stat().st_size <= MAX_EXAMPLE_BYTES:
                    tests[f.relative_to(folder).as_posix()] = f.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        return cls(tests)


def shipped_folder() -> Path:
    """Where the installed package keeps the shipped tests (the project's `litmus/`)."""
    return Path(str(resources.files("memcheck.web").joinpath("examples")))


def shipped_examples() -> Examples:
    folder = shipped_folder()
    return Examples.from_folder(folder) if folder.is_dir() else Examples({})
