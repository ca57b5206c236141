"""Baseline "discard": what the stack costs to move the body with no parsing at all.

The same bare FastAPI app and uvicorn settings as `form_app.py`, but the detect handler only reads the
body stream and drops every chunk; the gap between the two baselines is what multipart parsing costs.
Run: `python bench/baselines/discard_app.py --port N`.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI, Request, Response

# Identical to form_app.ANSWER (each baseline stays a single self-contained file).
ANSWER = (
    '{"status":200,"body":{"object_labels":[{"status":0,"name":"file_0","labels":[{"eng":"Person",'
    '"rus":"Человек","eng_categories":["People"],"rus_categories":["Люди"],"prob":0.8306,"coord":[0,18,2,24]}]},'
    '{"status":0,"name":"file_1","labels":[{"eng":"Car","rus":"Автомобиль","eng_categories":["Transport"],'
    '"rus_categories":["Транспорт"],"prob":0.9035,"coord":[0,6,30,20]}]}]},"htmlencoded":false,"last_modified":0}'
).encode()

app = FastAPI()


@app.post("/api/v1/objects/detect")
async def detect(request: Request) -> Response:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
    return Response(ANSWER, media_type="application/json", headers={"X-Bench-Bytes": str(total)})


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--host", default="127.0.0.1")
    cli.add_argument("--port", type=int, default=8080)
    arguments = cli.parse_args()
    uvicorn.run(
        app, host=arguments.host, port=arguments.port, http="httptools", loop="uvloop",
        access_log=False, log_level="warning",
    )


if __name__ == "__main__":
    main()
