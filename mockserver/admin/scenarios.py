"""`POST /__admin/scenario`: arm the faults of a scenario file's text, read as `--scenario` reads a file.

The console uploads a file chosen in the browser this way; a JSON body (`{"text": ..., "name": ...}`)
keeps it a call a page on another origin cannot make without a preflight. A broken scenario answers
422 with `file: place: reason` and arms nothing; one that would pass --max-faults, 409.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from ..errors import ScenarioError, ScenarioRefused
from ..faults.scenario import read_scenario
from ..runtime import runtime_of
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
    book = runtime_of(request).faults
    try:
        specs = read_scenario(scenario.text, scenario.name, max_faults=book.max_faults)
    except ScenarioError as exc:
        raise ScenarioRefused(exc) from None
    # add_all arms all or nothing, raising TooManyFaults (409) when they would pass --max-faults.
    return {"faults": [armed.describe() for armed in book.add_all(specs)]}
