"""herd7 configuration files (`.cfg`): which model, bell, macros and
variants a model is made of, as herd7 reads them.

A cfg line is a herd7 option without its dash and its argument
(`model linux-kernel.cat`, `variant lkmmv2`).  Options that only style
pictures are accepted and ignored; an option that would change a verdict
and that memcheck does not honour is refused by name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..errors import MemcheckError

# Options naming the parts of a model.
MODEL_KEYS = {"model": "model", "cat": "model", "bell": "bell", "macros": "macros"}

# herd7 options that change pictures, messages or output files only.
PICTURE_OPTIONS = frozenset("""
    graph squished showevents showlegend movelabel fontsize xscale yscale arrowsize
    showinitrf showfinalrf showinitwrites splines pad edgeattr doshow unshow show
    showthread showobserved showpo showkind showflag showraw showone showsym
    labelinit labelbox shortlegend penwidth scale ptscale boxscale fontname
    edgefontsizedelta dotmode dotcom dotheader initpos initrfpos finalrfpos
    threadposy sep margin mono relabel withbox fixedsize extrachars siwidth
    symetric shift overlap brackets texmacros tikz web gv evince preview view
    oneinit initwrites noid showthin nshow suffix candidates kinds cycles
    o dumpes dumpallfaults q v verbose speedcheck
""".split())


@dataclass(frozen=True)
class HerdConfig:
    """What a cfg says about the model (file names as written in it)."""

    source: str
    model: Optional[str] = None
    bell: Optional[str] = None
    macros: Optional[str] = None
    variants: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)   # other honoured options

    @property
    def folder(self) -> Path:
        """The cfg's own folder, searched first for the files it names."""
        return Path(self.source).resolve().parent


# Options a cfg may set that memcheck honours (read by the caller).
HONOURED = frozenset({"unroll", "skipchecks", "strictskip", "through", "timeout"})


def parse_cfg(text: str, source: str) -> HerdConfig:
    """The model parts and options a cfg file sets."""
    parts: dict[str, str] = {}
    variants: list[str] = []
    options: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        col = len(raw) - len(raw.lstrip()) + 1
        key, _, value = line.partition(" ")
        key = key.lstrip("-")
        value = value.strip()
        if key in MODEL_KEYS:
            if not value:
                raise MemcheckError(f"'{key}' needs a file name", source, lineno, col)
            parts[MODEL_KEYS[key]] = value
        elif key == "variant":
            variants += [v.strip() for v in value.split(",") if v.strip()]
        elif key in PICTURE_OPTIONS:
            continue
        elif key in HONOURED:
            options[key] = value
        else:
            raise MemcheckError(f"herd7 option '{key}' is not supported by memcheck", source,
                                lineno, col)
    return HerdConfig(source, parts.get("model"), parts.get("bell"), parts.get("macros"),
                      tuple(variants), options)


def read_cfg(path: str | Path) -> HerdConfig:
    """Parse the cfg file at `path`."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise MemcheckError(f"cannot read configuration: {getattr(e, 'strerror', e)}",
                            str(path)) from None
    return parse_cfg(text, str(path))


def find_file(name: str, dirs: list[Path], what: str, where: str = "") -> Path:
    """`name` as given when it is a path to a file, else the first folder of
    `dirs` holding it; an error naming the folders searched otherwise."""
    p = Path(name)
    if p.is_absolute() or p.is_file():
        if p.is_file():
            return p.resolve()
    else:
        for d in dirs:
            if (d / p).is_file():
                return (d / p).resolve()
    searched = ", ".join(str(d) for d in dirs) or "nowhere"
    raise MemcheckError(f"{what} '{name}' not found (searched: {searched})", where)
