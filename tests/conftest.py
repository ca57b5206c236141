from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mockserver import Settings, create_app

pytest_plugins = ["pytester"]


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
