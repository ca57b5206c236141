"""What both baselines share: the fixed answer, `/health`, and how uvicorn runs them.

They differ only in the detect handler (`form_app.py` parses the body, `discard_app.py` drops it), so the
gap between their figures is the handler's alone.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable

import uvicorn
from fastapi import FastAPI, Request, Response

DETECT_PATH = "/api/v1/objects/detect"
# The same fixed answer as the peers' stubs (bench/peers/), so every server sends the same bytes back.
ANSWER = (
    '{"status":200,"body":{"object_labels":[{"status":0,"name":"file_0","labels":[{"eng":"Person",'
    '"rus":"Человек","eng_categories":["People"],"rus_categories":["Люди"],"prob":0.8306,"coord":[0,18,2,24]}]},'
    '{"status":0,"name":"file_1","labels":[{"eng":"Car","rus":"Автомобиль","eng_categories":["Transport"],'
    '"rus_categories":["Транспорт"],"prob":0.9035,"coord":[0,6,30,20]}]}]},"htmlencoded":false,"last_modified":0}'
).encode()


def answer(body_bytes: int) -> Response:
    """The fixed envelope, saying how many body bytes the handler saw."""
    return Response(ANSWER, media_type="application/json", headers={"X-Bench-Bytes": str(body_bytes)})


def build(detect: Callable[[Request], Awaitable[Response]]) -> FastAPI:
    """A bare FastAPI app: `detect` on the detect path, and `/health`."""
    app = FastAPI()
    app.post(DETECT_PATH)(detect)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def serve(app: FastAPI, description: str | None) -> None:
    """Run `app` as every baseline runs: httptools, uvloop, no access log (`--host`, `--port`)."""
    cli = argparse.ArgumentParser(description=description)
    cli.add_argument("--host", default="127.0.0.1")
    cli.add_argument("--port", type=int, default=8080)
    arguments = cli.parse_args()
    uvicorn.run(
        app, host=arguments.host, port=arguments.port, http="httptools", loop="uvloop",
        access_log=False, log_level="warning",
    )
