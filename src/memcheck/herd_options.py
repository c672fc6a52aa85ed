"""herd7's command line and configuration files, read as herd7 reads them.

`read_command_line` turns herd7's arguments into `HerdOptions`; a `-conf`
file is read where it appears, its lines being options without their dash,
so that options later on the command line override it, as in herd7.
Options that only style pictures are accepted and ignored; an option whose
value memcheck cannot honour and which could change what is printed is
refused by name (`Refused`); a malformed command line is a `UsageError`
(herd7 exits 2 for both).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .errors import MemcheckError

# herd7's C default, the only value memcheck honours (it judges loop-free tests)
UNROLL = 2
SHOW_TAGS = ("prop", "all", "neg", "cond", "none", "wit")
SPEEDCHECK_TAGS = ("false", "true", "fast")


class UsageError(Exception):
    """A malformed command line: unknown option, missing or bad argument."""


class Refused(Exception):
    """An option memcheck cannot honour with the value given."""

    def __init__(self, option: str, value: Optional[str], why: str):
        shown = f"-{option}" + (f" {value}" if value is not None else "")
        super().__init__(f"option {shown} is not supported by memcheck: {why}")


class FileNotFound(Exception):
    """A configuration, model, bell or macros file found in no folder searched."""


@dataclass(frozen=True)
class FileRef:
    """A file name as herd7 was given it, with the folder of the cfg that
    named it (searched first by memcheck; None on the command line)."""
    name: str
    origin: Optional[str] = None


@dataclass
class HerdOptions:
    """What herd7's command line (and the cfg files it read) asks for."""
    files: list[str] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)  # -I folders, in order ("+d": d in the library)
    libdir: Optional[str] = None  # -set-libdir
    model: Optional[FileRef] = None
    bell: Optional[FileRef] = None
    macros: Optional[FileRef] = None
    variants: list[str] = field(default_factory=list)
    configs: list[str] = field(default_factory=list)  # the cfg files read, in order
    unroll: int = UNROLL
    timeout: Optional[float] = None
    speedcheck: str = "false"
    show: str = "none"  # a tag of SHOW_TAGS, or "flag:NAME" (-showflag)
    nshow: Optional[int] = None
    outputdir: Optional[str] = None  # -o
    suffix: str = ""
    verbose: int = 0
    exit_on_error: bool = False  # -exit true
    action: str = ""  # "version", "libdir" or "help": print it and exit

    def check(self) -> None:
        """Refuse combinations memcheck cannot reproduce (known once all options are read)."""
        if self.nshow is not None and self.show != "none":
            raise Refused("nshow", str(self.nshow),
                          f"with -show {self.show}, herd7 stops listing executions after that many "
                          "pictures, at a point that depends on its enumeration order")
        if self.outputdir is not None and self.show not in ("none", "prop"):
            raise Refused("show", self.show.replace("flag:", "flag "),
                          "with -o, memcheck draws only an execution satisfying the condition's "
                          "proposition (-show prop) or nothing (-show none)")


# ------------------------------------------------------------ argument kinds

