"""`memcheck herd7`: herd7's command line, herd7's output and exit codes.

Per test, herd7's result block and a blank line on stdout; a test that
cannot be judged gives `file:line:col: message` on stderr and the next test
is judged (exit 0, as herd7; `-exit true` stops with 1); a test past
`-timeout` prints nothing, as in herd7.  A bad command line or model exits
2.  A test named twice (same name, same content) is judged once.
"""
from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Optional, TextIO

from . import __version__
from .checker import Checker, read_test
from .engine.enumerate import Timeout
from .engine.judge import Judgement
from .engine.outcome import Verdict
from .errors import MemcheckError
from .herd_options import USAGE, FileNotFound, HerdOptions, Refused, UsageError, library_dirs, read_command_line
from .herd7_model import herd7_model, libdirs
from .herd7_speedcheck import speedcheck_verdict
from .litmus.asm_ast import AsmTest, without_pos
from .litmus.print_c import comparable
from .report.herd_condition import herd_condition
from .lower.loops import LoopOptions
from .report.herd_text import format_verdict, loop_warning

HERD_VERSION = "7.58"  # the herd7 whose command line and output memcheck follows
PROG = "memcheck herd7"
NO_MODEL = ("no model given: herd7's default C model (c11_partialSC.cat) is not memcheck's; "
            "give -conf linux-kernel.cfg or -model FILE.cat")


def version_line() -> str:
    """What -version prints: herd7's `VERSION, Rev: REV` shape."""
    return f"{HERD_VERSION} (memcheck {__version__}), Rev: memcheck-{__version__}"


def _list_lines(path: str) -> Iterator[str]:
    """The test names an @FILE lists, relative to its folder (blank and # lines skipped)."""
    folder = os.path.dirname(path)
    for line in Path(path).read_text().splitlines():
        if line and not line.startswith("#"):
            yield from expand_name(line if not folder or os.path.isabs(line) else os.path.join(folder, line))


def expand_name(name: str) -> Iterator[str]:
    """A test file name, or the names an @FILE list holds (herd7's index files)."""
    if os.path.basename(name).startswith("@"):
        yield from _list_lines(name)
    else:
        yield name


def test_names(files: list[str], stdin: TextIO) -> Iterator[str]:
    """The tests named on the command line, else one per line of stdin."""
    if not files:
        for line in stdin:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                yield from expand_name(line)
    for f in files:
        yield from expand_name(f)


def herd_name(name: str, file: str) -> str:
    """The test's name as herd7 gives it: without a `.litmus` suffix, the
    file's base name for `--`."""
    if name == "--":
        return os.path.splitext(os.path.basename(file))[0]
    return name[:-len(".litmus")] if name.endswith(".litmus") and name != ".litmus" else name


def content_digest(test) -> str:
    """What herd7's hash stands for: the test without its comment and positions."""
    bare = (replace(without_pos(test), comment="", source="", text="") if isinstance(test, AsmTest)
            else comparable(test))
    return hashlib.sha256(repr(bare).encode()).hexdigest()


def picture_path(o: HerdOptions, file: str) -> Path:
    """herd7's -o file: DIR/<test file's base name without extension><suffix>.dot."""
    base = os.path.basename(file)
    stem, ext = os.path.splitext(base)
    return Path(o.outputdir or ".") / f"{stem if ext else base}{o.suffix}.dot"


