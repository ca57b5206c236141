"""Scenario files: the faults a server starts with (`--scenario FILE`), in YAML or JSON.

    description: An outage that recovers after five requests
    faults:
      - type: gateway
        status: 503
        when: {times: 5}

A bare list of faults is accepted too. Every fault is checked at start-up; a broken file stops the
server with `file: place: reason`. `POST /__admin/reset` returns to the scenario, counters fresh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from ..errors import ScenarioError
from .model import Fault

FAULT_LIST: TypeAdapter[list[Fault]] = TypeAdapter(list[Fault])


def _place(loc: tuple[int | str, ...]) -> str:
    place = "faults"
    for index, item in enumerate(loc):
        # The second item of a fault's location is the `type` tag pydantic adds; people never wrote it.
        if index == 1 and isinstance(item, str):
            continue
        place += f"[{item}]" if isinstance(item, int) else f".{item}"
    return place


def parse_faults(document: Any, source: str) -> list[Fault]:
    """Faults from a loaded document: a list, or a mapping with a `faults` list."""
    if isinstance(document, dict):
        unknown = set(document) - {"faults", "description"}
        if unknown:
            raise ScenarioError(source, "", f"unknown keys {sorted(unknown)}; expected faults and description")
        document = document.get("faults", [])
        if not isinstance(document, list):
            raise ScenarioError(source, "faults", "expected a list of faults")
    if not isinstance(document, list):
        raise ScenarioError(source, "", "expected a list of faults, or a mapping with a faults list")
    try:
        return FAULT_LIST.validate_python(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ScenarioError(source, _place(error["loc"]), error["msg"].removeprefix("Value error, ")) from None


def load_scenario(path: Path | None) -> list[Fault]:
    """The faults of a scenario file; no file means no faults."""
    if path is None:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, "", f"cannot read: {exc}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise ScenarioError(path, place, f"not YAML or JSON: {getattr(exc, 'problem', exc)}") from None
    return parse_faults(document if document is not None else [], str(path))
