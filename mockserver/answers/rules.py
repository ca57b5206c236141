"""Answers made up from the image bytes, for images no fixture knows (SPEC section 5, step 3).

Everything is drawn from the image's SHA-256, so the same bytes give byte-identical answers on every
run, machine and worker; no `random`, no clock, no float function that a libm could round differently.

An image first gets a *plan*: a theme (street, people, indoors, nature, sport), the objects in it with
their boxes, and its scenes. Each mode is then a view of that plan, as the vendor's models would see
the same photo: `object` lists the classes the old model knows, one label per class; `object2` the
whole vocabulary; `multiobject` every instance with its box; `pedestrian` the people; `car_number` the
plates of the cars; `scene` the scenes; `selfie` a single large face or person. Confidences for each
mode come from a stream of their own, so asking for more modes never changes another mode's answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from ..detect.images import ImageInfo
from .vocabulary import (
    CITY,
    OBJECTS,
    PEDESTRIAN,
    PLATE_CYRILLIC,
    PLATE_LATIN,
    REGION_CODES,
    SCENES,
    SPORT,
    TRANSPORT,
    ObjectClass,
    SceneClass,
)

T = TypeVar("T")

_UNIT = 1 << 64
PROB_DECIMALS = 4
# Share of images with nothing the object models know: clients must cope with a missing `labels`.
EMPTY_SHARE = 0.12
MAX_INSTANCES = 7
MAX_SCENES = 5
# A face sits in the top quarter of a person's box, about a third of its width.
FACE_HEIGHT_SHARE, FACE_WIDTH_SHARE = 0.25, 0.35
PLATE_ASPECT = 4.5
PLATE_WIDTH_SHARE = 0.28
PLATE_SHARE = 0.75
PLATED = frozenset({"Car", "Bus", "Truck", "Van", "Minibus", "Tractor", "Motorcycle"})
SELFIE_FACE_SHARE = 0.3

# How often an object in a photo of each theme is a person: people are what most photos show.
PERSON_SHARE = {"street": 0.35, "people": 0.6, "indoors": 0.15, "nature": 0.0, "sport": 0.45}
THEMES: dict[str, frozenset[str]] = {
    "street": frozenset({"vehicle", "person", "building", "plant", "other"}),
    "people": frozenset({"person", "face", "clothing", "other"}),
    "indoors": frozenset({"furniture", "electronics", "kitchen", "food", "other", "person"}),
    "nature": frozenset({"animal", "plant", "other"}),
    "sport": frozenset({"sport", "person", "clothing"}),
}


class Draw:
    """A reproducible stream of numbers: SHA-256 of the seed and a counter, 8 bytes per number."""

    def __init__(self, *seed: str) -> None:
        self._seed = "\x1f".join(seed).encode()
        self._counter = 0
        self._block = b""

    def unit(self) -> float:
        """A number in [0, 1)."""
        if not self._block:
            self._block = hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        value, self._block = self._block[:8], self._block[8:]
        return int.from_bytes(value, "big") / _UNIT

    def below(self, n: int) -> int:
        return min(int(self.unit() * n), n - 1)

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.unit()

    def pick(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def prob(self, low: float, high: float) -> float:
        return round(self.between(low, high), PROB_DECIMALS)


Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Instance:
    kind: ObjectClass
    box: Box
    score: float


@dataclass(frozen=True, slots=True)
class Plan:
    theme: str
    instances: tuple[Instance, ...]
    scenes: tuple[SceneClass, ...]


def _box(draw: Draw, kind: ObjectClass, width: int, height: int) -> Box:
    longer = draw.between(*kind.size) * min(width, height)
    box_w, box_h = (longer, longer / kind.aspect) if kind.aspect >= 1 else (longer * kind.aspect, longer)
    box_w = max(1, min(width, int(box_w)))
    box_h = max(1, min(height, int(box_h)))
    left = draw.below(width - box_w + 1)
    top = draw.below(height - box_h + 1)
    return left, top, left + box_w, top + box_h


def _inner(outer: Box, width_share: float, height_share: float, top_share: float) -> Box:
    """A box inside `outer`, centred horizontally, never degenerate."""
    left, top, right, bottom = outer
    inner_w = max(1, int((right - left) * width_share))
    inner_h = max(1, int((bottom - top) * height_share))
    x = left + (right - left - inner_w) // 2
    y = min(bottom - inner_h, top + int((bottom - top) * top_share))
    return x, y, x + inner_w, y + inner_h


def _scene_fits(theme: str, scene: SceneClass) -> bool:
    if theme == "street":
        return scene.outdoor and (CITY in scene.categories or TRANSPORT in scene.categories)
    if theme == "nature":
        return scene.outdoor and CITY not in scene.categories
    if theme == "indoors":
        return not scene.outdoor
    if theme == "sport":
        return SPORT in scene.categories
    return True


_FACE = next(kind for kind in OBJECTS if kind.group == "face")
_PERSON = next(kind for kind in OBJECTS if kind.eng == "Person")


@lru_cache(maxsize=4096)
def plan(sha256: str, width: int, height: int) -> Plan:
    """What the image shows, drawn from its digest alone."""
    draw = Draw(sha256, "plan")
    theme = draw.pick(sorted(THEMES))
    kinds = [kind for kind in OBJECTS if kind.group in THEMES[theme]]
    instances: list[Instance] = []
    count = 0 if draw.unit() < EMPTY_SHARE else 1 + draw.below(MAX_INSTANCES)
    for _ in range(count):
        kind = _PERSON if draw.unit() < PERSON_SHARE[theme] else draw.pick(kinds)
        box = _box(draw, kind, width, height)
        instances.append(Instance(kind, box, draw.between(0.3, 0.999)))
        if kind is _PERSON and draw.unit() < 0.5:
            face = _inner(box, FACE_WIDTH_SHARE, FACE_HEIGHT_SHARE, 0.02)
            instances.append(Instance(_FACE, face, draw.between(0.4, 0.999)))
    fitting = [scene for scene in SCENES if _scene_fits(theme, scene)] or list(SCENES)
    scenes = tuple(dict.fromkeys(draw.pick(fitting) for _ in range(1 + draw.below(MAX_SCENES))))
    return Plan(theme, tuple(instances), scenes)


def _categorised(kind: ObjectClass | SceneClass) -> dict[str, Any]:
    return {
        "eng": kind.eng,
        "rus": kind.rus,
        "eng_categories": [category.eng for category in kind.categories],
        "rus_categories": [category.rus for category in kind.categories],
    }


def _jitter(draw: Draw, score: float) -> float:
    return round(min(0.9999, max(0.0, score + draw.between(-0.05, 0.05))), PROB_DECIMALS)


def _by_class(draw: Draw, instances: Sequence[Instance]) -> list[dict[str, Any]]:
    best: dict[str, Instance] = {}
    for instance in instances:
        if instance.kind.eng not in best or instance.score > best[instance.kind.eng].score:
            best[instance.kind.eng] = instance
    labels = [
        {**_categorised(instance.kind), "prob": _jitter(draw, instance.score), "coord": list(instance.box)}
        for instance in best.values()
    ]
    return sorted(labels, key=lambda label: -label["prob"])


def _objects(found: Plan, draw: Draw, *, v1_only: bool, per_instance: bool) -> list[dict[str, Any]]:
    instances = [item for item in found.instances if item.kind.in_v1 or not v1_only]
    if not per_instance:
        return _by_class(draw, instances)
    labels = [
        {**_categorised(item.kind), "prob": _jitter(draw, item.score), "coord": list(item.box)}
        for item in instances
    ]
    return sorted(labels, key=lambda label: -label["prob"])


def _plate(draw: Draw) -> tuple[str, str]:
    letters = [draw.below(len(PLATE_LATIN)) for _ in range(3)]
    digits = f"{1 + draw.below(999):03d}"
    region = draw.pick(REGION_CODES)
    eng = f"{PLATE_LATIN[letters[0]]}{digits}{PLATE_LATIN[letters[1]]}{PLATE_LATIN[letters[2]]}{region}"
    return eng, eng.translate(str.maketrans(PLATE_LATIN, PLATE_CYRILLIC))


def _car_numbers(found: Plan, draw: Draw) -> list[dict[str, Any]]:
    labels = []
    for item in found.instances:
        if item.kind.eng not in PLATED or draw.unit() >= PLATE_SHARE:
            continue
        width_share = PLATE_WIDTH_SHARE
        left, top, right, bottom = item.box
        height_share = min(1.0, (right - left) * width_share / PLATE_ASPECT / max(1, bottom - top))
        eng, rus = _plate(draw)
        labels.append({
            "eng": eng,
            "rus": rus,
            "prob": draw.prob(0.5, 0.9999),
            "coord": list(_inner(item.box, width_share, height_share, 0.75)),
            "types_prob": [
                {"type": "rus", "prob": draw.prob(0.85, 0.9999)},
                {"type": "cis", "prob": draw.prob(0.5, 0.95)},
                {"type": "eu", "prob": draw.prob(0.0, 0.05)},
            ],
        })
    return labels


def _pedestrians(found: Plan, draw: Draw) -> dict[str, Any]:
    people = [item for item in found.instances if item.kind.eng == "Person"]
    labels = [
        {"eng": PEDESTRIAN[0], "rus": PEDESTRIAN[1], "prob": _jitter(draw, item.score), "coord": list(item.box)}
        for item in people
    ]
    # A density map also counts people too small or hidden to get a box.
    hidden = draw.below(3) if len(people) >= 2 else 0
    return {"labels": labels, "count_by_density": len(people) + hidden}


def _scenes(found: Plan, draw: Draw) -> list[dict[str, Any]]:
    score = draw.between(0.4, 0.95)
    labels = []
    for scene in found.scenes:
        labels.append({**_categorised(scene), "prob": round(score, PROB_DECIMALS)})
        score *= draw.between(0.3, 0.9)
    return labels


def _selfie(found: Plan, draw: Draw, width: int, height: int) -> dict[str, Any]:
    faces = [item for item in found.instances if item.kind.group in ("face", "person")]
    big = len(faces) == 1 and (faces[0].box[2] - faces[0].box[0]) >= SELFIE_FACE_SHARE * width
    prob = draw.prob(0.6, 0.99) if big else draw.prob(0.0, 0.35)
    return {"prob": prob, "is_selfie": prob >= 0.5}


def _labelled(labels: list[dict[str, Any]]) -> dict[str, Any]:
    return {"labels": labels} if labels else {}


@lru_cache(maxsize=16384)
def answer(sha256: str, info: ImageInfo, mode: str) -> dict[str, Any]:
    """One image's answer in one mode, without status and name. Callers must not modify it."""
    found = plan(sha256, info.width, info.height)
    draw = Draw(sha256, mode)
    if mode == "object":
        return _labelled(_objects(found, draw, v1_only=True, per_instance=False))
    if mode == "object2":
        return _labelled(_objects(found, draw, v1_only=False, per_instance=False))
    if mode == "multiobject":
        return _labelled(_objects(found, draw, v1_only=True, per_instance=True))
    if mode == "scene":
        return _labelled(_scenes(found, draw))
    if mode == "car_number":
        return _labelled(_car_numbers(found, draw))
    if mode == "pedestrian":
        result = _pedestrians(found, draw)
        return {**_labelled(result["labels"]), "count_by_density": result["count_by_density"]}
    if mode == "selfie":
        return _selfie(found, draw, info.width, info.height)
    raise ValueError(f"unknown mode {mode!r}")
