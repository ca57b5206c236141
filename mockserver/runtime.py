"""What one running app holds: its settings, the accepted tokens, the fixtures."""

from __future__ import annotations

from dataclasses import dataclass

from .auth import TokenPolicy
from .fixtures import FixtureStore
from .settings import Settings


@dataclass(frozen=True, slots=True)
class Runtime:
    """Built once by `create_app`, reachable from every request as `request.app.state.runtime`."""

    settings: Settings
    tokens: TokenPolicy
    fixtures: FixtureStore

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Read the token file and load the fixtures; raises ConfigError if either is broken."""
        return cls(
            settings=settings,
            tokens=TokenPolicy.from_sources(settings.tokens, settings.tokens_file),
            fixtures=FixtureStore(settings.fixtures),
        )
