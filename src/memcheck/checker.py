"""The checker: models compiled once, tests judged one after the other.

One Checker lives per process (the CLI makes it; corpus workers make their
own); it is the only place that knows where model files and lowering
tables come from.
"""
from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Optional

import z3

from .cat.evaluate import Evaluator
from .cat.parse import load_model
from .engine.judge import Judgement, judge_program
from .errors import MemcheckError
from .litmus import ast as A
from .litmus.parse_c import parse_c_litmus
from .litmus.print_c import format_prop
from .lower.c_walk import lower_c
from .lower.hardware import ARCHITECTURES, HardwareTarget
from .lower.lkmm import LkmmTarget
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
    name: str
    file: str
    lowering: str
    description: str
    arch: str = ""  # assembly dialect judged ("X86", "AArch64", "PPC", "any"); "" = C only
    variants: tuple[str, ...] = ()  # cat `if "variant"` switches the model runs with


def model_index(directory: Optional[Path] = None) -> dict[str, ModelSpec]:
    directory = directory or models_dir()
    data = tomllib.loads((directory / "index.toml").read_text())
    return {name: ModelSpec(name, d["file"], d["lowering"], d.get("description", ""), d.get("arch", ""),
                            tuple(d.get("variants", ())))
            for name, d in data.items()}


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


@dataclass
class Checker:
    """Compiled models and the lowering targets, kept for the process."""
    directory: Path = field(default_factory=models_dir)
    _evaluators: dict[str, Evaluator] = field(default_factory=dict)
    _index: Optional[dict[str, ModelSpec]] = None
    _z3: Optional[z3.Context] = None
    _targets: dict = field(default_factory=dict)
    atomics: str = "lse"       # arm64 atomics: 'lse' or 'llsc'
    kernel: str = "current"    # kernel generation of the lowerings: 'current' or '4.14'

    @property
    def index(self) -> dict[str, ModelSpec]:
        if self._index is None:
            self._index = model_index(self.directory)
        return self._index

    def model_names(self, spec: str) -> list[str]:
        """`lkmm,x86` or `all` -> model names, checked."""
        names = list(self.index) if spec == "all" else [s.strip() for s in spec.split(",") if s.strip()]
        for n in names:
            if n not in self.index:
                raise MemcheckError(f"unknown model '{n}' (known: {', '.join(self.index)})")
        return names

    def evaluator(self, name: str) -> Evaluator:
        ev = self._evaluators.get(name)
        if ev is None:
            spec = self.index[name]
            model = load_model(str(self.directory / spec.file), [str(self.directory)])
            ev = self._evaluators[name] = Evaluator(model, frozenset(spec.variants))
        return ev

    def target(self, lowering: str):
        """The lowering of C primitives for a model: the LKMM's events, or
        the instructions an architecture's kernel compiles them to (tables
        read once per checker)."""
        target = self._targets.get(lowering)
        if target is None:
            if lowering == "lkmm":
                target = LkmmTarget.default()
            elif lowering in ARCHITECTURES:
                target = HardwareTarget.for_arch(lowering, self.lowering_variant(lowering))
            else:
                raise MemcheckError(f"unknown lowering '{lowering}'")
            self._targets[lowering] = target
        return target

    def lowering_variant(self, arch: str) -> str:
        """Which variant of an architecture's table the options select."""
        if self.kernel == "4.14" and arch in ("arm64", "power"):
            return "4.14"
        if self.atomics == "llsc" and arch == "arm64":
            return "llsc"
        return ""

    def judge(self, test: A.Test, model: str, timeout: Optional[float] = None,
              verdict_only: bool = False, max_executions: Optional[int] = None,
              states_only: bool = False) -> Judgement:
        """herd7's result for `test` under `model`; with `states_only`, the
        final states without witness counts; with `verdict_only` (or past
        `max_executions` allowed executions) the verdict and flags, decided
        without enumerating executions."""
        if isinstance(test, AsmTest):
            return self.judge_asm(test, model, timeout, verdict_only, max_executions, states_only)
        spec = self.index[model]
        program = lower_c(test, self.target(spec.lowering))
        return self._judge_program(test, program, self.evaluator(model), model, timeout, verdict_only,
                                   max_executions, states_only)

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
        spec = self.index[model]
        if spec.arch in (test.arch, "any"):
            return model
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
            spec = self.index[n]
            if spec.arch in (test.arch, "any", ""):
                m = self.asm_model(test, n)
                if m not in out:
                    out.append(m)
        return out

    def judge_asm(self, test: AsmTest, model: str, timeout: Optional[float] = None,
                  verdict_only: bool = False, max_executions: Optional[int] = None,
                  states_only: bool = False) -> Judgement:
        """Judge an X86, AArch64 or PPC test: lower its instructions directly."""
        model = self.asm_model(test, model)
        return self._judge_program(test, lower_asm(test), self.asm_evaluator(model), model,
                                   timeout, verdict_only, max_executions, states_only)

    def asm_evaluator(self, name: str) -> Evaluator:
        """A model as it judges assembly tests: with its cat variant "asm"
        set (herd7's reading of an instruction's events, where a model
        differs for them; see x86tso.cat)."""
        key = name + "+asm"
        ev = self._evaluators.get(key)
        if ev is None:
            spec = self.index[name]
            model = load_model(str(self.directory / spec.file), [str(self.directory)])
            ev = self._evaluators[key] = Evaluator(model, frozenset(spec.variants) | {"asm"})
        return ev
