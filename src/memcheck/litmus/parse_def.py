"""Parser of herd7 macro files (`.def`) into the typed Macros of def_ast.py.

The grammar is kernel_def.lark with the C code rules (c_code.lark) appended,
LALR with the contextual lexer, as for litmus tests; the bodies are built by
the same CodeToAst transformer.  Every error becomes a MemcheckError
carrying file, line and column.
"""
from __future__ import annotations

from pathlib import Path
from typing import Union

from lark import Lark, Token
from lark.exceptions import LarkError, UnexpectedInput

from memcheck.errors import MemcheckError
from memcheck.litmus.c_code import CodeToAst, flatten, grammar, is_tok, pos_of
from memcheck.litmus.def_ast import ExprMacro, Macros, StmtMacro
from memcheck.litmus.syntax_errors import SyntaxErrors, line_col

__all__ = ["parse_def", "load_def"]


def _params(tokens: list[Token], name: str) -> tuple[str, ...]:
    params: list[str] = []
    for t in tokens:
        if str(t) in params:
            raise MemcheckError(f"parameter {t} of macro {name} named twice", line=t.line, col=t.column)
        params.append(str(t))
    return tuple(params)


class _ToDef(CodeToAst):
    """Macros from the reduced rules; bodies are CodeToAst's nodes."""

    def start(self, c):
        return tuple(c)

    def expr_macro(self, c):
        name, *params, body = c
        return ExprMacro(str(name), _params(params, str(name)), body, pos_of(name))

    def stmt_macro(self, c):
        name, *rest = c
        brace = next(i for i, x in enumerate(rest) if is_tok(x, "LBRACE"))
        return StmtMacro(str(name), _params(rest[:brace], str(name)), flatten(rest[brace + 1:]), pos_of(name))


_PARSER = Lark(grammar("kernel_def.lark"), parser="lalr", lexer="contextual",
               maybe_placeholders=False, transformer=_ToDef())
_ERRORS = SyntaxErrors(_PARSER)


def parse_def(text: str, source: str = "") -> Macros:
    """The macros of a `.def` file's text; `source` names it in errors.

    Raises MemcheckError (with file, line, col) on any malformed input.
    """
    if "\x00" in text:
        line, col = line_col(text, text.index("\x00"))
        raise MemcheckError("binary data (NUL byte), not a macro file", source, line, col)
    try:
        return Macros(_PARSER.parse(text), source)
    except UnexpectedInput as err:
        raise _ERRORS.error(err, text, source) from None
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
