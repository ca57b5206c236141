"""Client JSON, decoded as the vendor's Go decoder reads it.

- UTF-8 only; a byte that is not UTF-8 is an error (Python's `json.loads(bytes)` would guess).
- `NaN` and `Infinity` are not JSON (RFC 8259): an error, as in Go.
- Integers of any length are numbers (Python refuses to convert more than 4300 digits to int).
- A lone UTF-16 surrogate (`\\ud800` escaped alone) becomes U+FFFD, as in Go; Python keeps it, and it
  could then not be written back out as UTF-8.
- Nesting is bounded: containers deeper than `max_depth` are an error, never a RecursionError.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import JSONError

__all__ = ["DEFAULT_MAX_DEPTH", "JSONError", "load", "scrub"]

DEFAULT_MAX_DEPTH = 32
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def scrub(text: str) -> str:
    """A string as Go's decoder gives it: lone surrogates become U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _constant(name: str) -> Any:
    raise JSONError(f"{name} is not valid JSON")


def _integer(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        # Longer than Python converts: still a JSON number, kept approximately as Go's float64 would.
        return float(text)


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrubbed(item) for item in value]
    if isinstance(value, dict):
        return {scrub(key): _scrubbed(item) for key, item in value.items()}
    return value


def depth(value: Any) -> int:
    """How many containers deep `value` is (a scalar is 0, `{}` is 1)."""
    levels, level = 0, [value]
    while containers := [item for item in level if isinstance(item, dict | list)]:
        levels += 1
        level = [child for item in containers for child in (item.values() if isinstance(item, dict) else item)]
    return levels


_DECODER = json.JSONDecoder(parse_constant=_constant, parse_int=_integer)


def load(raw: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Decode `raw`; raises JSONError with the reason."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JSONError(f"not valid UTF-8 at byte {exc.start}") from None
    try:
        document = _DECODER.decode(text)
    except JSONError:
        raise
    except json.JSONDecodeError as exc:
        raise JSONError(str(exc)) from None
    except RecursionError:
        raise JSONError(f"nested deeper than {max_depth} levels") from None
    # Fewer brackets than the limit cannot nest past it: most documents need no walk.
    if text.count("[") + text.count("{") > max_depth and depth(document) > max_depth:
        raise JSONError(f"nested deeper than {max_depth} levels")
    return _scrubbed(document) if _SURROGATE_ESCAPE.search(text) else document
