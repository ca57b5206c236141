"""The body of a successful answer: for each mode, one result per image (SPEC sections 3–5).

Each image's answer comes from the first source that has one: a scripted per-image fault, a fixture
that matches it, then the rules. An image whose bytes are not a readable JPEG, PNG or TIFF gets the
vendor's per-image error in every mode, unless a fixture answers for it (tests often send placeholder
bytes under a fixture name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..detect.batch import Image
from ..errors import ScriptedError
from . import rules
from .fixtures import Fixture, FixtureSet

UNKNOWN_TYPE = "The memory contains data of an unknown image type"
PERMANENT = 1


def result_key(mode: str) -> str:
    return f"{mode}_labels"


def image_result(
    image: Image, fixture: Fixture | None, mode: str, fault: tuple[int, str] | None = None
) -> dict[str, Any]:
    """One image's entry in `<mode>_labels`: a fault's error, else a fixture's answer, else the rules'."""
    if fault is not None:
        return {"status": fault[0], "name": image.name, "error": fault[1]}
    if fixture is not None and (pinned := fixture.answer(mode)) is not None:
        status, fields = pinned
        return {"status": status, "name": image.name, **fields}
    if image.info is None:
        return {"status": PERMANENT, "name": image.name, "error": UNKNOWN_TYPE}
    return {"status": 0, "name": image.name, **rules.answer(image.sha256, image.info, mode)}


def shuffled(images: Sequence[Image]) -> list[Image]:
    """The images in an order drawn from their contents: reproducible, but not meta's."""
    order = list(images)
    draw = rules.Draw("order", *(f"{image.name}:{image.sha256}" for image in images))
    for index in range(len(order) - 1, 0, -1):
        other = draw.below(index + 1)
        order[index], order[other] = order[other], order[index]
    return order


def detect_body(
    images: Sequence[Image],
    modes: Sequence[str],
    fixtures: FixtureSet,
    *,
    image_errors: Mapping[str, tuple[int, str]] | None = None,
    shuffle: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """The `body` of the success envelope; a fixture's `request_error` fails the whole request.

    `image_errors` are scripted per-image faults by image name: they win over fixtures and rules.
    """
    faults = image_errors or {}
    found = {image.name: fixtures.find(image.sha256, image.name, image.filename) for image in images}
    for fixture in found.values():
        if fixture is not None and fixture.request_error is not None:
            raise ScriptedError(*fixture.request_error)
    ordered = shuffled(images) if shuffle else images
    return {
        result_key(mode): [image_result(image, found[image.name], mode, faults.get(image.name)) for image in ordered]
        for mode in modes
    }
