"""What an image no fixture knows shows: drawn from its digest alone, before any mode looks at it.

A plan is a theme (a photo of cars, a street, a selfie, a crowd, a room, nature, sport, or nothing the
models know), the things in it with their boxes (people with faces, vehicles with their plates, the rest),
its scenes, and how many people a density map would count that no box shows. Each mode (`rules.py`) is
a view of the same plan, so one image's modes agree: a plate lies on a vehicle the object modes report,
a selfie is one large person or face, the pedestrians are where the people are.

The themes' weights are set so that over varied images each mode's client sees its happy path often and
its empty path too (SPEC section 4): a plate in about 70 % of images, a selfie in about 43 %, people in
about 67 %, nothing for the object models in about 10 %; and a selfie shows a plate only as often as these
shares force (about two selfies in three, taken by a car). `tests/test_rules_distribution.py` measures them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .draw import Draw
from .vocabulary import (
    FOREIGN_LETTERS,
    FOREIGN_PLATES,
    OBJECTS,
    PLATE_CYRILLIC,
    PLATE_LATIN,
    REGION_CODES,
    SCENES,
    SETTINGS,
    ObjectClass,
    SceneClass,
)

Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Theme:
    """What a kind of photo holds: (chance, fewest, most) people and vehicles, the groups of the other
    things in view and how many, and the settings its scenes come from."""

    weight: float
    people: tuple[float, int, int]
    vehicles: tuple[float, int, int]
    fillers: str
    filler_count: tuple[int, int]
    settings: str


# A selfie shows a plate only as often as SPEC section 4's shares force: plates in ~70 % of images and
# selfies in ~43 % with ~10 % empty leave about half the images for plates that are not in selfies, so
# most plates come from photos of cars and streets (whose first vehicle always shows its plate) and the
# rest from selfies taken by a car: the vehicle behind the person, its plate small.
SELFIE_BY_CAR = 0.65
# The weights set the shares of SPEC section 4 (see above).
THEMES: dict[str, Theme] = {
    "empty": Theme(0.105, (0, 0, 0), (0, 0, 0), "", (0, 0), " ".join(SETTINGS)),
    "selfie": Theme(0.43, (1, 1, 1), (SELFIE_BY_CAR, 1, 1), "clothing", (0, 2), ""),
    "cars": Theme(0.27, (0.5, 1, 3), (1, 1, 3), "building other plant", (0, 3), "road city"),
    "street": Theme(0.11, (0.85, 1, 6), (1, 1, 4), "building plant other clothing", (0, 4), "city road"),
    "crowd": Theme(0.035, (1, 8, 24), (1, 1, 3), "clothing other building", (0, 3), "city venue sport"),
    "indoors": Theme(0.02, (0.5, 1, 3), (0, 0, 0), "furniture electronics kitchen food other", (1, 6), "indoors venue"),
    "nature": Theme(0.015, (0.3, 1, 2), (0.4, 1, 2), "animal plant", (1, 5), "nature"),
    "sport": Theme(0.015, (1, 1, 6), (0.2, 1, 1), "sport clothing", (1, 4), "sport"),
}
# Vehicles that carry a plate, all known to the old object model too: a plate always has its vehicle in
# every object mode.
PLATED: tuple[tuple[str, float], ...] = (("Car", 0.7), ("Truck", 0.1), ("Bus", 0.1), ("Motorcycle", 0.1))
PLATED_FIRST = ("selfie", "cars", "street", "crowd")  # themes whose first vehicle always shows its plate
PLATE_SHARE = 0.7  # of the other vehicles
FOREIGN_SHARE = 0.2
PLATE_WIDTH_SHARE = 0.28  # a 520 mm plate on a 1.8 m wide car
PLATE_ASPECT, SHORT_PLATE_ASPECT = 4.5, 2.0
MOTORCYCLE_PLATE_ASPECT = 1.5  # a two-line plate, 245 x 160 mm
FACE_SHARE = 0.35
FACE_WIDTH_SHARE, FACE_HEIGHT_SHARE = 0.35, 0.25  # a face: the top quarter of a person, a third as wide
SELFIE_FACE_ONLY = 0.15
SELFIE_WIDTH, SELFIE_HEIGHT = (0.45, 0.9), (0.7, 1.0)
SELFIE_FACE_SIDE = (0.6, 1.0)  # of the image's shorter side
CROWD_PERSON_SIZE = (0.08, 0.4)
CROWD_UNSEEN = (1.5, 7.0)  # a density map counts several times the people that get a box (real: 157, 21)
CLOSE_UP_SHARE = 0.3
MAX_SCENES = 3

_KIND = {kind.eng: kind for kind in OBJECTS}
PERSON, FACE = _KIND["Person"], _KIND["Face"]


@dataclass(frozen=True, slots=True)
class Plate:
    eng: str
    rus: str  # "" for a plate that is not Russian
    box: Box


@dataclass(frozen=True, slots=True)
class Instance:
    kind: ObjectClass
    box: Box
    score: float
    plate: Plate | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    theme: str
    instances: tuple[Instance, ...]
    scenes: tuple[SceneClass, ...]
    selfie: bool
    unseen: int  # people a density map counts beyond those with a box

    @property
    def people(self) -> tuple[Instance, ...]:
        return tuple(item for item in self.instances if item.kind is PERSON)

    @property
    def plates(self) -> tuple[Plate, ...]:
        return tuple(item.plate for item in self.instances if item.plate is not None)


def _box(draw: Draw, kind: ObjectClass, width: int, height: int, size: tuple[float, float] | None = None) -> Box:
    longer = draw.between(*(size or kind.size)) * min(width, height)
    box_w, box_h = (longer, longer / kind.aspect) if kind.aspect >= 1 else (longer * kind.aspect, longer)
    box_w = max(1, min(width, int(box_w)))
    box_h = max(1, min(height, int(box_h)))
    left = draw.below(width - box_w + 1)
    top = draw.below(height - box_h + 1)
    return left, top, left + box_w, top + box_h


def inner(outer: Box, width_share: float, height_share: float, top_share: float, left_share: float = 0.5) -> Box:
    """A box inside `outer` (`left_share` 0.5: centred), never degenerate."""
    left, top, right, bottom = outer
    inner_w = max(1, min(right - left, int((right - left) * width_share)))
    inner_h = max(1, min(bottom - top, int((bottom - top) * height_share)))
    x = left + int((right - left - inner_w) * left_share)
    y = min(bottom - inner_h, top + int((bottom - top) * top_share))
    return x, y, x + inner_w, y + inner_h


def _plate_text(draw: Draw) -> tuple[str, str]:
    """A Russian plate in Latin look-alikes and in Cyrillic, or a foreign one as read, with `rus` ""."""
    if draw.chance(FOREIGN_SHARE):
        pattern = draw.pick(FOREIGN_PLATES)
        return "".join(draw.pick(FOREIGN_LETTERS) if c == "L" else str(draw.below(10)) for c in pattern), ""
    letters = [draw.pick(PLATE_LATIN) for _ in range(3)]
    eng = f"{letters[0]}{1 + draw.below(999):03d}{letters[1]}{letters[2]}{draw.pick(REGION_CODES)}"
    return eng, eng.translate(str.maketrans(PLATE_LATIN, PLATE_CYRILLIC))


def _plate(draw: Draw, kind: ObjectClass, vehicle: Box) -> Plate:
    eng, rus = _plate_text(draw)
    if kind.eng == "Motorcycle":
        aspect = MOTORCYCLE_PLATE_ASPECT
    else:
        aspect = SHORT_PLATE_ASPECT if len(eng) <= 4 else PLATE_ASPECT
    left, top, right, bottom = vehicle
    width_share = PLATE_WIDTH_SHARE * draw.between(0.8, 1.1)
    height_share = (right - left) * width_share / aspect / max(1, bottom - top)
    box = inner(vehicle, width_share, height_share, draw.between(0.6, 0.8), draw.between(0.3, 0.7))
    return Plate(eng, rus, box)


def _vehicles(draw: Draw, theme: Theme, width: int, height: int, *, plated_first: bool) -> list[Instance]:
    chance, fewest, most = theme.vehicles
    if not draw.chance(chance):
        return []
    found = []
    for index in range(draw.count(fewest, most)):
        kind = _KIND[draw.weighted(PLATED)]
        box = _box(draw, kind, width, height)
        shows_plate = (index == 0 and plated_first) or draw.chance(PLATE_SHARE)
        found.append(Instance(kind, box, draw.between(0.4, 0.98), _plate(draw, kind, box) if shows_plate else None))
    return found


def _person(draw: Draw, box: Box, score: float, face_share: float) -> list[Instance]:
    found = [Instance(PERSON, box, score)]
    if draw.chance(face_share):
        found.append(Instance(FACE, inner(box, FACE_WIDTH_SHARE, FACE_HEIGHT_SHARE, 0.02), draw.between(0.4, 0.98)))
    return found


def _people(draw: Draw, name: str, theme: Theme, width: int, height: int) -> list[Instance]:
    chance, fewest, most = theme.people
    if not draw.chance(chance):
        return []
    size = CROWD_PERSON_SIZE if name == "crowd" else None
    found: list[Instance] = []
    for _ in range(draw.count(fewest, most)):
        found += _person(draw, _box(draw, PERSON, width, height, size), draw.between(0.2, 0.97), FACE_SHARE)
    return found


def _selfie_subject(draw: Draw, width: int, height: int) -> list[Instance]:
    """One large face, or one large person (with a face, mostly): nobody else is in a selfie."""
    if draw.chance(SELFIE_FACE_ONLY):
        side = max(1, int(draw.between(*SELFIE_FACE_SIDE) * min(width, height)))
        left, top = draw.below(width - side + 1), draw.below(height - side + 1)
        return [Instance(FACE, (left, top, left + side, top + side), draw.between(0.85, 0.99))]
    box_w = max(1, int(draw.between(*SELFIE_WIDTH) * width))
    box_h = max(1, int(draw.between(*SELFIE_HEIGHT) * height))
    left = draw.below(width - box_w + 1)
    return _person(draw, (left, height - box_h, left + box_w, height), draw.between(0.85, 0.99), 0.9)


def _close_up(draw: Draw, width: int, height: int) -> list[Instance]:
    """A plant filling the frame, named as the real object model names it: Plant, Leaf, Close-up, Macro."""
    subject = _box(draw, _KIND["Plant"], width, height, (0.8, 1.0))
    upper = inner(subject, 1.0, draw.between(0.6, 0.85), 0.0)
    return [
        Instance(_KIND["Close-up"], upper, draw.between(0.4, 0.6)),
        Instance(_KIND["Macro Photography"], upper, draw.between(0.4, 0.6)),
        Instance(_KIND["Plant"], subject, draw.between(0.7, 0.95)),
        Instance(_KIND["Leaf"], inner(subject, 1.0, draw.between(0.7, 0.9), 0.0), draw.between(0.5, 0.8)),
    ]


def _fillers(draw: Draw, theme: Theme, width: int, height: int, *, need_v1: bool) -> list[Instance]:
    groups = theme.fillers.split()
    kinds = [kind for kind in OBJECTS if kind.group in groups]
    found = []
    for index in range(draw.count(*theme.filler_count) if kinds else 0):
        # Every photo that is not empty shows the old object model something it knows.
        pool = [kind for kind in kinds if kind.in_v1] if index == 0 and need_v1 else kinds
        kind = draw.pick(pool)
        found.append(Instance(kind, _box(draw, kind, width, height), draw.between(0.3, 0.95)))
    return found


def _scenes(draw: Draw, settings: str) -> tuple[SceneClass, ...]:
    fitting = [scene for scene in SCENES if scene.setting in settings.split()]
    return tuple(dict.fromkeys(draw.pick(fitting) for _ in range(draw.count(1, MAX_SCENES))))


@lru_cache(maxsize=4096)
def plan(sha256: str, width: int, height: int) -> Plan:
    """What the image shows, drawn from its digest and its size alone."""
    draw = Draw(sha256, "plan")
    name = draw.weighted([(name, theme.weight) for name, theme in THEMES.items()])
    theme = THEMES[name]
    if name == "selfie":
        instances = _selfie_subject(draw, width, height)
    elif name == "nature" and draw.chance(CLOSE_UP_SHARE):
        instances = _close_up(draw, width, height)
    else:
        instances = _people(draw, name, theme, width, height)
    instances += _vehicles(draw, theme, width, height, plated_first=name in PLATED_FIRST)
    need_v1 = not any(item.kind.in_v1 for item in instances)
    instances += _fillers(draw, theme, width, height, need_v1=need_v1)
    settings = theme.settings
    if name == "selfie":
        by_road = any(item.kind.group == "vehicle" for item in instances)
        settings = "city road" if by_road else "city nature indoors venue"
    people = sum(item.kind is PERSON for item in instances)
    unseen = int(people * draw.between(*CROWD_UNSEEN)) if name == "crowd" else draw.below(3) if people >= 2 else 0
    return Plan(name, tuple(instances), _scenes(draw, settings), name == "selfie", unseen)
