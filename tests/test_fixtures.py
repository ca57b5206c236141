"""SPEC section 5, step 2: fixtures — the shipped examples, each match kind, and broken files."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import FormPart, image_bytes, image_part, in_process, meta_part, post_detect

from mockserver import FixtureError, Settings, create_app
from mockserver.answers.compose import mode_results
from mockserver.answers.fixtures import FixtureSet
from mockserver.detect.meta import MODES
from mockserver.settings import default_fixtures_dir

pytestmark = pytest.mark.anyio

SHIPPED = default_fixtures_dir()
LABELS = {"labels": [{"eng": "Cat", "rus": "Кошка", "prob": 0.9, "coord": [1, 2, 30, 20]}]}
PLATE = {"eng": "MA77K0S", "rus": "", "prob": 0.7194, "coord": [346, 111, 356, 115]}


async def detect(folder: Path | None, parts: list[FormPart], **settings: Any) -> httpx.Response:
    async with in_process(fixtures=folder, fixtures_poll=0, **settings) as client:
        return await post_detect(client, parts)


def write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else json.dumps(document, ensure_ascii=False))
    return path


def shipped(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SHIPPED / name).read_text(encoding="utf-8"))
    return document


def test_fixtures_shipped_examples_load() -> None:
    fixtures = FixtureSet.load(SHIPPED)
    assert len(fixtures) >= 6
    assert {Path(fixture.path).name for fixture in fixtures.fixtures} >= {
        "street.json", "people.json", "landscape.json", "crc-error.json", "server-error.json",
    }


@pytest.mark.parametrize("name", ["street", "people", "landscape", "chelsea"])
async def test_fixtures_shipped_image_answered_from_fixture(name: str) -> None:
    fixture = shipped(f"{name}.json")
    data = (SHIPPED / fixture["match"]["image"]).read_bytes()
    response = await detect(SHIPPED, [image_part("photo", data, "whatever.jpg"), meta_part(MODES, ["photo"])])
    found = response.json()["body"]
    for mode, answer in fixture["answers"].items():
        entry = mode_results(found, mode, MODES)[0]
        assert entry["status"] == answer.get("status", 0)
        served = entry.get("labels", [])
        assert len(served) == len(answer.get("labels", []))
        for written, label in zip(answer.get("labels", []), served, strict=True):
            assert written.items() <= label.items()


@pytest.mark.parametrize("name", ["street", "people"])
def test_fixtures_shipped_pedestrians_from_their_own_detector(name: str) -> None:
    # SPEC section 4: the people detector's own boxes and confidences, not copies of multiobject's persons.
    answers = shipped(f"{name}.json")["answers"]
    persons = [label for label in answers["multiobject"]["labels"] if label["eng"] == "Person"]
    walkers = answers["pedestrian"]["labels"]
    assert len(walkers) == len(persons)
    assert not {tuple(label["coord"]) for label in walkers} & {tuple(label["coord"]) for label in persons}
    assert sorted(label["prob"] for label in walkers) != sorted(label["prob"] for label in persons)
    assert all(0.85 <= label["prob"] <= 0.98 for label in walkers)


async def test_fixtures_street_plates() -> None:
    data = (SHIPPED / "images/street.jpg").read_bytes()
    response = await detect(SHIPPED, [image_part("street", data), meta_part(["car_number"], ["street"])])
    plates = {label["eng"]: label["rus"] for label in response.json()["body"]["car_number_labels"][0]["labels"]}
    assert plates["C606KY777"] == "С606КУ777"


async def test_fixtures_shipped_crc_error_by_filename() -> None:
    parts = [image_part("a", image_bytes(), "batch-crc-mismatch-01.jpg"), image_part("b"), meta_part(MODES, ["a", "b"])]
    found = (await detect(SHIPPED, parts)).json()["body"]
    for mode in MODES:
        a, b = mode_results(found, mode, MODES)
        assert a == {"status": 2, "name": "a", "error": "internal error: image crc mismatch"}
        assert b["status"] == 0


async def test_fixtures_shipped_request_error_by_name() -> None:
    parts = [image_part("ok"), image_part("trigger_500"), meta_part(names=["ok", "trigger_500"])]
    response = await detect(SHIPPED, parts)
    assert response.status_code == 500
    assert response.json() == {"status": 500, "body": "Internal Server Error", "htmlencoded": False, "last_modified": 0}


async def test_fixtures_request_error_after_checks(tmp_path: Path) -> None:
    write(tmp_path, "boom.json", {"match": {"name": "x"}, "request_error": {"status": 503, "body": "busy"}})
    response = await detect(tmp_path, [image_part("x"), meta_part(["faces"], ["x"])])
    assert response.json()["body"] == "unknown mode: faces"


@pytest.mark.parametrize("kind", ["image", "sha256", "name", "filename"])
async def test_fixtures_each_match_kind(tmp_path: Path, kind: str) -> None:
    data = image_bytes("png", (40, 30), seed=9)
    (tmp_path / "cat.png").write_bytes(data)
    match = {
        "image": "cat.png",
        "sha256": hashlib.sha256(data).hexdigest().upper(),
        "name": "the_cat",
        "filename": "cat-*.png",
    }[kind]
    write(tmp_path, "cat.json", {"match": {kind: match}, "answers": {"object": LABELS}})
    parts = [image_part("the_cat", data, "cat-01.png"), image_part("other", data[:-1] + b"\x00", "dog.png")]
    found = (await detect(tmp_path, [*parts, meta_part(["object", "scene"], ["the_cat", "other"])])).json()["body"]
    cat, other = found["object_labels"]
    assert cat == {
        "status": 0, "name": "the_cat",
        "labels": [{"eng": "Cat", "rus": "Кошка", "eng_categories": [], "rus_categories": [], "prob": 0.9,
                    "coord": [1, 2, 30, 20]}],
    }
    assert other.get("labels") != cat["labels"]
    assert found["scene_labels"][0]["status"] == 0  # modes a fixture leaves out come from the rules


async def test_fixtures_precedence_content_then_name_then_filename(tmp_path: Path) -> None:
    data = image_bytes(seed=4)

    def failing(text: str) -> dict[str, Any]:
        return {"answers": {"*": {"status": 1, "error": text}}}

    write(tmp_path, "a.json", {"match": {"filename": "*.jpg"}, **failing("filename")})
    write(tmp_path, "b.json", {"match": {"name": "by_name"}, **failing("name")})
    write(tmp_path, "c.json", {"match": {"name": "hash_and_name"}, **failing("name")})
    write(tmp_path, "d.json", {"match": {"sha256": hashlib.sha256(data).hexdigest()}, **failing("content")})
    parts = [
        image_part("hash_and_name", data, "x.jpg"),
        image_part("by_name", image_bytes(seed=5), "x.jpg"),
        image_part("by_filename", image_bytes(seed=6), "x.jpg"),
        image_part("none", image_bytes(seed=7), "x.png"),
    ]
    meta = meta_part(["scene"], [part.name or "" for part in parts])
    found = (await detect(tmp_path, [*parts, meta])).json()["body"]["scene_labels"]
    assert [entry.get("error") for entry in found] == ["content", "name", "filename", None]


async def test_fixtures_name_fixture_beats_unknown_format(tmp_path: Path) -> None:
    write(tmp_path, "f.json", {"match": {"name": "file_0"}, "answers": {"object": LABELS}})
    found = (await detect(tmp_path, [image_part(data=b"placeholder"), meta_part(["object", "scene"])])).json()["body"]
    assert found["object_labels"][0]["labels"][0]["eng"] == "Cat"
    assert found["scene_labels"][0]["error"] == "The memory contains data of an unknown image type"


async def test_fixtures_every_mode_kind(tmp_path: Path) -> None:
    answers = {
        "pedestrian": {"labels": [{"prob": 0.7, "coord": [0, 0, 5, 9]}]},
        "selfie": {"prob": 0.93, "is_selfie": True},
        "car_number": {"status": 2, "error": "temporarily unavailable"},
        "scene": {"labels": []},
    }
    write(tmp_path, "f.json", {"match": {"name": "file_0"}, "answers": answers})
    found = (await detect(tmp_path, [image_part(), meta_part(list(answers))])).json()["body"]
    assert found["pedestrian_labels"][0] == {
        "status": 0, "name": "file_0", "count_by_density": 1,
        "labels": [{"eng": "Pedestrian", "rus": "Человек", "prob": 0.7, "coord": [0, 0, 5, 9]}],
    }
    assert found["selfie_labels"][0] == {"status": 0, "name": "file_0", "prob": 0.93, "is_selfie": True}
    assert found["car_number_labels"][0] == {"status": 2, "name": "file_0", "error": "temporarily unavailable"}
    assert found["scene_labels"][0] == {"status": 0, "name": "file_0"}


@pytest.mark.parametrize(
    "plate",
    [
        PLATE,  # a foreign plate, as the real service lists it, from an older answer without types_prob
        {**PLATE, "types_prob": [{"type": "ru", "prob": 0.3256}, {"type": "cis", "prob": 0.9272}]},
        {**PLATE, "rus": "", "types_prob": [{"type": "rus", "prob": 0.01}]},  # `rus` as the docs spell it
        {**PLATE, "types_prob": []},
        # Whole numbers print as the vendor's Go encoder prints them (`1`, `0`), not `1.0`.
        {**PLATE, "prob": 1, "types_prob": [{"type": "ru", "prob": 0}, {"type": "eu", "prob": 1}]},
    ],
)
async def test_fixtures_plate_comes_back_as_written(tmp_path: Path, plate: dict[str, Any]) -> None:
    write(tmp_path, "plate.json", {"match": {"name": "file_0"}, "answers": {"car_number": {"labels": [plate]}}})
    response = await detect(tmp_path, [image_part(), meta_part(["car_number"])])
    assert json.dumps(response.json()["body"]["car_number_labels"][0]["labels"]) == json.dumps([plate])
    assert json.dumps([plate], ensure_ascii=False, separators=(",", ":")).encode() in response.content


BROKEN = [
    ("not-json", "{", "line 1 column 2", "not JSON"),
    ("no-match", {"answers": {"object": LABELS}}, "match", "Field required"),
    ("two-keys", {"match": {"name": "a", "filename": "b"}, "answers": {"object": LABELS}}, "match", "exactly one"),
    ("bad-sha", {"match": {"sha256": "abc"}, "answers": {"object": LABELS}}, "match", "64 hexadecimal"),
    ("no-answers", {"match": {"name": "a"}}, "", "needs answers or request_error"),
    ("unknown-mode", {"match": {"name": "a"}, "answers": {"faces": LABELS}}, "", "unknown mode 'faces'"),
    ("typo-field", {"match": {"name": "a"}, "answers": {"object": {"lables": []}}}, "answers.object.lables",
     "Extra inputs are not permitted"),
    ("bad-coord", {"match": {"name": "a"}, "answers": {"object": {"labels": [
        {"eng": "Cat", "rus": "Кошка", "prob": 0.5, "coord": [10, 0, 5, 5]}]}}},
     "answers.object.labels[0].coord", "left < right"),
    ("prob-range", {"match": {"name": "a"}, "answers": {"scene": {"labels": [
        {"eng": "Cat", "rus": "Кошка", "prob": 1.5}]}}}, "answers.scene.labels[0].prob", "less than or equal to 1"),
    ("status-no-error", {"match": {"name": "a"}, "answers": {"object": {"status": 2}}}, "answers.object",
     "status 2 needs an error text"),
    ("error-with-labels", {"match": {"name": "a"}, "answers": {"object": {"status": 1, "error": "x", **LABELS}}},
     "answers.object", "carries no labels"),
    ("selfie-half", {"match": {"name": "a"}, "answers": {"selfie": {"prob": 0.5}}}, "answers.selfie",
     "needs prob and is_selfie"),
    ("star-not-error", {"match": {"name": "a"}, "answers": {"*": LABELS}}, "answers.*.status", "Field required"),
    ("unpaired-categories", {"match": {"name": "a"}, "answers": {"scene": {"labels": [
        {"eng": "A", "rus": "Б", "prob": 0.1, "eng_categories": ["X"]}]}}}, "answers.scene.labels[0]", "pairs"),
    ("missing-image", {"match": {"image": "nope.jpg"}, "answers": {"object": LABELS}}, "match.image", "cannot read"),
    ("request-status", {"match": {"name": "a"}, "request_error": {"status": 200, "body": "x"}},
     "request_error.status", "greater than or equal to 400"),
    ("plate-type-typo", {"match": {"name": "a"}, "answers": {"car_number": {"labels": [
        {**PLATE, "types_prob": [{"type": "ro", "prob": 0.5}]}]}}},
     "answers.car_number.labels[0].types_prob[0].type", "Input should be 'ru', 'rus', 'cis' or 'eu'"),
    ("plate-types-null", {"match": {"name": "a"}, "answers": {"car_number": {"labels": [
        {**PLATE, "types_prob": None}]}}}, "answers.car_number.labels[0].types_prob", "must not be null"),
    ("plate-prob-text", {"match": {"name": "a"}, "answers": {"car_number": {"labels": [
        {**PLATE, "prob": "high"}]}}}, "answers.car_number.labels[0].prob", "valid number"),
    ("object-rus-empty", {"match": {"name": "a"}, "answers": {"object": {"labels": [
        {"eng": "Cat", "rus": "", "prob": 0.5, "coord": [0, 0, 5, 5]}]}}},
     "answers.object.labels[0].rus", "at least 1 character"),
    ("source-number", {"match": {"name": "a"}, "source": 5, "answers": {"object": LABELS}}, "source",
     "must be an object"),
    # Wrong types are typos too: a quoted number or a `"yes"` would otherwise be sent as something else.
    ("prob-quoted", {"match": {"name": "a"}, "answers": {"scene": {"labels": [
        {"eng": "A", "rus": "Б", "prob": "0.5"}]}}}, "answers.scene.labels[0].prob", "valid number"),
    ("prob-bool", {"match": {"name": "a"}, "answers": {"scene": {"labels": [
        {"eng": "A", "rus": "Б", "prob": True}]}}}, "answers.scene.labels[0].prob", "valid number"),
    ("selfie-yes", {"match": {"name": "a"}, "answers": {"selfie": {"prob": 0.5, "is_selfie": "yes"}}},
     "answers.selfie.is_selfie", "valid boolean"),
    ("count-quoted", {"match": {"name": "a"}, "answers": {"pedestrian": {"count_by_density": "157"}}},
     "answers.pedestrian.count_by_density", "valid integer"),
    ("status-quoted", {"match": {"name": "a"}, "answers": {"object": {"status": "1", "error": "x"}}},
     "answers.object.status", "Input should be 0, 1 or 2"),
    ("request-status-quoted", {"match": {"name": "a"}, "request_error": {"status": "500", "body": "x"}},
     "request_error.status", "valid integer"),
]


@pytest.mark.parametrize(("case", "document", "place", "reason"), BROKEN, ids=[row[0] for row in BROKEN])
def test_fixtures_broken_file_names_file_place_reason(
    tmp_path: Path, case: str, document: Any, place: str, reason: str
) -> None:
    write(tmp_path, "good.json", {"match": {"name": "ok"}, "answers": {"object": LABELS}})
    path = write(tmp_path, f"sub/{case}.json", document)
    with pytest.raises(FixtureError) as caught:
        create_app(Settings(fixtures=tmp_path))
    assert caught.value.file == str(path)
    assert caught.value.place == place
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"{path}: ")


def test_fixtures_coord_outside_named_image(tmp_path: Path) -> None:
    (tmp_path / "small.png").write_bytes(image_bytes("png", (20, 10)))
    write(tmp_path, "f.json", {"match": {"image": "small.png"}, "answers": {"object": LABELS}})
    with pytest.raises(FixtureError, match=r"answers\.object\.labels\[0\]\.coord: box \[1, 2, 30, 20\] is outside"):
        FixtureSet.load(tmp_path)


def test_fixtures_image_not_an_image(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_bytes(b"not a picture")
    write(tmp_path, "f.json", {"match": {"image": "notes.jpg"}, "answers": {"object": LABELS}})
    with pytest.raises(FixtureError, match="is not a JPEG, PNG or TIFF image"):
        FixtureSet.load(tmp_path)


def test_fixtures_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="fixtures folder does not exist"):
        FixtureSet.load(tmp_path / "nope")


def test_fixtures_readme_example_valid(tmp_path: Path) -> None:
    text = SHIPPED / "README.md"
    example = text.read_text(encoding="utf-8").split("```json\n", 1)[1].split("```", 1)[0]
    (tmp_path / "images").mkdir()
    (tmp_path / "images/street.jpg").write_bytes((SHIPPED / "images/street.jpg").read_bytes())
    write(tmp_path, "street.json", example)
    fixture = FixtureSet.load(tmp_path).fixtures[0]
    assert set(fixture.answers) == {"object", "scene", "car_number", "pedestrian", "selfie", "multiobject"}


@pytest.mark.parametrize("how", ["dot-dot", "absolute", "symlink", "symlinked-folder"])
def test_fixtures_image_outside_folder_refused(tmp_path: Path, how: str) -> None:
    """`match.image` names a file in the fixtures folder: never one beyond it, however it is reached."""
    folder, outside = tmp_path / "fixtures", tmp_path / "private"
    outside.mkdir()
    secret = outside / "secret.png"
    secret.write_bytes(image_bytes("png"))
    image = {"dot-dot": "../../private/secret.png", "absolute": str(secret), "symlink": "link.png",
             "symlinked-folder": "shared/secret.png"}[how]
    path = write(folder, "sub/f.json", {"match": {"image": image}, "answers": {"object": LABELS}})
    if how == "symlink":
        (folder / "sub" / "link.png").symlink_to(secret)
    if how == "symlinked-folder":
        (folder / "sub" / "shared").symlink_to(outside, target_is_directory=True)
    with pytest.raises(FixtureError) as caught:
        FixtureSet.load(folder)
    assert str(caught.value) == f"{path}: match.image: {image} is outside the fixtures folder {folder}"


def test_fixtures_image_elsewhere_in_folder_accepted(tmp_path: Path) -> None:
    """A fixture in a subfolder may name an image in a sibling folder: it is still inside."""
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "cat.png").write_bytes(image_bytes("png", (64, 48)))
    (tmp_path / "link.png").symlink_to(tmp_path / "images" / "cat.png")
    write(tmp_path, "sub/f.json", {"match": {"image": "../images/cat.png"}, "answers": {"object": LABELS}})
    write(tmp_path, "g.json", {"match": {"image": "link.png"}, "answers": {"object": LABELS}})
    assert len(FixtureSet.load(tmp_path)) == 2


@pytest.mark.parametrize("depth", [33, 100_000])
def test_fixtures_nested_too_deep_refused(tmp_path: Path, depth: int) -> None:
    """A fixture nested 100 000 deep crashed the loader (RecursionError, a traceback); now it is a broken file."""
    path = write(tmp_path, "deep.json", '{"match": {"name": "a"}, "answers": {"object": ' + "[" * depth
                 + "]" * depth + "}}")
    with pytest.raises(FixtureError) as caught:
        FixtureSet.load(tmp_path)
    assert str(caught.value) == f"{path}: nested deeper than 32 levels"


@pytest.mark.parametrize("unreadable", ["street.json", "images/street.jpg", "."])
def test_fixtures_unreadable_file_says_whose_permission_and_what_to_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unreadable: str
) -> None:
    """The image's user (uid 10001) meets files it may not read; root, running this test, never does: so the
    operating system's refusal is stood in for (the message once was a bare `Permission denied`)."""
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "street.jpg").write_bytes((SHIPPED / "images" / "street.jpg").read_bytes())
    write(tmp_path, "street.json", {"match": {"image": "images/street.jpg"}, "answers": {"object": LABELS}})
    denied = (tmp_path / unreadable).resolve()

    def refuse(path: Path) -> None:
        if Path(path).resolve() == denied:
            raise PermissionError(13, "Permission denied", str(path))

    real_read_text, real_read_bytes, real_access = Path.read_text, Path.read_bytes, os.access
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: refuse(self) or real_read_text(self, *a, **k))
    monkeypatch.setattr(Path, "read_bytes", lambda self: refuse(self) or real_read_bytes(self))
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path).resolve() != denied and real_access(path, mode))
    with pytest.raises(FixtureError) as caught:
        FixtureSet.load(tmp_path)
    message = str(caught.value)
    assert f"permission denied to the server's user (uid {os.getuid()})" in message
    assert "chmod -R a+rX" in message
    assert message.startswith(str(tmp_path / ("" if unreadable == "." else "street.json")).rstrip("/"))
