"""What one running app holds: settings, accepted tokens, fixtures, armed faults, the journal."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from .answers.fixtures import FixtureStore
from .detect.auth import TokenPolicy
from .faults.book import FaultBook
from .faults.scenario import load_scenario
from .journal.store import Journal
from .settings import Settings


@dataclass(frozen=True, slots=True)
class Runtime:
    """Built once by `create_app`, reachable from every request as `request.app.state.runtime`."""

    settings: Settings
    tokens: TokenPolicy
    fixtures: FixtureStore
    faults: FaultBook
    journal: Journal
    # Set when the server begins to shut down: long-lived answers (the console's event stream) end.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Read the token file, fixtures and scenario; raises ConfigError if one is broken."""
        return cls(
            settings=settings,
            tokens=TokenPolicy.from_sources(settings.tokens, settings.tokens_file),
            fixtures=FixtureStore(settings.fixtures),
            faults=FaultBook(
                load_scenario(settings.scenario, max_faults=settings.max_faults), max_faults=settings.max_faults
            ),
            journal=Journal(settings.journal_size, settings.journal_max_bytes, settings.journal_answer_bytes),
        )

    def reset(self) -> None:
        """Back to how the server started: the scenario's faults with fresh counters, an empty journal."""
        self.faults.reset()
        self.journal.clear()


def runtime_of(connection: HTTPConnection) -> Runtime:
    """The runtime of the app serving this request (`create_app` keeps it as `app.state.runtime`)."""
    runtime: Runtime = connection.app.state.runtime
    return runtime