def _bool(option: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise UsageError(f"wrong argument '{value}'; option '-{option}' expects a boolean.")
    return value == "true"


def _int(option: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"wrong argument '{value}'; option '-{option}' expects an integer.") from None


def _float(option: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"wrong argument '{value}'; option '-{option}' expects a float.") from None


def _tag(tags: tuple[str, ...]) -> Callable[[str, str], str]:
    def check(option: str, value: str) -> str:
        if value.lower() not in tags:
            raise UsageError(f"bad tag for -{option}, allowed tag are {','.join(tags)}.")
        return value.lower()
    return check


def _or_none(kind: Callable[[str, str], object]) -> Callable[[str, str], object]:
    def check(option: str, value: str) -> object:
        return None if value == "none" else kind(option, value)
    return check


def _string(option: str, value: str) -> str:
    return value


Kind = Callable[[str, str], object]
INT_OPT, FLOAT_OPT = _or_none(_int), _or_none(_float)

# Options that style pictures or diagnostics only: accepted, checked, ignored.
IGNORED: dict[str, Kind] = {
    "view": _tag(("gv", "evince", "preview")), "graph": _tag(("free", "cluster", "columns")),
    "dotmode": _tag(("plain", "fig")), "dotcom": _tag(("dot", "neato", "circo")),
    "showevents": _tag(("all", "mem", "noregs", "memf")), "optace": _tag(("false", "true", "iico")),
    **{name: _bool for name in (
        "mono", "showthread", "edgemerge", "labelinit", "showlegend", "showkind", "shortlegend",
        "squished", "fixedsize", "showobserved", "brackets", "texmacros", "tikz", "showpo",
        "showinitrf", "showfinalrf", "oneinit", "showinitwrites", "relabel", "withbox", "labelbox",
        "movelabel", "morefences")},
    **{name: _float for name in ("scale", "xscale", "yscale", "dsiy", "siwidth", "ptscale", "boxscale",
                                 "extrachars", "threadposy")},
    **{name: FLOAT_OPT for name in ("margin", "pad", "penwidth", "arrowsize")},
    "fontsize": INT_OPT, "edgefontsizedelta": _int,
    **{name: _string for name in (
        "shift", "initrfpos", "finalrfpos", "initpos", "doshow", "unshow", "symetric", "noid", "showraw",
        "classes", "splines", "sep", "fontname", "edgeattr", "overlap", "dotheader", "cycles", "debug")},
}

# Options whose default memcheck honours and nothing else: option -> (kind, accepted values, why not others).
DEFAULT_ONLY: dict[str, tuple[Kind, tuple, str]] = {
    "through": (_tag(("all", "invalid", "none")), ("none",),
                "it lets executions the model forbids through"),
    "throughflag": (_string, ("none",), "it keeps only executions raising a flag"),
    "skipchecks": (_string, ("",), "skipping a model's checks changes the verdict"),
    "badflag": (_string, ("none",), "it drops the output of tests with flagged executions"),
    "checkfilter": (_bool, (True,), "memcheck always applies a test's filter"),
    "archcheck": (_bool, (True,), "memcheck judges a test under a model of its own architecture"),
    "machsize": (_tag(("auto", "byte", "short", "word", "quad", "s128")), ("auto",),
                 "memcheck has no mixed-size accesses"),
    "hexa": (_bool, (False,), "memcheck prints values in decimal"),
    "candidates": (_bool, (False,), "memcheck does not count herd7's candidates"),
    "restrict": (_tag(("observed", "nonambiguous", "condone", "none")), ("none",),
                 "it drops the output of some tests"),
    "outcomereads": (_bool, (False,), "memcheck's final states hold the observed locations only"),
    "maxphantom": (INT_OPT, (None,), "memcheck has no phantom updates"),
    "statelessrc11": (_bool, (False,), "memcheck has no stateless RC11 checking"),
    "dumpallfaults": (_bool, (False,), "memcheck has no faults"),
    "dumpes": (_bool, (False,), "memcheck does not dump event structures"),
}

# Options memcheck refuses whatever their value.
REFUSED: dict[str, str] = {
    "skipcheck": "skipping a model's check changes the verdict",
    "endian": "memcheck has no mixed-size accesses",
    "initwrites": "memcheck always represents initial writes as herd7 does by default",
    "names": "memcheck does not select tests by name", "excl": "memcheck does not select tests by name",
    "rename": "memcheck does not rename tests", "kinds": "memcheck does not read kind files",
    "conds": "memcheck does not read condition files",
}

# Options without an argument.
UNIT = frozenset({"version", "libdir", "v", "q", "gv", "evince", "preview", "switch", "web", "c11",
                  "help", "-help"})


def _is_implicit(name: str) -> bool:
    """herd7's Filename.is_implicit: neither absolute nor ./ or ../ relative."""
    return not (name.startswith("/") or name.startswith("./") or name.startswith("../"))


def library_dirs() -> list[Path]:
    """memcheck's own library, searched last (herd7's library folder)."""
    from .checker import library_dir, models_dir
    return [library_dir(models_dir()), models_dir()]


def search_dirs(o: HerdOptions, origin: Optional[str] = None) -> list[Path]:
    """Where a file named by an implicit path is searched: the folder of the
    cfg naming it (memcheck's addition), the current folder, the -I folders,
    the -set-libdir folder, then memcheck's own library."""
    lib = library_dirs()
    base = Path(o.libdir) if o.libdir else lib[0]
    dirs = [Path(origin)] if origin else []
    dirs.append(Path("."))
    dirs += [base / d[1:] if d.startswith("+") else Path(d) for d in o.includes]
    if o.libdir:
        dirs.append(Path(o.libdir))
    return list(dict.fromkeys(dirs + lib))


def find_file(o: HerdOptions, ref: FileRef) -> Path:
    """The file `ref` names, searched as herd7 searches its library files."""
    if not _is_implicit(ref.name):
        if Path(ref.name).is_file():
            return Path(ref.name).resolve()
        raise FileNotFound(f"Cannot find file {ref.name}")
    dirs = search_dirs(o, ref.origin)
    for d in dirs:
        if (d / ref.name).is_file():
            return (d / ref.name).resolve()
    raise FileNotFound(f"Cannot find file {ref.name} (searched: {', '.join(str(d) for d in dirs)})")


# ------------------------------------------------------------ the parser

CFG_LINE = re.compile(r"([A-Za-z]+)(?:[ \t\r]*=[ \t\r]*|[ \t\r]+)([^ \t\r\n].*?)[ \t\r]*$")


@dataclass
class _Reader:
    """Applies options, one at a time, to `o` (`origin`: the cfg's folder, or None)."""
    o: HerdOptions
    depth: int = 0

    def apply(self, name: str, value: Optional[str], origin: Optional[str] = None) -> None:
        """Apply option `name` (without its dash) with its argument."""
        o = self.o
        if name in IGNORED:
            IGNORED[name](name, value or "")
        elif name in DEFAULT_ONLY:
            kind, accepted, why = DEFAULT_ONLY[name]
            if kind(name, value or "") not in accepted:
                raise Refused(name, value, why)
        elif name in REFUSED:
            raise Refused(name, value, REFUSED[name])
        elif name in ("conf", "web", "c11"):
            self.read_cfg(FileRef(value if name == "conf" else f"{'web' if name == 'web' else 'cpp11'}.cfg",
                                  origin))
        elif name in ("model", "cat"):
            if not value.endswith(".cat") and value != "cav12" and not _builtin(value):
                raise UsageError(f"bad tag for -{name}, allowed tag are cav12,<filename>.cat.")
            if value == "cav12":
                raise Refused(name, value, "memcheck has no built-in CAV12 model")
            o.model = FileRef(value, origin)
        elif name == "bell":
            o.bell = FileRef(value, origin)
        elif name == "macros":
            o.macros = FileRef(value, origin)
        elif name == "variant":
            o.variants += [v for v in (s.strip() for s in value.split(",")) if v and v not in o.variants]
        elif name in ("I", "include"):
            o.includes.append(value)
        elif name == "set-libdir":
            o.libdir = value
        elif name == "unroll":
            o.unroll = _int(name, value)
            if o.unroll < 0:
                raise UsageError(f"wrong argument '{value}'; option '-unroll' expects a count (0 or more).")
        elif name == "timeout":
            o.timeout = FLOAT_OPT(name, value)
        elif name == "speedcheck":
            o.speedcheck = _tag(SPEEDCHECK_TAGS)(name, value)
        elif name == "show":
            o.show = _tag(SHOW_TAGS)(name, value)
        elif name == "showflag":
            o.show = f"flag:{value}"
        elif name == "nshow":
            o.nshow = _int(name, value)
        elif name == "showone":
            if _bool(name, value):
                o.nshow = 1
        elif name == "o":
            if value == "-":
                raise Refused(name, value, "memcheck does not print pictures on standard output")
            o.outputdir = value
        elif name == "suffix":
            o.suffix = value
        elif name in ("strictskip", "badexecs", "exit"):
            flag = _bool(name, value)
            if name == "exit":
                o.exit_on_error = flag
        elif name == "verbose":
            o.verbose = _int(name, value)
        elif name == "v":
            o.verbose = max(o.verbose, 0) + 1
        elif name == "q":
            o.verbose = -1
        elif name in ("version", "libdir", "help", "-help"):
            o.action = o.action or name.lstrip("-")
        elif name in ("gv", "evince", "preview"):
            pass
        elif name == "switch":
            raise Refused(name, None, "herd7's undocumented switch changes its semantics")
        else:
            raise UsageError(f"unknown option '-{name}'.")

    def read_cfg(self, ref: FileRef) -> None:
        """Read a cfg where -conf names it: each line `key value` (or
        `key = value`) is the option -key; `#` starts a comment line."""
        if self.depth > 16:
            raise UsageError(f"configuration files include each other: {ref.name}")
        path = find_file(self.o, ref)
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as e:
            raise MemcheckError(f"cannot read configuration: {getattr(e, 'strerror', None) or e}",
                                str(path)) from None
        self.o.configs.append(str(path))
        folder = str(path.parent)
        self.depth += 1
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            m = CFG_LINE.match(line)
            key = m.group(1) if m else line.split()[0]
            where = (str(path), lineno, 1)
            if m is None:
                raise MemcheckError(f"Unknown key in configuration file (a line is 'key value'): {line.strip()}",
                                    *where)
            if key in UNIT or not _known(key):
                raise MemcheckError(f"Unknown key '{key}' in configuration file", *where)
            try:
                self.apply(key, m.group(2), folder)
            except (UsageError, Refused, FileNotFound) as e:
                raise MemcheckError(str(e), *where) from None
        self.depth -= 1


def _builtin(name: str) -> bool:
    """A model memcheck knows by name (`-model lkmm`): memcheck's extension."""
    from .checker import model_index
    return name in model_index()


def _known(key: str) -> bool:
    """Is `key` an option herd7 takes (with an argument) or a cfg-only key?"""
    return key in IGNORED or key in DEFAULT_ONLY or key in REFUSED or key in {
        "conf", "model", "cat", "bell", "macros", "variant", "include", "unroll", "timeout", "speedcheck",
        "show", "showflag", "nshow", "suffix", "strictskip", "badexecs", "verbose"}


CFG_ONLY = frozenset({"include", "verbose"})  # keys of cfg files that are no command-line options
COMMAND_LINE_ONLY = frozenset({"I", "set-libdir", "o", "exit", "showone"})


def read_command_line(argv: list[str]) -> HerdOptions:
    """herd7's arguments as HerdOptions: options in order, test files
    anywhere among them."""
    o = HerdOptions()
    reader = _Reader(o)
    args = iter(argv)
    for arg in args:
        if not arg.startswith("-") or arg == "-":
            o.files.append(arg)
            continue
        name = arg[1:]
        if name in UNIT:
            reader.apply(name, None)
            if o.action:  # herd7 acts on -version, -libdir and -help as it reads them
                return o
            continue
        if name in CFG_ONLY or not (_known(name) or name in COMMAND_LINE_ONLY):
            raise UsageError(f"unknown option '{arg}'.")
        value = next(args, None)
        if value is None:
            raise UsageError(f"option '{arg}' needs an argument.")
        reader.apply(name, value)
    o.check()
    return o


USAGE = """Usage: memcheck herd7 [options] [test]*
herd7's command line, judged by memcheck.  Honoured: -conf -model/-cat -bell
-macros -variant -I -set-libdir -timeout -speedcheck -show -showflag -nshow
-showone -o -suffix -exit -v -q -version -libdir -unroll; picture options are
accepted and ignored; options memcheck cannot honour are refused by name.
Tests are named on the command line (or @FILE, a list of names), else read
from standard input, one name a line."""
