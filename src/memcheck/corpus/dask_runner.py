"""Judging tasks on a Dask distributed cluster, for corpora that outgrow one machine.

Imported only for `--scheduler` (Dask is the optional extra `memcheck[dask]`).
Each Dask worker thread keeps one Checker (models compiled once), held by a
worker plugin; tasks carry the tests' bytes, so workers need no shared files.
Dask cannot stop a running task: the engine's own deadline is the time limit
there (a test stuck inside one solver call keeps its worker thread busy).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Iterator, Sequence

from distributed import Client, WorkerPlugin, as_completed, get_worker

from ..checker import Checker
from .judging import Judged, Task, judge_task, lost, prepare_checker

PLUGIN_NAME = "memcheck-checker"


class CheckerPlugin(WorkerPlugin):
    """Per-thread Checkers on a Dask worker (a Checker is not thread-safe)."""
    name = PLUGIN_NAME

    def __init__(self, models: Sequence[str], libdirs: Sequence[str] = ()):
        self.models = tuple(models)
        self.libdirs = tuple(libdirs)
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        """Only the model names and library folders travel to the workers."""
        return {"models": self.models, "libdirs": self.libdirs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuilt on the worker with no Checker yet."""
        self.models = state["models"]
        self.libdirs = tuple(state.get("libdirs", ()))
        self._local = threading.local()

    def checker(self) -> Checker:
        """This thread's Checker, built on first use."""
        c = getattr(self._local, "checker", None)
        if c is None:
            c = self._local.checker = prepare_checker(self.models, self.libdirs)
        return c


def judge_remote(task: Task) -> Judged:
    """Run on a Dask worker: judge one task with the thread's Checker."""
    plugin = get_worker().plugins.get(PLUGIN_NAME)
    checker = plugin.checker() if plugin is not None else prepare_checker([task.model])
    return judge_task(checker, task)


def run_on_dask(address: str, tasks: Sequence[Task], models: Sequence[str],
                libdirs: Sequence[str] = ()) -> Iterator[tuple[int, Judged]]:
    """(index, result) for every task, judged on the cluster at `address`
    (model files and --libdir folders must be at the same paths there)."""
    with Client(address, timeout=30) as client:
        register = getattr(client, "register_plugin", None) or client.register_worker_plugin
        register(CheckerPlugin(models, libdirs), name=PLUGIN_NAME)
        start = time.monotonic()
        futures = client.map(judge_remote, list(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            i = index[future.key]
            try:
                result = future.result()
            except Exception as e:
                result = lost(tasks[i], f"internal error: Dask task failed: {type(e).__name__}: {e}",
                              time.monotonic() - start)
            yield i, result
