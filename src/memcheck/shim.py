"""`memcheck herd7-shim DIR`: an executable DIR/herd7 that runs `memcheck herd7`.

The shim runs the Python interpreter it was written from (a virtual
environment's own), so `PATH=DIR:$PATH` lets scripts written for herd7 (the
kernel's tools/memory-model/scripts) run memcheck without activating
anything.  DIR/mselect7 comes with it: checkghlitmus.sh selects its C tests
with herdtools' mselect7.
"""
from __future__ import annotations

import shlex
import stat
import sys
from pathlib import Path

from . import __version__

# shim name -> what it runs after `python`
COMMANDS = {"herd7": "-m memcheck herd7", "mselect7": "-m memcheck.mselect"}


def shim_text(command: str, python: str = sys.executable) -> str:
    """A POSIX shell script exec'ing `python COMMAND "$@"`."""
    return ("#!/bin/sh\n"
            f"# written by memcheck {__version__} (memcheck herd7-shim): runs memcheck with this Python\n"
            f"exec {shlex.quote(str(Path(python).absolute()))} {command} \"$@\"\n")


def write_shim(directory: Path, python: str = sys.executable) -> Path:
    """Write `directory`/herd7 and `directory`/mselect7, executable (the
    folder made if needed); the path of herd7."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, command in COMMANDS.items():
        path = directory / name
        path.write_text(shim_text(command, python))
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return (directory / "herd7").absolute()
