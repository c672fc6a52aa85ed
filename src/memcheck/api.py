"""memcheck as a Python library: judge, advise barriers for, lower and parse a
litmus test given as a path or as its text.

The one implementation under the command line, the web server and notebooks:
each command and each HTTP endpoint is a call of a `Session` method.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

from .checker import ATOMICS, KERNELS, MAX_EXECUTIONS, Checker, parse_test_text, read_test
from .errors import MemcheckError
from .litmus import ast as A
from .litmus.asm_ast import ARCHS as ASM_ARCHS, AsmTest
from .lower.hardware import ARCHITECTURES
from .lower.loops import LoopOptions

#: What a test may be given as: a path, its text, or an already parsed test.
TestInput = Union[str, os.PathLike, bytes, A.Test, AsmTest]
#: Models: a name, `"all"`, a comma-separated list, or a sequence of those.
ModelsInput = Union[str, Sequence[str]]

MODES = ("full", "states-only", "verdict-only")
ARCHES = ARCHITECTURES


class TimedOut(MemcheckError):
    """The time allowed ran out (the other models of a run are still judged)."""


def is_test_text(test: str) -> bool:
    """A string is a test's text (not a path) when it spans lines, starts
    with a test kind (`C`, `X86`, `AArch64`, `PPC`) or is blank."""
    words = test.split(None, 1)
    return "\n" in test or not words or words[0] in ("C",) + tuple(ASM_ARCHS)


def parse(test: TestInput) -> A.Test | AsmTest:
    """The syntax tree of a test given as a path, its text or bytes (a parsed
    test is returned as it is); bad input raises MemcheckError at `line:col`."""
    if isinstance(test, (A.Test, AsmTest)):
        return test
    if isinstance(test, bytes):
        return parse_test_text(test, "")
    if isinstance(test, str) and is_test_text(test):
        return parse_test_text(test.encode("utf-8"), "")
    return read_test(Path(test))


@dataclass
class Result:
    """One test judged under one model: herd7's verdict and final states, or
    why the model could not judge it (`error`)."""
    model: str
    name: str = ""
    file: str = ""
    verdict: Optional[str] = None  # "Never", "Sometimes" or "Always"; None with an error
    positive: int = 0
    negative: int = 0
    states: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    condition: str = ""
    seconds: float = 0.0
    exhaustive: bool = True
    loop_limit: bool = False  # herd7's `Loop`: an execution needed more iterations than `unroll`
    error: Optional[str] = None  # `file:line:col: message`
    exception: Optional[MemcheckError] = field(default=None, repr=False, compare=False)
    cause: Optional[MemcheckError] = field(default=None, repr=False, compare=False)  # without the model's name
    outcome: Any = field(default=None, repr=False, compare=False)  # the engine's Verdict
    _graph: Optional[Callable[[Optional[float]], Any]] = field(default=None, repr=False, compare=False)
    _graph_cache: Any = field(default=None, repr=False, compare=False)
    _svg_cache: Optional[str] = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """The model judged the test."""
        return self.error is None

    @property
    def timed_out(self) -> bool:
        return isinstance(self.exception, TimedOut)

    def to_json(self) -> dict[str, Any]:
        """The object `memcheck run --json` prints."""
        from .report.json_out import error_record, verdict_record
        if self.outcome is None:
            return error_record(self.file, self.error or "")
        return verdict_record(self.outcome)

    def text(self) -> str:
        """herd7's result block."""
        from .report.herd_text import format_verdict
        return format_verdict(self.outcome) if self.outcome is not None else (self.error or "")

    def graph(self, timeout: Optional[float] = None):
        """The witness graph (report.graph.WitnessGraph): an execution reaching
        the condition, or a forbidden one and its broken axiom."""
        if self._graph_cache is None:
            if self._graph is None:
                raise MemcheckError(f"no graph: {self.error}" if self.error else "no graph", self.file)
            self._graph_cache = self._graph(timeout)
        return self._graph_cache

    def svg(self, timeout: Optional[float] = None) -> str:
        """The witness graph as SVG."""
        if self._svg_cache is None:
            from .report.svg import render_svg
            self._svg_cache = render_svg(self.graph(timeout))
        return self._svg_cache

    def explain(self, timeout: Optional[float] = None) -> str:
        """The witness in a few lines of text (`memcheck explain`)."""
        from .report.explain_text import explain_text
        return explain_text(self.graph(timeout))

    def _repr_svg_(self) -> Optional[str]:
        return self.svg() if self.ok else None

    def _repr_html_(self) -> str:
        from .report.html_view import results_html
        return results_html([self], graphs=True)


