"""The checker: models compiled once, tests judged one after the other.

One Checker lives per process (the CLI makes it; corpus workers make their
own); it is the only place that knows where model files and lowering
tables come from.
"""
from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Optional

import z3

from .cat.evaluate import Evaluator
from .cat.parse import load_model
from .engine.judge import Judgement, judge_program
from .engine.outcome import loc_key, observed_locations, state_sort_key
from .errors import MemcheckError
from .litmus import ast as A
from .litmus.parse_c import parse_c_litmus
from .litmus.print_c import format_prop
from .lower.c_walk import lower_c
from .lower.hardware import ARCHITECTURES, HardwareTarget, arch_table, read_variant_file, table_variants
from .lower.lkmm import LkmmTarget
from .lower.loops import LoopOptions
from .litmus.asm_ast import ARCHS as ASM_ARCHS, AsmTest
from .litmus.parse_asm import parse_asm_litmus
from .lower.asm import lower_asm


# The command line's default: past this many allowed executions a listing of
# final states serves nobody, and the verdict is decided without it.
MAX_EXECUTIONS = 5000


def models_dir() -> Path:
    """The installed models/ folder."""
    return Path(str(resources.files("memcheck").joinpath("models")))


@dataclass(frozen=True)
class ModelSpec:
    """A model: its cat file, the bell and macros (.def) it comes with, the
    variants it runs with and where its includes are searched."""
    name: str
    file: str
    lowering: str
    description: str
    arch: str = ""  # assembly dialect judged ("X86", "AArch64", "PPC", "any"); "" = C only
    variants: tuple[str, ...] = ()  # cat `if "variant"` switches the model runs with
    macros: str = ""  # the .def giving kernel primitives their events ("": the default)
    bell: str = ""
    dirs: tuple[str, ...] = ()  # include folders, after the including file's own
    table: str = ""  # a .toml lowering variant the model's C tests are lowered through
    # "herd": an architecture's model read from a file, naming events as herd7
    # does (A, L, DMB.ISH, SYNC, MFENCE...: lower/herd_view.py); it judges its
    # architecture's assembly tests, and C tests through that architecture's
    # lowering printed as assembly (lower/to_asm.py)
    view: str = ""

    def sources(self) -> list[str]:
        """The files the model is read from (its cat, bell, macros and lowering variant)."""
        return [f for f in (self.file, self.bell, self.macros, self.table) if f]


def library_dir(directory: Path) -> Path:
    """Our own versions of herd's library files (cos.cat, cross.cat ...)."""
    return directory / "lib"


def model_index(directory: Optional[Path] = None) -> dict[str, ModelSpec]:
    directory = directory or models_dir()
    data = tomllib.loads((directory / "index.toml").read_text())
    dirs = (str(directory), str(library_dir(directory)))
    return {name: ModelSpec(name, str(directory / d["file"]), d["lowering"], d.get("description", ""),
                            d.get("arch", ""), tuple(d.get("variants", ())),
                            str(directory / d["def"]) if d.get("def") else "", "", dirs)
            for name, d in data.items()}


MODEL_FILE_SUFFIXES = (".cfg", ".cat", ".toml")  # herd7 configurations, cat models, lowering variants


def is_model_path(name: str) -> bool:
    """A model argument naming a file rather than a built-in model."""
    return name.endswith(MODEL_FILE_SUFFIXES) or "/" in name


def split_variant_name(name: str, index: dict[str, ModelSpec]) -> Optional[tuple[str, str]]:
    """`arm64/llsc` -> ("arm64", "llsc"): a built-in hardware model and a
    variant of its lowering table (several joined by '+'); None when `name`
    is not of that form (a path, for one)."""
    model, sep, variant = name.partition("/")
    spec = index.get(model)
    if (not sep or not variant or spec is None or spec.lowering not in ARCHITECTURES
            or name.endswith(MODEL_FILE_SUFFIXES) or "/" in variant):
        return None
    return model, variant


