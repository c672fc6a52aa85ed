"""What a test is expected to give: its `Result:` lines or an expectations file.

The kernel convention: the leading comment of a litmus test says
`Result: Never|Sometimes|Always`, with `DATARACE` after it when the LKMM's
data-race flag must be raised (and without it when it must not);
`Result(MODEL): ...` says the same for one model; `Result: Maybe` and
`Result: DEADLOCK` are reported, never failed; `Result: Flag NAME` asks only
that flag NAME be raised. An expectations file (`--expect`, TSV) overrides
the tests' own lines.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from ..errors import MemcheckError

VERDICTS = ("Never", "Sometimes", "Always")
UNCHECKED = ("Maybe", "DEADLOCK")  # reported, never failed
DATA_RACE_FLAG = "data-race"
ANY_MODEL = "*"

_RESULT_LINE = re.compile(r"^[\s*]*Result(?:\(\s*(?P<model>[^)\s]+)\s*\))?\s*:\s*(?P<rest>.*)$",
                          re.MULTILINE)
_WORD = re.compile(r"(Never|Sometimes|Always|Maybe|DEADLOCK)\b")
_FLAG = re.compile(r"Flag\s+(?P<flag>[\w.+-]+)")


@dataclass(frozen=True)
class Expectation:
    """One expected result: a verdict word (or None), the data-race rule, a flag."""
    verdict: Optional[str]  # Never/Sometimes/Always/Maybe/DEADLOCK; None: not checked
    data_race: Optional[bool] = None  # must the data-race flag be raised? None: either
    flag: str = ""  # a flag that must be raised (`Result: Flag NAME`)
    origin: str = ""  # where it was read ("Result line", "expect.tsv:3")

    @property
    def unchecked(self) -> bool:
        """`Maybe` and `DEADLOCK` are reported, never failed."""
        return self.verdict in UNCHECKED

    def __str__(self) -> str:
        """The expectation as a Result line's words: `Sometimes DATARACE`."""
        words = [self.verdict] if self.verdict else []
        if self.data_race and self.verdict:
            words.append("DATARACE")
        if self.flag or (self.data_race and not self.verdict):
            words.append(f"Flag {self.flag or DATA_RACE_FLAG}")
        return " ".join(words) or "-"


def parse_result_text(text: str, origin: str = "") -> Optional[Expectation]:
    """`Never`, `Sometimes DATARACE *)`, `Flag srcu-bad-nesting` -> Expectation;
    None for text that states no result."""
    text = text.strip()
    if text.endswith("*)"):
        text = text[:-2].rstrip()
    m = _WORD.match(text)
    if m:
        rest = text[m.end():]
        return Expectation(m.group(1), "DATARACE" in rest.split(), origin=origin)
    f = _FLAG.match(text)
    if f:
        return Expectation(None, flag=f.group("flag"), origin=origin)
    return None


def result_lines(comment: str) -> dict[Optional[str], Expectation]:
    """The `Result:` lines of a test's leading comment: model (None for the
    unqualified line) -> expectation; the first line for a model wins."""
    out: dict[Optional[str], Expectation] = {}
    for m in _RESULT_LINE.finditer(comment):
        model = m.group("model")
        label = f"Result({model}) line" if model else "Result line"
        exp = parse_result_text(m.group("rest"), label)
        if exp is not None and model not in out:
            out[model] = exp
    return out


def _flags_rule(flags: str) -> Optional[bool]:
    """herd7.tsv's flags column (`data-race,...` or `-`) -> the data-race rule."""
    return DATA_RACE_FLAG in [f.strip() for f in flags.split(",")]


def load_expect_file(path: Path, default_model: str) -> dict[tuple[Path, str], Expectation]:
    """Read an expectations TSV: (resolved test path, model or `*`) -> expectation.

    Rows are `file<TAB>model<TAB>verdict` (`#` comments allowed). A header
    row naming its columns (`file`, `verdict`, optionally `model` and
    `flags`, as herd7.tsv of the shared corpus has) selects columns by name;
    without `model` a row is for `default_model`. Files are relative to the
    TSV's folder (or absolute); rows whose verdict is none of Never,
    Sometimes, Always, Maybe, DEADLOCK (herd7's TIMEOUT, ERROR) are skipped.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise MemcheckError(f"cannot read expectations: {e}", str(path), 0, 0) from None
    rows = [(n, r) for n, r in enumerate(csv.reader(text.splitlines(), delimiter="\t"), 1)
            if r and r[0].strip() and not r[0].lstrip().startswith("#")]
    columns = {"file": 0, "model": 1, "verdict": 2}
    if rows and {"file", "verdict"} <= {c.strip().lower() for c in rows[0][1]}:
        columns = {c.strip().lower(): i for i, c in enumerate(rows[0][1])}
        rows = rows[1:]
    out: dict[tuple[Path, str], Expectation] = {}
    for n, row in rows:
        def col(name: str) -> Optional[str]:
            i = columns.get(name)
            return row[i].strip() if i is not None and i < len(row) else None
        file, verdict = col("file"), col("verdict")
        if not file or verdict is None:
            raise MemcheckError("expected file, model and verdict separated by tabs", str(path), n, 1)
        origin = f"{path}:{n}"
        exp = parse_result_text(verdict, origin)
        if exp is None or exp.verdict is None and not exp.flag:
            continue
        flags = col("flags")
        if flags is not None and exp.verdict in VERDICTS:
            exp = Expectation(exp.verdict, _flags_rule(flags), exp.flag, origin)
        model = col("model") or default_model
        target = Path(file) if Path(file).is_absolute() else path.parent / file
        out[(target.resolve(), model)] = exp
    return out


def with_model_names(table: Mapping[tuple[Path, str], Expectation],
                     aliases: Mapping[str, str]) -> dict[tuple[Path, str], Expectation]:
    """The table with model aliases (a cat file's name, as herd7.tsv gives it)
    replaced by model names."""
    return {(path, aliases.get(model, model)): exp for (path, model), exp in table.items()}


@dataclass(frozen=True)
class ExpectationRules:
    """Which expectation applies to a test judged under a model."""
    result_model: str  # the model an unqualified `Result:` line of a C test speaks of
    model_arch: Mapping[str, str]  # model name -> the assembly dialect it judges ("" = C only)
    table: Mapping[tuple[Path, str], Expectation]  # from --expect

    def find(self, file: str, model: str, judged_model: str, arch: str,
             comment: str) -> Optional[Expectation]:
        """The expectation for `file` under `model` (`judged_model` judged it;
        `arch` is an assembly test's dialect, "" for C): the expectations file
        first, then `Result(model):`, then the unqualified `Result:` line, which
        speaks of `result_model` for a C test and of its architecture's model
        for an assembly test."""
        path = Path(file).resolve()
        for m in (model, judged_model, ANY_MODEL):
            if (path, m) in self.table:
                return self.table[(path, m)]
        lines = result_lines(comment)
        for m in (model, judged_model):
            if m in lines:
                return lines[m]
        if None in lines:
            own = self.model_arch.get(judged_model) == arch if arch else model == self.result_model
            if own:
                return lines[None]
        return None
