"""The query-string checks, rows 1–4 of the check table: run before a single byte of body is read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from ..errors import ConfigError, EmptyProvider, EmptyToken, TokenRefused, UnsupportedProvider
from .memo import cached_when_short

# The vendor's page writes "Mr"; its OpenAPI says "mr". Providers are compared case-insensitively.
PROVIDERS = frozenset({"mr", "mcs"})


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who is calling, as the query string says."""

    provider: str
    token: str


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """Which tokens are accepted: any non-empty one, unless a list is configured."""

    accepted: frozenset[str] = frozenset()

    @classmethod
    def from_sources(cls, tokens: Iterable[str], tokens_file: Path | None) -> TokenPolicy:
        """Tokens from a list and/or a file (one per line; blank lines and `#` comments skipped)."""
        accepted = set(tokens)
        if tokens_file is not None:
            try:
                text = tokens_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"tokens file {tokens_file}: {exc}") from None
            accepted.update(
                line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
            )
        return cls(frozenset(accepted))

    def accepts(self, token: str) -> bool:
        return not self.accepted or token in self.accepted


CACHED_QUERY_BYTES = 512


def _query_pairs(raw: bytes) -> tuple[tuple[str, str], ...]:
    """A query string's parameters in order, as Starlette's `request.query_params.multi_items()` gives them."""
    return tuple(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))


parse_query = cached_when_short(_query_pairs, max_len=CACHED_QUERY_BYTES)


def first_values(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Query parameters, the first value of each winning, as Go's `url.Values.Get` (the vendor's) does."""
    values: dict[str, str] = {}
    for key, value in items:
        values.setdefault(key, value)
    return values


def authenticate(query: Mapping[str, str], policy: TokenPolicy) -> Credentials:
    """Rows 1–4: both parameters present, a known provider, an accepted token."""
    provider = query.get("oauth_provider", "")
    token = query.get("oauth_token", "")
    if not provider:
        raise EmptyProvider()
    if not token:
        raise EmptyToken()
    if provider.lower() not in PROVIDERS:
        raise UnsupportedProvider(provider)
    if not policy.accepts(token):
        raise TokenRefused(provider, token)
    return Credentials(provider, token)
