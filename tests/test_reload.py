"""Fixtures reload without a restart: on request, and by noticing changed files."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from support import ADMIN, image_part, in_process, meta_part, post_detect

pytestmark = pytest.mark.anyio


def fixture(text: str) -> dict[str, Any]:
    return {"match": {"name": "file_0"}, "answers": {"object": {"status": 2, "error": text}}}


def write(folder: Path, document: Any) -> None:
    (folder / "f.json").write_text(document if isinstance(document, str) else json.dumps(document))


async def answer(client: Any) -> str:
    entry = (await post_detect(client, [image_part(), meta_part()])).json()["body"]["object_labels"][0]
    return str(entry.get("error"))


async def test_reload_admin_picks_up_changes(tmp_path: Path) -> None:
    write(tmp_path, fixture("first"))
    async with in_process(fixtures=tmp_path, fixtures_poll=0) as client:
        assert await answer(client) == "first"
        write(tmp_path, fixture("second"))
        assert await answer(client) == "first"
        response = await client.post("/__admin/fixtures/reload", headers=ADMIN)
        assert response.json() == {"count": 1, "folder": str(tmp_path)}
        assert await answer(client) == "second"


async def test_reload_broken_keeps_old_and_says_why(tmp_path: Path) -> None:
    write(tmp_path, fixture("good"))
    async with in_process(fixtures=tmp_path, fixtures_poll=0) as client:
        write(tmp_path, '{"match": {"name": "file_0"}, "answers": {"object": {"status": 9}}}')
        response = await client.post("/__admin/fixtures/reload", headers=ADMIN)
        assert response.status_code == 422
        assert "the old set stays" in response.json()["detail"]
        assert "answers.object.status" in response.json()["detail"]
        assert await answer(client) == "good"
        listing = (await client.get("/__admin/fixtures")).json()
        assert listing["count"] == 1 and "answers.object.status" in listing["last_error"]
        assert listing["fixtures"][0]["match"] == "name" and listing["fixtures"][0]["modes"] == ["object"]


async def test_reload_noticed_by_polling(tmp_path: Path) -> None:
    write(tmp_path, fixture("before"))
    async with in_process(fixtures=tmp_path, fixtures_poll=0.05) as client:
        assert await answer(client) == "before"
        write(tmp_path, fixture("after"))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if await answer(client) == "after":
                break
        assert await answer(client) == "after"
        write(tmp_path, "{ broken")
        await asyncio.sleep(0.3)
        assert await answer(client) == "after"
        listing = (await client.get("/__admin/fixtures")).json()
        assert "not JSON" in listing["last_error"]
