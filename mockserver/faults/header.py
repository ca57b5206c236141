"""The `X-Mock-Fault` request header: one request asks for its own fault, with no admin call.

    X-Mock-Fault: <fault>[, <fault> ...]        <fault> = <key>=<value>[;<key>=<value> ...]

The keys name the fields of the fault model (`faults.py`); the first of these keys decides its type:

    transport=reset|close|truncate|malformed_json|dribble|hang   [keep-bytes=N chunk-bytes=N interval=MS]
    gateway=429|502|503|504                                      [retry-after=S body=HTML]
    latency=MS | latency=MIN..MAX | latency=lognormal:MEDIAN[:SIGMA]   [per-image=MS]
    status=1|2 with image=NAME | position=N | share=P (or none: every image)   [error=TEXT modes=M|M...]
    status=NNN                                                   [body=TEXT]

`modes` limits an image error to those modes (`|` between them); without it the image fails in every mode.
On any fault: mode=M (only if the request asks for mode M), probability=P, seed=N. Values are
percent-decoded, so a body may carry `%2C` (,) and `%3B` (;). Examples:
`X-Mock-Fault: status=500`, `X-Mock-Fault: image=file_1;status=2`, `X-Mock-Fault: latency=300, status=503`,
`X-Mock-Fault: image=file_0;status=1;modes=object2`. Several `X-Mock-Fault` lines are one value joined
with commas (RFC 9110, 5.3): the endpoint passes them all, and the fault limit counts them together.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from pydantic import ValidationError

from ..errors import BadFaultHeader
from .model import FAULT_ADAPTER, Fault

HEADER = "x-mock-fault"
MAX_HEADER_FAULTS = 8
IMAGE_STATUSES = {"1", "2"}

_INTS = {"status", "position", "retry-after", "keep-bytes", "chunk-bytes", "seed", "gateway"}
_FLOATS = {"share", "per-image", "interval", "probability"}
_FIELDS = {
    "retry-after": "retry_after",
    "keep-bytes": "keep_bytes",
    "chunk-bytes": "chunk_bytes",
    "interval": "interval_ms",
    "per-image": "per_image_ms",
}
_WHEN = {"probability", "seed"}
_KNOWN = _INTS | _FLOATS | {"body", "error", "image", "transport", "latency", "mode", "modes"}
MODES_SEPARATOR = "|"


def _number(key: str, value: str) -> int | float:
    try:
        return int(value) if key in _INTS else float(value)
    except ValueError:
        kind = "a whole number" if key in _INTS else "a number"
        raise BadFaultHeader(f"{key} must be {kind}, not {value!r}") from None


def _latency(value: str) -> dict[str, Any]:
    if value.startswith("lognormal:"):
        median, _, sigma = value.removeprefix("lognormal:").partition(":")
        fields: dict[str, Any] = {"median_ms": _number("latency", median)}
        if sigma:
            fields["sigma"] = _number("latency", sigma)
        return fields
    low, dots, high = value.partition("..")
    if dots:
        return {"min_ms": _number("latency", low), "max_ms": _number("latency", high)}
    return {"ms": _number("latency", value)}


def _type(pairs: dict[str, str]) -> str:
    if "transport" in pairs:
        return "transport"
    if "gateway" in pairs:
        return "gateway"
    if "latency" in pairs or "per-image" in pairs:
        return "latency"
    if pairs.keys() & {"image", "position", "share", "error", "modes"} or pairs.get("status") in IMAGE_STATUSES:
        return "image_error"
    if "status" in pairs:
        return "envelope"
    raise BadFaultHeader("say what should happen: status, image, gateway, latency or transport")


def parse_fault(text: str) -> Fault:
    """One `key=value;...` fault."""
    pairs: dict[str, str] = {}
    for item in text.split(";"):
        key, equals, value = item.strip().partition("=")
        key = key.strip().lower()
        if not equals or not key:
            raise BadFaultHeader(f"expected key=value, got {item.strip()!r}")
        if key not in _KNOWN:
            raise BadFaultHeader(f"unknown key {key!r}")
        if key in pairs:
            raise BadFaultHeader(f"{key} given twice")
        pairs[key] = unquote(value.strip())
    kind = _type(pairs)
    document: dict[str, Any] = {"type": kind, "when": {}}
    for key, value in pairs.items():
        if key == "latency":
            document.update(_latency(value))
        elif key == "gateway":
            document["status"] = _number(key, value)
        elif key == "transport":
            document["action"] = value
        elif key == "mode":
            document["match"] = {"mode": value}
        elif key == "modes":
            document["modes"] = [mode.strip() for mode in value.split(MODES_SEPARATOR)]
        elif key in _WHEN:
            document["when"][key] = _number(key, value)
        else:
            document[_FIELDS.get(key, key)] = _number(key, value) if key in _INTS | _FLOATS else value
    try:
        return FAULT_ADAPTER.validate_python(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        place = ".".join(str(part) for part in error["loc"][1:])
        reason = error["msg"].removeprefix("Value error, ")
        raise BadFaultHeader(f"{place}: {reason}" if place else reason) from None


def parse_header(value: str | None) -> list[Fault]:
    """Every fault of the header (none when it is absent)."""
    if value is None:
        return []
    texts = [text for text in value.split(",") if text.strip()]
    if not texts:
        raise BadFaultHeader("empty")
    if len(texts) > MAX_HEADER_FAULTS:
        raise BadFaultHeader(f"more than {MAX_HEADER_FAULTS} faults")
    return [parse_fault(text) for text in texts]
