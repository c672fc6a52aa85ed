"""Parser and printer for herd7 assembly litmus tests (X86, AArch64, PPC, RISCV).

`parse_asm_litmus(text, source)` returns an `AsmTest`; every syntax problem is
reported as a `MemcheckError` carrying `file:line:col`. `format_asm_litmus`
prints a test back in a form herd7 accepts (used for lowered tests), and
`parse_asm_litmus(format_asm_litmus(t))` equals `t` up to positions.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Optional, TypeVar, Union

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from memcheck.errors import MemcheckError
from memcheck.litmus.asm_ast import (
    ARCHS,
    AsmTest,
    AsmThread,
    BarrierOpt,
    CodeItem,
    Cond,
    Imm,
    Instr,
    Label,
    LabelRef,
    Mem,
    Operand,
    Reg,
    Shift,
    Var,
)
from memcheck.litmus.ast import (
    AddrValue,
    Condition,
    Init,
    IntLit,
    Loc,
    MemLoc,
    PAnd,
    PAtom,
    PConst,
    PImplies,
    PNot,
    POr,
    Pos,
    Prop,
    RegLoc,
)

__all__ = [
    "parse_asm_litmus",
    "parse_asm_file",
    "parse_asm_code",
    "format_asm_litmus",
    "format_instr",
    "format_operand",
    "format_prop",
    "is_register",
]

T = TypeVar("T")

_START = MappingProxyType({"X86": "x86", "AArch64": "aarch64", "PPC": "ppc", "RISCV": "riscv"})
_SEQ_START = MappingProxyType({"X86": "x86_seq", "AArch64": "a64_seq", "PPC": "ppc_seq", "RISCV": "rv_seq"})

# ----------------------------------------------------------- arch knowledge

_X86_REGS = frozenset({"EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP", "EIP", "ZF", "SF", "CF"})
_A64_REG = re.compile(r"(?:[WX](?:[12]?\d|30|ZR)|W?SP|[BHSDQV](?:[12]?\d|3[01]))", re.I)
_PPC_REG = re.compile(r"(?:r(?:[12]?\d|3[01])|cr[0-7]|lr|ctr)", re.I)
# RISC-V integer registers: x0..x31 and their ABI names (herd7 spells them in lower case)
RISCV_ABI_NAMES = MappingProxyType({
    "zero": 0, "ra": 1, "sp": 2, "gp": 3, "tp": 4, "t0": 5, "t1": 6, "t2": 7, "s0": 8, "fp": 8,
    "s1": 9, **{f"a{i}": 10 + i for i in range(8)}, **{f"s{i}": 16 + i for i in range(2, 12)},
    **{f"t{i}": 25 + i for i in range(3, 7)}})
_RV_REG = re.compile(r"x(?:[12]?\d|3[01])")
_RV_FENCE_SET = re.compile(r"i?o?r?w?")
_SYMBOLIC = re.compile(r"(?:[WXwx]?%)[A-Za-z_]\w*")
_THREAD = re.compile(r"P(\d+)")

_A64_CONDS = frozenset("EQ NE CS HS CC LO MI PL VS VC HI LS GE LT GT LE AL NV".split())
_A64_COND_OPS = frozenset("CSEL CSINC CSINV CSNEG CSET CSETM CINC CINV CNEG CCMP CCMN FCSEL".split())
_A64_SHIFTS = frozenset("LSL LSR ASR ROR MSL SXTB SXTH SXTW SXTX UXTB UXTH UXTW UXTX".split())
_A64_BARRIER_OPS = frozenset({"DMB", "DSB", "ISB"})
_A64_BARRIER_OPTS = frozenset(
    "SY ST LD ISH ISHST ISHLD OSH OSHST OSHLD NSH NSHST NSHLD".split())
_A64_BRANCHES = frozenset({"B", "BL", "CBZ", "CBNZ", "TBZ", "TBNZ", "ADR", "ADRP"})
_PPC_BRANCHES = frozenset("b bl beq bne blt bge bgt ble bnl bng bdnz".split())
_RV_BRANCHES = frozenset("j beq bne blt bge bltu bgeu bgt ble bgtu bleu beqz bnez blez bgez bltz bgtz".split())

_TERMINAL_TEXT = MappingProxyType({
    "NAME": "a name",
    "INT": "a number",
    "X86_IMM": "an immediate like $1",
    "A64_IMM": "an immediate like #1",
    "TESTNAME": "a test name",
    "ALTNAME": "'(name)'",
    "DOC": "a doc string",
    "INFO": "a 'key=value' line",
    "LOCK": "'LOCK'",
    "$END": "end of input",
})


def is_register(arch: str, name: str) -> bool:
    """Whether `name` is a register of `arch` (symbolic `%r` included)."""
    if "%" in name:  # symbolic: `%r` everywhere, also `W%r`/`X%r` on AArch64
        return bool(_SYMBOLIC.fullmatch(name)) and (arch == "AArch64" or name.startswith("%"))
    if arch == "X86":  # herd7 spells X86 registers in upper case only
        return name in _X86_REGS
    if arch == "AArch64":
        return _A64_REG.fullmatch(name) is not None
    if arch == "PPC":
        return _PPC_REG.fullmatch(name) is not None
    if arch == "RISCV":
        return _RV_REG.fullmatch(name) is not None or name in RISCV_ABI_NAMES
    return False


def _is_branch(arch: str, mnemonic: str) -> bool:
    """Whether the instruction's name operands are code labels."""
    op = mnemonic.upper()
    if arch == "X86":
        return op.startswith("J")
    if arch == "AArch64":
        return op in _A64_BRANCHES or op.startswith("B.")
    if arch == "RISCV":
        return mnemonic in _RV_BRANCHES
    return mnemonic.lower() in _PPC_BRANCHES


