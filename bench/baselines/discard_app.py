"""Baseline "discard": what the stack costs to move the body with no parsing at all.

The same bare FastAPI app and uvicorn settings as `form_app.py`, but the detect handler only reads the
body stream and drops every chunk; the gap between the two baselines is what multipart parsing costs.
Run: `python bench/baselines/discard_app.py --port N`.
"""

from __future__ import annotations

from fastapi import Request, Response
from stack import answer, build, serve


async def detect(request: Request) -> Response:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
    return answer(total)


app = build(detect)

if __name__ == "__main__":
    serve(app, __doc__)
