"""The body of a successful answer: for each mode, one result per image (SPEC sections 3–5).

Each image's answer comes from the first source that has one: a scripted per-image fault, a fixture
that matches it, then the rules. An image whose bytes are not a readable JPEG, PNG or TIFF gets the
vendor's per-image error in every mode, unless a fixture answers for it (tests often send placeholder
bytes under a fixture name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..detect.batch import Image
from ..errors import ScriptedError
from ..faults.book import ImageErrors
from . import rules
from .fixtures import Fixture, FixtureSet

UNKNOWN_TYPE = "The memory contains data of an unknown image type"
PERMANENT = 1
# The vendor's fixed order of body keys (real answers: `scene,multiobject,pedestrian` came back
# `multiobject, scene, pedestrian`). object2 sits right after object: under `object_labels` by default,
# its entries follow object's.
MODE_ORDER = ("object", "object2", "multiobject", "scene", "car_number", "pedestrian", "selfie")
OBJECT2_SHARED = "object_labels"


def result_key(mode: str, object2_key: str = OBJECT2_SHARED) -> str:
    """The body key that answers `mode`: `<mode>_labels`, except object2 (`object_labels` by default)."""
    return object2_key if mode == "object2" else f"{mode}_labels"


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
    """The images in an order drawn from their contents: reproducible, but neither meta's nor the parts'."""
    order = list(images)
    draw = rules.Draw("order", *(f"{image.name}:{image.sha256}" for image in images))
    for index in range(len(order) - 1, 0, -1):
        other = draw.below(index + 1)
        order[index], order[other] = order[other], order[index]
    return order


def ordered(images: Sequence[Image], order: str) -> list[Image]:
    """The images in the order their results are listed: `parts` (the body's order, as the real service
    answers), `meta` (meta.images), or `shuffle` (reproducible)."""
    if order == "shuffle":
        return shuffled(images)
    if order == "meta":
        return list(images)
    return sorted(images, key=lambda image: image.part.index)


def body_modes(modes: Iterable[str]) -> list[str]:
    """The requested modes in the vendor's key order."""
    asked = set(modes)
    return [mode for mode in MODE_ORDER if mode in asked]


def detect_body(
    images: Sequence[Image],
    modes: Sequence[str],
    fixtures: FixtureSet,
    *,
    image_errors: ImageErrors | None = None,
    order: str = "parts",
    object2_key: str = OBJECT2_SHARED,
) -> dict[str, list[dict[str, Any]]]:
    """The `body` of the success envelope; a fixture's `request_error` fails the whole request.

    `image_errors` are scripted per-image faults by image name, each for some or all modes: they win over
    fixtures and rules. Keys come in the vendor's order; `object2` answers under `object2_key`.
    """
    faults = image_errors or ImageErrors()
    found = {image.name: fixtures.find(image.sha256, image.name, image.filename) for image in images}
    for fixture in found.values():
        if fixture is not None and fixture.request_error is not None:
            raise ScriptedError(*fixture.request_error)
    listed = ordered(images, order)
    body: dict[str, list[dict[str, Any]]] = {}
    for mode in body_modes(modes):
        results = [image_result(image, found[image.name], mode, faults.error(image.name, mode)) for image in listed]
        body.setdefault(result_key(mode, object2_key), []).extend(results)
    return body


def mode_results(
    body: Mapping[str, Sequence[dict[str, Any]]],
    mode: str,
    modes: Iterable[str] | None = None,
    *,
    object2_key: str = OBJECT2_SHARED,
) -> list[dict[str, Any]]:
    """One mode's entries in a success body of a request that asked for `modes`: its key's list, or, when
    `object` and `object2` share `object_labels`, that mode's half of it (object's entries come first).

    A mode that `modes` does not list has no entries (`object_labels` then holds the other object mode's).
    Without `modes`, both were asked when `object_labels` names an image twice (meta's names are unique).
    """
    if modes is not None and mode not in modes:
        return []
    results = list(body.get(result_key(mode, object2_key), []))
    if mode not in ("object", "object2") or object2_key != OBJECT2_SHARED:
        return results
    if modes is not None:
        both = {"object", "object2"} <= set(modes)
    else:
        both = len({entry.get("name") for entry in results}) < len(results)
    if not both:
        return results
    half = len(results) // 2
    return results[:half] if mode == "object" else results[half:]


def failed_entries(
    body: Mapping[str, Sequence[dict[str, Any]]], modes: Sequence[str], *, object2_key: str = OBJECT2_SHARED
) -> tuple[tuple[str, str, int, str | None], ...]:
    """The entries of a success body whose image failed (status not 0), as (mode, image, status, error),
    for the journal: a 200 envelope can still carry failed images."""
    failed: list[tuple[str, str, int, str | None]] = []
    for mode in body_modes(modes):
        for entry in mode_results(body, mode, modes, object2_key=object2_key):
            if entry.get("status", 0) != 0:
                error = entry.get("error")
                text = error if isinstance(error, str) else None
                failed.append((mode, str(entry.get("name")), int(entry["status"]), text))
    return tuple(failed)
