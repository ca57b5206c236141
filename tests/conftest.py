from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from mockserver import Settings, create_app

pytest_plugins = ["pytester"]

# Screenshots of the browser tests: kept after the run, out of git (.gitignore).
ARTEFACTS = Path(os.environ.get("MOCKSERVER_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))
STARTED = time.time()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the screenshots this run wrote, so a CI job (or a person) knows where to look."""
    written = sorted(path for path in ARTEFACTS.rglob("*.png") if path.stat().st_mtime >= STARTED)
    if written:
        terminalreporter.write_sep("-", "test artefacts")
        for path in written:
            terminalreporter.write_line(str(path))


@pytest.fixture
def anyio_backend() -> str:
    """Coroutine tests (`pytestmark = pytest.mark.anyio`) run on asyncio, through anyio's plugin."""
    return "asyncio"


@pytest.fixture
def settings() -> Settings:
    """Rules only; tests that need fixtures or other settings override this fixture."""
    return Settings(fixtures=None)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client
