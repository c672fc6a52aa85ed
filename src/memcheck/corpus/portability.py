"""Portability classes: does the LKMM allow every final state an architecture allows?

Pure functions over judged results: one Column per model (a verdict and the
set of final states), a Portability per test (its class, the states an
architecture allows and the LKMM forbids, the states only the LKMM allows),
the summary counts, and the tests whose verdict two lowering variants
disagree on.  Judging happens elsewhere (corpus/portability_run.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

# A final state: (location, value) pairs as the engine gives them ("1:r0", "x").
State = tuple[tuple[str, Any], ...]

UNSOUND = "unsound"                    # an architecture allows a state the LKMM forbids
CONSERVATIVE = "conservative"          # the LKMM allows a state no architecture allows
DEPENDENT = "architecture-dependent"   # the architectures' verdicts differ
UNIFORM = "uniform"                    # none of the above
LKMM_ONLY = "lkmm-only"                # no architecture can run it (grace periods, SRCU)
INCOMPLETE = "incomplete"              # a model timed out or crashed: no class can be given
ERROR = "error"                        # the test is bad input (the LKMM refuses it too)
CLASSES = (UNSOUND, CONSERVATIVE, DEPENDENT, UNIFORM, LKMM_ONLY, INCOMPLETE, ERROR)


@dataclass(frozen=True)
class Column:
    """One model's result for one test: its verdict and final states, or why there are none."""
    model: str
    verdict: Optional[str] = None  # Never / Sometimes / Always; None when not judged
    states: Optional[frozenset[State]] = None  # None when not listed (verdict alone, or not judged)
    error: str = ""  # `file:line:col: message`, a timeout, a crash
    refused: bool = False  # bad input to this model: its lowering refuses the test
    seconds: float = 0.0

    @property
    def listed(self) -> bool:
        """The model judged the test and listed its final states."""
        return self.verdict is not None and self.states is not None


@dataclass(frozen=True)
class Unsound:
    """The final states `model` allows and the LKMM forbids (none listed when
    the verdicts alone prove it: the condition's outcome)."""
    model: str
    states: tuple[State, ...]


@dataclass(frozen=True)
class Portability:
    """One test's class, with the columns it was decided from."""
    file: str
    name: str
    klass: str
    lkmm: Column
    archs: tuple[Column, ...]
    unsound: tuple[Unsound, ...] = ()
    conservative_states: tuple[State, ...] = ()
    message: str = ""  # why the class is error or incomplete

    def verdicts(self) -> dict[str, Optional[str]]:
        """Each model's verdict, the LKMM's first."""
        return {c.model: c.verdict for c in (self.lkmm,) + self.archs}

    def verdict_groups(self) -> dict[str, tuple[str, ...]]:
        """The architectures that can run the test, grouped by their verdict."""
        groups: dict[str, list[str]] = {}
        for c in self.archs:
            if c.verdict is not None:
                groups.setdefault(c.verdict, []).append(c.model)
        return {v: tuple(ms) for v, ms in groups.items()}


def sorted_states(states: Iterable[State]) -> tuple[State, ...]:
    """States in a stable order: by location, numbers before names."""
    return tuple(sorted(states, key=lambda s: tuple((k, (0, v) if isinstance(v, int) else (1, str(v)))
                                                    for k, v in s)))


def beyond_by_verdict(lkmm: str, arch: str) -> bool:
    """Does an architecture with verdict `arch` reach a state the LKMM (verdict
    `lkmm`) forbids, judging by verdicts alone: a state meeting the condition
    the LKMM never meets, or one missing it where the LKMM always meets it?"""
    return (lkmm == "Never" and arch != "Never") or (lkmm == "Always" and arch != "Always")


