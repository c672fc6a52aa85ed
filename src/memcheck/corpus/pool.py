"""A process pool whose stuck workers are killed: a hard time limit per task.

multiprocessing.Pool and ProcessPoolExecutor cannot stop one task; here each
worker runs one task at a time over its own pipe, so a task past its limit
costs only its worker, which is killed and replaced while the others go on.
Workers come from a fork server (no fork of a threaded parent, imports paid
once) and build their state (a Checker) once, before taking work.

`KillablePool.run` judges a batch (`memcheck check`); `ServingPool` keeps its
workers warm and takes tasks one by one from any thread (`memcheck serve`).
Both drive the same crew of workers.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import socket
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
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


# a worker's young objects are mostly short-lived formulas and relations
YOUNG_THRESHOLD = 10_000


def settle_heap() -> None:
    """Prepare a worker that runs tasks from now on: what exists now (its
    state: compiled models) is set aside from the cyclic collector, which
    would otherwise walk it on every full collection, and the youngest
    generation is collected less often (each task allocates in bursts)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def _serve(conn: Connection, setup: Optional[Callable[[], Any]], work: Callable[[Any, Any], Any]) -> None:
    """A worker: build the state, say ready, then run tasks until told to stop."""
    state = setup() if setup is not None else None
    settle_heap()
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
    ready: bool = False
    task: Any = None  # the key of the task it runs, None when idle
    limit: Optional[float] = None
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
class _Crew:
    """Up to `jobs` workers and the tasks waiting for one: hands tasks out,
    kills a worker past its task's limit, replaces dead and worn workers.
    With `keep`, idle workers stay (warm) and the crew stays full; without,
    a worker with nothing left to do is told to stop."""
    ctx: Any
    jobs: int
    work: Callable
    setup: Optional[Callable]
    max_tasks_per_worker: Optional[int]
    max_start_failures: int
    keep: bool
    pending: deque = field(default_factory=deque)  # (key, task, limit)
    workers: list[_Worker] = field(default_factory=list)
    retired: list[_Worker] = field(default_factory=list)
    start_failures: int = 0

    def spawn(self) -> None:
        parent, child = self.ctx.Pipe()
        p = self.ctx.Process(target=_serve, args=(child, self.setup, self.work), daemon=True)
        p.start()
        child.close()
        self.workers.append(_Worker(p, parent))

    def fill(self) -> None:
        """Start workers while there is work (or, with `keep`, always) and room."""
        idle = sum(1 for w in self.workers if w.task is None)
        while len(self.workers) < self.jobs and (self.keep or len(self.pending) > idle):
            self.spawn()
            idle += 1

    def give(self, w: _Worker) -> None:
        """A ready worker is free: its next task, or it stops (worn out, or no work left)."""
        worn = self.max_tasks_per_worker is not None and w.done >= self.max_tasks_per_worker
        w.task = None
        if self.pending and not worn:
            w.task, task, w.limit = self.pending.popleft()
            w.started = time.monotonic()
            w.conn.send(task)
        elif worn or not self.keep:
            w.conn.send(None)
            self.workers.remove(w)
            self.retired.append(w)
            self.fill()

    def assign(self) -> None:
        """Hand waiting tasks to idle ready workers."""
        for w in list(self.workers):
            if not self.pending:
                break
            if w.ready and w.task is None:
                self.give(w)
        self.fill()

    def drop(self, w: _Worker) -> None:
        _kill(w)
        self.workers.remove(w)
        self.fill()

    def reap(self) -> None:
        """Forget retired workers that have exited."""
        for w in list(self.retired):
            if not w.process.is_alive():
                w.process.join(0)
                w.conn.close()
                self.retired.remove(w)

    def busy(self) -> int:
        return sum(1 for w in self.workers if w.task is not None)

    def step(self, extra: Sequence[Any] = (), timeout: Optional[float] = None) -> list[tuple[Any, Outcome]]:
        """Wait (up to `timeout`, or for one of `extra` to be readable) for
        workers, then the tasks that ended: (key, outcome) each."""
        out: list[tuple[Any, Outcome]] = []
        now = time.monotonic()
        for w in list(self.workers):
            if w.task is not None and w.limit is not None and now - w.started > w.limit:
                key, seconds = w.task, now - w.started
                self.drop(w)
                out.append((key, Overran(seconds)))
        if out:
            return out
        if not self.workers and not self.keep:
            raise RuntimeError("no worker left")
        waits = [w.started + w.limit - now for w in self.workers if w.task is not None and w.limit is not None]
        if timeout is not None:
            waits.append(timeout)
        ready = wait([w.conn for w in self.workers] + [w.process.sentinel for w in self.workers] + list(extra),
                     max(0.0, min(waits)) if waits else None)
        for w in list(self.workers):
            if w.conn not in ready and w.process.sentinel not in ready:
                continue
            try:
                kind, value = w.conn.recv() if w.conn.poll() else (None, None)
            except (EOFError, OSError):
                kind, value = None, None
            if kind == "ready":
                self.start_failures = 0
                w.ready = True
                self.give(w)
            elif kind in ("done", "raised"):
                key, seconds = w.task, time.monotonic() - w.started
                w.done += 1
                self.give(w)
                out.append((key, Finished(value) if kind == "done" else Died(value, seconds)))
            elif not w.process.is_alive() or kind is None:
                w.process.join(1)
                key, seconds = w.task, time.monotonic() - w.started
                code = w.process.exitcode
                self.drop(w)
                if key is None:
                    self.start_failures += 1
                    if self.start_failures >= self.max_start_failures:
                        raise RuntimeError(f"workers die on start (exit code {code})")
                else:
                    out.append((key, Died(f"worker died (exit code {code})", seconds)))
        self.reap()
        return out

    def stop(self) -> None:
        for w in self.workers:
            _kill(w)
        for w in self.retired:
            w.process.join(2)
            if w.process.is_alive():
                _kill(w)
        self.workers.clear()
        self.retired.clear()


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
        crew = _Crew(_context(self.preload), self.jobs, self.work, self.setup, self.max_tasks_per_worker,
                     self.max_start_failures, keep=False)
        crew.pending.extend((i, t, self.limit) for i, t in enumerate(tasks))
        remaining = len(tasks)
        try:
            crew.fill()
            while remaining:
                for index, outcome in crew.step():
                    remaining -= 1
                    yield index, outcome
        finally:
            crew.stop()


