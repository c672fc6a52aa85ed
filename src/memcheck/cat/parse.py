"""Parse cat model files into `ast.Model` and load them with their includes.

Bad input never escapes as a lark exception: every error is a MemcheckError
carrying `file:line:col`.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence, Union

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, \
    UnexpectedToken, VisitError

from ..errors import MemcheckError
from . import ast as A

GRAMMAR_FILE = Path(__file__).with_name("cat.lark")

# Includes that memcheck provides natively: the prelude defines stdlib's
# relations (herd includes stdlib.cat in every model).
VIRTUAL_INCLUDES = frozenset({"stdlib.cat"})

# Tokens that can start an operand: a `*` followed by one is a cartesian product.
_OPERAND_START = frozenset({"NAME", "TAG", "ZERO", "UNDERSCORE", "LPAR", "LSQB", "LBRACE",
                            "TILDE", "BEGIN"})


class _StarPostLexer:
    """Renames a `*` token PSTAR (binary product) when an operand follows, as
    herd's parser does by shifting; otherwise it stays STAR (postfix closure)."""

    always_accept: tuple[str, ...] = ()

    def process(self, stream: Iterable[Token]) -> Iterator[Token]:
        """Yield the tokens of `stream`, deciding each `*` from the next token."""
        prev: Optional[Token] = None
        for tok in stream:
            if prev is not None:
                yield self._retype(prev, tok)
            prev = tok
        if prev is not None:
            yield self._retype(prev, None)

    @staticmethod
    def _retype(tok: Token, nxt: Optional[Token]) -> Token:
        if tok.type == "STAR" and nxt is not None and nxt.type in _OPERAND_START:
            return Token.new_borrow_pos("PSTAR", str(tok), tok)
        return tok


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    """The (immutable, reusable) LALR parser for cat."""
    return Lark(GRAMMAR_FILE.read_text(), parser="lalr", lexer="basic",
                postlex=_StarPostLexer(), propagate_positions=True,
                maybe_placeholders=True)


def strip_comments(text: str, source: str = "") -> str:
    """Blank out `(* *)` (nested), `//` and `#` comments, keeping positions."""
    out = list(text)
    i, n = 0, len(text)
    line, col = 1, 1

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == '"':
            j = text.find('"', i + 1)
            if j < 0:
                raise MemcheckError("unterminated string", source, line, col)
            seg = text[i:j + 1]
            nl = seg.count("\n")
            line, col = (line + nl, len(seg) - seg.rfind("\n")) if nl else (line, col + len(seg))
            i = j + 1
            continue
        if c == "(" and text.startswith("(*", i):
            start_line, start_col = line, col
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("(*", j):
                    depth += 1
                    j += 2
                elif text.startswith("*)", j):
                    depth -= 1
                    j += 2
                else:
                    j += 1
            if depth:
                raise MemcheckError("unterminated comment", source, start_line, start_col)
            seg = text[i:j]
            nl = seg.count("\n")
            line, col = (line + nl, len(seg) - seg.rfind("\n")) if nl else (line, col + len(seg))
            blank(i, j)
            i = j
            continue
        if (c == "/" and text.startswith("//", i)) or c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            col += j - i
            i = j
            continue
        if c == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    return "".join(out)


def _tokens(children: list, type_: str) -> list[Token]:
    return [c for c in children if isinstance(c, Token) and c.type == type_]


def _nontokens(children: list) -> list:
    return [c for c in children if not isinstance(c, Token) and c is not None]


