"""A process pool whose stuck workers are killed: a hard time limit per task.

multiprocessing.Pool and ProcessPoolExecutor cannot stop one task; here each
worker runs one task at a time over its own pipe, so a task past its limit
costs only its worker, which is killed and replaced while the others go on.
Workers come from a fork server (no fork of a threaded parent, imports paid
once) and build their state (a Checker) once, before taking work.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Generic, Iterator, Optional, Sequence, TypeVar, Union

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Finished(Generic[R]):
    """The task returned `value`."""
    value: R


@dataclass(frozen=True)
class Overran:
    """The task ran past the limit; its worker was killed."""
    seconds: float


@dataclass(frozen=True)
class Died:
    """The worker died (or raised) while running the task."""
    message: str
    seconds: float


Outcome = Union[Finished[R], Overran, Died]


def _serve(conn: Connection, setup: Optional[Callable[[], Any]], work: Callable[[Any, Any], Any]) -> None:
    """A worker: build the state, say ready, then run tasks until told to stop."""
    state = setup() if setup is not None else None
    conn.send(("ready", None))
    while True:
        message = conn.recv()
        if message is None:
            return
        try:
            conn.send(("done", work(state, message)))
        except Exception as e:
            conn.send(("raised", f"{type(e).__name__}: {e}"))


@dataclass
class _Worker:
    """A worker process, its pipe and what it is doing."""
    process: Any
    conn: Connection
    task: Optional[int] = None
    started: float = 0.0
    done: int = 0  # tasks finished


def _context(preload: Sequence[str]):
    """The fork server context (spawn where there is none), modules preloaded."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(list(preload))
        return ctx
    return mp.get_context("spawn")


@dataclass
class KillablePool(Generic[S, T, R]):
    """`jobs` workers running `work(setup(), task)`; a task running longer than
    `limit` seconds has its worker killed and is reported as Overran."""
    jobs: int
    work: Callable[[S, T], R]
    setup: Optional[Callable[[], S]] = None
    limit: Optional[float] = None
    preload: Sequence[str] = ()
    max_tasks_per_worker: Optional[int] = None  # then the worker is replaced (memory held by Z3)
    max_start_failures: int = 3

    def run(self, tasks: Sequence[T]) -> Iterator[tuple[int, Outcome]]:
        """(index of the task, outcome) for every task, in completion order."""
        ctx = _context(self.preload)
        pending = deque(range(len(tasks)))
        workers: list[_Worker] = []
        retired: list[_Worker] = []
        start_failures = 0

        def spawn() -> None:
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_serve, args=(child, self.setup, self.work), daemon=True)
            p.start()
            child.close()
            workers.append(_Worker(p, parent))

        def give(w: _Worker) -> None:
            worn = self.max_tasks_per_worker is not None and w.done >= self.max_tasks_per_worker
            if pending and not worn:
                w.task, w.started = pending.popleft(), time.monotonic()
                w.conn.send(tasks[w.task])
            else:
                w.task = None
                w.conn.send(None)
                workers.remove(w)
                retired.append(w)
                if pending:
                    spawn()

        def drop(w: _Worker) -> None:
            _kill(w)
            workers.remove(w)
            if pending and len(workers) < self.jobs:
                spawn()

        for _ in range(min(self.jobs, len(tasks))):
            spawn()
        remaining = len(tasks)
        try:
            while remaining:
                if not workers:
                    raise RuntimeError("no worker left")
                now = time.monotonic()
                for w in list(workers):
                    if w.task is not None and self.limit is not None and now - w.started > self.limit:
                        index, seconds = w.task, now - w.started
                        drop(w)
                        remaining -= 1
                        yield index, Overran(seconds)
                if not remaining:
                    break
                busy = [w.started + self.limit - now for w in workers
                        if w.task is not None and self.limit is not None]
                ready = wait([w.conn for w in workers] + [w.process.sentinel for w in workers],
                             max(0.0, min(busy)) if busy else None)
                for w in list(workers):
                    if w.conn not in ready and w.process.sentinel not in ready:
                        continue
                    try:
                        kind, value = w.conn.recv() if w.conn.poll() else (None, None)
                    except (EOFError, OSError):
                        kind, value = None, None
                    if kind == "ready":
                        start_failures = 0
                        give(w)
                    elif kind in ("done", "raised"):
                        index, seconds = w.task, time.monotonic() - w.started
                        remaining -= 1
                        w.done += 1
                        give(w)
                        assert index is not None
                        yield index, Finished(value) if kind == "done" else Died(value, seconds)
                    elif not w.process.is_alive() or kind is None:
                        w.process.join(1)
                        index, seconds = w.task, time.monotonic() - w.started
                        code = w.process.exitcode
                        drop(w)
                        if index is None:
                            start_failures += 1
                            if start_failures >= self.max_start_failures:
                                raise RuntimeError(f"workers die on start (exit code {code})")
                        else:
                            remaining -= 1
                            yield index, Died(f"worker died (exit code {code})", seconds)
        finally:
            for w in workers:
                _kill(w)
            for w in retired:
                w.process.join(2)
                if w.process.is_alive():
                    _kill(w)


def _kill(w: _Worker) -> None:
    """Stop a worker now: SIGKILL (a stuck Z3 call ignores SIGTERM), then reap it."""
    if w.process.is_alive():
        w.process.kill()
    w.process.join(5)
    w.conn.close()