class ServingPool(Generic[S, T, R]):
    """`jobs` warm workers running `work(setup(), task)` for tasks submitted
    one at a time from any thread; each task has its own limit past which its
    worker is killed (and replaced) and its outcome is Overran.  At most `jobs`
    tasks run at once; the others wait in order."""

    def __init__(self, jobs: int, work: Callable[[S, T], R], setup: Optional[Callable[[], S]] = None,
                 limit: Optional[float] = None, preload: Sequence[str] = (),
                 max_tasks_per_worker: Optional[int] = None, max_start_failures: int = 3):
        self.limit = limit
        self._crew = _Crew(_context(preload), jobs, work, setup, max_tasks_per_worker, max_start_failures,
                           keep=True)
        self._inbox: deque[tuple[Future, T, Optional[float]]] = deque()
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._closed = False
        self._broken: Optional[str] = None
        self._futures: dict[int, Future] = {}
        self._thread = threading.Thread(target=self._loop, name="memcheck-pool", daemon=True)
        self._thread.start()

    def submit(self, task: T, limit: Optional[float] = None) -> "Future[Outcome]":
        """Run `task` (its worker killed past `limit` seconds of running, the
        pool's limit by default); the future's result is its Outcome."""
        f: Future = Future()
        with self._lock:
            if self._closed or self._broken:
                raise RuntimeError(self._broken or "the pool is closed")
            self._inbox.append((f, task, self.limit if limit is None else limit))
        self._wake_w.send(b"x")
        return f

    def _loop(self) -> None:
        crew, key = self._crew, 0
        try:
            crew.fill()
            while True:
                with self._lock:
                    if self._closed:
                        break
                    while self._inbox:
                        f, task, limit = self._inbox.popleft()
                        if f.set_running_or_notify_cancel():  # False: cancelled while waiting
                            key += 1
                            self._futures[key] = f
                            crew.pending.append((key, task, limit))
                crew.assign()
                for k, outcome in crew.step([self._wake_r]):
                    self._futures.pop(k).set_result(outcome)
                try:
                    while self._wake_r.recv(4096, socket.MSG_DONTWAIT):
                        pass
                except BlockingIOError:
                    pass
        except Exception as e:  # workers that cannot start: every request fails the same way
            with self._lock:
                self._broken = f"{type(e).__name__}: {e}"
            for f in self._futures.values():
                f.set_result(Died(self._broken, 0.0))
            self._futures.clear()
        finally:
            crew.stop()
            with self._lock:
                self._closed = True
                left = list(self._inbox)
                self._inbox.clear()
            for f, _, _ in left:
                if f.set_running_or_notify_cancel():
                    f.set_result(Died("the pool was closed", 0.0))
            for f in self._futures.values():
                f.set_result(Died("the pool was closed", 0.0))
            self._futures.clear()

    def busy(self) -> int:
        """Tasks running now (for the server's status)."""
        return self._crew.busy()

    def ready(self) -> int:
        """Workers that have built their state and can take a task."""
        return sum(1 for w in list(self._crew.workers) if w.ready)

    def pids(self) -> list[int]:
        """The workers' process ids (for measuring their memory)."""
        return [w.process.pid for w in list(self._crew.workers)]

    def close(self) -> None:
        """Stop the workers; tasks not finished end as Died."""
        with self._lock:
            self._closed = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        self._thread.join(10)
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> "ServingPool[S, T, R]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _kill(w: _Worker) -> None:
    """Stop a worker now: SIGKILL (a stuck Z3 call ignores SIGTERM), then reap it."""
    if w.process.is_alive():
        w.process.kill()
    w.process.join(5)
    w.conn.close()
