"""The result cache: re-checking an unchanged corpus costs a lookup per test.

A result is keyed by the test's bytes, the model's name, the content of every
model file (models/) and lowering table, and memcheck's version, so editing
a test or a model invalidates exactly what it affects. The store is one
sqlite file in WAL mode (readers never block, writers wait for each other),
safe for concurrent runs; only the parent process writes to it.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional

from .. import __version__
from .judging import Judged

ENV_DIR = "MEMCHECK_CACHE_DIR"
FILE_NAME = "results.sqlite3"


def cache_dir() -> Path:
    """$MEMCHECK_CACHE_DIR, else the user's cache directory (XDG_CACHE_HOME on Linux)."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    from platformdirs import user_cache_dir
    return Path(user_cache_dir("memcheck", appauthor=False))


def _hash_tree(h: "hashlib._Hash", root: Path, patterns: Iterable[str]) -> None:
    """Feed every file under `root` matching `patterns` (names and bytes) to `h`."""
    files = sorted({f for p in patterns for f in root.glob(p) if f.is_file()})
    for f in files:
        h.update(f.relative_to(root).as_posix().encode() + b"\0")
        h.update(f.read_bytes() + b"\0")


def fingerprint(models: Path) -> str:
    """What besides the test decides a result: version, model files, lowering tables."""
    h = hashlib.sha256(f"memcheck {__version__}\0".encode())
    _hash_tree(h, models.resolve(), ["**/*"])
    tables = Path(str(resources.files("memcheck").joinpath("lower", "tables")))
    if tables.is_dir():
        _hash_tree(h, tables, ["*.toml"])
    return h.hexdigest()


MODEL_FILE_PATTERNS = ("*.cat", "*.bell", "*.def", "*.cfg")


def model_files_key(name: str, spec) -> str:
    """The cache identity of a model read from files: its name and the content
    of the files it names and of the model files in the folders its includes
    are searched in, so that editing a kernel tree's model judges again."""
    h = hashlib.sha256(name.encode() + b"\0")
    named = {Path(f) for f in spec.sources()} | ({Path(name)} if Path(name).is_file() else set())
    for f in sorted(named):
        h.update(str(f).encode() + b"\0")
        h.update((f.read_bytes() if f.is_file() else b"") + b"\0")
    for d in spec.dirs:
        if Path(d).is_dir():
            _hash_tree(h, Path(d), MODEL_FILE_PATTERNS)
    return f"{name}\0{h.hexdigest()}"


def result_key(fingerprint: str, model: str, raw: bytes, mode: str = "") -> str:
    """The cache key of one test's content under one model (and judging mode)."""
    h = hashlib.sha256(fingerprint.encode() + b"\0" + model.encode() + b"\0"
                       + (mode.encode() + b"\0" if mode else b""))
    h.update(raw)
    return h.hexdigest()


@dataclass
class ResultCache:
    """Judged results by key, in a sqlite file."""
    path: Path
    _db: Optional[sqlite3.Connection] = None

    def _conn(self) -> sqlite3.Connection:
        """Open (and create) the store on first use."""
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db = db
        return self._db

    @classmethod
    def default(cls) -> "ResultCache":
        """The cache in the user's cache directory."""
        return cls(cache_dir() / FILE_NAME)

    def get_many(self, keys: Iterable[str]) -> dict[str, Judged]:
        """The cached results among `keys`."""
        keys = list(dict.fromkeys(keys))
        out: dict[str, Judged] = {}
        db = self._conn()
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = db.execute(f"SELECT key, value FROM results WHERE key IN ({','.join('?' * len(chunk))})",
                              chunk)
            for key, value in rows:
                try:
                    out[key] = Judged.from_dict(json.loads(value))
                except (ValueError, TypeError):  # written by another version: judge again
                    pass
        return out

    def put_many(self, items: Iterable[tuple[str, Judged]]) -> None:
        """Store results (cacheable ones only), in one transaction."""
        rows = [(k, json.dumps(j.to_dict())) for k, j in items if j.cacheable]
        if rows:
            db = self._conn()
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", rows)

    def close(self) -> None:
        """Close the store."""
        if self._db is not None:
            self._db.close()
            self._db = None
