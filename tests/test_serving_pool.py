"""ServingPool: warm workers taking tasks one by one; a task past its own limit costs only its worker."""
from __future__ import annotations

import gc
import time
from concurrent.futures import ThreadPoolExecutor

from memcheck.corpus.pool import YOUNG_THRESHOLD, Died, Finished, Overran, ServingPool


def _sleep(state, seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _fail(state, message: str) -> str:
    raise ValueError(message)


def test_tasks_from_many_threads_and_a_stuck_one():
    with ServingPool(2, _sleep, limit=0.8, max_tasks_per_worker=3) as pool:
        start = time.monotonic()
        with ThreadPoolExecutor(6) as threads:
            futures = [threads.submit(lambda s: pool.submit(s).result(), s) for s in [600.0, 0.01, 0.02, 0.0, 0.0, 0.03]]
            outcomes = [f.result(30) for f in futures]
        assert time.monotonic() - start < 10
        assert isinstance(outcomes[0], Overran)
        assert outcomes[1:] == [Finished(0.01), Finished(0.02), Finished(0.0), Finished(0.0), Finished(0.03)]
        # a task's own limit, and the pool still serves after a kill and after worn workers left
        assert isinstance(pool.submit(5.0, limit=0.2).result(10), Overran)
        assert [pool.submit(0.0).result(10) for _ in range(7)] == [Finished(0.0)] * 7
        deadline = time.monotonic() + 20
        while pool.ready() < 2 and time.monotonic() < deadline:  # a worn worker's replacement starting
            time.sleep(0.05)
        assert pool.ready() == 2 and pool.busy() == 0


def test_at_most_jobs_tasks_run_at_once():
    with ServingPool(2, _sleep) as pool:
        pool.submit(0.0).result(30)  # workers up
        start = time.monotonic()
        futures = [pool.submit(0.4) for _ in range(4)]
        assert [f.result(30) for f in futures] == [Finished(0.4)] * 4
        assert time.monotonic() - start >= 0.75  # two rounds of two


def test_a_raising_task_and_closing():
    pool = ServingPool(1, _fail)
    out = pool.submit("bad input").result(30)
    assert isinstance(out, Died) and "ValueError: bad input" in out.message
    waiting = [pool.submit("x") for _ in range(3)]
    pool.close()
    assert all(f.done() for f in waiting)


def _state() -> list:
    return [[i] for i in range(1000)]


def _collector(state, _) -> tuple[bool, int]:
    return gc.get_freeze_count() >= len(state), gc.get_threshold()[0]


def test_a_worker_sets_its_state_aside_from_the_collector():
    with ServingPool(1, _collector, setup=_state) as pool:
        assert pool.submit("how is the collector set").result(30) == Finished((True, YOUNG_THRESHOLD))
