"""Baseline "form": the stack's own limit for this endpoint when it parses the multipart body.

A bare FastAPI app on the same uvicorn settings as mockserver whose detect handler lets Starlette parse
the body with python-multipart (`await request.form()`, spooling big parts to disk as Starlette does),
touches every file part and answers a fixed envelope. Run: `python bench/baselines/form_app.py --port N`.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI, Request, Response
from starlette.datastructures import UploadFile

# The same fixed answer as the peers' stubs (bench/peers/), so every server sends the same bytes back.
ANSWER = (
    '{"status":200,"body":{"object_labels":[{"status":0,"name":"file_0","labels":[{"eng":"Person",'
    '"rus":"Человек","eng_categories":["People"],"rus_categories":["Люди"],"prob":0.8306,"coord":[0,18,2,24]}]},'
    '{"status":0,"name":"file_1","labels":[{"eng":"Car","rus":"Автомобиль","eng_categories":["Transport"],'
    '"rus_categories":["Транспорт"],"prob":0.9035,"coord":[0,6,30,20]}]}]},"htmlencoded":false,"last_modified":0}'
).encode()

app = FastAPI()


@app.post("/api/v1/objects/detect")
async def detect(request: Request) -> Response:
    # Starlette's defaults cap a form at 1000 files; the large profile sends 100, well inside.
    form = await request.form()
    try:
        total = sum(value.size or 0 for _, value in form.multi_items() if isinstance(value, UploadFile))
    finally:
        await form.close()
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
