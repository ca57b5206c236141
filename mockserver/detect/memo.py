"""Small caches for what clients send again and again: query strings, part headers, journal queries.

A test suite or a load test sends the same few query strings and part headers request after request,
and parsing one costs more than the rest of its bookkeeping. Only short arguments are cached, so the
cache stays small however varied the arguments hostile clients send.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol, TypeVar


class _Key(Protocol):
    def __len__(self) -> int: ...

    def __hash__(self) -> int: ...


K = TypeVar("K", bound=_Key)
R = TypeVar("R")
DEFAULT_ENTRIES = 256


def cached_when_short(func: Callable[[K], R], *, max_len: int, entries: int = DEFAULT_ENTRIES) -> Callable[[K], R]:
    """`func`, its results for arguments of at most `max_len` items kept in an LRU cache of `entries`.

    Results are shared between callers: never change one.
    """
    cached = functools.lru_cache(maxsize=entries)(func)

    def call(argument: K) -> R:
        return cached(argument) if len(argument) <= max_len else func(argument)

    return functools.update_wrapper(call, func)
