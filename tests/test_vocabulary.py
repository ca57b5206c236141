"""Invariants of the bilingual vocabulary the rules engine draws invented answers from."""

from __future__ import annotations

import re
import unicodedata

import pytest

from mockserver.answers import vocabulary as v
from mockserver.answers.vocabulary import GROUPS, OBJECTS, SCENES, Category, ObjectClass, SceneClass

# Cyrillic block only; single spaces or hyphens may separate words.  Latin look-alikes (a, o, e, c, p, x)
# typed by accident are exactly what this must catch.
CYRILLIC_RE = re.compile(r"[\u0400-\u04FF]+(?:[ -][\u0400-\u04FF]+)*")
ENGLISH_RE = re.compile(r"[A-Za-z]+(?:[ -][A-Za-z]+)*")
# Minor words stay lowercase in the vendor's Title case ("Fruits and Vegetables").
MINOR_WORDS = frozenset({"and", "of", "for", "with"})

ALL_CLASSES: tuple[ObjectClass | SceneClass, ...] = (*OBJECTS, *SCENES)
USED_CATEGORIES: tuple[Category, ...] = tuple(c for cls in ALL_CLASSES for c in cls.categories)
ALL_NAMED: tuple[tuple[str, str], ...] = (
    *((c.eng, c.rus) for c in ALL_CLASSES),
    *((c.eng, c.rus) for c in v.CATEGORIES),
    v.PEDESTRIAN,
)

# Latin plate letter -> the unicodedata name suffix of its Cyrillic look-alike.
PLATE_PAIRS = {
    "A": "A", "B": "VE", "E": "IE", "K": "KA", "M": "EM", "H": "EN",
    "O": "O", "P": "ER", "C": "ES", "T": "TE", "Y": "U", "X": "HA",
}


def _ids(pairs: tuple[tuple[str, str], ...]) -> list[str]:
    return [eng for eng, _ in pairs]


def test_objects_count_at_least_90() -> None:
    assert len(OBJECTS) >= 90


def test_objects_in_v1_count_at_least_60() -> None:
    assert sum(o.in_v1 for o in OBJECTS) >= 60


def test_objects_not_in_v1_exist() -> None:
    # object2 must know something object does not, or the two modes are indistinguishable.
    assert any(not o.in_v1 for o in OBJECTS)


def test_scenes_count_at_least_45() -> None:
    assert len(SCENES) >= 45


def test_categories_few() -> None:
    # Real answers: 33 of 34 labels carry no category; "Plant" carries "Plants"/"Растения".
    assert v.CATEGORIES == (Category("Plants", "Растения"),)


def test_categories_on_few_classes() -> None:
    with_categories = [cls.eng for cls in ALL_CLASSES if cls.categories]
    assert "Plant" in with_categories and len(with_categories) <= len(ALL_CLASSES) // 10


@pytest.mark.parametrize(("eng", "rus"), ALL_NAMED, ids=_ids(ALL_NAMED))
def test_rus_name_is_cyrillic(eng: str, rus: str) -> None:
    assert CYRILLIC_RE.fullmatch(rus), f"{eng!r}: {rus!r} is not plain Cyrillic text"
    assert rus[0].isupper()


@pytest.mark.parametrize(("eng", "rus"), ALL_NAMED, ids=_ids(ALL_NAMED))
def test_eng_name_is_ascii_title_case(eng: str, rus: str) -> None:
    assert eng.isascii()
    assert ENGLISH_RE.fullmatch(eng), f"{eng!r} has unexpected characters"
    for word in eng.split(" "):
        assert word in MINOR_WORDS or word[0].isupper(), f"{eng!r} is not in Title case"


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("object eng", [o.eng for o in OBJECTS]),
        ("object rus", [o.rus for o in OBJECTS]),
        ("scene eng", [s.eng for s in SCENES]),
        ("scene rus", [s.rus for s in SCENES]),
        ("category eng", [c.eng for c in v.CATEGORIES]),
        ("category rus", [c.rus for c in v.CATEGORIES]),
    ],
)
def test_names_unique_within_kind(kind: str, names: list[str]) -> None:
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"duplicate {kind}: {duplicates}"


@pytest.mark.parametrize("lang", ["eng", "rus"])
def test_names_object_and_scene_disjoint(lang: str) -> None:
    # A label must tell by itself whether it came from an object or a scene answer.
    objects = {getattr(o, lang) for o in OBJECTS}
    scenes = {getattr(s, lang) for s in SCENES}
    assert not objects & scenes


@pytest.mark.parametrize("obj", OBJECTS, ids=[o.eng for o in OBJECTS])
def test_object_fields_valid(obj: ObjectClass) -> None:
    assert obj.group in GROUPS
    assert obj.aspect > 0
    low, high = obj.size
    assert 0 < low <= high <= 1


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=[c.eng for c in ALL_CLASSES])
def test_class_categories_registered(cls: ObjectClass | SceneClass) -> None:
    assert len(cls.categories) <= 2
    assert len(set(cls.categories)) == len(cls.categories)
    assert all(c in v.CATEGORIES for c in cls.categories)


@pytest.mark.parametrize("category", v.CATEGORIES, ids=[c.eng for c in v.CATEGORIES])
def test_category_used_by_some_class(category: Category) -> None:
    assert category in USED_CATEGORIES


def test_groups_unique() -> None:
    assert len(set(GROUPS)) == len(GROUPS)