# ------------------------------------------------------------------ parsing


@lru_cache(maxsize=None)
def _parser() -> Lark:
    """The LALR parser for all four architectures (built once)."""
    grammar = Path(__file__).with_name("asm.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        start=list(_START.values()) + list(_SEQ_START.values()),
        maybe_placeholders=False,
    )


def _blank_comments(text: str, source: str) -> tuple[str, list[str]]:
    """Replace `(* ... *)` comments (nested, not inside "strings") by blanks.

    Newlines are kept so positions do not move; returns the comment texts.
    """
    if "(*" not in text:
        return text, []
    out: list[str] = []
    comments: list[str] = []
    i, n = 0, len(text)
    line, col = 1, 1
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 1
            j = min(j + 1, n) if j < n and text[j] == '"' else j
            out.append(text[i:j])
            col += j - i
            i = j
            continue
        if text.startswith("(*", i):
            start_line, start_col = line, col
            depth, j = 0, i
            while j < n:
                if text.startswith("(*", j):
                    depth += 1
                    j += 2
                elif text.startswith("*)", j):
                    depth -= 1
                    j += 2
                    if depth == 0:
                        break
                else:
                    j += 1
            if depth != 0:
                raise MemcheckError("unterminated comment '(*'", source, start_line, start_col)
            body = text[i:j]
            comments.append(body[2:-2].strip())
            for ch in body:
                if ch == "\n":
                    out.append("\n")
                    line, col = line + 1, 1
                else:
                    out.append(" ")
                    col += 1
            i = j
            continue
        out.append(c)
        if c == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    return "".join(out), comments


def _end_pos(text: str) -> tuple[int, int]:
    """Line and column just after the last non-blank character."""
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    col = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return line, col


def _describe_terminal(name: str) -> str:
    """A readable name for a grammar terminal in error messages."""
    if name in _TERMINAL_TEXT:
        return _TERMINAL_TEXT[name]
    try:
        pattern = _parser().get_terminal(name).pattern
    except KeyError:
        return name
    if pattern.type == "str":
        return repr(pattern.value)
    return name.lower()


