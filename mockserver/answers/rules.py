"""Answers made up from the image bytes, for images no fixture knows (SPEC section 5, step 3).

Everything is drawn from the image's SHA-256 (`draw.py`), so the same bytes give byte-identical answers
on every run, machine and worker. An image first gets a *plan* (`plan.py`): what it shows. Each mode is
then a view of that plan, as the vendor's models would see the same photo, with labels in the order the
real answers show them:

- `object`: the classes the old model knows, one label per class, in the model's class order (not by
  `prob`: a client must not take `labels[0]` as the best); `object2`: the whole vocabulary, in its own
  model's class order;
- `multiobject`: every instance with its box, grouped by class (the class with the best `prob` first),
  by `prob` within a class;
- `pedestrian`: the people detector's own boxes, highest `prob` first, and a density count that is never
  below the boxes and far above them in a crowd;
- `car_number`: the plates on the vehicles, in no particular order, Russian ones in both alphabets and
  foreign ones as read with `rus` "";
- `scene`: the scenes, highest `prob` first; `selfie`: a single large person or face.

Confidences for each mode come from a stream of their own, so asking for more modes never changes
another mode's answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ..detect.images import ImageInfo
from .draw import PROB_DECIMALS
from .draw import Draw as Draw  # re-exported: compose.py orders images with it
from .plan import Box, Instance, Plan, Plate, plan
from .vocabulary import OBJECTS, PEDESTRIAN, ObjectClass, SceneClass

JITTER = 0.05
PEDESTRIAN_FOUND = 0.9  # of the people after the first: the detector misses a few
PEDESTRIAN_SURE = 0.9  # share of its boxes with a prob in PEDESTRIAN_PROB; the rest are less sure
PEDESTRIAN_PROB, PEDESTRIAN_UNSURE = (0.85, 0.98), (0.6, 0.85)
PEDESTRIAN_BOX_JITTER = 0.06  # its boxes are its own: each edge a few per cent off the object models'
PLATE_PROB = (0.55, 0.97)
# (ru, cis, eu) probabilities: independent, not summing to 1; a foreign plate has a low `ru`.
RUSSIAN_TYPES = ((0.85, 0.9999), (0.3, 0.95), (0.0, 0.2))
FOREIGN_TYPES = ((0.0, 0.35), (0.2, 0.95), (0.3, 0.95))
PLATE_TYPES = ("ru", "cis", "eu")
SELFIE_PROB, NOT_SELFIE_PROB = (0.6, 0.99), (0.0, 0.45)


@lru_cache(maxsize=2)
def class_order(model: str) -> dict[str, int]:
    """Each class's index in a model's output: `object` lists the vocabulary in order; `object2` is another
    model with an order of its own (fixed by the names' digests, the same on every machine)."""
    names = [kind.eng for kind in OBJECTS]
    if model == "object2":
        names.sort(key=lambda eng: hashlib.sha256(eng.encode()).digest())
    return {eng: index for index, eng in enumerate(names)}


def _categorised(kind: ObjectClass | SceneClass) -> dict[str, Any]:
    return {
        "eng": kind.eng,
        "rus": kind.rus,
        "eng_categories": [category.eng for category in kind.categories],
        "rus_categories": [category.rus for category in kind.categories],
    }


def _jitter(draw: Draw, score: float) -> float:
    return round(min(0.9999, max(0.0, score + draw.between(-JITTER, JITTER))), PROB_DECIMALS)


def _object_label(draw: Draw, item: Instance) -> dict[str, Any]:
    return {**_categorised(item.kind), "prob": _jitter(draw, item.score), "coord": list(item.box)}


def _by_class(draw: Draw, instances: Sequence[Instance], model: str) -> list[dict[str, Any]]:
    best: dict[str, Instance] = {}
    for item in instances:
        if item.kind.eng not in best or item.score > best[item.kind.eng].score:
            best[item.kind.eng] = item
    order = class_order(model)
    return [_object_label(draw, best[eng]) for eng in sorted(best, key=order.__getitem__)]


def _grouped(draw: Draw, instances: Sequence[Instance]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in instances:
        groups.setdefault(item.kind.eng, []).append(_object_label(draw, item))
    for labels in groups.values():
        labels.sort(key=lambda label: -label["prob"])
    # Ties keep the plan's order: sorted() is stable, and dicts keep insertion order.
    return [label for labels in sorted(groups.values(), key=lambda labels: -labels[0]["prob"]) for label in labels]


def _plate_label(draw: Draw, plate: Plate) -> dict[str, Any]:
    ranges = RUSSIAN_TYPES if plate.rus else FOREIGN_TYPES
    return {
        "eng": plate.eng,
        "rus": plate.rus,
        "prob": draw.prob(*PLATE_PROB),
        "coord": list(plate.box),
        "types_prob": [
            {"type": kind, "prob": draw.prob(*span)} for kind, span in zip(PLATE_TYPES, ranges, strict=True)
        ],
    }


def _own_box(draw: Draw, box: Box, width: int, height: int) -> Box:
    left, top, right, bottom = box
    dx, dy = (right - left) * PEDESTRIAN_BOX_JITTER, (bottom - top) * PEDESTRIAN_BOX_JITTER
    new_left = max(0, min(left + round(draw.between(-dx, dx)), width - 1))
    new_top = max(0, min(top + round(draw.between(-dy, dy)), height - 1))
    new_right = min(width, max(right + round(draw.between(-dx, dx)), new_left + 1))
    new_bottom = min(height, max(bottom + round(draw.between(-dy, dy)), new_top + 1))
    own = new_left, new_top, new_right, new_bottom
    if own != box:
        return own
    # A small person's jitter rounds to nothing: move one edge a pixel, so the box is still the detector's own.
    nudged = [
        (left, top, right, bottom + 1), (left, top - 1, right, bottom),
        (left, top, right + 1, bottom), (left - 1, top, right, bottom),
        (left, top, right, bottom - 1), (left, top, right - 1, bottom),
    ]
    return next(
        (edges for edges in nudged if 0 <= edges[0] < edges[2] <= width and 0 <= edges[1] < edges[3] <= height), box
    )


def _pedestrians(found: Plan, draw: Draw, width: int, height: int) -> dict[str, Any]:
    labels: list[dict[str, Any]] = []
    for index, person in enumerate(found.people):
        if index and not draw.chance(PEDESTRIAN_FOUND):
            continue
        prob = draw.prob(*(PEDESTRIAN_PROB if draw.chance(PEDESTRIAN_SURE) else PEDESTRIAN_UNSURE))
        labels.append({"eng": PEDESTRIAN[0], "rus": PEDESTRIAN[1], "prob": prob,
                       "coord": list(_own_box(draw, person.box, width, height))})
    labels.sort(key=lambda label: -label["prob"])
    # A density map also counts people too small or hidden to get a box.
    return {**_labelled(labels), "count_by_density": len(labels) + found.unseen}


def _scenes(found: Plan, draw: Draw) -> list[dict[str, Any]]:
    score = draw.between(0.3, 0.95)
    labels = []
    for scene in found.scenes:
        labels.append({**_categorised(scene), "prob": round(score, PROB_DECIMALS)})
        score *= draw.between(0.3, 0.9)
    return labels


def _selfie(found: Plan, draw: Draw) -> dict[str, Any]:
    prob = draw.prob(*(SELFIE_PROB if found.selfie else NOT_SELFIE_PROB))
    return {"prob": prob, "is_selfie": prob >= 0.5}


def _labelled(labels: list[dict[str, Any]]) -> dict[str, Any]:
    return {"labels": labels} if labels else {}


@lru_cache(maxsize=16384)
def answer(sha256: str, info: ImageInfo, mode: str) -> dict[str, Any]:
    """One image's answer in one mode, without status and name. Callers must not modify it."""
    found = plan(sha256, info.width, info.height)
    draw = Draw(sha256, mode)
    old_model = [item for item in found.instances if item.kind.in_v1]
    if mode == "object":
        return _labelled(_by_class(draw, old_model, "object"))
    if mode == "object2":
        return _labelled(_by_class(draw, found.instances, "object2"))
    if mode == "multiobject":
        return _labelled(_grouped(draw, old_model))
    if mode == "scene":
        return _labelled(_scenes(found, draw))
    if mode == "car_number":
        return _labelled([_plate_label(draw, plate) for plate in found.plates])
    if mode == "pedestrian":
        return _pedestrians(found, draw, info.width, info.height)
    if mode == "selfie":
        return _selfie(found, draw)
    raise ValueError(f"unknown mode {mode!r}")