class Results(list):
    """The results of one test, a Result per model (a list, shown as a table in a notebook)."""

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self]

    def text(self) -> str:
        """What `memcheck run` prints: herd7's block for one model, a table for several."""
        from .report.table import verdict_table
        verdicts = [r.outcome for r in self if r.outcome is not None]
        if len(verdicts) == 1:
            from .report.herd_text import format_verdict
            return format_verdict(verdicts[0])
        return verdict_table(verdicts) if verdicts else ""

    def _repr_html_(self) -> str:
        from .report.html_view import results_html
        return results_html(list(self), graphs=True)


@dataclass
class Fences:
    """The barrier advisor's answer (`memcheck fences`)."""
    advice: Any  # fences.advisor.Advice

    def to_json(self) -> dict[str, Any]:
        """The object `memcheck fences --json` prints."""
        from .fences.report import advice_record
        return advice_record(self.advice)

    def text(self) -> str:
        from .fences.report import advice_text
        return advice_text(self.advice)

    def diff(self) -> str:
        """The test with the portable fix made, diff-style ("" when none is needed or found)."""
        from .fences.report import diff_text
        return diff_text(self.advice)

    def fixed(self) -> Optional[str]:
        """The text of the test with the portable fix made (None when nothing forbids the outcome)."""
        from .fences.verify import fixed_text
        p = self.advice.portable
        return None if p is None else fixed_text(self.advice.test, p.changes)

    def _repr_html_(self) -> str:
        from html import escape
        return f"<pre>{escape(self.text())}</pre>"


@dataclass(frozen=True)
class Lowered:
    """A C test compiled to an architecture's assembly litmus test (`memcheck lower`)."""
    arch: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"arch": self.arch, "text": self.text}

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ModelInfo:
    """A built-in model: its name, what it is, the assembly it judges ("" for C only)."""
    name: str
    description: str
    arch: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "description": self.description, "arch": self.arch}