@v_args(meta=True)
class _ToAst(Transformer):
    """Builds `ast` nodes from the parse tree (positions from lark's meta)."""

    def __init__(self, source: str):
        super().__init__()
        self.source = source

    def _pos(self, meta) -> A.Pos:
        if getattr(meta, "empty", True):
            return A.Pos(0, 0, self.source)
        return A.Pos(meta.line, meta.column, self.source)

    def _tpos(self, tok: Token) -> A.Pos:
        return A.Pos(tok.line or 0, tok.column or 0, self.source)

    # ------------------------------------------------------------ model
    def start(self, meta, ch):
        arch, title = ch[0]
        instrs = tuple(c for c in ch[1:] if not isinstance(c, Token))
        catdep = any(isinstance(c, Token) and c.type == "CATDEP" for c in ch[1:])
        return A.Model(instrs, title=title, arch=arch, catdep=catdep)

    def header_arch_title(self, meta, ch):
        title = str(ch[1])
        return str(ch[0]), title[1:-1] if ch[1].type == "STRING" else title

    def header_arch(self, meta, ch):
        return str(ch[0]), None

    def header_title(self, meta, ch):
        return None, str(ch[0])[1:-1]

    def header_none(self, meta, ch):
        return None, None

    # ------------------------------------------------------------ instructions
    def block(self, meta, ch):
        return tuple(ch)

    def let_instr(self, meta, ch):
        return A.Let(False, ch[0], self._pos(meta))

    def letrec_instr(self, meta, ch):
        return A.Let(True, ch[1], self._pos(meta))

    def checkprefix(self, meta, ch):
        return ch[0].type

    def checkkind(self, meta, ch):
        return str(ch[0])

    def test_pos(self, meta, ch):
        return ch[0], False

    def test_neg(self, meta, ch):
        return ch[1], True

    def check_instr(self, meta, ch):
        name_tok = ch[-1]
        expr = ch[-3]
        kind, negated = ch[-4]
        prefix = ch[0] if len(ch) == 5 else None
        pos = self._pos(meta)
        if prefix == "REQUIRES":
            return A.Unsupported("undefined_unless", pos)
        name = str(name_tok) if name_tok is not None else None
        if prefix == "ASSERT":
            return A.Check(kind, expr, negated, name, False, pos, asserted=True)
        if prefix == "FLAG" and name is None:
            raise MemcheckError("a flagged check must be named with 'as'", pos.file, pos.line,
                                pos.col)
        return A.Check(kind, expr, negated, name, prefix == "FLAG", pos)

    def enum_instr(self, meta, ch):
        tags = tuple(str(t)[1:] for t in _tokens(ch, "TAG"))
        return A.Enum(str(_tokens(ch, "NAME")[0]), tags, self._pos(meta))

    def include_instr(self, meta, ch):
        return A.Include(str(ch[0])[1:-1], self._pos(meta))

    def show_instr(self, meta, ch):
        return A.Ignored("show", self._pos(meta))

    def unshow_instr(self, meta, ch):
        return A.Ignored("unshow", self._pos(meta))

    def ignored_instr(self, meta, ch):
        return A.Ignored(str(ch[0]), self._pos(meta))

    def proc_tuple_instr(self, meta, ch):
        name = str(_tokens(ch, "NAME")[0])
        formals, body = _nontokens(ch)
        return A.Procedure(name, formals, body, self._pos(meta))

    def proc_var_instr(self, meta, ch):
        name = str(_tokens(ch, "NAME")[0])
        pat, body = _nontokens(ch)
        return A.Procedure(name, pat, body, self._pos(meta))

    def call_instr(self, meta, ch):
        label = str(ch[-1]) if ch[-1] is not None else None
        return A.Call(str(ch[0]), ch[1], label, self._pos(meta))

    def if_instr(self, meta, ch):
        cond, then, other = ch
        return A.IfVariantInstr(cond, then, other or (), self._pos(meta))

    def with_instr(self, meta, ch):
        return A.With(str(ch[1]), ch[2], self._pos(meta))

    def unsupported_instr(self, meta, ch):
        return A.Unsupported(str(ch[0]), self._pos(meta))

    # ------------------------------------------------------------ bindings and patterns
    def bindings(self, meta, ch):
        return tuple(_nontokens(ch))

    def bind_val(self, meta, ch):
        return A.Binding(A.PVar(str(ch[0])), ch[1], self._pos(meta))

    def bind_fun_var(self, meta, ch):
        pos = self._pos(meta)
        return A.Binding(A.PVar(str(ch[0])), A.Fun(ch[1], ch[2], str(ch[0]), pos), pos)

    def bind_fun_tuple(self, meta, ch):
        pos = self._pos(meta)
        formals, body = _nontokens(ch[1:])
        return A.Binding(A.PVar(str(ch[0])), A.Fun(formals, body, str(ch[0]), pos), pos)

    def bind_tuple(self, meta, ch):
        formals, body = _nontokens(ch)
        return A.Binding(formals, body, self._pos(meta))

    def pat_name(self, meta, ch):
        return A.PVar(str(ch[0]))

    def pat_wild(self, meta, ch):
        return A.PVar(None)

    def formals(self, meta, ch):
        pats = [p for p in ch if p is not None]
        if len(pats) == 1:
            return pats[0]
        return A.PTuple(tuple(p.name for p in pats))

    # ------------------------------------------------------------ variant conditions
    def vor(self, meta, ch):
        items = _nontokens(ch)
        out = items[0]
        for c in items[1:]:
            out = A.VOr(out, c)
        return out

    def vand(self, meta, ch):
        items = _nontokens(ch)
        out = items[0]
        for c in items[1:]:
            out = A.VAnd(out, c)
        return out

    def v_not(self, meta, ch):
        return A.VNot(ch[1])

    def v_name(self, meta, ch):
        return A.VName(str(_tokens(ch, "STRING")[0])[1:-1])

    def vatom(self, meta, ch):
        return _nontokens(ch)[0]

    # ------------------------------------------------------------ expressions
    def let_exp(self, meta, ch):
        return A.LetIn(False, ch[0], ch[2], self._pos(meta))

    def letrec_exp(self, meta, ch):
        return A.LetIn(True, ch[1], ch[3], self._pos(meta))

    def fun_var(self, meta, ch):
        return A.Fun(ch[1], ch[2], "*fun*", self._pos(meta))

    def fun_tuple(self, meta, ch):
        formals, body = _nontokens(ch)
        return A.Fun(formals, body, "*fun*", self._pos(meta))

    def try_exp(self, meta, ch):
        return A.Try(ch[0], ch[2], self._pos(meta))

    def if_exp(self, meta, ch):
        return A.IfVariant(ch[0], ch[1], ch[2], self._pos(meta))

    def match_exp(self, meta, ch):
        items = _nontokens(ch)
        return A.Match(items[0], tuple(items[1:]), self._pos(meta))

    def clause(self, meta, ch):
        kind, data = ch[0]
        return A.Clause(kind, data, ch[-1], self._pos(meta))

    def pat_tag(self, meta, ch):
        return "tag", (str(ch[0])[1:],)

    def pat_any(self, meta, ch):
        return "any", ()

    def pat_empty(self, meta, ch):
        return "empty", ()

    def pat_cons(self, meta, ch):
        names = _tokens(ch, "NAME")
        return "cons", (str(names[0]), str(names[1]))

    def tuple(self, meta, ch):
        return A.Tuple(tuple(ch), self._pos(meta))

    def _fold(self, meta, ch, op: str, left: bool):
        items = _nontokens(ch)
        pos = self._pos(meta)
        if left:
            out = items[0]
            for x in items[1:]:
                out = A.Binop(op, out, x, pos)
            return out
        out = items[-1]
        for x in reversed(items[:-1]):
            out = A.Binop(op, x, out, pos)
        return out

    def union(self, meta, ch):
        return self._fold(meta, ch, "union", left=False)

    def addition(self, meta, ch):
        return self._fold(meta, ch, "add", left=False)

    def seq(self, meta, ch):
        return self._fold(meta, ch, "seq", left=False)

    def diff(self, meta, ch):
        return self._fold(meta, ch, "diff", left=True)

    def inter(self, meta, ch):
        return self._fold(meta, ch, "inter", left=False)

    def prod(self, meta, ch):
        return self._fold(meta, ch, "prod", left=False)

    def comp(self, meta, ch):
        return A.Unop("comp", ch[1], self._pos(meta))

    def star(self, meta, ch):
        return A.Unop("star", ch[0], self._pos(meta))

    def plus(self, meta, ch):
        return A.Unop("plus", ch[0], self._pos(meta))

    def opt(self, meta, ch):
        return A.Unop("opt", ch[0], self._pos(meta))

    def inv(self, meta, ch):
        return A.Unop("inv", ch[0], self._pos(meta))

    def var(self, meta, ch):
        return A.Var(str(ch[0]), self._tpos(ch[0]))

    def apply(self, meta, ch):
        return A.App(ch[0], ch[1], self._pos(meta))

    def empty(self, meta, ch):
        return A.Empty(self._tpos(ch[0]))

    def tag(self, meta, ch):
        return A.Tag(str(ch[0])[1:], self._tpos(ch[0]))

    def explicit_set(self, meta, ch):
        args = ch[1] if ch[1] is not None else ()
        return A.ExplicitSet(tuple(args), self._pos(meta))

    def args(self, meta, ch):
        return tuple(_nontokens(ch))

    def universe(self, meta, ch):
        return A.Universe(self._tpos(ch[0]))

    def unit(self, meta, ch):
        return A.Tuple((), self._pos(meta))

    def paren(self, meta, ch):
        return _nontokens(ch)[0]

    def toid(self, meta, ch):
        return A.Unop("toid", _nontokens(ch)[0], self._pos(meta))