def classify(file: str, name: str, lkmm: Column, archs: Sequence[Column]) -> Portability:
    """The class of one test from the LKMM's column and the architectures'.
    Where a model's final states were not listed (too many), the columns are
    compared by verdict: unsound when the verdicts prove it, architecture-
    dependent when they differ, incomplete otherwise."""
    archs = tuple(archs)
    if lkmm.verdict is None:
        klass = ERROR if lkmm.refused else INCOMPLETE
        return Portability(file, name, klass, lkmm, archs, message=lkmm.error)
    run = [c for c in archs if not c.refused]
    if not run:
        reason = archs[0].error if archs else "no architecture asked for"
        return Portability(file, name, LKMM_ONLY, lkmm, archs, message=reason)
    judged = [c for c in run if c.verdict is not None]
    compared = [c for c in judged if c.states is not None and lkmm.states is not None]
    unlisted = [c for c in judged if c not in compared]
    unsound = [Unsound(c.model, sorted_states(c.states - lkmm.states))  # type: ignore[operator]
               for c in compared if c.states - lkmm.states]  # type: ignore[operator]
    unsound += [Unsound(c.model, ()) for c in unlisted
                if beyond_by_verdict(lkmm.verdict, c.verdict)]  # type: ignore[arg-type]
    if unsound:
        order = {c.model: i for i, c in enumerate(archs)}
        return Portability(file, name, UNSOUND, lkmm, archs,
                           tuple(sorted(unsound, key=lambda u: order[u.model])),
                           message="by verdict: final states not listed" if unlisted else "")
    missing = [c for c in run if c.verdict is None]
    if missing:
        why = "; ".join(f"{c.model}: {c.error}" for c in missing)
        return Portability(file, name, INCOMPLETE, lkmm, archs, message=why)
    if unlisted:
        why = "too many final states to list ({}): compared by verdict".format(
            ", ".join(c.model for c in ([lkmm] if lkmm.states is None else []) + unlisted))
        klass = DEPENDENT if len({c.verdict for c in run}) > 1 else INCOMPLETE
        return Portability(file, name, klass, lkmm, archs, message=why)
    reached = frozenset().union(*(c.states for c in compared))  # type: ignore[arg-type]
    conservative = sorted_states(lkmm.states - reached)  # type: ignore[operator]
    if conservative:
        klass = CONSERVATIVE
    elif len({c.verdict for c in run}) > 1:
        klass = DEPENDENT
    else:
        klass = UNIFORM
    return Portability(file, name, klass, lkmm, archs, conservative_states=conservative)


@dataclass(frozen=True)
class ModelTally:
    """One architecture column over a corpus: how its results stand against the LKMM's."""
    model: str
    judged: int = 0  # tests it judged
    same_verdict: int = 0  # ... with the LKMM's verdict
    unsound: int = 0  # tests where it allows a state the LKMM forbids
    stricter: int = 0  # tests where the LKMM allows a state it forbids
    refused: int = 0  # tests its lowering refuses
    failed: int = 0  # timeouts and crashes


@dataclass(frozen=True)
class PortabilitySummary:
    """Counts per class and per architecture column."""
    tests: int
    classes: dict[str, int]
    models: tuple[ModelTally, ...]
    seconds: float = 0.0
    cache_hits: int = 0
    judged: int = 0  # tests × models judged (not from the cache)

    @property
    def unsound(self) -> bool:
        return self.classes.get(UNSOUND, 0) > 0


def tally(model: str, results: Sequence[Portability]) -> ModelTally:
    """How column `model` stands against the LKMM over `results`."""
    judged = same = unsound = stricter = refused = failed = 0
    for p in results:
        c = next((c for c in p.archs if c.model == model), None)
        if c is None or p.lkmm.verdict is None:
            continue
        if c.refused:
            refused += 1
        elif c.verdict is None:
            failed += 1
        elif c.states is None or p.lkmm.states is None:  # too many states: the verdict alone
            judged += 1
            same += c.verdict == p.lkmm.verdict
            unsound += beyond_by_verdict(p.lkmm.verdict, c.verdict)
        else:
            judged += 1
            same += c.verdict == p.lkmm.verdict
            unsound += bool(c.states - p.lkmm.states)  # type: ignore[operator]
            stricter += bool(p.lkmm.states - c.states)  # type: ignore[operator]
    return ModelTally(model, judged, same, unsound, stricter, refused, failed)


def summarize(results: Sequence[Portability], models: Sequence[str], seconds: float = 0.0,
              cache_hits: int = 0, judged: int = 0) -> PortabilitySummary:
    """The summary table's numbers."""
    classes = {k: sum(1 for p in results if p.klass == k) for k in CLASSES}
    return PortabilitySummary(len(results), classes, tuple(tally(m, results) for m in models),
                              seconds, cache_hits, judged)


@dataclass(frozen=True)
class VariantChange:
    """A test whose verdict differs between two lowering variants of one architecture."""
    file: str
    name: str
    a: Column
    b: Column


def variant_changes(pairs: Iterable[tuple[str, str, Column, Column]]) -> list[VariantChange]:
    """The tests (file, name, A's column, B's) whose verdicts differ, both judged."""
    return [VariantChange(f, n, a, b) for f, n, a, b in pairs
            if a.verdict is not None and b.verdict is not None and a.verdict != b.verdict]


@dataclass(frozen=True)
class Explanation:
    """Why an unsound state is one: the architecture's execution reaching
    it (an SVG as `--graph` draws it) and the LKMM axiom forbidding it (as
    `explain` prints it)."""
    model: str
    state: Optional[State]  # None: the test's own condition
    svg: str = field(default="", repr=False)
    lkmm_text: str = ""
    error: str = ""  # why one of them is missing
