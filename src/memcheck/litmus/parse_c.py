"""Parser of herd7's kernel C litmus dialect into the typed AST of ast.py.

herd7 splits a test into sections (see its lib/splitter.mll) and this module
does the same: a small hand-written scanner reads the header (`C name`,
`key=value` lines, comments and doc strings up to the `{` of the initial
state) and blanks out the `(* ... *)` comments of the init and condition
sections; the Lark grammar c_litmus.lark (LALR, contextual lexer) parses the
rest; a transformer builds the dataclasses.  Every error becomes a
MemcheckError carrying file, line and column.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from lark import Lark, Token, Transformer
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
)

from memcheck.errors import MemcheckError
from memcheck.litmus.ast import (
    NOPOS,
    AddrOf,
    AddrValue,
    Assign,
    BinOp,
    Block,
    Call,
    Cast,
    Cond,
    Condition,
    Decl,
    Deref,
    ExprStmt,
    If,
    Init,
    IntLit,
    MemLoc,
    Name,
    PAnd,
    PAtom,
    PConst,
    PImplies,
    PNot,
    POr,
    Param,
    Pos,
    RegLoc,
    Test,
    Thread,
    UnOp,
    While,
)

__all__ = ["parse_c_litmus", "load_c_litmus"]

_GRAMMAR_PATH = Path(__file__).with_name("c_litmus.lark")


# ------------------------------------------------------------------ positions


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset of `text`."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


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


# --------------------------------------------------------------- the parser


def _pos(x) -> Pos:
    """Position of a token or of an already built node (or list of nodes)."""
    if isinstance(x, Token):
        return Pos(x.line, x.column)
    if isinstance(x, list):
        return _pos(x[0]) if x else NOPOS
    return getattr(x, "pos", NOPOS)


def _type_text(words: list[str], stars: int) -> str:
    """A type as written, in normalized spacing: 'int', 'int *', 'int **'."""
    base = " ".join(words)
    return f"{base} {'*' * stars}" if stars else base


def _is_tok(x, kind: str) -> bool:
    return isinstance(x, Token) and x.type == kind


def _split_type(tokens) -> str:
    """Type text of a run of IDENT and STAR tokens."""
    words = [str(t) for t in tokens if _is_tok(t, "IDENT")]
    stars = sum(1 for t in tokens if _is_tok(t, "STAR"))
    return _type_text(words, stars)


def _as_body(stmt) -> tuple:
    """The statements of an if/while branch: a braced block gives its
    contents, a single statement a 1-tuple, `;` nothing."""
    if isinstance(stmt, Block):
        return stmt.body
    if isinstance(stmt, list):
        return tuple(stmt)
    return (stmt,)


def _flatten(stmts) -> tuple:
    """Statements in order; a declaration of several names is a list."""
    out: list = []
    for s in stmts:
        if isinstance(s, list):
            out.extend(s)
        else:
            out.append(s)
    return tuple(out)


def _int(tok: str) -> int:
    """Value of a decimal or hexadecimal literal."""
    s = str(tok)
    return int(s, 16) if s[:2] in ("0x", "0X") else int(s, 10)


@dataclass(frozen=True)
class _LocDecl:
    """The left side of an initial-state entry, with its type if any."""
    name: str
    thread: Optional[int]
    type: Optional[str]
    pos: Pos


@dataclass(frozen=True)
class _Declarator:
    stars: int
    name: str
    init: object
    pos: Pos


@dataclass(frozen=True)
class _Section:
    """`locations [...]` or `filter prop` before the condition."""
    kind: str
    value: object


class _ToAst(Transformer):
    """Builds ast.py nodes bottom-up while the LALR parser reduces (it is
    the parser's embedded transformer, so no parse tree is built); every
    node's position is that of its first token.  Stateless."""

    # ---- initial state
    def init(self, c):
        return tuple(c)

    def init_var(self, c):
        return _LocDecl(str(c[-1]), None, None, _pos(c[0]))

    def init_reg(self, c):
        thread, reg = c
        return _LocDecl(str(reg), _int(thread), None, _pos(thread))

    def typed_decl(self, c):
        *tokens, loc = c
        return _LocDecl(loc.name, loc.thread, _split_type(tokens), _pos(c[0]))

    def init_entry(self, c):
        loc = c[0]
        value = c[1] if len(c) > 1 else None
        return Init(loc.name, loc.thread, loc.type, value, loc.pos)

    def int_value(self, c):
        value = _int(c[-1])
        return IntLit(-value if len(c) == 2 else value, _pos(c[0]))

    def addr_value(self, c):
        return AddrValue(str(c[-1]), _pos(c[0]))

    # ---- threads
    def thread(self, c):
        proc = next(x for x in c if _is_tok(x, "PROC"))
        params = tuple(x for x in c if isinstance(x, Param))
        stmts = [x for x in c if not isinstance(x, (Param, Token))]
        return Thread(int(proc[1:]), params, _flatten(stmts), _pos(c[0]))

    def param(self, c):
        *tokens, name = c
        return Param(_split_type(tokens), str(name), _pos(c[0]))

    # ---- statements
    def block(self, c):
        return Block(_flatten(c[1:]), _pos(c[0]))

    def if_stmt(self, c):
        other = _as_body(c[3]) if len(c) > 3 else ()
        return If(c[1], _as_body(c[2]), other, _pos(c[0]))

    def while_stmt(self, c):
        return While(c[1], _as_body(c[2]), _pos(c[0]))

    def decl_stmt(self, c):
        words, *declarators = c
        first = _pos(words[0][0])
        return [Decl(_type_text([str(w) for g in words for w in g], d.stars),
                     d.name, d.init, first if i == 0 else d.pos)
                for i, d in enumerate(declarators)]

    def declarator(self, c):
        stars = sum(1 for x in c if _is_tok(x, "STAR"))
        rest = [x for x in c if not _is_tok(x, "STAR")]
        init = rest[1] if len(rest) > 1 else None
        return _Declarator(stars, str(rest[0]), init, _pos(c[0]))

    def ctype_words(self, c):
        return c  # a list of ctype_word token lists

    def ctype_word(self, c):
        return c

    def ctype(self, c):
        words, *stars = c
        return (_type_text([str(w) for g in words for w in g], len(stars)),
                _pos(words[0][0]))

    def assign_stmt(self, c):
        return Assign(c[0], c[1], _pos(c[0]))

    def expr_stmt(self, c):
        return ExprStmt(c[0], _pos(c[0]))

    def empty_stmt(self, c):
        return []

    # ---- expressions
    def cond(self, c):
        return Cond(c[0], c[1], c[2], _pos(c[0]))

    def binop(self, c):
        left, op, right = c
        return BinOp(str(op), left, right, _pos(left))

    def deref(self, c):
        return Deref(c[1], _pos(c[0]))

    def addr_of(self, c):
        return AddrOf(c[1], _pos(c[0]))

    def unop(self, c):
        op, expr = c
        # `-1` written as one word is a negative literal; `-(1)`, `- 1` are not
        if (op == "-" and isinstance(expr, IntLit) and expr.value >= 0
                and expr.pos == Pos(op.line, op.column + 1)):
            return IntLit(-expr.value, _pos(op))
        return UnOp(str(op), expr, _pos(op))

    def cast(self, c):
        lpar, (typ, _), expr = c
        return Cast(typ, expr, _pos(lpar))

    def int_lit(self, c):
        return IntLit(_int(c[0]), _pos(c[0]))

    def name(self, c):
        return Name(str(c[0]), _pos(c[0]))

    def call(self, c):
        fn, *args = c
        return Call(str(fn), tuple(args), _pos(fn))

    # ---- conditions
    def constraints(self, c):
        return c

    def locations(self, c):
        return _Section("locations", tuple(c))

    def filter(self, c):
        return _Section("filter", c[0])

    def condition(self, c):
        quant, prop = c[0], c[1]
        word = {"EXISTS": "exists", "FINAL": "exists", "FORALL": "forall",
                "NOT_EXISTS": "~exists"}[quant.type]
        return Condition(word, prop, _pos(quant))

    def bare_condition(self, c):
        return Condition("exists", c[1], _pos(c[0]))

    def pimplies(self, c):
        return PImplies(c[0], c[1], _pos(c[0]))

    def por(self, c):
        return POr(tuple(c), _pos(c[0]))

    def pand(self, c):
        return PAnd(tuple(c), _pos(c[0]))

    def pnot(self, c):
        return PNot(c[1], _pos(c[0]))

    def ptrue(self, c):
        return PConst(True, _pos(c[0]))

    def pfalse(self, c):
        return PConst(False, _pos(c[0]))

    def peq(self, c):
        return PAtom(c[0], "=", c[1], _pos(c[0]))

    def pneq(self, c):
        return PAtom(c[0], "!=", c[1], _pos(c[0]))

    def regloc(self, c):
        thread, reg = [x for x in c if not _is_tok(x, "STAR")]
        return RegLoc(_int(thread), str(reg), _pos(c[0]))

    def memloc(self, c):
        return MemLoc(str(c[-1]), _pos(c[0]))


_PARSER = Lark(
    _GRAMMAR_PATH.read_text(encoding="utf-8"),
    parser="lalr",
    lexer="contextual",
    maybe_placeholders=False,
    transformer=_ToAst(),
)


# ------------------------------------------------------------------ errors

_TERMINAL_NAMES = {
    "IDENT": "identifier",
    "INT": "integer",
    "PROC": "thread (P0, P1, ...)",
    "NOT_EXISTS": "'~exists'",
    "$END": "end of file",
}
_OPERATORS = {"OROR", "ANDAND", "PIPE", "CARET", "AMP", "EQEQ", "NEQ", "LE",
              "GE", "LT", "GT", "SHL", "SHR", "PLUS", "MINUS", "STAR", "SLASH",
              "PERCENT", "QMARK"}
_EXPR_START = {"IDENT", "INT", "LPAR", "BANG", "TILDE", "MINUS", "STAR", "AMP"}
_PROP_START = {"IDENT", "INT", "LPAR", "STAR", "LSQB", "TILDE", "NOT", "TRUE",
               "FALSE"}
# the keyword terminals of the grammar's C type words (`int`, `intptr_t`, ...)
_TYPE_KEYWORDS = frozenset(
    sym.name for rule in _PARSER.rules if rule.origin.name == "ctype_word"
    for sym in rule.expansion if sym.is_term and sym.name != "IDENT")


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    try:
        pattern = _PARSER.get_terminal(name).pattern
    except KeyError:
        return name.lower()
    return f"'{pattern.value}'" if pattern.type == "str" else name.lower()


def _describe_expected(names) -> str:
    """A short English list of what the parser could accept, with the big
    families (operators, C types, expression or condition starts) named as
    one item each."""
    names = set(names) - {"WS", "C_COMMENT", "LINE_COMMENT"}
    groups: list[str] = []
    if "TRUE" in names and len(names & _PROP_START) >= 5:
        names -= _PROP_START
        groups.append("a condition")
    if {"IDENT", "INT", "LPAR", "BANG"} <= names:
        names -= _EXPR_START
        groups.append("an expression")
    if len(names & _OPERATORS) >= 4:
        names -= _OPERATORS
        groups.append("an operator")
    types = names & _TYPE_KEYWORDS
    if len(types) >= 3:
        names -= types
        groups.append("a type")
    descs = sorted({_describe_terminal(n) for n in names},
                   key=lambda d: (not d.startswith("'"), len(d), d))
    items = descs + groups
    if not items:
        return ""
    if len(items) > 7:
        items = items[:6] + ["..."]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def _end_offset(text: str) -> int:
    """Offset of the end of the text, before trailing whitespace."""
    return len(text.rstrip())


_WORD_BEFORE = re.compile(r"(?:^|[;{}])\s*([A-Za-z_]\w*)\s+$")


def _unknown_type_hint(text: str, offset: int) -> Optional[MemcheckError]:
    """`foo_t r1;`: the word before the unexpected identifier starts a
    statement, so it was most likely meant as a type; blame that word."""
    m = _WORD_BEFORE.search(text, max(0, offset - 200), offset)
    if m is None:
        return None
    line, col = _line_col(text, m.start(1))
    return MemcheckError(
        f"unknown type '{m.group(1)}' (types in code are C and kernel types"
        " such as int, intptr_t)", line=line, col=col)


def _lark_error(err: UnexpectedInput, text: str, source: str) -> MemcheckError:
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
            expected = _describe_expected(err.accepts or err.expected)
            found = f"'{tok.value}'"
            msg = f"expected {expected}, found {found}" if expected else f"unexpected {found}"
        return MemcheckError(msg, file=source, line=tok.line, col=tok.column)
    # end of input
    if isinstance(err, UnexpectedToken):
        expected = _describe_expected(err.accepts or err.expected)
    else:
        expected = _describe_expected(getattr(err, "expected", None) or ())
    msg = f"expected {expected}, found end of file" if expected else "unexpected end of file"
    line, col = _line_col(text, _end_offset(text))
    return MemcheckError(msg, file=source, line=line, col=col)


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
        line, col = _line_col(text, _end_offset(text))
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
        parts = _PARSER.parse(masked).children
        return _assemble(header, parts, text, source)
    except UnexpectedInput as err:
        raise _lark_error(err, masked, source) from None
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