def _lark_error(err: UnexpectedInput, text: str, source: str) -> MemcheckError:
    """Convert a lark error to a MemcheckError with a position."""
    if isinstance(err, UnexpectedCharacters):
        ch = text[err.pos_in_stream] if 0 <= err.pos_in_stream < len(text) else "?"
        return MemcheckError(f"unexpected character {ch!r}", source, err.line, err.column)
    if isinstance(err, UnexpectedToken):
        tok = err.token
        expected = sorted({_describe_terminal(t) for t in err.expected})
        tail = ""
        if expected:
            shown = ", ".join(expected[:8]) + (", ..." if len(expected) > 8 else "")
            tail = f"; expected {shown}"
        if tok.type == "$END":
            line, col = _end_pos(text)
            return MemcheckError(f"unexpected end of input{tail}", source, line, col)
        return MemcheckError(f"unexpected {tok.value!r}{tail}", source, tok.line or 0, tok.column or 0)
    line, col = _end_pos(text)
    return MemcheckError("unexpected end of input", source, getattr(err, "line", line) or line,
                         getattr(err, "column", col) or col)


def _lark_parse(text: str, start: str, source: str) -> Tree:
    """Run the LALR parser; lark errors become MemcheckError."""
    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as err:
        raise _lark_error(err, text, source) from None
    except LarkError as err:  # pragma: no cover - defensive
        raise MemcheckError(f"parse error: {err}", source, 1, 1) from None


def parse_asm_litmus(text: str, source: str = "") -> AsmTest:
    """Parse the text of an X86, AArch64, PPC or RISCV litmus test."""
    blanked, comments = _blank_comments(text, source)
    m = re.match(r"\s*(\S+)", blanked)
    if m is None:
        raise MemcheckError("empty litmus test", source, 1, 1)
    arch = m.group(1)
    if arch not in _START:
        line = blanked.count("\n", 0, m.start(1)) + 1
        col = m.start(1) - (blanked.rfind("\n", 0, m.start(1)) + 1) + 1
        raise MemcheckError(
            f"unsupported architecture {arch!r} (expected one of {', '.join(ARCHS)})",
            source, line, col)
    tree = _lark_parse(blanked, _START[arch], source)
    test = _guarded(source, lambda: _Builder(arch, source).test(tree, comments))
    return replace(test, text=text)


def _guarded(source: str, build: Callable[[], T]) -> T:
    """Run an AST builder; an unexpected exception (a bug) still becomes a MemcheckError."""
    try:
        return build()
    except MemcheckError:
        raise
    except Exception as err:  # pragma: no cover - never let a traceback escape
        raise MemcheckError(f"internal parser error: {err!r}", source, 1, 1) from None


