"""The price of each proposed change per architecture, read from costs.toml (data, overridable)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Optional

from ..errors import MemcheckError


@dataclass(frozen=True)
class Price:
    """What one primitive compiles to on one architecture, and its relative cost."""
    cost: float
    emits: str


@dataclass(frozen=True)
class CostTable:
    """Architecture -> primitive -> Price; the advisor sums these per fix."""
    prices: dict[str, dict[str, Price]]

    @property
    def arches(self) -> list[str]:
        return list(self.prices)

    def price(self, arch: str, primitive: str) -> Price:
        try:
            return self.prices[arch][primitive]
        except KeyError:
            raise MemcheckError(f"cost table has no price for '{primitive}' on {arch}") from None

    def cost(self, arch: Optional[str], primitive: str) -> float:
        """One architecture's price, or (arch None) the sum over all: a kernel patch pays everywhere."""
        if arch is None:
            return sum(self.price(a, primitive).cost for a in self.prices)
        return self.price(arch, primitive).cost

    def free_on(self, primitive: str) -> list[str]:
        """Architectures where the primitive compiles to no instruction."""
        return [a for a in self.prices if self.price(a, primitive).cost == 0]

    def check_covers(self, primitives: list[str]) -> None:
        """Every primitive the advisor may propose has a price on every architecture."""
        for a in self.prices:
            for p in primitives:
                self.price(a, p)


def _parse(data: dict[str, Any], source: str) -> dict[str, dict[str, Price]]:
    out: dict[str, dict[str, Price]] = {}
    for arch, entries in data.items():
        if not isinstance(entries, dict):
            raise MemcheckError(f"[{arch}] must be a table of primitives", source)
        table: dict[str, Price] = {}
        for name, v in entries.items():
            if name == "description":
                continue
            if isinstance(v, (int, float)):
                v = {"cost": v}
            if not isinstance(v, dict) or not isinstance(v.get("cost"), (int, float)) or v["cost"] < 0:
                raise MemcheckError(f"{arch}.{name}: expected {{ cost = N, emits = \"...\" }} with N >= 0", source)
            table[name] = Price(float(v["cost"]), str(v.get("emits", "")))
        out[arch] = table
    return out


def _read_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise MemcheckError(f"bad cost table: {e}", source) from None


def load_costs(override: Optional[str | Path] = None) -> CostTable:
    """The shipped table, with the entries of `override` (a TOML file) replacing or adding to it."""
    shipped = resources.files("memcheck.fences").joinpath("costs.toml").read_text()
    prices = _parse(_read_toml(shipped, "costs.toml"), "costs.toml")
    if override is not None:
        try:
            text = Path(override).read_text()
        except OSError as e:
            raise MemcheckError(f"cannot read cost table: {e.strerror}", str(override)) from None
        for arch, table in _parse(_read_toml(text, str(override)), str(override)).items():
            prices[arch] = {**prices.get(arch, {}), **table}
    return CostTable(prices)
