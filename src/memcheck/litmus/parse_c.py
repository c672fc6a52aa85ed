"""Parser of herd7's kernel C litmus dialect into the typed AST of ast.py.

herd7 splits a test into sections (see its lib/splitter.mll) and this module
does the same: a small hand-written scanner reads the header (`C name`,
`key=value` lines, comments and doc strings up to the `{` of the initial
state) and blanks out the `(* ... *)` comments of the init and condition
sections; the Lark grammar c_litmus.lark (LALR, contextual lexer; the
parser of c_parser.py) parses the rest and builds the dataclasses.  Every error becomes a
MemcheckError carrying file, line and column.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from lark.exceptions import LarkError, UnexpectedInput

from memcheck.errors import MemcheckError
from memcheck.litmus.ast import Condition, PConst, Pos, Test, Thread
from memcheck.litmus.c_parser import ERRORS, PARSER
from memcheck.litmus.syntax_errors import end_offset, line_col as _line_col

__all__ = ["parse_c_litmus", "load_c_litmus"]


# ------------------------------------------------------------------ positions


def _error_at(message: str, source: str, text: str, offset: int) -> MemcheckError:
    line, col = _line_col(text, offset)
    return MemcheckError(message, file=source, line=line, col=col)


def _blank(segment: str) -> str:
    """The segment with every character but newlines turned into a space,
    so that the masked text keeps all line and column numbers."""
    return re.sub(r"[^\n]", " ", segment)


# --------------------------------------------------------- `(* *)` comments

_ML_DELIM = re.compile(r"\(\*|\*\)")


def _skip_ml_comment(text: str, start: int, source: str) -> int:
    """Offset just past the (nestable) `(* ... *)` comment opening at start."""
    depth = 0
    pos = start
    while True:
        m = _ML_DELIM.search(text, pos)
        if m is None:
            raise _error_at("unterminated comment '(*'", source, text, start)
        depth += 1 if m.group() == "(*" else -1
        pos = m.end()
        if depth == 0:
            return pos


_GUTTER = re.compile(r"^[ \t]*\*(?!\))[ \t]?", re.MULTILINE)


def _comment_body(text: str, start: int, end: int) -> str:
    """The text inside `(*` ... `*)`, without the ` * ` left gutter of
    multi-line comments and without surrounding blank space."""
    body = text[start + 2:end - 2]
    if "\n" in body:
        body = "\n".join(line.rstrip() for line in _GUTTER.sub("", body).splitlines())
    return body.strip()


# ------------------------------------------------------------------- header


@dataclass(frozen=True)
class _Header:
    arch: str
    name: str
    info: tuple[tuple[str, str], ...]
    comment: str
    end: int  # offset of the `{` opening the initial state


_FIRST_LINE = re.compile(r"[ \t]*([A-Za-z0-9_]+)(?:[ \t]+([^\s\"{]+))?")
_KEY_VALUE = re.compile(r"([A-Za-z][A-Za-z0-9_/.\-]*)[ \t]*=[ \t]*([^\n]*)")
_HEADER_ITEM = re.compile(r"\(\*|[{\"\n]")


def _scan_header(text: str, source: str) -> _Header:
    """Read `ARCH name` and everything up to the `{` of the initial state.

    As in herd7, the lines between are `key=value` info lines, `(* *)`
    comments, `"..."` doc strings or free text; all but the info lines are
    kept (joined by newlines) as the test's comment.
    """
    start = len(text) - len(text.lstrip(" \t\r\n\f\v\ufeff"))
    m = _FIRST_LINE.match(text, start)
    if m is None or m.group(1) is None:
        raise _error_at("expected 'C <test name>' on the first line", source, text, start)
    arch = m.group(1)
    if m.group(2) is None:
        raise _error_at(f"expected a test name after '{arch}'", source, text, m.end())
    if arch != "C":
        raise _error_at(
            f"not a C litmus test (architecture '{arch}')", source, text, m.start(1))
    name = m.group(2)
    if "(*" in name:
        name = name[:name.index("(*")]
    pos = m.start(2) + len(name)

    comments: list[str] = []
    info: list[tuple[str, str]] = []
    n = len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n\f\v\ufeff":
            pos += 1
        if pos >= n:
            raise _error_at(
                "expected '{' opening the initial state, found end of file",
                source, text, len(text.rstrip()))
        if text.startswith("(*", pos):
            end = _skip_ml_comment(text, pos, source)
            comments.append(_comment_body(text, pos, end))
            pos = end
            continue
        char = text[pos]
        if char == "{":
            break
        if char == '"':
            close = text.find('"', pos + 1)
            newline = text.find("\n", pos + 1)
            if close != -1 and (newline == -1 or close < newline):
                comments.append(text[pos + 1:close].strip())
                pos = close + 1
                continue
        kv = _KEY_VALUE.match(text, pos)
        if kv is not None:
            info.append((kv.group(1), kv.group(2).rstrip()))
            pos = kv.end()
            continue
        # free text, up to the end of the line or the next comment/string/`{`
        nxt = _HEADER_ITEM.search(text, pos + 1)
        end = nxt.start() if nxt is not None else n
        comments.append(text[pos:end].strip())
        pos = end
    comment = "\n".join(c for c in comments if c)
    return _Header(arch, name, tuple(info), comment, pos)


# ------------------------------------------------------- section splitting

_BODY_TOKEN = re.compile(
    r"\(\*|/\*|//|[{}()~]|\b(?:exists|forall|locations|filter|final)\b")


def _mask_body(text: str, start: int, source: str) -> str:
    """The text from `start` (the init `{`) on, with the `(* *)` comments of
    the init section, of the gaps between threads and of the condition
    section blanked out (in C code `(*` is syntax, not a comment)."""
    pieces: list[str] = []
    copied = start
    region = "init"
    depth = 0   # brace depth in the code section
    parens = 0  # parenthesis depth at brace depth 0 (thread headers)
    pos = start + 1
    n = len(text)
    while pos < n:
        m = _BODY_TOKEN.search(text, pos)
        if m is None:
            break
        tok = m.group()
        pos = m.end()
        if tok == "/*":
            close = text.find("*/", pos)
            pos = n if close == -1 else close + 2
        elif tok == "//":
            newline = text.find("\n", pos)
            pos = n if newline == -1 else newline
        elif tok == "(*" and (region != "code" or (depth == 0 and parens == 0)):
            end = _skip_ml_comment(text, m.start(), source)
            pieces.append(text[copied:m.start()])
            pieces.append(_blank(text[m.start():end]))
            copied = pos = end
        elif region == "init":
            if tok == "}":
                region = "code"
        elif region == "code":
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth = max(depth - 1, 0)
            elif depth > 0:
                pass
            elif tok in ("(", "(*"):  # `(*` here is C: `P0(*` is a syntax error
                parens += 1
            elif tok == ")":
                parens = max(parens - 1, 0)
            elif parens == 0:  # `~` or a keyword: the condition section starts
                region = "cond"
    pieces.append(text[copied:])
    return "".join(pieces)




# --------------------------------------------------------------- assembling


def _assemble(header: _Header, parts: list, text: str, source: str) -> Test:
    init, *rest = parts
    threads = tuple(p for p in rest if isinstance(p, Thread))
    constraints = next((p for p in rest if isinstance(p, list)), [])
    locations: tuple = ()
    filt = None
    condition = None
    for item in constraints:
        if isinstance(item, Condition):
            condition = item
        elif item.kind == "locations":
            locations = item.value
        else:
            filt = item.value
    if condition is None:
        # herd7 reads a missing condition as `forall true`
        line, col = _line_col(text, end_offset(text))
        condition = Condition("forall", PConst(True, Pos(line, col)), Pos(line, col))
    return Test(
        arch=header.arch,
        name=header.name,
        init=init,
        threads=threads,
        condition=condition,
        locations=locations,
        filter=filt,
        comment=header.comment,
        source=source,
        text=text,
        info=header.info,
    )


def _check_text(text: str, source: str) -> None:
    if "\x00" in text:
        raise _error_at("binary data (NUL byte), not a litmus test",
                        source, text, text.index("\x00"))
    if not text.strip():
        raise MemcheckError("empty file", file=source, line=1, col=1)


def parse_c_litmus(text: str, source: str = "") -> Test:
    """Parse the text of a kernel C litmus test; `source` names it in errors.

    Raises MemcheckError (with file, line, col) on any malformed input.
    """
    _check_text(text, source)
    header = _scan_header(text, source)
    masked = _blank(text[:header.end]) + _mask_body(text, header.end, source)
    try:
        parts = PARSER.parse(masked, start="start").children
        return _assemble(header, parts, text, source)
    except UnexpectedInput as err:
        raise ERRORS.error(err, masked, source) from None
    except MemcheckError:
        raise
    except LarkError as err:  # any other Lark failure: still a located error
        raise MemcheckError(f"syntax error: {err}", file=source, line=1, col=1) from None
    except Exception as err:  # a bug here must not surface as a traceback
        raise MemcheckError(f"internal parser error ({type(err).__name__}: {err})",
                            file=source, line=1, col=1) from None


def load_c_litmus(path: Union[str, Path]) -> Test:
    """Read and parse a litmus file; unreadable or non-UTF-8 files are
    reported as MemcheckError too."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise MemcheckError(f"cannot read file: {err.strerror or err}", file=source) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        before = data[:err.start]
        line = before.count(b"\n") + 1
        col = err.start - (before.rfind(b"\n") + 1) + 1
        raise MemcheckError(
            f"not UTF-8 text (byte 0x{data[err.start]:02x}), not a litmus test",
            file=source, line=line, col=col) from None
    return parse_c_litmus(text, source)