@dataclass
class Session:
    """The models compiled once and the lowering options, for many calls.

    `atomics` ('amo', also 'lse', or 'llsc') and `kernel` ('current', '6.6' or '4.14') choose how
    C primitives compile for the hardware models; `libdirs` are searched for
    the files a model file names (herd7's -I); loop bodies run at most
    `unroll` times (herd7's -unroll), await loops judged without a bound
    unless `unroll_awaits`; `arch` names the architecture of a model file
    that does not (x86, aarch64, ppc, riscv), `variants` are herd7's
    -variant for model files."""
    atomics: str = "amo"
    kernel: str = "current"
    libdirs: tuple[str, ...] = ()
    unroll: int = 2
    unroll_awaits: bool = False
    arch: str = ""
    variants: tuple[str, ...] = ()
    checker: Checker = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from .checker import arch_dialect
        if self.atomics not in ATOMICS:
            raise MemcheckError(f"unknown atomics '{self.atomics}' ({', '.join(ATOMICS)})")
        if self.kernel not in KERNELS:
            raise MemcheckError(f"unknown kernel '{self.kernel}' ({', '.join(KERNELS)})")
        if self.unroll < 0:
            raise MemcheckError(f"unroll must be 0 or more, not {self.unroll}")
        if self.arch:
            arch_dialect(self.arch)
        self.checker = Checker(atomics=self.atomics, kernel=self.kernel, libdirs=tuple(self.libdirs),
                               loops=LoopOptions(self.unroll, exact_awaits=not self.unroll_awaits),
                               arch=self.arch, variants=tuple(self.variants))

    def model_names(self, models: ModelsInput) -> list[str]:
        """Model names, checked: 'all', 'lkmm,x86', a model file's path, or a sequence of those."""
        specs = [models] if isinstance(models, str) else list(models)
        names: list[str] = []
        for s in specs:
            names += [n for n in self.checker.model_names(s) if n not in names]
        if not names:
            raise MemcheckError("no model given")
        return names

    def models(self) -> list[ModelInfo]:
        """The built-in models."""
        return [ModelInfo(n, s.description, s.arch) for n, s in self.checker.index.items()]

    def warm(self, models: ModelsInput = "all") -> None:
        """Compile the models now rather than at the first test."""
        for m in self.model_names(models):
            self.checker.evaluator(m)

    def judge_each(self, test: TestInput, models: ModelsInput = ("lkmm",), mode: str = "full",
                   timeout: Optional[float] = None,
                   max_executions: Optional[int] = MAX_EXECUTIONS) -> Iterator[Result]:
        """One Result per model judging `test`, as each is decided; a model
        that cannot judge it (or runs past `timeout` seconds) gives a Result
        whose `error` says why, and the next model is judged."""
        from .engine.enumerate import Timeout
        if mode not in MODES:
            raise MemcheckError(f"unknown mode '{mode}' ({', '.join(MODES)})")
        names = self.model_names(models)
        parsed = parse(test)
        file = parsed.source
        for m in self.checker.models_for(parsed, names):
            try:
                judgement = self.checker.judge(parsed, m, timeout, mode == "verdict-only",
                                               max_executions or None, mode == "states-only")
            except Timeout:
                e: MemcheckError = TimedOut(f"timed out after {timeout:g} s under model {m}", file, 0, 0)
                yield _failed(m, parsed, e, e)
                continue
            except MemcheckError as e:
                e.located(file)
                shown = MemcheckError(f"model {m}: {e.message}", e.file, e.line, e.col) if len(names) > 1 else e
                yield _failed(m, parsed, shown, e)
                continue
            yield _judged(judgement, parsed, self._grapher(parsed, judgement))

    def judge(self, test: TestInput, models: ModelsInput = ("lkmm",), mode: str = "full",
              timeout: Optional[float] = None, max_executions: Optional[int] = MAX_EXECUTIONS) -> Results:
        """Every model's Result for `test` (see judge_each)."""
        return Results(self.judge_each(test, models, mode, timeout, max_executions))

    def _grapher(self, test, judgement) -> Callable[[Optional[float]], Any]:
        def graph(timeout: Optional[float]):
            from .engine.enumerate import Timeout
            from .report.witness_files import witness_graph
            try:
                return witness_graph(test, judgement, self.checker.evaluator(judgement.verdict.model), timeout)
            except Timeout:
                raise TimedOut(f"timed out after {timeout:g} s under model {judgement.verdict.model}",
                               test.source, 0, 0) from None
        return graph

    def fences(self, test: TestInput, models: Optional[ModelsInput] = None, costs: Optional[str] = None,
               max_fixes: int = 8, timeout: Optional[float] = None) -> Fences:
        """The cheapest barriers forbidding the test's exists outcome, per
        model (lkmm and every hardware model by default) and for all at once."""
        from .engine.enumerate import Timeout
        from .fences.advisor import advise_file
        parsed = parse(test)
        if not isinstance(parsed, A.Test):
            raise MemcheckError("the barrier advisor takes C litmus tests", parsed.source, 1, 1)
        spec = models if models is None or isinstance(models, str) else ",".join(models)
        try:
            return Fences(advise_file(self.checker, parsed, spec, costs, max_fixes, timeout))
        except Timeout:
            raise TimedOut(f"timed out after {timeout:g} s" if timeout else "the solver gave up",
                           parsed.source, 0, 0) from None
        except MemcheckError as e:
            raise e.located(parsed.source)

    def lower(self, test: TestInput, arch: str) -> Lowered:
        """A C test as herd7's X86, AArch64, PPC or RISCV test (arch: x86, arm64, power, riscv)."""
        from .litmus.parse_asm import format_asm_litmus
        from .lower.to_asm import lower_to_asm
        if arch not in ARCHES:
            raise MemcheckError(f"unknown architecture '{arch}' ({', '.join(ARCHES)})")
        parsed = parse(test)
        if isinstance(parsed, AsmTest):
            raise MemcheckError("already an assembly test", parsed.source, 1, 1)
        try:
            asm = lower_to_asm(parsed, arch, self.checker.lowering_variant(arch)).test
            return Lowered(arch, format_asm_litmus(asm))
        except MemcheckError as e:
            raise e.located(parsed.source)


