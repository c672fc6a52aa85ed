"""Lark syntax errors as short located messages (`file:line:col: expected ...`).

Shared by the parsers of C code (litmus tests, `.def` macro files): the
families of tokens a parser could accept (operators, C types, expression or
condition starts) are named as one item each.
"""
from __future__ import annotations

import re
from typing import Optional

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from memcheck.errors import MemcheckError

_TERMINAL_NAMES = {
    "IDENT": "identifier",
    "INT": "integer",
    "PROC": "thread (P0, P1, ...)",
    "NOT_EXISTS": "'~exists'",
    "$END": "end of file",
}
_OPERATORS = {"OROR", "ANDAND", "PIPE", "CARET", "AMP", "EQEQ", "NEQ", "LE",
              "GE", "LT", "GT", "SHL", "SHR", "PLUS", "MINUS", "STAR", "SLASH",
              "PERCENT", "QMARK", "INCDEC", "OP_ASSIGN"}
_EXPR_START = {"IDENT", "INT", "LPAR", "BANG", "TILDE", "MINUS", "STAR", "AMP"}
_PROP_START = {"IDENT", "INT", "LPAR", "STAR", "LSQB", "TILDE", "NOT", "TRUE",
               "FALSE"}
_IGNORED = {"WS", "C_COMMENT", "LINE_COMMENT"}


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset of `text`."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def end_offset(text: str) -> int:
    """Offset of the end of the text, before trailing whitespace."""
    return len(text.rstrip())


class SyntaxErrors:
    """Turns one parser's Lark errors into MemcheckErrors."""

    def __init__(self, parser: Lark):
        self.parser = parser
        # the keyword terminals of the grammar's C type words (`int`, `intptr_t`, ...)
        self.type_keywords = frozenset(
            sym.name for rule in parser.rules if rule.origin.name == "ctype_word"
            for sym in rule.expansion if sym.is_term and sym.name != "IDENT")

    def describe_terminal(self, name: str) -> str:
        if name in _TERMINAL_NAMES:
            return _TERMINAL_NAMES[name]
        try:
            pattern = self.parser.get_terminal(name).pattern
        except KeyError:
            return name.lower()
        return f"'{pattern.value}'" if pattern.type == "str" else name.lower()

    def describe_expected(self, names) -> str:
        """A short English list of what the parser could accept."""
        names = set(names) - _IGNORED
        groups: list[str] = []
        if "TRUE" in names and len(names & _PROP_START) >= 5:
            names -= _PROP_START
            groups.append("a condition")
        if {"IDENT", "INT", "LPAR", "BANG"} <= names:
            names -= _EXPR_START
            names = {n for n in names if not n.startswith("B_")}  # herd's builtins
            groups.append("an expression")
        if len(names & _OPERATORS) >= 4:
            names -= _OPERATORS
            groups.append("an operator")
        types = names & self.type_keywords
        if len(types) >= 3:
            names -= types
            groups.append("a type")
        descs = sorted({self.describe_terminal(n) for n in names},
                       key=lambda d: (not d.startswith("'"), len(d), d))
        items = descs + groups
        if not items:
            return ""
        if len(items) > 7:
            items = items[:6] + ["..."]
        if len(items) == 1:
            return items[0]
        return ", ".join(items[:-1]) + " or " + items[-1]

    def error(self, err: UnexpectedInput, text: str, source: str) -> MemcheckError:
        """A short MemcheckError for a Lark syntax error."""
        if isinstance(err, UnexpectedCharacters):
            offset = err.pos_in_stream
            if text.startswith("/*", offset):
                msg = "unterminated comment '/*'"
            else:
                msg = f"unexpected character {text[offset]!r}"
            return MemcheckError(msg, file=source, line=err.line, col=err.column)
        if isinstance(err, UnexpectedToken) and err.token.type != "$END":
            tok = err.token
            if text.startswith("/*", tok.start_pos):
                msg = "unterminated comment '/*'"
            else:
                hint = _unknown_type_hint(text, tok.start_pos) if tok.type == "IDENT" else None
                if hint is not None:
                    return hint.located(source)
                expected = self.describe_expected(err.accepts or err.expected)
                found = f"'{tok.value}'"
                msg = f"expected {expected}, found {found}" if expected else f"unexpected {found}"
            return MemcheckError(msg, file=source, line=tok.line, col=tok.column)
        # end of input
        if isinstance(err, UnexpectedToken):
            expected = self.describe_expected(err.accepts or err.expected)
        else:
            expected = self.describe_expected(getattr(err, "expected", None) or ())
        msg = f"expected {expected}, found end of file" if expected else "unexpected end of file"
        line, col = line_col(text, end_offset(text))
        return MemcheckError(msg, file=source, line=line, col=col)


_WORD_BEFORE = re.compile(r"(?:^|[;{}])\s*([A-Za-z_]\w*)\s+$")


def _unknown_type_hint(text: str, offset: int) -> Optional[MemcheckError]:
    """`foo_t r1;`: the word before the unexpected identifier starts a
    statement, so it was most likely meant as a type; blame that word."""
    m = _WORD_BEFORE.search(text, max(0, offset - 200), offset)
    if m is None:
        return None
    line, col = line_col(text, m.start(1))
    return MemcheckError(
        f"unknown type '{m.group(1)}' (types in code are C and kernel types"
        " such as int, intptr_t)", line=line, col=col)
