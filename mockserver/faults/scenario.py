"""Scenario files: the faults a server starts with (`--scenario FILE`), in YAML or JSON.

    description: An outage that recovers after five requests
    faults:
      - type: gateway
        status: 503
        when: {times: 5}

A bare list of faults is accepted too. Every fault is checked at start-up; a broken file stops the
server with `file: place: reason`, as does one nested deeper than `MAX_DEPTH` (the YAML composer and the
validator recurse: 100 000 brackets would crash them) or holding more faults than `--max-faults`.
`POST /__admin/reset` returns to the scenario, counters fresh. The console uploads a scenario's text to
`POST /__admin/scenario`, read by the same `read_scenario`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from ..errors import ScenarioError
from .model import Fault

FAULT_LIST: TypeAdapter[list[Fault]] = TypeAdapter(list[Fault])
# A fault is a few levels deep (faults → fault → when/match → value); 32 leaves room and stays far from
# Python's recursion limit in the composer and the validator.
MAX_DEPTH = 32


def _place(loc: tuple[int | str, ...]) -> str:
    place = "faults"
    for index, item in enumerate(loc):
        # The second item of a fault's location is the `type` tag pydantic adds; people never wrote it.
        if index == 1 and isinstance(item, str):
            continue
        place += f"[{item}]" if isinstance(item, int) else f".{item}"
    return place


def parse_faults(document: Any, source: str, *, max_faults: int | None = None) -> list[Fault]:
    """Faults from a loaded document: a list, or a mapping with a `faults` list (at most `max_faults`)."""
    if isinstance(document, dict):
        unknown = set(document) - {"faults", "description"}
        if unknown:
            raise ScenarioError(source, "", f"unknown keys {sorted(unknown)}; expected faults and description")
        document = document.get("faults", [])
        if not isinstance(document, list):
            raise ScenarioError(source, "faults", "expected a list of faults")
    if not isinstance(document, list):
        raise ScenarioError(source, "", "expected a list of faults, or a mapping with a faults list")
    if max_faults is not None and len(document) > max_faults:
        raise ScenarioError(
            source, "faults", f"{len(document)} faults, but at most {max_faults} can be armed at once (--max-faults)"
        )
    try:
        return FAULT_LIST.validate_python(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ScenarioError(source, _place(error["loc"]), error["msg"].removeprefix("Value error, ")) from None


def _check_depth(text: str, source: Path | str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before anything recursive reads the document.

    PyYAML's event parser is not recursive, and this stops at the first container too deep: a file of
    100 000 brackets is refused in a fraction of a second. Raises yaml.YAMLError as the loader would.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                place = f"line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
                raise ScenarioError(source, place, f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def read_scenario(text: str, source: Path | str, *, max_faults: int | None = None) -> list[Fault]:
    """The faults of a scenario's text (YAML or JSON); `source` names it in errors."""
    try:
        _check_depth(text, source)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise ScenarioError(source, place, f"not YAML or JSON: {getattr(exc, 'problem', exc)}") from None
    return parse_faults(document if document is not None else [], str(source), max_faults=max_faults)


def load_scenario(path: Path | None, *, max_faults: int | None = None) -> list[Fault]:
    """The faults of a scenario file; no file means no faults. Raises ScenarioError: file, place, reason."""
    if path is None:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, "", f"cannot read: {exc}") from None
    return read_scenario(text, path, max_faults=max_faults)