@dataclass
class Herd7Run:
    """Judges tests one after the other as herd7 does, printing as it goes."""
    o: HerdOptions
    checker: Checker
    model: Optional[str]  # None: assembly tests under their architecture's model, C tests refused
    out: TextIO
    err: TextIO
    seen: dict[str, tuple[str, str]] = field(default_factory=dict)  # test name -> (digest, file)

    def run(self, names: Iterator[str]) -> int:
        """Every test; herd7's exit code."""
        while True:
            try:
                file = next(names)
            except StopIteration:
                return 0
            except OSError as e:  # an unreadable @FILE list
                self.say(f"{e.filename}:0:0: cannot read: {e.strerror}")
                if self.o.exit_on_error:
                    return 1
                continue
            try:
                self.one(file)
            except MemcheckError as e:
                self.say(str(e.located(file)))
                if self.o.exit_on_error:
                    return 1
            except Timeout:
                if self.o.verbose > 0:
                    self.say(f"{file}:0:0: timed out after {self.o.timeout:g} s (no output, as herd7)")
            except Exception as e:  # herd7 stops on an unexpected failure too
                self.say(f"{PROG}: internal error on {file}: {type(e).__name__}: {e}")
                return 2

    def say(self, line: str) -> None:
        """A line on stderr, after what stdout holds so far."""
        self.out.flush()
        print(line, file=self.err, flush=True)

    def one(self, file: str) -> None:
        """Judge one test and print its block (and write its picture with -o)."""
        test = read_test(file)
        test = replace(test, name=herd_name(test.name, file))
        if self._seen_before(test, file):
            return
        judgement = self.judge(test, self._model_for(test))
        v = self._verdict(test, judgement)
        self.out.write(format_verdict(v) + self._hash_line(test) + "\n")
        self.out.flush()
        if v.loop_cut:
            self.say(loop_warning(v))
        if self.o.outputdir is not None:
            self._picture(test, judgement, v, file)

    def _model_for(self, test) -> str:
        if self.model is None:
            if not isinstance(test, AsmTest):
                raise MemcheckError(NO_MODEL, test.source, 0, 0)
            return self.checker.models_for(test, ["lkmm"])[0]
        return self.model

    def judge(self, test, model: str) -> Judgement:
        """Every execution listed, or with -speedcheck fast the verdict alone."""
        fast = self.o.speedcheck == "fast"
        return self.checker.judge(test, model, self.o.timeout, verdict_only=fast)

    def _verdict(self, test, judgement: Judgement) -> Verdict:
        v = judgement.verdict
        if self.o.speedcheck != "false":
            v = speedcheck_verdict(test, judgement, first_only=self.o.speedcheck == "fast")
        return replace(v, condition=herd_condition(test.condition))

    def _seen_before(self, test, file: str) -> bool:
        """herd7 judges a test once per name; the same name with other content is an error."""
        digest = content_digest(test)
        previous = self.seen.get(test.name)
        if previous is None:
            self.seen[test.name] = (digest, file)
            return False
        if previous[0] == digest:
            return True
        raise MemcheckError(f"Different hashes for test {test.name} (previous file {previous[1]})", file, 0, 0)

    @staticmethod
    def _hash_line(test) -> str:
        """herd7's Hash line, when the test carries its hash (as generated assembly tests do)."""
        info = dict(getattr(test, "info", ()))
        return f"Hash={info['Hash']}\n" if "Hash" in info else ""

    def _picture(self, test, judgement: Judgement, v: Verdict, file: str) -> None:
        """herd7's -o file: empty, or (-show prop) an execution satisfying the proposition."""
        from .report.dot import render_dot
        from .report.witness_files import witness_graph
        path = picture_path(self.o, file)
        text = ""
        if self.o.show == "prop" and v.positive:
            model = judgement.verdict.model
            evaluator = (self.checker.asm_evaluator(model) if isinstance(test, AsmTest)
                         else self.checker.evaluator(model))
            text = render_dot(witness_graph(test, judgement, evaluator, self.o.timeout))
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as e:
            self.say(f"{PROG}: cannot create {path}: {e.strerror}")


def _act(o: HerdOptions, out: TextIO) -> int:
    """-version, -libdir, -help: print and exit 0."""
    if o.action == "version":
        print(version_line(), file=out)
    elif o.action == "libdir":
        print(o.libdir or library_dirs()[0], file=out)
    else:
        print(USAGE, file=out)
    return 0


def main(argv: list[str], out: Optional[TextIO] = None, err: Optional[TextIO] = None,
         stdin: Optional[TextIO] = None) -> int:
    """Run herd7's command line `argv`; the exit code herd7 would give
    (stdout, stderr and stdin by default)."""
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    try:
        o = read_command_line(argv)
        if o.action:
            return _act(o, out)
        # herd7 unrolls every loop, awaits included (its witness counts, no hang flag)
        checker = Checker(libdirs=libdirs(o), loops=LoopOptions(o.unroll, exact_awaits=False))
        model = herd7_model(o, checker)
        if model is not None:
            checker.evaluator(model)  # herd7 reads the model before any test
            if o.verbose > 0:
                spec = checker.spec(model)
                print(f"{PROG}: model {spec.file}" + "".join(
                    f", {what} {path}" for what, path in (("bell", spec.bell), ("macros", spec.macros)) if path)
                    + (f", variants {','.join(spec.variants)}" if spec.variants else ""), file=err)
    except UsageError as e:
        print(f"{PROG}: {e}\n{USAGE}", file=err)
        return 2
    except (Refused, FileNotFound) as e:
        print(f"{PROG}: {e}", file=err)
        return 2
    except MemcheckError as e:
        print(str(e), file=err)
        return 2
    return Herd7Run(o, checker, model, out, err).run(test_names(o.files, stdin))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
