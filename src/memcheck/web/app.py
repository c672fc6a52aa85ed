"""The web app: the page, its static files and the JSON API, on Starlette.

The server process only checks requests and hands them to a pool of worker
processes (corpus/pool.py's ServingPool): judging never runs in the server,
a request past its time limit has its worker killed, and at most `workers`
requests are judged at once while the page and other requests are served.
Tests come only as text; no path is ever read from a request.
"""
from __future__ import annotations

import asyncio
import json
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Optional

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import __version__
from ..api import ARCHES, MODES
from ..checker import ATOMICS, KERNELS
from ..checker import model_index
from ..corpus.pool import Died, Finished, Overran, ServingPool
from .examples import Examples, shipped_examples
from .jobs import Answer, Job, setup, timed_out, work

HERE = Path(__file__).resolve().parent

# Content-Security-Policy: scripts and connections only from this server; the
# SVG graphs are inserted as markup, so no inline script may ever run.
CSP = ("default-src 'self'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@dataclass(frozen=True)
class ServerConfig:
    """The server's limits: worker processes (judgements at once), seconds per
    request, the largest test accepted, requests waiting beyond the workers."""
    workers: int = 2
    timeout: float = 10.0
    max_test_bytes: int = 64 * 1024
    queue: int = 64
    examples: Optional[Path] = None  # a folder of tests to offer instead of the shipped ones
    worker_tasks: int = 200  # requests a worker answers before it is replaced (memory held by Z3)

    def hard_limit(self) -> float:
        """When a worker is killed: the request's limit and a grace period
        (the worker's own deadline answers first in the usual case)."""
        return self.timeout * 1.25 + 1.0


class BadRequest(Exception):
    """A request the server refuses: its status and message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class State:
    """What the app holds while it runs."""
    config: ServerConfig
    models: dict[str, Any]
    examples: Examples
    pool: Optional[ServingPool] = None
    in_flight: int = 0
    answered: dict[int, int] = field(default_factory=dict)  # status -> count


def create_app(config: ServerConfig = ServerConfig()) -> Starlette:
    """The ASGI app; its lifespan starts and stops the worker pool."""
    state = State(config, {n: s for n, s in model_index().items()},
                  Examples.from_folder(config.examples) if config.examples else shipped_examples())
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.pool = ServingPool(config.workers, work, setup, config.hard_limit(),
                                 preload=["memcheck.web.warm"], max_tasks_per_worker=config.worker_tasks)
        try:
            yield
        finally:
            await asyncio.get_running_loop().run_in_executor(None, state.pool.close)

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "index.html", {
            "version": __version__, "models": list(state.models.values()), "examples": state.examples.names,
            "modes": MODES, "arches": ARCHES, "atomics": ("amo", "llsc"), "kernels": KERNELS, "limits": config})

    async def api_models(request: Request) -> Response:
        return JSONResponse({"models": [{"name": n, "description": s.description, "arch": s.arch}
                                        for n, s in state.models.items()]})

    async def api_examples(request: Request) -> Response:
        return JSONResponse({"examples": state.examples.names})

    async def api_example(request: Request) -> Response:
        text = state.examples.text(request.path_params["name"])  # a key of a table, never a path
        if text is None:
            return JSONResponse({"error": "no such example"}, 404)
        return PlainTextResponse(text)

    async def api_status(request: Request) -> Response:
        pool = state.pool
        return JSONResponse({"version": __version__, "workers": config.workers,
                             "ready": pool.ready() if pool else 0, "busy": pool.busy() if pool else 0, "in_flight": state.in_flight,
                             "answered": {str(k): v for k, v in sorted(state.answered.items())},
                             "limits": {"timeout": config.timeout, "max_test_bytes": config.max_test_bytes,
                                        "queue": config.queue}})

    def endpoint(kind: str):
        async def handle(request: Request) -> Response:
            try:
                job = _job(kind, await _body(request, config.max_test_bytes + 4096), state)
                answer = await _submit(state, job)
            except BadRequest as e:
                answer = Answer(e.status, {"error": e.message})
            state.answered[answer.status] = state.answered.get(answer.status, 0) + 1
            return JSONResponse(answer.body, answer.status)
        return handle

    routes = [
        Route("/", page),
        Route("/api/run", endpoint("run"), methods=["POST"]),
        Route("/api/fences", endpoint("fences"), methods=["POST"]),
        Route("/api/lower", endpoint("lower"), methods=["POST"]),
        Route("/api/models", api_models),
        Route("/api/examples", api_examples),
        Route("/api/examples/{name:path}", api_example),
        Route("/api/status", api_status),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={404: _not_found, 405: _not_allowed})
    app.state.memcheck = state
    return app


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "not found"}, 404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "method not allowed"}, 405)


class SecurityHeaders:
    """Adds the content security policy and friends to every response."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


async def _body(request: Request, limit: int) -> Any:
    """The request's JSON body, refused past `limit` bytes before it is all read."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise BadRequest(413, f"request too large: {int(length)} bytes (the limit is {limit})")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, f"request too large: over {limit} bytes")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        where = f"{e.lineno}:{e.colno}: " if isinstance(e, json.JSONDecodeError) else ""
        raise BadRequest(400, f"request: {where}not JSON ({getattr(e, 'msg', 'bad encoding')})")


def _job(kind: str, body: Any, state: State) -> Job:
    """The request's fields, checked: a test's text, built-in models only, known options."""
    if not isinstance(body, dict):
        raise BadRequest(400, "request: expected a JSON object")
    test = body.get("test")
    if not isinstance(test, str):
        raise BadRequest(400, "request: 'test' must be the text of a litmus test")
    size = len(test.encode("utf-8", "surrogatepass"))
    if size > state.config.max_test_bytes:
        raise BadRequest(413, f"test too large: {size} bytes (the limit is {state.config.max_test_bytes})")
    models = body.get("models", [] if kind == "fences" else ["lkmm"])
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise BadRequest(400, "request: 'models' must be a list of model names")
    for m in models:
        if m != "all" and m not in state.models:  # never a path to a model file
            raise BadRequest(400, f"request: unknown model '{m}' (known: {', '.join(state.models)}, or all)")
    if "all" in models:
        models = ["all"]
    if kind == "run" and not models:
        raise BadRequest(400, "request: no model given")
    mode = body.get("mode", "full")
    if mode not in MODES:
        raise BadRequest(400, f"request: 'mode' must be one of {', '.join(MODES)}")
    atomics, kernel = body.get("atomics", "amo"), body.get("kernel", "current")
    if atomics not in ATOMICS or kernel not in KERNELS:
        raise BadRequest(400, f"request: 'atomics' must be one of {', '.join(ATOMICS)}, "
                              f"'kernel' one of {', '.join(KERNELS)}")
    arch = body.get("arch", "")
    if kind == "lower" and arch not in ARCHES:
        raise BadRequest(400, f"request: 'arch' must be one of {', '.join(ARCHES)}")
    return Job(kind, test, state.config.timeout, tuple(models), mode, atomics, kernel, arch,
               bool(body.get("graphs", False)), bool(body.get("diff", False)))


async def _submit(state: State, job: Job) -> Answer:
    """The job's answer from a worker; 503 when too many requests wait already."""
    assert state.pool is not None
    if state.in_flight >= state.config.workers + state.config.queue:
        raise BadRequest(503, "busy: too many requests waiting; try again shortly")
    state.in_flight += 1
    try:
        outcome = await asyncio.wrap_future(state.pool.submit(job))
    except RuntimeError as e:  # the pool could not start workers
        return Answer(500, {"error": f"internal error: {e}"})
    finally:
        state.in_flight -= 1
    if isinstance(outcome, Finished):
        return outcome.value
    if isinstance(outcome, Overran):
        return timed_out(job.limit)
    assert isinstance(outcome, Died)
    return Answer(500, {"error": f"internal error: {outcome.message}"})


def default_workers() -> int:
    """One worker per core this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))