def parse_asm_file(path: Union[str, Path]) -> AsmTest:
    """Read and parse a litmus file; I/O problems are MemcheckErrors too."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise MemcheckError(f"not UTF-8 text: {err.reason}", str(path), 1, 1) from None
    except OSError as err:
        raise MemcheckError(f"cannot read file: {err.strerror or err}", str(path), 0, 0) from None
    return parse_asm_litmus(text, str(path))


def parse_asm_code(arch: str, text: str, source: str = "") -> tuple[CodeItem, ...]:
    """Parse a `;`-separated instruction sequence of `arch`, e.g. 'DMB ISH; LDAR W0,[X1]'."""
    if arch not in _SEQ_START:
        raise MemcheckError(f"unsupported architecture {arch!r}", source, 1, 1)
    blanked, _ = _blank_comments(text, source)
    tree = _lark_parse(blanked, _SEQ_START[arch], source)
    builder = _Builder(arch, source)
    return _guarded(source, lambda: tuple(i for cell in _trees(tree) for i in builder.cell(cell)))


# ----------------------------------------------------------- tree -> AST


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _pos(tok: Token) -> Pos:
    return Pos(tok.line or 0, tok.column or 0)


def _trees(tree: Tree) -> list[Tree]:
    return [c for c in tree.children if isinstance(c, Tree)]


def _tokens(tree: Tree, *types: str) -> list[Token]:
    return [c for c in tree.children if isinstance(c, Token) and (not types or c.type in types)]


def _int(tok: Token) -> int:
    """Value of an INT / X86_IMM / A64_IMM token (decimal or 0x hex)."""
    s = tok.value.lstrip("$#")
    neg = s.startswith("-")
    s = s.lstrip("+-")
    v = int(s, 16) if s[:2].lower() == "0x" else int(s, 10)
    return -v if neg else v


def _first_pos(node: Union[Tree, Token]) -> Pos:
    """Position of the first token under a tree."""
    if isinstance(node, Token):
        return _pos(node)
    for c in node.children:
        p = _first_pos(c)
        if p.line:
            return p
    return Pos(0, 0)


class _Builder:
    """Builds the typed AST of one test from lark's parse tree."""

    def __init__(self, arch: str, source: str):
        self.arch = arch
        self.source = source

    def error(self, msg: str, pos: Pos) -> MemcheckError:
        return MemcheckError(msg, self.source, pos.line, pos.col)

    # ------------------------------------------------------------- test

    def test(self, tree: Tree, comments: list[str]) -> AsmTest:
        header, init, code, constraints = _trees(tree)
        name, alt, doc, info = self.header(header)
        threads = self.code(code)
        init_items = self.init(init)
        locations, filt, condition = self.constraints(constraints)
        test = AsmTest(
            arch=self.arch,
            name=name,
            init=init_items,
            threads=threads,
            condition=condition,
            locations=locations,
            filter=filt,
            comment="\n".join(c for c in comments if c),
            source=self.source,
            doc=doc,
            alt_name=alt,
            info=info,
        )
        self.check_threads(test)
        return test

    def header(self, tree: Tree) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
        name, alt, doc = "", "", None
        info: list[tuple[str, str]] = []
        for tok in _tokens(tree):
            if tok.type == "TESTNAME":
                name = tok.value
            elif tok.type == "ALTNAME":
                alt = tok.value[1:-1]
            elif tok.type == "DOC":
                if doc is not None:
                    raise self.error("a test has at most one doc string", _pos(tok))
                doc = tok.value[1:-1] if tok.value.endswith('"') and len(tok.value) > 1 \
                    else tok.value[1:].rstrip()
            elif tok.type == "INFO":
                key, _, value = tok.value.partition("=")
                info.append((key.strip(), value.strip()))
        return name, alt, doc or "", tuple(info)

    # ------------------------------------------------------------- init

    def init(self, tree: Tree) -> tuple[Init, ...]:
        return tuple(self.init_item(t) for t in _trees(tree))

    def init_item(self, tree: Tree) -> Init:
        typ: Optional[str] = None
        value = None
        loc: Optional[Loc] = None
        for c in tree.children:
            if isinstance(c, Tree) and c.data == "init_type":
                toks = _tokens(c)
                typ = toks[0].value + (" *" if len(toks) > 1 else "")
            elif isinstance(c, Tree) and c.data in ("reg_loc", "mem_loc"):
                loc = self.loc(c)
            elif isinstance(c, Tree):
                value = self.value(c)
        assert loc is not None
        if isinstance(loc, RegLoc):
            return Init(loc.reg, loc.thread, typ, value, loc.pos)
        return Init(loc.name, None, typ, value, loc.pos)

    # ------------------------------------------------------------- code

    def code(self, tree: Tree) -> tuple[AsmThread, ...]:
        procs, *rows = _trees(tree)
        heads = _tokens(procs, "NAME")
        for i, tok in enumerate(heads):
            m = _THREAD.fullmatch(tok.value)
            if m is None:
                raise self.error(f"expected a thread name like P{i}, got {tok.value!r}", _pos(tok))
            if int(m.group(1)) != i:
                raise self.error(f"thread P{m.group(1)} in column {i}; expected P{i}", _pos(tok))
        n = len(heads)
        code: list[list[CodeItem]] = [[] for _ in range(n)]
        for row in rows:
            cells = _trees(row)
            if len(cells) != n:
                pipes = _tokens(row, "PIPE")
                if len(cells) > n:
                    where = _pos(pipes[n - 1])
                else:
                    where = _pos(_tokens(row, "SEMI")[-1])
                msg = f"row has {_count(len(cells), 'cell')} but the test has {_count(n, 'thread')}"
                raise self.error(msg, where)
            for i, cell in enumerate(cells):
                code[i].extend(self.cell(cell))
        return tuple(AsmThread(i, tuple(items), _pos(heads[i])) for i, items in enumerate(code))

    def cell(self, tree: Tree) -> list[CodeItem]:
        items: list[CodeItem] = []
        for c in _trees(tree):
            if c.data == "label_def":
                tok = _tokens(c, "NAME")[0]
                items.append(Label(tok.value, _pos(tok)))
            else:
                items.append(self.instr(c))
        return items

    def instr(self, tree: Tree) -> Instr:
        toks = _tokens(tree, "LOCK", "NAME")
        prefixes = tuple(t.value for t in toks if t.type == "LOCK")
        mn = next(t for t in toks if t.type == "NAME")
        pos = _pos(toks[0])
        ops: list[Operand] = [self.operand(mn.value, c) for c in _trees(tree)]
        if self.arch == "AArch64":
            ops = self.merge_post_index(ops)
        return Instr(mn.value, tuple(ops), pos, prefixes)

    def merge_post_index(self, ops: list[Operand]) -> list[Operand]:
        """AArch64 `[X1],#8`: a plain Mem followed by an Imm is post-indexed."""
        out: list[Operand] = []
        for op in ops:
            prev = out[-1] if out else None
            if (isinstance(op, Imm) and isinstance(prev, Mem) and prev.mode == "offset"
                    and prev.offset is None and prev.extend is None):
                out[-1] = Mem(prev.base, op, None, "post")
            else:
                out.append(op)
        return out

    def operand(self, mnemonic: str, tree: Tree) -> Operand:
        kind = tree.data
        if kind == "op_imm":
            return Imm(_int(_tokens(tree)[0]))
        if kind == "op_name":
            return self.name_operand(mnemonic, _tokens(tree)[0])
        if kind == "op_shift":
            name, amount = _tokens(tree)
            return self.shift(name, _int(amount))
        if kind == "x86_mem":
            tok = _tokens(tree, "NAME", "INT")[0]
            paren = bool(_tokens(tree, "LPAR"))
            if tok.type == "INT":
                return Mem(Imm(_int(tok)))
            if is_register(self.arch, tok.value):
                return Mem(Reg(tok.value))
            if paren:
                raise self.error(f"{tok.value!r} is not a register of X86", _pos(tok))
            return Mem(Var(tok.value))
        if kind == "ppc_mem":
            off, base = _tokens(tree, "INT", "NAME")
            return Mem(self.base_reg(base), Imm(_int(off)))
        if kind == "rv_mem":
            offs, (base,) = _tokens(tree, "INT"), _tokens(tree, "NAME")
            return Mem(self.base_reg(base), Imm(_int(offs[0])) if offs else None)
        if kind == "a64_mem":
            return self.a64_mem(tree)
        raise self.error(f"unknown operand kind {kind}", _first_pos(tree))  # pragma: no cover

    def base_reg(self, tok: Token) -> Reg:
        if not is_register(self.arch, tok.value):
            raise self.error(f"{tok.value!r} is not a register of {self.arch}", _pos(tok))
        return Reg(tok.value)

    def shift(self, tok: Token, amount: Optional[int]) -> Shift:
        if self.arch != "AArch64" or tok.value.upper() not in _A64_SHIFTS:
            raise self.error(f"{tok.value!r} is not a shift or extension", _pos(tok))
        return Shift(tok.value, amount)

    def name_operand(self, mnemonic: str, tok: Token) -> Operand:
        name = tok.value
        if is_register(self.arch, name):
            return Reg(name)
        if self.arch == "AArch64":
            op, up = mnemonic.upper(), name.upper()
            if op in _A64_COND_OPS and up in _A64_CONDS:
                return Cond(name)
            if op in _A64_BARRIER_OPS and up in _A64_BARRIER_OPTS:
                return BarrierOpt(name)
            if up in _A64_SHIFTS:
                return Shift(name)
        if self.arch == "RISCV" and mnemonic == "fence":
            if not _RV_FENCE_SET.fullmatch(name):
                raise self.error(f"{name!r} is not a fence's set of accesses (i, o, r, w: 'rw', 'iorw')",
                                 _pos(tok))
            return BarrierOpt(name)
        if _is_branch(self.arch, mnemonic):
            return LabelRef(name)
        raise self.error(f"{name!r} is not a register of {self.arch}", _pos(tok))

    def a64_mem(self, tree: Tree) -> Mem:
        base = self.base_reg(_tokens(tree, "NAME")[0])
        items = _trees(tree)
        mode = "pre" if _tokens(tree, "BANG") else "offset"
        offset: Optional[Union[Reg, Imm]] = None
        extend: Optional[Shift] = None
        if len(items) > 2:
            raise self.error("too many parts in a memory operand", _first_pos(items[2]))
        if items:
            first = items[0]
            tok = _tokens(first)[0]
            if first.data == "op_imm":
                offset = Imm(_int(tok))
            elif first.data == "op_name":
                offset = self.base_reg(tok)
            else:
                raise self.error("expected an offset register or immediate", _pos(tok))
        if len(items) == 2:
            second = items[1]
            toks = _tokens(second)
            if second.data == "op_name":
                extend = self.shift(toks[0], None)
            elif second.data == "op_shift":
                extend = self.shift(toks[0], _int(toks[1]))
            else:
                raise self.error("expected an extension like SXTW or LSL #n", _pos(toks[0]))
        return Mem(base, offset, extend, mode)

    # ------------------------------------------------------ constraints

    def constraints(self, tree: Tree) -> tuple[tuple[Loc, ...], Optional[Prop], Condition]:
        locations: tuple[Loc, ...] = ()
        filt: Optional[Prop] = None
        condition: Optional[Condition] = None
        for c in _trees(tree):
            if c.data == "locations":
                locations = tuple(self.loc(t) for t in _trees(c))
            elif c.data == "filter":
                filt = self.prop(_trees(c)[0])
            elif c.data == "condition":
                quant, body = c.children
                assert isinstance(quant, Tree)
                words = [t.value for t in _tokens(quant)]
                q = {"exists": "exists", "final": "exists", "forall": "forall"}.get(words[0], "~exists")
                condition = Condition(q, self.prop(body), _pos(_tokens(quant)[0]))
            elif c.data == "bare_condition":
                lpar, body = c.children
                assert isinstance(lpar, Token)
                condition = Condition("exists", self.prop(body), _pos(lpar))
        if condition is None:  # herd: no condition means `forall true`
            condition = Condition("forall", PConst(True), Pos(0, 0))
        return locations, filt, condition

    def prop(self, node: Union[Tree, Token]) -> Prop:
        if isinstance(node, Token):  # pragma: no cover - grammar never yields this
            raise self.error(f"unexpected {node.value!r}", _pos(node))
        kind = node.data
        if kind == "atom":
            loc_tree, op, value = node.children
            assert isinstance(loc_tree, Tree) and isinstance(op, Token) and isinstance(value, Tree)
            loc = self.loc(loc_tree)
            return PAtom(loc, "=" if op.type == "EQ" else "!=", self.value(value), loc.pos)
        if kind == "const":
            tok = _tokens(node)[0]
            return PConst(tok.type == "TRUE", _pos(tok))
        if kind == "paren":
            return self.prop(_trees(node)[0])
        if kind == "not_prop":
            tok = _tokens(node, "NOT")[0]
            return PNot(self.prop(_trees(node)[0]), _pos(tok))
        items = tuple(self.prop(t) for t in _trees(node))
        pos = _first_pos(node)
        if kind == "or_prop":
            return POr(items, pos)
        if kind == "and_prop":
            return PAnd(items, pos)
        if kind == "imp_prop":
            return PImplies(items[0], items[1], pos)
        raise self.error(f"unknown proposition {kind}", pos)  # pragma: no cover

    def loc(self, tree: Tree) -> Loc:
        if tree.data == "reg_loc":
            proc, reg = _tokens(tree)
            if proc.type == "INT":
                thread = _int(proc)
            else:
                m = _THREAD.fullmatch(proc.value)
                if m is None:
                    raise self.error(f"expected a thread number before ':', got {proc.value!r}", _pos(proc))
                thread = int(m.group(1))
            if thread < 0:
                raise self.error("thread numbers are not negative", _pos(proc))
            return RegLoc(thread, reg.value, _pos(proc))
        tok = _tokens(tree, "NAME")[0]
        return MemLoc(tok.value, _pos(tok))

    def value(self, tree: Tree) -> Union[IntLit, AddrValue, Loc]:
        if tree.data == "int_value":
            tok = _tokens(tree)[0]
            return IntLit(_int(tok), _pos(tok))
        if tree.data == "addr_value":
            tok = _tokens(tree, "NAME")[0]
            return AddrValue(tok.value, _pos(tok))
        return self.loc(tree)

    # ------------------------------------------------------------ checks

    def check_threads(self, test: AsmTest) -> None:
        """Registers in init, locations and conditions name existing threads."""
        n = len(test.threads)

        def check(thread: Optional[int], pos: Pos) -> None:
            if thread is not None and thread >= n:
                raise self.error(f"thread {thread} does not exist (the test has {_count(n, 'thread')})", pos)

        for item in test.init:
            check(item.thread, item.pos)
        for loc in test.locations:
            if isinstance(loc, RegLoc):
                check(loc.thread, loc.pos)
        props: list[Prop] = [test.condition.prop] + ([test.filter] if test.filter else [])
        while props:
            p = props.pop()
            if isinstance(p, PAtom):
                for x in (p.loc, p.value):
                    if isinstance(x, RegLoc):
                        check(x.thread, x.pos)
            elif isinstance(p, (PAnd, POr)):
                props.extend(p.items)
            elif isinstance(p, PNot):
                props.append(p.item)
            elif isinstance(p, PImplies):
                props.extend((p.left, p.right))


