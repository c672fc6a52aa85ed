"""Typed contents of a herd7 macro file (`.def`): what each kernel primitive means.

A macro is `NAME(PARAMS) EXPRESSION` or `NAME(PARAMS) { STATEMENTS }`; its
body is C code (ast.py nodes) written with herd's builtins (`__load{once}`,
`__fence{mb}`, ...) and other macros.  Expression and statement macros are
two name spaces, as in herd7: a name may be both, and a later definition
replaces an earlier one of its kind.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Optional, Union

from memcheck.litmus.ast import NOPOS, Expr, Pos, Stmt


@dataclass(frozen=True)
class ExprMacro:
    """`NAME(PARAMS) EXPRESSION`, e.g. `READ_ONCE(X) __load{once}(X)`."""
    name: str
    params: tuple[str, ...]
    body: Expr
    pos: Pos = NOPOS


@dataclass(frozen=True)
class StmtMacro:
    """`NAME(PARAMS) { STATEMENTS }`, e.g. `smp_mb() { __fence{mb}; }`."""
    name: str
    params: tuple[str, ...]
    body: tuple[Stmt, ...]
    pos: Pos = NOPOS


Macro = Union[ExprMacro, StmtMacro]


@dataclass(frozen=True)
class Macros:
    """The macros of one `.def` file, in file order; `source` names it."""
    macros: tuple[Macro, ...]
    source: str = ""

    @cached_property
    def _expressions(self) -> dict[str, ExprMacro]:
        return {m.name: m for m in self.macros if isinstance(m, ExprMacro)}

    @cached_property
    def _statements(self) -> dict[str, StmtMacro]:
        return {m.name: m for m in self.macros if isinstance(m, StmtMacro)}

    def expression(self, name: str) -> Optional[ExprMacro]:
        return self._expressions.get(name)

    def statement(self, name: str) -> Optional[StmtMacro]:
        return self._statements.get(name)

    def names(self) -> list[str]:
        """Every name a macro defines, each once, in file order."""
        return list(dict.fromkeys(m.name for m in self.macros))