def _describe(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    return repr(str(tok))


def parse_cat(text: str, source: str = "") -> A.Model:
    """Parse the text of a cat model; `source` names it in positions and errors.

    Includes are left unresolved (see `load_model`)."""
    clean = strip_comments(text, source)
    try:
        tree = _parser().parse(clean)
        model = _ToAst(source).transform(tree)
    except VisitError as e:
        inner = e.orig_exc
        if isinstance(inner, MemcheckError):
            raise inner.located(source) from None
        raise MemcheckError(f"internal parser error: {inner}", source) from None
    except UnexpectedCharacters as e:
        raise MemcheckError(f"syntax error: unexpected character {clean[e.pos_in_stream]!r}",
                            source, e.line, e.column) from None
    except UnexpectedEOF:
        lines = clean.splitlines() or [""]
        raise MemcheckError("syntax error: unexpected end of file", source, len(lines),
                            len(lines[-1]) + 1) from None
    except UnexpectedToken as e:
        tok = e.token
        line, col = (tok.line, tok.column) if tok.type != "$END" else _end_pos(clean)
        raise MemcheckError(f"syntax error: unexpected {_describe(tok)}", source, line or 0,
                            col or 0) from None
    except UnexpectedInput as e:  # pragma: no cover - other lark input errors
        raise MemcheckError(f"syntax error: {e.__class__.__name__}", source,
                            getattr(e, "line", 0), getattr(e, "column", 0)) from None
    except LarkError as e:  # pragma: no cover
        raise MemcheckError(f"syntax error: {e}", source) from None
    return A.Model(model.instrs, model.title, model.arch, source, catdep=model.catdep)


def _end_pos(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


# ---------------------------------------------------------------- loading with includes

PathLike = Union[str, os.PathLike]


def _candidates(name: str, dirs: Sequence[Path]) -> Iterator[Path]:
    p = Path(name)
    names = [p] if p.suffix else [p, p.with_suffix(".cat")]
    for q in names:
        if q.is_absolute():
            yield q
        else:
            for d in dirs:
                yield d / q


def _find(name: str, dirs: Sequence[Path]) -> Optional[Path]:
    for cand in _candidates(name, dirs):
        if cand.is_file():
            return cand
    return None


def load_model(name_or_path: PathLike, search_dirs: Sequence[PathLike] = (),
               bell: Optional[PathLike] = None) -> A.Model:
    """Load a model by path or by name (searched in search_dirs, `.cat` optional),
    resolving `include "f"` relative to the including file, then search_dirs.
    A `bell` file (herd's -bell), when given, is loaded the same way and runs first."""
    dirs = [Path(d) for d in search_dirs]
    seen: tuple[Path, ...] = ()
    pre: tuple = ()
    if bell is not None:
        pre = _load(_locate(bell, dirs), dirs, seen).instrs
    model = _load(_locate(name_or_path, dirs), dirs, seen)
    if not pre:
        return model
    return A.Model(pre + model.instrs, model.title, model.arch, model.source,
                   includes_resolved=True, catdep=model.catdep)


def _locate(name_or_path: PathLike, dirs: list[Path]) -> Path:
    name = os.fspath(name_or_path)
    path = _find(name, [Path.cwd(), *dirs]) if not Path(name).is_absolute() else _find(name, [])
    if path is None:
        raise MemcheckError(f"model file not found: {name}", name)
    return path


def _load(path: Path, dirs: list[Path], seen: tuple[Path, ...]) -> A.Model:
    """The model in `path` with its includes (`seen`: the files including it,
    outermost first; herd reads a file again each time it is included)."""
    seen = seen + (path.resolve(),)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise MemcheckError(f"cannot read model file: {e}", str(path)) from None
    model = parse_cat(text, str(path))
    instrs = _resolve(model.instrs, path.parent, dirs, seen)
    return A.Model(instrs, model.title, model.arch, model.source, includes_resolved=True,
                   catdep=model.catdep)


def _resolve(instrs: tuple, here: Path, dirs: list[Path], seen: tuple[Path, ...]) -> tuple:
    out = []
    for ins in instrs:
        if isinstance(ins, A.Include):
            found = _find(ins.path, [here, *dirs])
            if found is None:
                if ins.path in VIRTUAL_INCLUDES:
                    out.append(A.Include(ins.path, ins.pos, A.Model((), source=ins.path)))
                    continue
                searched = ", ".join(str(d) for d in [here, *dirs])
                raise MemcheckError(f"included file not found: {ins.path} (searched: {searched})",
                                    ins.pos.file, ins.pos.line, ins.pos.col)
            if found.resolve() in seen:
                raise MemcheckError(f"'{ins.path}' includes itself", ins.pos.file, ins.pos.line,
                                    ins.pos.col)
            out.append(A.Include(ins.path, ins.pos, _load(found, dirs, seen)))
        elif isinstance(ins, A.Procedure):
            out.append(A.Procedure(ins.name, ins.pat, _resolve(ins.body, here, dirs, seen),
                                   ins.pos))
        elif isinstance(ins, A.IfVariantInstr):
            out.append(A.IfVariantInstr(ins.cond, _resolve(ins.then, here, dirs, seen),
                                        _resolve(ins.other, here, dirs, seen), ins.pos))
        else:
            out.append(ins)
    return tuple(out)