# ----------------------------------------------------------------- printing


def _imm(arch: str, value: int) -> str:
    return {"X86": "$", "AArch64": "#"}.get(arch, "") + str(value)


def format_operand(arch: str, op: Operand) -> str:
    """One operand in the syntax of `arch`."""
    if isinstance(op, (Reg, LabelRef, Cond, BarrierOpt, Var)):
        return op.name
    if isinstance(op, Imm):
        return _imm(arch, op.value)
    if isinstance(op, Shift):
        return op.op if op.amount is None else f"{op.op} {_imm(arch, op.amount)}"
    if isinstance(op, Mem):
        return _format_mem(arch, op)
    raise MemcheckError(f"cannot print operand {op!r}")


def _format_mem(arch: str, m: Mem) -> str:
    """A memory operand in the syntax of `arch`."""
    base = m.base.name if isinstance(m.base, (Reg, Var)) else str(m.base.value)
    if arch == "X86":
        if m.offset is not None or m.extend is not None or m.mode != "offset":
            raise MemcheckError(f"X86 memory operands have no offset: {m!r}")
        return f"[{base}]"
    if arch == "RISCV":
        if not (isinstance(m.base, Reg) and m.extend is None and m.mode == "offset"
                and (m.offset is None or isinstance(m.offset, Imm))):
            raise MemcheckError(f"RISCV memory operands are written 'd(rs1)' or '(rs1)': {m!r}")
        return f"({base})" if m.offset is None else f"{m.offset.value}({base})"
    if arch == "PPC":
        plain = m.extend is None and m.mode == "offset"
        if not (isinstance(m.base, Reg) and plain and (m.offset is None or isinstance(m.offset, Imm))):
            raise MemcheckError(f"PPC memory operands are written 'd(rA)': {m!r}")
        return f"{m.offset.value if isinstance(m.offset, Imm) else 0}({base})"
    if not isinstance(m.base, Reg):
        raise MemcheckError(f"AArch64 memory operands need a base register: {m!r}")
    if m.mode == "post":
        if not isinstance(m.offset, Imm) or m.extend is not None:
            raise MemcheckError(f"AArch64 post-index needs an immediate: {m!r}")
        return f"[{base}],{_imm(arch, m.offset.value)}"
    parts = [base]
    if m.offset is not None:
        parts.append(format_operand(arch, m.offset))
    if m.extend is not None:
        if m.offset is None:
            raise MemcheckError(f"an extension needs an offset register: {m!r}")
        parts.append(format_operand(arch, m.extend))
    return "[" + ",".join(parts) + "]" + ("!" if m.mode == "pre" else "")


