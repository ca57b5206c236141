"""cached_when_short: one cache policy for query strings, part headers and journal queries."""

from __future__ import annotations

import pytest

from mockserver.detect.memo import cached_when_short


@pytest.mark.parametrize(("argument", "cached"), [(b"", True), (b"x" * 4, True), (b"x" * 5, False)])
def test_memo_caches_only_short_arguments(argument: bytes, cached: bool) -> None:
    calls: list[bytes] = []

    def count(raw: bytes) -> list[int]:
        calls.append(raw)
        return [len(raw)]

    parse = cached_when_short(count, max_len=4)
    first, second = parse(argument), parse(argument)
    assert first == second == [len(argument)]
    assert (first is second) == cached
    assert len(calls) == (1 if cached else 2)


def test_memo_cache_holds_at_most_its_entries() -> None:
    calls: list[bytes] = []
    parse = cached_when_short(lambda raw: calls.append(raw), max_len=8, entries=2)
    for raw in (b"a", b"b", b"c", b"a"):  # b"a" was pushed out by b"c"
        parse(raw)
    assert calls == [b"a", b"b", b"c", b"a"]
