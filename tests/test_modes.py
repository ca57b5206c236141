"""SPEC sections 3–4: what each mode answers, for every image, in every format and size."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from pydantic import BaseModel
from support import URL, FormPart, body, content_type, image_bytes, image_part, in_process, meta_part

from mockserver.answers.compose import MODE_ORDER, mode_results
from mockserver.answers.models import CarNumberResult, ObjectResult, PedestrianResult, SceneResult, SelfieResult
from mockserver.detect.meta import MODES

pytestmark = pytest.mark.anyio

RESULT_MODELS: dict[str, type[BaseModel]] = {
    "object": ObjectResult,
    "object2": ObjectResult,
    "multiobject": ObjectResult,
    "scene": SceneResult,
    "car_number": CarNumberResult,
    "pedestrian": PedestrianResult,
    "selfie": SelfieResult,
}
LABEL_FIELDS = {
    "object": {"eng", "rus", "eng_categories", "rus_categories", "prob", "coord"},
    "object2": {"eng", "rus", "eng_categories", "rus_categories", "prob", "coord"},
    "multiobject": {"eng", "rus", "eng_categories", "rus_categories", "prob", "coord"},
    "scene": {"eng", "rus", "eng_categories", "rus_categories", "prob"},
    "pedestrian": {"eng", "rus", "prob", "coord"},
    "car_number": {"eng", "rus", "prob", "coord", "types_prob"},
}
CYRILLIC = re.compile(r"^[\u0400-\u04FF0-9 ,.«»()\-]+$")
PLATE_ENG = re.compile(r"^[ABEKMHOPCTYX]\d{3}[ABEKMHOPCTYX]{2}\d{2,3}$")
FOREIGN_PLATE = re.compile(r"^[A-Z0-9]{4,8}$")
PLATE_RUS = re.compile(r"^[АВЕКМНОРСТУХ]\d{3}[АВЕКМНОРСТУХ]{2}\d{2,3}$")
SIZES = [(1, 1), (17, 5), (5, 17), (640, 480), (1920, 200)]
MANY = 40


async def detect(images: dict[str, bytes], modes: list[str] | tuple[str, ...] = MODES, **settings: Any) -> Any:
    content = body([*(image_part(name, data) for name, data in images.items()), meta_part(modes, images)])
    async with in_process(**settings) as client:
        response = await client.post(URL, headers={"content-type": content_type()}, content=content)
    document = response.json()
    assert document["status"] == 200, document
    return document["body"]


def many_images() -> dict[str, bytes]:
    return {f"img_{seed}": image_bytes("jpeg", (320, 240), seed=seed) for seed in range(MANY)}


def check_entry(mode: str, entry: dict[str, Any], size: tuple[int, int]) -> None:
    """The exact keys of one result, valid per the vendor's shapes, boxes inside the image."""
    RESULT_MODELS[mode].model_validate(entry)
    keys = set(entry)
    if mode == "selfie":
        assert keys == {"status", "name", "prob", "is_selfie"}
        assert entry["is_selfie"] == (entry["prob"] >= 0.5)
        return
    expected = {"status", "name"} | ({"count_by_density"} if mode == "pedestrian" else set())
    assert keys in (expected, expected | {"labels"})
    for label in entry.get("labels", []):
        assert set(label) == LABEL_FIELDS[mode]
        assert label["prob"] == round(label["prob"], 4) and 0 <= label["prob"] <= 1
        assert CYRILLIC.match(label["rus"]) or (mode == "car_number" and label["rus"] == ""), label["rus"]
        for rus in label.get("rus_categories", []):
            assert CYRILLIC.match(rus), rus
        if "coord" in label:
            left, top, right, bottom = label["coord"]
            assert 0 <= left < right <= size[0] and 0 <= top < bottom <= size[1], (label, size)
        if mode == "car_number":
            if label["rus"]:  # a Russian plate, in both alphabets
                assert PLATE_ENG.match(label["eng"]) and PLATE_RUS.match(label["rus"])
                assert label["rus"] == label["eng"].translate(str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ"))
            else:  # any other plate, as read
                assert FOREIGN_PLATE.match(label["eng"])
            assert [item["type"] for item in label["types_prob"]] == ["ru", "cis", "eu"]
        if mode == "pedestrian":
            assert (label["eng"], label["rus"]) == ("Pedestrian", "Человек")


@pytest.mark.parametrize("fmt", ["jpeg", "png", "tiff"])
@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_modes_coords_inside_image(fmt: str, size: tuple[int, int]) -> None:
    images = {f"s{seed}": image_bytes(fmt, size, seed=seed) for seed in range(12)}
    found = await detect(images)
    for mode in MODES:
        for entry in mode_results(found, mode, MODES):
            assert entry["status"] == 0
            check_entry(mode, entry, size)


async def test_modes_every_shape_over_many_images() -> None:
    found = await detect(many_images())
    assert list(found) == [f"{mode}_labels" for mode in MODE_ORDER if mode != "object2"]
    for mode in MODES:
        entries = mode_results(found, mode, MODES)
        assert [entry["name"] for entry in entries] == [f"img_{seed}" for seed in range(MANY)]
        for entry in entries:
            check_entry(mode, entry, (320, 240))


async def test_modes_labels_left_out_when_nothing_found() -> None:
    found = await detect(many_images(), ["object", "pedestrian"])
    without = [entry for entry in found["object_labels"] if "labels" not in entry]
    assert without, "some images must find nothing"
    assert all(entry.get("labels") != [] for entry in found["object_labels"])
    assert all("labels" in entry or entry["count_by_density"] >= 0 for entry in found["pedestrian_labels"])


async def test_modes_answers_vary_between_images() -> None:
    found = await detect(many_images(), ["object2", "car_number", "pedestrian", "scene", "selfie"])
    counts = {len(entry.get("labels", [])) for entry in found["object_labels"]}
    assert len(counts) >= 4 and 0 in counts
    assert any("labels" in entry for entry in found["car_number_labels"])
    assert any(entry.get("labels") for entry in found["pedestrian_labels"])
    assert len({entry["labels"][0]["eng"] for entry in found["scene_labels"]}) >= 8


@pytest.mark.parametrize(
    ("modes", "keys"),
    [
        (["scene"], ["scene_labels"]),
        (["car_number", "object"], ["object_labels", "car_number_labels"]),
        (["selfie", "object2", "multiobject"], ["object_labels", "multiobject_labels", "selfie_labels"]),
        # The real service's answer to scene,multiobject,pedestrian (real-answers/01).
        (["scene", "multiobject", "pedestrian"], ["multiobject_labels", "scene_labels", "pedestrian_labels"]),
        (list(reversed(MODES)), ["object_labels", "multiobject_labels", "scene_labels", "car_number_labels",
                                 "pedestrian_labels", "selfie_labels"]),
    ],
)
async def test_modes_keys_in_vendor_order(modes: list[str], keys: list[str]) -> None:
    found = await detect({"file_0": image_bytes()}, modes)
    assert list(found) == keys


async def test_modes_repeated_mode_answered_once() -> None:
    found = await detect({"file_0": image_bytes()}, ["scene", "object", "scene"])
    assert list(found) == ["object_labels", "scene_labels"]
    assert len(found["object_labels"]) == len(found["scene_labels"]) == 1


async def test_modes_object2_alone_answers_under_object_labels() -> None:
    images = many_images()
    found = await detect(images, ["object2"])
    own_key = await detect(images, ["object2"], object2_key="object2_labels")
    assert list(found) == ["object_labels"] and list(own_key) == ["object2_labels"]
    assert found["object_labels"] == own_key["object2_labels"]


async def test_modes_object_and_object2_share_object_labels() -> None:
    images = many_images()
    alone = {mode: (await detect(images, [mode]))["object_labels"] for mode in ("object", "object2")}
    both = await detect(images, ["object2", "object"])
    assert list(both) == ["object_labels"]
    assert both["object_labels"] == alone["object"] + alone["object2"]
    apart = await detect(images, ["object2", "object"], object2_key="object2_labels")
    assert list(apart) == ["object_labels", "object2_labels"]
    assert (apart["object_labels"], apart["object2_labels"]) == (alone["object"], alone["object2"])


@pytest.mark.parametrize(("asked", "mode"), [(["object2"], "object"), (["object"], "object2"), (["scene"], "object")])
async def test_modes_results_of_a_mode_not_asked_are_none(asked: list[str], mode: str) -> None:
    # object_labels answers whichever of object and object2 was asked: the other one found nothing there.
    found = await detect(many_images(), asked)
    assert mode_results(found, mode, asked) == []


async def test_modes_answer_independent_of_other_modes() -> None:
    images = many_images()
    alone = await detect(images, ["object"])
    together = await detect(images, list(MODES))
    assert alone["object_labels"] == mode_results(together, "object", MODES)


async def test_modes_unknown_format_beside_good_images() -> None:
    images = {
        "good_jpeg": image_bytes("jpeg"),
        "gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        "text": b"hello, I am not an image",
        "truncated_png": image_bytes("png")[:20],
        "good_tiff": image_bytes("tiff"),
    }
    found = await detect(images)
    for mode in MODES:
        entries = {entry["name"]: entry for entry in mode_results(found, mode, MODES)}
        for name in ("gif", "text", "truncated_png"):
            assert entries[name] == {
                "status": 1, "name": name, "error": "The memory contains data of an unknown image type",
            }
        assert entries["good_jpeg"]["status"] == entries["good_tiff"]["status"] == 0


async def detect_parts(parts: list[str], meta_names: list[str], **settings: Any) -> list[str]:
    """The names of object_labels when the image parts come in `parts` order and meta lists `meta_names`."""
    images = [image_part(name, image_bytes(seed=index)) for index, name in enumerate(parts)]
    content = body([meta_part(["object", "scene"], meta_names), *images])
    async with in_process(**settings) as client:
        response = await client.post(URL, headers={"content-type": content_type()}, content=content)
    found = response.json()["body"]
    names = [entry["name"] for entry in found["object_labels"]]
    assert names == [entry["name"] for entry in found["scene_labels"]]
    return names


@pytest.mark.parametrize(
    ("order", "expected"),
    [(None, ["file_0", "file_1", "file_2"]), ("parts", ["file_0", "file_1", "file_2"]),
     ("meta", ["file_2", "file_0", "file_1"])],
)
async def test_modes_results_order_setting(order: str | None, expected: list[str]) -> None:
    # real-answers/08: meta [file_1, file_0], parts file_0, file_1 -> the answer lists file_0, file_1.
    settings = {} if order is None else {"result_order": order}
    assert await detect_parts(["file_0", "file_1", "file_2"], ["file_2", "file_0", "file_1"], **settings) == expected


async def test_modes_results_follow_parts_not_meta_nor_names() -> None:
    assert await detect_parts(["zeta", "alpha", "mid"], ["alpha", "mid", "zeta"]) == ["zeta", "alpha", "mid"]


async def test_modes_shuffle_is_reproducible_permutation() -> None:
    images = many_images()
    first = await detect(images, ["object"], result_order="shuffle")
    second = await detect(images, ["object"], result_order="shuffle")
    names = [entry["name"] for entry in first["object_labels"]]
    assert names == [entry["name"] for entry in second["object_labels"]]
    assert sorted(names) == sorted(images) and names != list(images)


DETERMINISM_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    import httpx
    sys.path.insert(0, sys.argv[1])
    from support import URL, body, content_type, image_bytes, image_part, meta_part
    from mockserver import Settings, create_app
    from mockserver.detect.meta import MODES

    async def main():
        names = [f"img_{seed}" for seed in range(25)]
        parts = [image_part(name, image_bytes("png", (300, 200), seed=seed)) for seed, name in enumerate(names)]
        transport = httpx.ASGITransport(app=create_app(Settings(fixtures=None)))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            response = await client.post(
                URL, headers={"content-type": content_type()}, content=body([*parts, meta_part(MODES, names)])
            )
        sys.stdout.buffer.write(response.content)

    asyncio.run(main())
    """
)


def test_modes_deterministic_across_processes(tmp_path: Any) -> None:
    tests_dir = str(__import__("pathlib").Path(__file__).parent)
    outputs = [
        subprocess.run(
            [sys.executable, "-c", DETERMINISM_SCRIPT, tests_dir],
            capture_output=True,
            check=True,
            env={"PYTHONHASHSEED": str(seed), "PATH": ""},
        ).stdout
        for seed in (1, 2)
    ]
    assert outputs[0] == outputs[1]
    assert b'"status":200' in outputs[0] and len(outputs[0]) > 5000


async def test_modes_duplicate_bytes_same_answer_under_each_name() -> None:
    data = image_bytes(seed=5)
    found = await detect({"a": data, "b": data}, ["object2"])
    first, second = found["object_labels"]
    assert {**first, "name": "b"} == second


async def test_modes_part_content_type_ignored() -> None:
    data = image_bytes("png", (50, 40), seed=3)
    parts = [FormPart("file_0", data, "photo.jpg", "image/jpeg"), meta_part(["object"])]
    async with in_process() as client:
        labelled = (await client.post(URL, headers={"content-type": content_type()}, content=body(parts))).json()
    plain = await detect({"file_0": data}, ["object"])
    assert labelled["body"] == plain
