"""herd7's view of an assembly test's events, for herd's own cat files.

herd's models (aarch64.cat, ppc.cat, x86tso.cat, ...) name events by the
sets herd's semantics put them in (A, L, X, DMB.ISH, SYNC, MFENCE, Rreg,
DATA, ...) and use relations herd builds from its event structure
(same-instance, amo, iico_data, rf-reg, ...).  The lowering names events
herd's way when asked (tables/herd-ARCH.toml, lower/herd_isa.py); this
module loads those tables and completes a candidate's cat view with what
herd always defines: the computed sets and relations, and the names that
hold no event memcheck builds.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Callable, Optional

from ..errors import MemcheckError
from .program import Program

# The architectures with a table, by the assembly dialect's name.
HERD_ARCHS = ("X86", "AArch64", "PPC", "RISCV")

VIEW_PREFIX = "herd:"


@dataclass(frozen=True)
class HerdNames:
    """One architecture's table: how herd names its events."""
    arch: str
    tags: dict[str, tuple[str, ...]]          # memcheck tag -> herd's sets
    data_ports: dict[str, tuple[int, ...]]    # operation kind -> operands read as data
    registers: dict[str, str]                 # special registers (flags) by role
    empty_sets: frozenset[str]
    empty_relations: frozenset[str]
    semantic_variants: frozenset[str]         # herd variants changing the events: refused
    combined: dict[str, tuple[str, ...]] = field(default_factory=dict)  # herd set -> the sets it replaces
    one_event: tuple[str, ...] = ()   # sets whose events of one instruction are one event in herd's

    def herd_tags(self, tags) -> frozenset[str]:
        """herd's sets for an event memcheck tags `tags` (unlisted tags are
        herd's names already; sets herd joins into one, [combined], joined)."""
        out: set[str] = set()
        for t in tags:
            out.update(self.tags.get(t, (t,)))
        for name, parts in self.combined.items():
            if out.issuperset(parts):
                out.difference_update(parts)
                out.add(name)
        return frozenset(out)

    @property
    def view(self) -> str:
        """The Program.view of a lowering naming events this way."""
        return VIEW_PREFIX + self.arch


def _table(name: str) -> dict:
    raw = resources.files("memcheck.lower").joinpath("tables", f"herd-{name}.toml").read_bytes()
    return tomllib.loads(raw.decode())


@lru_cache(maxsize=None)
def herd_names(arch: str) -> HerdNames:
    """The table of `arch` (an assembly dialect: X86, AArch64, PPC, RISCV)."""
    if arch not in HERD_ARCHS:
        raise MemcheckError(f"no herd7 event names for architecture '{arch}' "
                            f"(known: {', '.join(HERD_ARCHS)})")
    common, own = _table("common"), _table(arch)

    def names(section: str, key: str = "empty") -> frozenset[str]:
        return frozenset(common.get(section, {}).get(key, [])) | frozenset(own.get(section, {}).get(key, []))

    return HerdNames(arch, {k: tuple(v) for k, v in own.get("tags", {}).items()},
                     {k: tuple(v) for k, v in own.get("data_ports", {}).items()},
                     dict(own.get("registers", {})), names("sets"), names("relations"),
                     frozenset(v.lower() for v in own.get("variants", {}).get("semantic", [])),
                     {k: tuple(v) for k, v in own.get("combined", {}).items()},
                     tuple(own.get("instance", {}).get("one_event", [])))


def view_arch(view: str) -> Optional[str]:
    """The architecture of a Program.view naming events herd's way, if it does."""
    return view[len(VIEW_PREFIX):] if view.startswith(VIEW_PREFIX) else None


def complete_view(prog: Program, index: dict[int, int], n: int, sets: dict[str, int],
                  rels: dict[str, tuple[int, ...]], holds: Callable) -> None:
    """Add to a candidate's cat view (`sets`, `rels` over the `n` cat events
    `index` numbers) what herd's semantics define for every test."""
    arch = view_arch(prog.view)
    assert arch is not None
    names = herd_names(arch)
    full = (1 << n) - 1
    for name in names.empty_sets:
        sets.setdefault(name, 0)
    mem = sets.get("M", 0)
    sets["Exp"] = mem           # every access of a test is explicit
    sets["EXEC"] = mem          # none is speculative
    sets["NDATA"] = full & ~sets["DATA"]
    located = 0
    for eid, i in index.items():
        if prog.events[eid].addr is not None:
            located |= 1 << i
    sets["no-loc"] = full & ~located & ~(sets["Rreg"] | sets["Wreg"])

    # one instruction's events: no program order among them (herd's po
    # relates instructions) unless herd has them as one event, same-instance,
    # and amo its rmw pairs
    groups: dict[int, int] = {}
    for eid, i in index.items():
        k = prog.instance.get(eid)
        if k is not None:
            groups[k] = groups.get(k, 0) | (1 << i)
    same = [0] * n
    for eid, i in index.items():
        k = prog.instance.get(eid)
        same[i] = groups[k] if k is not None else 1 << i
    same_t = tuple(same)
    rels["same-instance"] = same_t
    rels["same-instr"] = same_t
    rels["same-static"] = same_t
    single = 0
    for name in names.one_event:
        single |= sets.get(name, 0)
    po = tuple(row & ~(same[i] & ~single if (single >> i) & 1 else same[i])
               for i, row in enumerate(rels["po"]))
    rels["po"] = po
    rels["partial_po"] = po
    rels["amo"] = tuple(row & same[i] for i, row in enumerate(rels["rmw"]))
    ident_mem = tuple((1 << i) if (mem >> i) & 1 else 0 for i in range(n))
    rels["sm"] = ident_mem
    rels["si"] = ident_mem
    rels["same-low-order-bits"] = rels["loc"]
    for name in names.empty_relations:
        rels.setdefault(name, (0,) * n)
    for name in ("iico_data", "iico_ctrl", "iico_order", "rf-reg"):
        rows = [0] * n
        for a, b, g in prog.relations.get(name, ()):
            if a in index and b in index and holds(g):
                rows[index[a]] |= 1 << index[b]
        rels[name] = tuple(rows)