def variant_spec(name: str, base: ModelSpec, variant: str) -> ModelSpec:
    """The model `base` judged through its lowering's `variant` (`arm64/llsc`)."""
    variants = table_variants(base.lowering)
    for v in variant.split("+"):
        if v not in variants:
            known = ", ".join(f"{base.name}/{k}" for k in variants) or "none"
            raise MemcheckError(f"unknown model '{name}': no lowering variant '{v}' for {base.lowering} "
                                f"(known: {known})")
    description = "; ".join(variants[v] for v in variant.split("+"))
    return ModelSpec(name, base.file, f"{base.lowering}/{variant}", description or base.description,
                     base.arch, base.variants, base.macros, base.bell, base.dirs)


def variant_file_spec(name: str, index: dict[str, ModelSpec]) -> ModelSpec:
    """The model a .toml lowering variant names: its architecture's model,
    lowered through the file's table (the file is its lowering)."""
    found = read_variant_file(name)
    base = next((s for s in index.values() if s.lowering == found.arch), None)
    if base is None:
        raise MemcheckError(f"no model judges {found.arch}", name, 1, 1)
    return ModelSpec(name, base.file, f"file:{Path(name).resolve()}", found.description or base.description,
                     base.arch, base.variants, base.macros, base.bell, base.dirs, name)


# An architecture as the user names it (--arch, a model's header, its file
# name) -> the assembly dialect.
ARCH_NAMES = {"x86": "X86", "aarch64": "AArch64", "arm64": "AArch64", "ppc": "PPC", "power": "PPC",
              "riscv": "RISCV"}


def arch_dialect(name: str) -> str:
    """The assembly dialect an architecture name denotes (an error otherwise)."""
    d = ARCH_NAMES.get(name.lower())
    if d is None:
        raise MemcheckError(f"unknown architecture '{name}' (known: x86, aarch64 (arm64), ppc (power), riscv)")
    return d


def cat_arch(cat: Path, dirs: list[Path]) -> str:
    """The architecture a cat file is written for: named by its header
    (`PPC`, `X86 TSO`, `AArch64`, `RISCV "..."`), else by its file name
    (aarch64*.cat, ppc*.cat, x86*.cat, riscv*.cat); "" for neither."""
    try:
        header = load_model(cat, dirs).arch or ""
    except MemcheckError:
        header = ""
    if header.lower() in ARCH_NAMES:
        return ARCH_NAMES[header.lower()]
    stem = cat.name.lower()
    return next((dialect for prefix, dialect in ARCH_NAMES.items() if stem.startswith(prefix)), "")


