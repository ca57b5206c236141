"""SPEC sections 3–5 against the real service: every recorded answer (examples/real-answers/, copied from
the vendor's public docs with their sources) loads as a fixture and comes back byte for byte, and the
shipped example fixtures answer the original requests exactly as the real service did."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import FormPart, image_bytes, image_part, in_process, meta_part, post_detect

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RECORDED = EXAMPLES / "real-answers"
SHIPPED = EXAMPLES / "fixtures" / "real-answers"


@dataclass(frozen=True)
class Request:
    """The recorded request, as far as its source tells: modes, parts (name, filename) in body order, meta."""

    modes: tuple[str, ...]
    parts: tuple[tuple[str, str], ...]
    meta: tuple[str, ...] | None = None  # meta.images order when it differs from the parts'

    @property
    def names(self) -> list[str]:
        return list(self.meta) if self.meta is not None else [name for name, _ in self.parts]


THEATRE = (("file", "objects_detect_ok_people_in_theatre.jpg"),)
PLANTS = (("file", "persons_set_error_no_face.jpg"),)
REQUESTS = {
    "01": Request(("scene", "multiobject", "pedestrian"), THEATRE),
    "02": Request(("object", "scene"), PLANTS),
    # One answer shown for two requests with misspelt modes; which one is not stated: the modes here are valid.
    "03": Request(("scene", "multiobject"), (("file", "empty.jpg"),)),
    "04": Request(("car_number",), (("file", "objects_detect_ok_car_number.jpg"),)),
    "05": Request(("car_number",), PLANTS),
    "06": Request(("car_number",), (("file", "empty.jpg"),)),
    "07": Request(("car_number",), (("file", "photo.jpg"),), meta=("file1",)),
    "08": Request(("car_number",), (("file_0", "car_number1.jpg"), ("file_1", "x5.png")), meta=("file_1", "file_0")),
    "09": Request(("object", "scene"), PLANTS),
}
FILES = sorted(RECORDED.glob("*.json"))


def recorded(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def wire(document: Any) -> bytes:
    """A document as the vendor's Go encoder writes it: compact, UTF-8, keys in the given order."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def fixtures_of(record: dict[str, Any], names: list[str]) -> list[dict[str, Any]]:
    """One fixture per image of a recorded answer (matched by name), with the answer's `_source`; a refused
    request becomes a `request_error` fixture."""
    response, source = record["response"], record["_source"]
    if response["status"] != 200:
        return [{"source": source, "match": {"name": names[0]},
                 "request_error": {"status": response["status"], "body": response["body"]}}]
    fixtures = []
    for name in names:
        answers = {
            key.removesuffix("_labels"): {field: value for field, value in entry.items() if field != "name"}
            for key, entries in response["body"].items()
            for entry in entries
            if entry["name"] == name
        }
        fixtures.append({"source": source, "match": {"name": name}, "answers": answers})
    return fixtures


def parts_of(request: Request, data: bytes | None = None) -> list[FormPart]:
    images = [image_part(name, image_bytes() if data is None else data, filename) for name, filename in request.parts]
    return [*images, meta_part(request.modes, request.names)]


def test_real_answers_all_present() -> None:
    assert [path.name[:2] for path in FILES] == sorted(REQUESTS)
    assert (RECORDED / "SOURCES.md").is_file()


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
async def test_real_answers_load_as_fixtures_and_come_back_verbatim(path: Path, tmp_path: Path) -> None:
    record = recorded(path)
    request = REQUESTS[path.name[:2]]
    for index, fixture in enumerate(fixtures_of(record, [name for name, _ in request.parts])):
        (tmp_path / f"{index}.json").write_text(json.dumps(fixture, ensure_ascii=False), encoding="utf-8")
    async with in_process(fixtures=tmp_path, fixtures_poll=0) as client:
        response = await post_detect(client, parts_of(request))
    expected = record["response"]
    served = response.json()
    if expected["status"] == 200:
        # Entry by entry first (values and key order), for a readable failure; then the bytes.
        assert list(served["body"]) == list(expected["body"])
        for key, entries in expected["body"].items():
            assert [wire(entry) for entry in served["body"][key]] == [wire(entry) for entry in entries]
    assert response.status_code == expected["status"]
    assert response.content == wire(expected)


@pytest.mark.parametrize(
    "path", [path for path in FILES if path.name[:2] != "03"], ids=lambda path: path.stem
)
async def test_real_answers_original_request_answered_as_recorded(path: Path) -> None:
    # The shipped example fixtures match by the filenames of the recorded requests; the refusals (06, 07)
    # come from the server's own checks. 03 is left out: its source does not say which request it answers.
    request = REQUESTS[path.name[:2]]
    data = b"" if path.name.startswith("06") else None
    async with in_process(fixtures=SHIPPED, fixtures_poll=0) as client:
        response = await post_detect(client, parts_of(request, data))
    assert response.content == wire(recorded(path)["response"])


def test_real_answers_shipped_fixtures_name_their_sources() -> None:
    shipped = sorted(SHIPPED.glob("*.json"))
    assert shipped
    for path in shipped:
        sources = recorded(path)["source"]
        for source in sources if isinstance(sources, list) else [sources]:
            assert (EXAMPLES.parent / source["recorded"]).is_file()
            assert source["url"].startswith("https://github.com/vk-cs/docs-public/")


def test_real_answers_readme_counts_categories_as_recorded() -> None:
    # The README cites how many recorded labels carry no category: count them (09 repeats 02, once only).
    labels = [
        label
        for path in FILES
        if not path.name.startswith("09") and isinstance(body := recorded(path)["response"]["body"], dict)
        for entries in body.values()
        for entry in entries
        for label in entry.get("labels", [])
        if "eng_categories" in label
    ]
    empty = sum(label["eng_categories"] == [] for label in labels)
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    assert f"{empty} of {len(labels)}" in readme
    assert "35 of 36" not in readme
