"""Baseline "form": the stack's own limit for this endpoint when it parses the multipart body.

A bare FastAPI app on the same uvicorn settings as mockserver whose detect handler lets Starlette parse
the body with python-multipart (`await request.form()`, spooling big parts to disk as Starlette does),
touches every file part and answers a fixed envelope. Run: `python bench/baselines/form_app.py --port N`.
"""

from __future__ import annotations

from fastapi import Request, Response
from stack import answer, build, serve
from starlette.datastructures import UploadFile


async def detect(request: Request) -> Response:
    # Starlette's defaults cap a form at 1000 files; the large profile sends 100, well inside.
    form = await request.form()
    try:
        total = sum(value.size or 0 for _, value in form.multi_items() if isinstance(value, UploadFile))
    finally:
        await form.close()
    return answer(total)


app = build(detect)

if __name__ == "__main__":
    serve(app, __doc__)