def file_model(name: str, libdirs: tuple[str, ...], directory: Path,
               variants: tuple[str, ...] = (), macros: str = "", bell: str = "",
               arch: str = "") -> ModelSpec:
    """The model a herd7 .cfg or .cat file describes.  A cfg is read as
    `herd7 -conf` reads it (its own folder, the current one, the `libdirs`,
    then our library are searched for the files it names); the model's
    includes are searched in its folder, the `libdirs`, then our library.
    A model without a .def or bell whose architecture is known (`arch`, the
    cat's header or file name) is that architecture's, read the herd way."""
    path = Path(name)
    if not path.is_file():
        raise MemcheckError(f"model file not found: {name}", name)
    extra = [Path(d) for d in libdirs] + [library_dir(directory)]
    if path.suffix == ".cfg":
        from .herd_options import FileNotFound, Refused, UsageError, find_file, read_command_line
        try:
            o = read_command_line(["-conf", str(path)] + [a for d in libdirs for a in ("-I", d)])
            if o.model is None:
                raise UsageError("the configuration names no model (a 'model FILE.cat' line)")
            if o.speedcheck != "false":
                raise Refused("speedcheck", o.speedcheck, "give the cfg to `memcheck herd7` instead")
            cat = find_file(o, o.model)
            bell_path = find_file(o, o.bell) if o.bell else None
            def_path = find_file(o, o.macros) if o.macros else None
        except (FileNotFound, Refused, UsageError) as e:
            raise MemcheckError(str(e), name) from None
        if bell:
            bell_path = Path(bell).resolve()
        if macros:
            def_path = Path(macros).resolve()
        dirs = [path.resolve().parent] + extra
        variants = tuple(dict.fromkeys(tuple(o.variants) + variants))
    else:
        cat = path.resolve()
        dirs = [cat.parent] + extra
        bell_path = Path(bell).resolve() if bell else None
        def_path = Path(macros).resolve() if macros else None
    dialect = ""
    if not def_path and not bell_path:
        dialect = arch_dialect(arch) if arch else cat_arch(Path(cat), [Path(d) for d in dirs])
    elif arch:
        raise MemcheckError(f"--arch {arch}: the model {name} is a C model (it has a .def or bell)", name)
    if dialect:
        from .lower.asm import LOWERING
        lowering = LOWERING.get(dialect, dialect.lower())
        return ModelSpec(name, str(cat), lowering, f"herd7 model {name} ({dialect})", dialect, variants,
                         "", "", tuple(str(d) for d in dirs), view="herd")
    return ModelSpec(name, str(cat), "lkmm", f"herd7 model {name}", "", variants,
                     str(def_path or ""), str(bell_path or ""), tuple(str(d) for d in dirs))


def condition_text(c: A.Condition) -> str:
    text = format_prop(c.prop)
    return f"{c.quantifier} {text if text.startswith('(') and text.endswith(')') else '(' + text + ')'}"


def read_test(path: str | Path) -> A.Test | AsmTest:
    """Parse a litmus file; bad bytes and bad syntax become MemcheckError."""
    path = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise MemcheckError(f"cannot read: {e.strerror}", path, 0, 0) from None
    return parse_test_text(raw, path)


