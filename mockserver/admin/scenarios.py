"""`POST /__admin/scenario`: arm the faults of a scenario file's text, read as `--scenario` reads a file.

The console uploads a file chosen in the browser this way; a JSON body (`{"text": ..., "name": ...}`)
keeps it a call a page on another origin cannot make without a preflight. A broken scenario answers
422 with `file: place: reason` and arms nothing; one that would pass --max-faults, 409.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from ..errors import ScenarioError
from ..faults.scenario import read_scenario
from . import api

router = APIRouter(prefix=api.PREFIX, tags=["admin"], dependencies=api.router.dependencies)


class ScenarioText(BaseModel):
    """A scenario file's content, as `--scenario` would read it."""

    text: str = Field(description="The file's text: YAML or JSON, a list of faults or {faults: [...]}.")
    name: str = Field("scenario", max_length=200, description="The file's name, shown in errors.")


# Not in /openapi.json: its body is a file's text, which a schema cannot tell good from broken (a schema
# checker would send valid-looking YAML and call the 422 a bug). The README documents it.
@router.post("/scenario", status_code=201, include_in_schema=False)
async def load_scenario_text(request: Request, scenario: ScenarioText) -> dict[str, Any]:
    book = api.runtime_of(request).faults
    try:
        specs = read_scenario(scenario.text, scenario.name, max_faults=book.max_faults)
    except ScenarioError as exc:
        raise HTTPException(422, str(exc)) from None
    new = sum(1 for spec in specs if spec.id is None or book.get(spec.id) is None)
    if len(book) + new > book.max_faults:
        raise HTTPException(409, f"at most {book.max_faults} faults can be armed at once")
    return {"faults": [armed.describe() for armed in book.add_all(specs)]}