def format_instr(arch: str, item: CodeItem) -> str:
    """One code cell: an instruction or a label definition `L:`."""
    if isinstance(item, Label):
        return f"{item.name}:"
    head = " ".join((*item.prefixes, item.mnemonic))
    if not item.operands:
        return head
    return head + " " + ",".join(format_operand(arch, o) for o in item.operands)


def _format_loc(loc: Loc, brackets: bool) -> str:
    if isinstance(loc, RegLoc):
        return f"{loc.thread}:{loc.reg}"
    return f"[{loc.name}]" if brackets else loc.name


def _format_value(v: Union[IntLit, AddrValue, Loc]) -> str:
    if isinstance(v, IntLit):
        return str(v.value)
    if isinstance(v, AddrValue):
        return v.name
    return _format_loc(v, brackets=True)


def format_prop(p: Prop) -> str:
    """A proposition in herd syntax; compound operands are parenthesised."""

    def wrap(q: Prop) -> str:
        s = format_prop(q)
        if isinstance(q, (PAnd, POr)) and len(q.items) < 2:
            return s
        return s if isinstance(q, (PAtom, PConst, PNot)) else f"({s})"

    if isinstance(p, PAtom):
        return f"{_format_loc(p.loc, brackets=False)}{p.op}{_format_value(p.value)}"
    if isinstance(p, PConst):
        return "true" if p.value else "false"
    if isinstance(p, PNot):
        return "~" + wrap(p.item)
    if isinstance(p, PAnd):
        return " /\\ ".join(wrap(i) for i in p.items) if p.items else "true"
    if isinstance(p, POr):
        return " \\/ ".join(wrap(i) for i in p.items) if p.items else "false"
    if isinstance(p, PImplies):
        return f"{wrap(p.left)} => {wrap(p.right)}"
    raise MemcheckError(f"cannot print proposition {p!r}")


