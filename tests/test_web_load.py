"""Load: 200 requests, 20 at a time, mixing good tests, slow tests past the
time limit, malformed and oversized ones.  Every request gets its right answer
or error, none is lost, the server's memory stays bounded; the latencies are
written to test-artifacts/web-load.json."""
from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from pathlib import Path

import pytest

import memcheck
from web_helpers import ARTIFACTS, descendants, rss_mib, running_server
from web_tests import BAD, SLOW

httpx = pytest.importorskip("httpx")

LITMUS = Path(__file__).resolve().parents[1] / "litmus"
REQUESTS, AT_ONCE, LIMIT = 200, 20, 0.5
GOOD = ["MP+wmb+rmb", "SB+once+once", "SB+mb+mb", "LB+once+once", "CoRR", "MP+release+acquire", "IRIW+mb+mb",
        "WRC+once+once", "R+mb+mb", "2+2W+once+once", "MP+lock+lock", "S+wmb+acquire"]


def requests() -> list[tuple[str, dict, int, object]]:
    """(kind, JSON body, expected status, expected verdict or error), shuffled with a fixed seed."""
    rng = random.Random(15)
    verdict = {n: memcheck.judge(str(LITMUS / f"{n}.litmus"))[0].verdict for n in GOOD}
    out: list[tuple[str, dict, int, object]] = []
    for i in range(REQUESTS):
        roll = rng.random()
        if roll < 0.65:
            n = rng.choice(GOOD)
            out.append(("good", {"test": (LITMUS / f"{n}.litmus").read_text()}, 200, verdict[n]))
        elif roll < 0.75:
            out.append(("slow", {"test": SLOW}, 504, "timed out"))
        elif roll < 0.93:
            text, message = rng.choice([b for b in BAD if b[1]])
            out.append(("malformed", {"test": text}, 400, message))
        else:
            out.append(("oversized", {"test": "C big\n(*" + "x" * 20000 + "*)\n"}, 413, "test too large"))
    return out


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


@pytest.mark.load
def test_200_requests_20_at_a_time():
    todo = requests()
    with running_server("--workers", "2", "--timeout", str(LIMIT), "--max-test-kib", "16", "--queue", "64",
                        "--worker-tasks", "40") as (url, proc):
        def memory() -> float:
            return sum(rss_mib(p) for p in [proc.pid, *descendants(proc.pid)])

        baseline = memory()
        peak = [baseline]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.1):
                peak[0] = max(peak[0], memory())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        async def send_all() -> list[tuple[int, dict, float]]:
            gate = asyncio.Semaphore(AT_ONCE)
            limits = httpx.Limits(max_connections=AT_ONCE)
            async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
                async def one(body: dict) -> tuple[int, dict, float]:
                    async with gate:
                        start = time.monotonic()
                        r = await client.post("/api/run", json=body)
                        return r.status_code, r.json(), time.monotonic() - start
                return await asyncio.gather(*(one(body) for _, body, _, _ in todo))

        start = time.monotonic()
        answers = asyncio.run(send_all())
        wall = time.monotonic() - start
        stop.set()
        sampler.join()
        after = memory()
        status = httpx.get(url + "/api/status").json()
        still = httpx.post(url + "/api/run", json={"test": (LITMUS / "MP+wmb+rmb.litmus").read_text()})

    wrong = []
    for (kind, _, code, expected), (got, body, _) in zip(todo, answers):
        ok = got == code and (body["results"][0]["verdict"] == expected if code == 200
                              else body["error"] == expected if kind == "malformed"
                              else str(expected) in body["error"])
        if not ok:
            wrong.append((kind, code, expected, got, body))
    latency = {kind: [s for (k, *_), (_, _, s) in zip(todo, answers) if k == kind]
               for kind in ("good", "slow", "malformed", "oversized")}
    every = [s for _, _, s in answers]
    figures = {
        "requests": len(answers), "at_once": AT_ONCE, "limit_seconds": LIMIT, "wall_seconds": round(wall, 2),
        "wrong": len(wrong), "by_kind": {k: len(v) for k, v in latency.items()},
        "p50_seconds": round(percentile(every, 50), 3), "p95_seconds": round(percentile(every, 95), 3),
        "p50_by_kind": {k: round(percentile(v, 50), 3) for k, v in latency.items() if v},
        "p95_by_kind": {k: round(percentile(v, 95), 3) for k, v in latency.items() if v},
        "memory_mib": {"baseline": round(baseline), "peak": round(peak[0]), "after": round(after)},
        "answered": status["answered"],
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "web-load.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))
    assert not wrong, wrong[:3]
    assert len(answers) == REQUESTS and sum(status["answered"].values()) == REQUESTS
    assert still.status_code == 200
    assert peak[0] < 2048 and after < baseline + 400, figures["memory_mib"]
    assert max(latency["slow"]) < LIMIT * 1.25 + 1 + 30  # cut at the limit, however long the queue
