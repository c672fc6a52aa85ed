"""Parser of herd7 macro files (`.def`) into the typed Macros of def_ast.py.

The grammar is kernel_def.lark with the C code rules (c_code.lark), a start
rule of the one LALR parser that also reads litmus tests (c_parser.py); the
bodies are the same syntax tree as a test's threads.  Every error becomes a
MemcheckError carrying file, line and column.
"""
from __future__ import annotations

from pathlib import Path
from typing import Union

from lark.exceptions import LarkError, UnexpectedInput

from memcheck.errors import MemcheckError
from memcheck.litmus.c_parser import ERRORS, PARSER
from memcheck.litmus.def_ast import Macros
from memcheck.litmus.syntax_errors import line_col

__all__ = ["parse_def", "load_def"]


def parse_def(text: str, source: str = "") -> Macros:
    """The macros of a `.def` file's text; `source` names it in errors.

    Raises MemcheckError (with file, line, col) on any malformed input.
    """
    if "\x00" in text:
        line, col = line_col(text, text.index("\x00"))
        raise MemcheckError("binary data (NUL byte), not a macro file", source, line, col)
    try:
        return Macros(PARSER.parse(text, start="def_file"), source)
    except UnexpectedInput as err:
        raise ERRORS.error(err, text, source) from None
    except MemcheckError as err:
        raise err.located(source) from None
    except LarkError as err:  # any other Lark failure: still a located error
        raise MemcheckError(f"syntax error: {err}", source, 1, 1) from None
    except Exception as err:  # a bug here must not surface as a traceback
        raise MemcheckError(f"internal parser error ({type(err).__name__}: {err})", source, 1, 1) from None


def load_def(path: Union[str, Path]) -> Macros:
    """Read and parse a `.def` file; unreadable or non-UTF-8 files are
    reported as MemcheckError too."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise MemcheckError(f"cannot read file: {err.strerror or err}", source) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        before = data[:err.start]
        line = before.count(b"\n") + 1
        col = err.start - (before.rfind(b"\n") + 1) + 1
        raise MemcheckError(f"not UTF-8 text (byte 0x{data[err.start]:02x}), not a macro file",
                            source, line, col) from None
    return parse_def(text, source)