def parse_test_text(raw: bytes, source: str) -> A.Test | AsmTest:
    if b"\0" in raw:
        raise MemcheckError("binary file, not a litmus test", source, 1, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise MemcheckError("not UTF-8 text", source, line, 1) from None
    first = text.lstrip().split(None, 1)[0] if text.strip() else ""
    if first in ASM_ARCHS:
        return parse_asm_litmus(text, source)
    if first != "C":
        kinds = ", ".join(("C",) + tuple(ASM_ARCHS))
        raise MemcheckError(f"unsupported test kind '{first}': expected one of {kinds}"
                            if first else "empty file", source, 1, 1)
    return parse_c_litmus(text, source)


def make_lkmm_target(macros: str, variants: tuple[str, ...]):
    """The LKMM lowering driven by a .def file ("" = ours)."""
    if not macros:
        return LkmmTarget(LkmmTarget.default().macros, frozenset(variants))
    return LkmmTarget.from_def(macros, variants)


KERNELS = ("current", "6.6", "4.14")   # --kernel: generations of the lowerings
ATOMICS = ("amo", "lse", "llsc")        # --atomics: forms of read-modify-writes ('lse' = 'amo')


def _version(text: str) -> tuple[int, ...]:
    """`4.15` -> (4, 15), for comparing kernel generations."""
    return tuple(int(p) for p in text.split("."))


@dataclass
class Checker:
    """Compiled models and the lowering targets, kept for the process."""
    directory: Path = field(default_factory=models_dir)
    _evaluators: dict[str, Evaluator] = field(default_factory=dict)
    _index: Optional[dict[str, ModelSpec]] = None
    _z3: Optional[z3.Context] = None
    _targets: dict = field(default_factory=dict)
    atomics: str = "amo"       # read-modify-writes: 'amo' (also 'lse': single instructions) or 'llsc'
    kernel: str = "current"    # kernel generation of the lowerings: 'current', '6.6' or '4.14'
    libdirs: tuple[str, ...] = ()  # herd7's -I / --libdir folders for model files
    _files: dict[str, ModelSpec] = field(default_factory=dict)
    arch: str = ""                 # --arch: the architecture of model files that do not name one
    variants: tuple[str, ...] = ()  # --variant: herd7's -variant for model files
    loops: LoopOptions = field(default_factory=LoopOptions)  # --unroll N, await loops exact or unrolled

    @property
    def index(self) -> dict[str, ModelSpec]:
        if self._index is None:
            self._index = model_index(self.directory)
        return self._index

    def spec(self, name: str) -> ModelSpec:
        """The model `name` denotes: a built-in model, or a .cfg/.cat file."""
        found = self.index.get(name) or self._files.get(name)
        if found is not None:
            return found
        split = split_variant_name(name, self.index)
        if split is not None:
            found = self._files[name] = variant_spec(name, self.index[split[0]], split[1])
            return found
        if not is_model_path(name):
            raise MemcheckError(f"unknown model '{name}' (known: {', '.join(self.index)}, "
                                "ARCH/VARIANT for a variant of a lowering table, "
                                "or a path to a herd7 .cfg or .cat file or a .toml lowering variant)")
        if name.endswith(".toml"):
            found = self._files[name] = variant_file_spec(name, self.index)
        else:
            found = self._files[name] = file_model(name, self.libdirs, self.directory, self.variants,
                                                   arch=self.arch)
        return found

    def variant_names(self, model: str) -> list[str]:
        """`model`'s variants as model names (`arm64/llsc`, `arm64/4.14`), read from its lowering table."""
        spec = self.spec(model)
        if spec.lowering not in ARCHITECTURES:
            return []
        return [f"{model}/{v}" for v in table_variants(spec.lowering)]

    def herd_view_of(self, model: str, arch: str) -> str:
        """A model file naming no architecture, as herd7 runs it on an `arch`
        assembly test: with that architecture's events (registered as
        MODEL@ARCH)."""
        from .lower.asm import LOWERING
        name = f"{model}@{arch}"
        if name not in self._files:
            spec = self.spec(model)
            self._files[name] = replace(spec, name=name, lowering=LOWERING[arch], arch=arch, view="herd",
                                        description=f"{spec.description} ({arch})")
        return name

    def add_file_model(self, spec: ModelSpec) -> None:
        """Make a model built elsewhere (herd7's command line) known by its name."""
        self._files[spec.name] = spec

    def model_names(self, spec: str) -> list[str]:
        """`lkmm,x86`, `all` or paths to model files -> model names, checked."""
        names = list(self.index) if spec == "all" else [s.strip() for s in spec.split(",") if s.strip()]
        for n in names:
            self.spec(n)
        return names

    def model_identity(self, name: str) -> str:
        """What a model judges with, its lowering aside: two names with the same
        identity (`arm64`, `arm64/llsc`) judge the same program the same way."""
        spec = self.spec(name)
        return f"{spec.file}\0{spec.bell}\0{','.join(spec.variants)}"

    def evaluator(self, name: str) -> Evaluator:
        """The compiled model `name` judges with (once per cat file, bell and
        variants: `arm64/llsc` shares arm64's)."""
        spec = self.spec(name)
        key = self.model_identity(name)
        ev = self._evaluators.get(key)
        if ev is None:
            model = load_model(spec.file, list(spec.dirs), bell=spec.bell or None)
            ev = self._evaluators[key] = Evaluator(model, frozenset(spec.variants))
        return ev

    def target_for(self, model: str):
        """The lowering C tests take to reach `model`."""
        spec = self.spec(model)
        if spec.lowering == "lkmm":
            return self.lkmm_target(spec.macros, spec.variants)
        return self.target(spec.lowering)

    def lkmm_target(self, macros: str = "", variants: tuple[str, ...] = ()):
        """The LKMM events of the primitives a .def defines (ours by default)."""
        key = ("lkmm", macros, variants)
        target = self._targets.get(key)
        if target is None:
            target = self._targets[key] = make_lkmm_target(macros, variants)
        return target

    def target(self, lowering: str):
        """The lowering of C primitives for a model: the LKMM's events, or
        the instructions an architecture's kernel compiles them to (tables
        read once per checker)."""
        if lowering == "lkmm":
            return self.lkmm_target()
        target = self._targets.get(lowering)
        if target is None:
            arch, _, variant = lowering.partition("/")
            if lowering.startswith("file:"):
                target = HardwareTarget.from_file(read_variant_file(lowering[len("file:"):]))
            elif arch in ARCHITECTURES:
                target = HardwareTarget.for_arch(arch, variant or self.lowering_variant(arch))
            else:
                raise MemcheckError(f"unknown lowering '{lowering}'")
            self._targets[lowering] = target
        return target

    def lowering_variant(self, arch: str) -> str:
        """Which variants of an architecture's table the options select, joined
        by '+': `--atomics llsc` the table's `llsc` variant, `--kernel` a
        generation the variant of that name; a table without such a variant
        lowers the same in every generation (or form), except a generation
        older than the port (the table's `merged`)."""
        table = arch_table(arch)
        merged = table.get("merged")
        if merged and self.kernel != "current" and _version(self.kernel) < _version(merged):
            known = ", ".join(k for k in KERNELS if k == "current" or _version(k) >= _version(merged))
            raise MemcheckError(f"no {arch} lowering for kernel {self.kernel}: the port was merged in "
                                f"v{merged} (--kernel {known})")
        variants = table.get("variants", {})
        wanted = ("llsc" if self.atomics == "llsc" else "", "" if self.kernel == "current" else self.kernel)
        return "+".join(v for v in wanted if v and v in variants)

    def judge(self, test: A.Test, model: str, timeout: Optional[float] = None,
              verdict_only: bool = False, max_executions: Optional[int] = None,
              states_only: bool = False) -> Judgement:
        """herd7's result for `test` under `model`; with `states_only`, the
        final states without witness counts; with `verdict_only` (or past
        `max_executions` allowed executions) the verdict and flags, decided
        without enumerating executions."""
        if isinstance(test, AsmTest):
            return self.judge_asm(test, model, timeout, verdict_only, max_executions, states_only)
        if self.spec(model).view == "herd":
            return self.judge_lowered(test, model, timeout, verdict_only, max_executions, states_only)
        program = self.lower(test, model)
        return self._judge_program(test, program, self.evaluator(model), model, timeout, verdict_only,
                                   max_executions, states_only)

    def lower(self, test: A.Test, model: str):
        """The event program of C test `test` for `model`, loops as the checker's options say."""
        return lower_c(test, self.target_for(model), loops=self.loops)

    def _judge_program(self, test, program, evaluator: Evaluator, model: str, timeout: Optional[float],
                       verdict_only: bool, max_executions: Optional[int], states_only: bool) -> Judgement:
        deadline = time.monotonic() + timeout if timeout else None
        if self._z3 is None:
            self._z3 = z3.Context()
        return judge_program(test, program, evaluator, model, condition_text(test.condition), deadline,
                             self._z3, verdict_only, max_executions, states_only)

    def asm_model(self, test: AsmTest, model: str) -> str:
        """The model an assembly test is judged under: `model` when it judges
        the test's architecture, the architecture's own model when `model`
        is a C-only model (such as the default, lkmm)."""
        spec = self.spec(model)
        if spec.arch in (test.arch, "any"):
            return model
        if model in self._files and not spec.arch and not spec.macros and not spec.bell:
            return self.herd_view_of(model, test.arch)
        if spec.view == "herd":
            raise MemcheckError(f"model '{model}' judges {spec.arch} tests, not {test.arch}",
                                test.source, 1, 1)
        if not spec.arch:
            for name, s in self.index.items():
                if s.arch == test.arch:
                    return name
        raise MemcheckError(f"model '{model}' does not judge {test.arch} tests", test.source, 1, 1)

    def models_for(self, test: A.Test | AsmTest, names: list[str]) -> list[str]:
        """The models of `names` that judge `test`: for an assembly test, the
        ones judging its architecture (a C-only model becomes the
        architecture's own), each once; a C test keeps them all."""
        if not isinstance(test, AsmTest):
            return names
        out: list[str] = []
        for n in names:
            spec = self.spec(n)
            if spec.view == "herd":  # judging, it says whether it judges the test's architecture
                if n not in out:
                    out.append(n)
                continue
            if spec.arch in (test.arch, "any", ""):
                m = self.asm_model(test, n)
                if m not in out:
                    out.append(m)
        return out

    def judge_asm(self, test: AsmTest, model: str, timeout: Optional[float] = None,
                  verdict_only: bool = False, max_executions: Optional[int] = None,
                  states_only: bool = False) -> Judgement:
        """Judge an X86, AArch64, PPC or RISCV test: lower its instructions directly."""
        model = self.asm_model(test, model)
        if self.spec(model).view == "herd":
            evaluator = self.evaluator(model)
            program = lower_asm(test, self.herd_names(model), registers=evaluator.model.catdep)
            return self._judge_program(test, program, evaluator, model, timeout, verdict_only,
                                       max_executions, states_only)
        return self._judge_program(test, lower_asm(test), self.asm_evaluator(model), model,
                                   timeout, verdict_only, max_executions, states_only)

    def herd_names(self, model: str):
        """How a herd-view model names its architecture's events (refusing
        the herd variants that would change them)."""
        from .lower.herd_view import herd_names
        spec = self.spec(model)
        names = herd_names(spec.arch)
        refused = [v for v in spec.variants if v.lower() in names.semantic_variants]
        if refused:
            raise MemcheckError(f"variant '{refused[0]}' changes the events herd7's semantics make "
                                f"for {spec.arch}; memcheck does not make those events", spec.file)
        return names

    def judge_lowered(self, test: A.Test, model: str, timeout: Optional[float] = None,
                      verdict_only: bool = False, max_executions: Optional[int] = None,
                      states_only: bool = False) -> Judgement:
        """A C test under an architecture's herd model: its lowering to that
        architecture's assembly (what `memcheck lower` prints), judged as an
        assembly test, the final states spoken of in the C test's registers."""
        from .lower.to_asm import lower_to_asm
        spec = self.spec(model)
        lowered = lower_to_asm(test, spec.lowering, self.lowering_variant(spec.lowering))
        j = self.judge_asm(lowered.test, model, timeout, verdict_only, max_executions, states_only)
        back = {f"{t}:{reg}": f"{t}:{c}" for (t, c), reg in lowered.registers.items()}
        v = j.verdict
        order = {loc_key(loc): i for i, loc in enumerate(observed_locations(test))}

        def in_c_terms(st) -> tuple:   # the C test's names, in the order it shows them
            named = ((back.get(k, k), x) for k, x in st)
            return tuple(sorted(named, key=lambda kx: order.get(kx[0], len(order))))
        v.states = sorted((in_c_terms(st) for st in v.states), key=state_sort_key)
        v.condition = condition_text(test.condition)
        v.name, v.file = test.name, test.source
        return j

    def asm_evaluator(self, name: str) -> Evaluator:
        """A model as it judges assembly tests: with its cat variant "asm"
        set (herd7's reading of an instruction's events, where a model
        differs for them; see x86tso.cat)."""
        key = name + "+asm"
        ev = self._evaluators.get(key)
        if ev is None:
            spec = self.spec(name)
            model = load_model(spec.file, list(spec.dirs), bell=spec.bell or None)
            ev = self._evaluators[key] = Evaluator(model, frozenset(spec.variants) | {"asm"})
        return ev
