"""The JSON API of `memcheck serve`, against a server started on a free loopback port."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import memcheck
from web_helpers import running_server
from web_tests import BAD, SLOW

httpx = pytest.importorskip("httpx")

LITMUS = Path(__file__).resolve().parents[1] / "litmus"
MP = (LITMUS / "MP+wmb+rmb.litmus").read_text()
WALKER = (LITMUS / "vma-pte" / "vma-pte-walker.litmus").read_text()
TIMEOUT = 3.0


@pytest.fixture(scope="module")
def server():
    with running_server("--workers", "2", "--timeout", str(TIMEOUT), "--max-test-kib", "16") as (url, _):
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client


def stable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("seconds", "file", "svg")}


def test_models(server):
    r = server.get("/api/models")
    assert r.status_code == 200
    assert [m["name"] for m in r.json()["models"]] == [m.name for m in memcheck.models()]


def test_run_gives_run_json_objects(server):
    r = server.post("/api/run", json={"test": WALKER, "models": ["all"]})
    assert r.status_code == 200, r.text
    expected = [stable(x.to_json()) for x in memcheck.judge(WALKER, models="all")]
    assert [stable(x) for x in r.json()["results"]] == expected


def test_run_with_graphs_and_modes(server):
    r = server.post("/api/run", json={"test": MP, "models": ["lkmm", "arm64"], "graphs": True})
    results = r.json()["results"]
    assert [x["model"] for x in results] == ["lkmm", "arm64"]
    assert all("<svg" in x["svg"][:100] and x["svg"].rstrip().endswith("</svg>") for x in results)
    quick = server.post("/api/run", json={"test": WALKER, "mode": "verdict-only"}).json()["results"][0]
    assert quick["verdict"] == "Sometimes" and quick["exhaustive"] is False
    one = server.post("/api/run", json={"test": MP}).json()["results"]
    assert [x["model"] for x in one] == ["lkmm"]
    llsc = server.post("/api/run", json={"test": MP, "models": "arm64", "atomics": "llsc", "kernel": "4.14"})
    assert llsc.status_code == 200 and llsc.json()["results"][0]["verdict"] == "Never"


def test_a_model_that_cannot_judge_is_a_result(server):
    text = (LITMUS / "MP+synchronize_rcu+rcu-reader.litmus").read_text()
    results = server.post("/api/run", json={"test": text, "models": ["all"]}).json()["results"]
    assert [x.get("verdict") for x in results][:3] == ["Never"] * 3
    assert results[3]["model"] == "x86" and "grace period" in results[3]["error"]


@pytest.mark.parametrize("text,message", BAD)
def test_bad_tests_are_400_at_their_position(server, text, message):
    for path in ("/api/run", "/api/fences", "/api/lower"):
        r = server.post(path, json={"test": text, "arch": "x86"})
        assert r.status_code == 400, (path, r.text)
        error = r.json()["error"]
        if message:
            assert error == message
        else:
            assert error.startswith("3:") and "Traceback" not in error


@pytest.mark.parametrize("body,message", [
    (b"{not json", "request: 1:2: not JSON"),
    (b"[1, 2]", "request: expected a JSON object"),
    (json.dumps({"text": MP}).encode(), "request: 'test' must be the text"),
    (json.dumps({"test": MP, "models": ["/etc/passwd"]}).encode(), "request: unknown model '/etc/passwd'"),
    (json.dumps({"test": MP, "models": ["lkmm.cat"]}).encode(), "request: unknown model 'lkmm.cat'"),
    (json.dumps({"test": MP, "mode": "fast"}).encode(), "request: 'mode' must be one of"),
    (json.dumps({"test": MP, "atomics": "x"}).encode(), "request: 'atomics' must be"),
])
def test_bad_requests_are_400(server, body, message):
    r = server.post("/api/run", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"].startswith(message), r.text


def test_lower_needs_an_architecture(server):
    r = server.post("/api/lower", json={"test": MP, "arch": "vax"})
    assert r.status_code == 400 and "'arch' must be one of" in r.json()["error"]


def test_fences_is_the_fences_json(server):
    r = server.post("/api/fences", json={"test": WALKER})
    assert r.status_code == 200, r.text
    got, expected = r.json(), memcheck.fences(WALKER).to_json()
    for rec in (got, expected):
        rec.pop("seconds")
        for m in rec["models"].values():
            m.pop("stats")
    assert got == expected
    with_diff = server.post("/api/fences", json={"test": WALKER, "models": ["lkmm", "arm64"], "diff": True}).json()
    assert list(with_diff["models"]) == ["lkmm", "arm64"]
    assert "+\tsmp_wmb__before_spin_lock();" in with_diff["diff"] and with_diff["fixed"].startswith("C ")


def test_lower(server):
    for arch in ("x86", "arm64", "power"):
        r = server.post("/api/lower", json={"test": MP, "arch": arch})
        assert r.json() == {"arch": arch, "text": memcheck.lower(MP, arch).text}


def test_too_large_is_413(server):
    big = MP + "(*" + "x" * 20000 + "*)\n"
    r = server.post("/api/run", json={"test": big})
    assert r.status_code == 413 and "too large" in r.json()["error"]
    huge = server.post("/api/run", content=b"{" + b" " * 200_000 + b"}", headers={"content-type": "application/json"})
    assert huge.status_code == 413
    assert server.post("/api/run", json={"test": MP}).status_code == 200


def test_a_slow_test_is_504_and_others_are_still_served(server):
    answers: dict[str, httpx.Response] = {}

    def slow() -> None:
        answers["slow"] = server.post("/api/run", json={"test": SLOW})

    t = threading.Thread(target=slow)
    start = time.monotonic()
    t.start()
    time.sleep(0.3)
    quick_start = time.monotonic()
    page = server.get("/")
    quick = server.post("/api/run", json={"test": MP})
    quick_seconds = time.monotonic() - quick_start
    t.join(60)
    assert page.status_code == 200 and quick.status_code == 200
    assert quick_seconds < TIMEOUT  # answered while the slow one was still running
    r = answers["slow"]
    assert r.status_code == 504 and "timed out" in r.json()["error"]
    assert time.monotonic() - start < TIMEOUT * 1.25 + 5
    assert server.post("/api/run", json={"test": MP}).json()["results"][0]["verdict"] == "Never"


def test_serves_nothing_outside_its_static_files(server):
    assert server.get("/static/app.js").status_code == 200
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/../../../pyproject.toml",
                 "/../../etc/passwd", "/etc/passwd", "/static/%2e%2e/%2e%2e/jobs.py", "/api/examples/../app.py",
                 "/api/examples/..%2F..%2Fpyproject.toml", "/static//etc/passwd"):
        r = server.get(path)
        assert r.status_code == 404, path
        assert "import" not in r.text and "root:" not in r.text
    assert server.get("/api/run").status_code == 405


def test_security_headers_and_examples(server):
    r = server.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    names = server.get("/api/examples").json()["examples"]
    assert "MP+wmb+rmb.litmus" in names and "vma-pte/vma-pte-walker.litmus" in names
    assert server.get("/api/examples/MP+wmb+rmb.litmus").text == MP
    assert server.get("/api/examples/vma-pte/vma-pte-walker.litmus").text == WALKER
    assert server.get("/api/examples/nothing.litmus").status_code == 404
