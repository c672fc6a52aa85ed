"""`memcheck serve`: the web app on uvicorn."""
from __future__ import annotations

import uvicorn

from .app import ServerConfig, create_app


def serve(config: ServerConfig, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Serve the page and the JSON API until interrupted."""
    uvicorn.run(create_app(config), host=host, port=port, log_level=log_level, server_header=False,
                limit_concurrency=max(64, 4 * (config.workers + config.queue)), timeout_keep_alive=5,
                h11_max_incomplete_event_size=16 * 1024)