def _format_init(item: Init) -> str:
    loc = item.name if item.thread is None else f"{item.thread}:{item.name}"
    s = f"{item.type} {loc}" if item.type else loc
    if item.value is not None:
        v = item.value
        s += "=" + (str(v.value) if isinstance(v, IntLit) else v.name)
    return s + ";"


def format_asm_litmus(test: AsmTest) -> str:
    """Print `test` as a herd7 litmus file."""
    if test.arch not in _START:
        raise MemcheckError(f"cannot print a {test.arch!r} test as assembly")
    if not test.threads:
        raise MemcheckError("a litmus test needs at least one thread")
    if '"' in test.doc:
        raise MemcheckError("a doc string cannot contain '\"'")
    lines = [f"{test.arch} {test.name}" + (f" ({test.alt_name})" if test.alt_name else "")]
    if test.doc:
        lines.append(f'"{test.doc}"')
    if test.comment:
        lines.append(f"(* {test.comment} *)")
    lines.extend(f"{k}={v}" for k, v in test.info)
    lines.append("{")
    group: list[str] = []
    last: object = object()
    for item in test.init:
        if group and item.thread != last:
            lines.append(" ".join(group))
            group = []
        group.append(_format_init(item))
        last = item.thread
    if group:
        lines.append(" ".join(group))
    lines.append("}")
    columns = [[f"P{t.index}"] + [format_instr(test.arch, i) for i in t.code] for t in test.threads]
    height = max(len(c) for c in columns)
    widths = [max(len(s) for s in c) for c in columns]
    for r in range(height):
        cells = [(c[r] if r < len(c) else "").ljust(w) for c, w in zip(columns, widths)]
        lines.append(" " + " | ".join(cells) + " ;")
    if test.locations:
        lines.append("locations [" + " ".join(_format_loc(l, False) + ";" for l in test.locations) + "]")
    if test.filter is not None:
        lines.append("filter (" + format_prop(test.filter) + ")")
    lines.append(f"{test.condition.quantifier} ({format_prop(test.condition.prop)})")
    return "\n".join(lines) + "\n"