def _failed(model: str, test, shown: MemcheckError, cause: MemcheckError) -> Result:
    return Result(model, test.name, test.source, error=str(shown), exception=shown, cause=cause)


def _judged(judgement, test, grapher) -> Result:
    from .report.json_out import verdict_record
    rec = verdict_record(judgement.verdict)
    return Result(rec["model"], rec["name"], rec["file"], rec["verdict"], rec["positive"], rec["negative"],
                  rec["states"], rec["flags"], rec["condition"], judgement.verdict.seconds,
                  rec["exhaustive"], rec["loop_limit"], outcome=judgement.verdict, _graph=grapher)


@lru_cache(maxsize=8)
def session(atomics: str = "amo", kernel: str = "current", libdirs: tuple[str, ...] = (),
            unroll: int = 2, unroll_awaits: bool = False, arch: str = "",
            variants: tuple[str, ...] = ()) -> Session:
    """The process's Session for these options (the module functions use it)."""
    return Session(atomics, kernel, tuple(libdirs), unroll, unroll_awaits, arch, tuple(variants))


def judge(test: TestInput, models: ModelsInput = ("lkmm",), mode: str = "full",
          timeout: Optional[float] = None, *, max_executions: Optional[int] = MAX_EXECUTIONS,
          atomics: str = "amo", kernel: str = "current", libdirs: Iterable[str] = (),
          unroll: int = 2, unroll_awaits: bool = False, arch: str = "",
          variants: Iterable[str] = ()) -> Results:
    """Judge `test` (a path or its text) under each model: a Result per model.

    mode: "full" (herd7's listing), "states-only" (every final state, no
    counts) or "verdict-only" (the verdict and flags without enumerating);
    timeout: seconds per model; unroll: herd7's -unroll for loops; `arch`,
    `variants`: for model files (herd7's architecture models, as `memcheck
    run --arch`, `--variant`)."""
    return session(atomics, kernel, tuple(libdirs), unroll, unroll_awaits, arch, tuple(variants)).judge(
        test, models, mode, timeout, max_executions)


def fences(test: TestInput, models: Optional[ModelsInput] = None, *, costs: Optional[str] = None,
           max_fixes: int = 8, timeout: Optional[float] = None, atomics: str = "amo",
           kernel: str = "current", libdirs: Iterable[str] = (), unroll: int = 2,
           unroll_awaits: bool = False) -> Fences:
    """Which barrier, where: the advisor's answer for a C test."""
    return session(atomics, kernel, tuple(libdirs), unroll, unroll_awaits).fences(
        test, models, costs, max_fixes, timeout)


def lower(test: TestInput, arch: str, *, atomics: str = "amo", kernel: str = "current") -> Lowered:
    """A C test compiled to `arch`'s (x86, arm64, power, riscv) assembly litmus test."""
    return session(atomics, kernel).lower(test, arch)


def models() -> list[ModelInfo]:
    """The built-in models."""
    return session().models()