@pytest.mark.parametrize("group", GROUPS)
def test_group_used_by_some_object(group: str) -> None:
    assert any(o.group == group for o in OBJECTS)


@pytest.mark.parametrize(
    ("eng", "rus", "group"),
    [
        ("Person", "Человек", "person"),
        ("Face", "Лицо", "face"),
        ("Car", "Автомобиль", "vehicle"),
        ("Bus", "Автобус", "vehicle"),
        ("Truck", "Грузовик", "vehicle"),
        ("Motorcycle", "Мотоцикл", "vehicle"),
        ("Bicycle", "Велосипед", "vehicle"),
    ],
)
def test_objects_required_present(eng: str, rus: str, group: str) -> None:
    matches = [o for o in OBJECTS if o.eng == eng]
    assert len(matches) == 1
    assert matches[0].rus == rus
    assert matches[0].group == group
    # The older model must know the basics too.
    assert matches[0].in_v1


@pytest.mark.parametrize(
    ("eng", "rus"),
    [
        ("Beauty Salon", "Салон красоты"),
        ("Stage", "Сцена"),
        ("Street", "Улица"),
        ("Parking Lot", "Парковка"),
        ("Beach", "Пляж"),
        ("Mountain", "Горы"),
        ("Forest", "Лес"),
        ("Office", "Офис"),
        ("Kitchen", "Кухня"),
        ("Restaurant", "Ресторан"),
        ("Highway", "Шоссе"),
        ("Lake", "Озеро"),
        ("Field", "Поле"),
        ("Stadium", "Стадион"),
        ("Classroom", "Учебный класс"),
    ],
)
def test_scenes_required_present(eng: str, rus: str) -> None:
    assert [s.rus for s in SCENES if s.eng == eng] == [rus]


@pytest.mark.parametrize(
    ("eng", "rus", "categories"),
    [
        ("Person", "Человек", ()),
        ("Chair", "Стул", ()),
        ("Backpack", "Рюкзак", ()),
        ("Close-up", "Крупный план", ()),
        ("Macro Photography", "Макросъемка", ()),
        ("Leaf", "Листок", ()),
        ("Plant", "Растение", (Category("Plants", "Растения"),)),
    ],
)
def test_objects_as_real_answers_name_them(eng: str, rus: str, categories: tuple[Category, ...]) -> None:
    assert [(o.rus, o.categories, o.in_v1) for o in OBJECTS if o.eng == eng] == [(rus, categories, True)]


@pytest.mark.parametrize(
    ("eng", "rus"), [("Auditorium", "Зрительный зал"), ("Movie Theater", "Кинотеатр"), ("Rice Paddy", "Рисовое поле")]
)
def test_scenes_as_real_answers_name_them(eng: str, rus: str) -> None:
    assert [(s.rus, s.categories) for s in SCENES if s.eng == eng] == [(rus, ())]


@pytest.mark.parametrize("setting", v.SETTINGS)
def test_scene_settings_each_used(setting: str) -> None:
    assert any(s.setting == setting for s in SCENES)


def test_scene_settings_registered() -> None:
    assert {s.setting for s in SCENES} <= set(v.SETTINGS)


def test_pedestrian_pair() -> None:
    # The real service's Russian name (the vendor's page shows it machine-translated as "Man").
    assert v.PEDESTRIAN == ("Pedestrian", "Человек")


@pytest.mark.parametrize("pattern", v.FOREIGN_PLATES)
def test_foreign_plate_pattern_letters_and_digits(pattern: str) -> None:
    assert set(pattern) == {"L", "D"} and 4 <= len(pattern) <= 8


def test_foreign_plates_include_real_shapes() -> None:
    # MA77K0S and K777, as the real service read them.
    assert {"LLDDLDL", "LDDD"} <= set(v.FOREIGN_PLATES)
    assert set(v.FOREIGN_LETTERS) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@pytest.mark.parametrize("alphabet", [v.PLATE_LATIN, v.PLATE_CYRILLIC])
def test_plate_alphabet_has_12_distinct_letters(alphabet: str) -> None:
    assert len(alphabet) == 12
    assert len(set(alphabet)) == 12


def test_plate_latin_matches_expected_letters() -> None:
    assert set(v.PLATE_LATIN) == set(PLATE_PAIRS)


@pytest.mark.parametrize("index", range(12))
def test_plate_letters_are_lookalike_pair(index: int) -> None:
    latin, cyrillic = v.PLATE_LATIN[index], v.PLATE_CYRILLIC[index]
    assert 0x0400 <= ord(cyrillic) <= 0x04FF
    assert unicodedata.name(latin) == f"LATIN CAPITAL LETTER {latin}"
    assert unicodedata.name(cyrillic) == f"CYRILLIC CAPITAL LETTER {PLATE_PAIRS[latin]}"


@pytest.mark.parametrize("code", v.REGION_CODES)
def test_region_code_is_2_or_3_digits(code: str) -> None:
    assert re.fullmatch(r"[0-9]{2,3}", code)
    assert code not in {"00", "000"}


def test_region_codes_unique() -> None:
    assert len(set(v.REGION_CODES)) == len(v.REGION_CODES)


@pytest.mark.parametrize("code", ["01", "77", "78", "99", "116", "177", "777", "799"])
def test_region_codes_include_common(code: str) -> None:
    assert code in v.REGION_CODES


def test_region_codes_include_three_digit() -> None:
    assert sum(len(c) == 3 for c in v.REGION_CODES) >= 24
